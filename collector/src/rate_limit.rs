//! Fixed-window rate limiting per subject (client network or API key) and bucket.
//!
//! Windows are one minute long and aligned for all subjects: at the start of each minute the
//! counters of the minute before are dropped as a whole, so memory holds at most the subjects seen
//! in one minute and no request ever scans the table. The table is split into shards to keep
//! requests of different subjects off each other's lock (the shard is picked with a per-process
//! random hash key, so nobody can aim at one), and each shard holds at most
//! [`MAX_SUBJECTS_PER_SHARD`] subjects per bucket: past that, new subjects of the minute share one
//! overflow counter of that bucket with [`OVERFLOW_FACTOR`] times the limit, so a flood of fresh
//! addresses is still limited without growing memory, and a flood in one bucket (visits) never
//! touches another (API keys).
//!
//! Clients are limited by network, not by address: an IPv6 host usually owns a whole /64 and can
//! pick a new source address for every request.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

const WINDOW: Duration = Duration::from_secs(60);
const SHARDS: usize = 16;
/// Subjects tracked per shard and minute before new ones share the overflow counter.
pub const MAX_SUBJECTS_PER_SHARD: usize = 16_384;
/// The overflow counter's limit, as a multiple of the bucket's limit.
pub const OVERFLOW_FACTOR: u32 = 100;

/// Who is counted: an API key, or a client network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Text(String),
    Network(IpAddr),
    Overflow,
}

#[derive(Debug)]
struct Shard {
    minute_start: Instant,
    counts: HashMap<(&'static str, Subject), u32>,
    /// Subjects per bucket in `counts`.
    per_bucket: HashMap<&'static str, usize>,
}

/// Request counters per (bucket, subject) for the current minute.
#[derive(Debug)]
pub struct RateLimiter {
    started: Instant,
    shard_hasher: RandomState,
    shards: Vec<Mutex<Shard>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        let started = Instant::now();
        let shards = (0..SHARDS)
            .map(|_| {
                Mutex::new(Shard {
                    minute_start: started,
                    counts: HashMap::new(),
                    per_bucket: HashMap::new(),
                })
            })
            .collect();
        Self {
            started,
            shard_hasher: RandomState::new(),
            shards,
        }
    }
}

/// The network a client address stands for: IPv4 as is, IPv6 by its /64.
pub fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl RateLimiter {
    /// Counts a request of an API key (or any named subject); 429 past `limit_per_minute` (0 means
    /// unlimited).
    pub fn check(
        &self,
        bucket: &'static str,
        subject: &str,
        limit_per_minute: u32,
    ) -> Result<(), AppError> {
        self.count(
            bucket,
            Subject::Text(subject.to_owned()),
            limit_per_minute,
            Instant::now(),
        )
    }

    /// Counts a request of a client address, by its network (see [`network`]).
    pub fn check_ip(
        &self,
        bucket: &'static str,
        ip: IpAddr,
        limit_per_minute: u32,
    ) -> Result<(), AppError> {
        self.count(
            bucket,
            Subject::Network(network(ip)),
            limit_per_minute,
            Instant::now(),
        )
    }

    fn count(
        &self,
        bucket: &'static str,
        subject: Subject,
        limit: u32,
        now: Instant,
    ) -> Result<(), AppError> {
        if limit == 0 {
            return Ok(());
        }
        let index = self.shard_hasher.hash_one((bucket, &subject)) % SHARDS as u64;
        let shard = &self.shards[index as usize];
        let mut shard = shard
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Only ever forward: a request that read the clock just before another one that already
        // started the next minute counts in that minute.
        let minute_start = self.minute_start(now).max(shard.minute_start);
        if shard.minute_start != minute_start {
            shard.minute_start = minute_start;
            shard.counts.clear();
            shard.counts.shrink_to(MAX_SUBJECTS_PER_SHARD / 16);
            shard.per_bucket.clear();
        }
        let key = (bucket, subject);
        let (key, limit) = if shard.counts.contains_key(&key) {
            (key, limit)
        } else if shard.per_bucket.get(bucket).copied().unwrap_or(0) < MAX_SUBJECTS_PER_SHARD {
            *shard.per_bucket.entry(bucket).or_insert(0) += 1;
            (key, limit)
        } else {
            (
                (bucket, Subject::Overflow),
                limit.saturating_mul(OVERFLOW_FACTOR),
            )
        };
        let count = shard.counts.entry(key).or_insert(0);
        if *count >= limit {
            let retry = (minute_start + WINDOW)
                .saturating_duration_since(now)
                .as_secs()
                + 1;
            return Err(AppError::rate_limited(retry));
        }
        *count += 1;
        Ok(())
    }

    /// The start of the aligned minute `now` falls in.
    fn minute_start(&self, now: Instant) -> Instant {
        let elapsed = now.saturating_duration_since(self.started);
        self.started + WINDOW * (elapsed.as_secs() / WINDOW.as_secs()) as u32
    }

    /// Subjects counted in the minute of `now`.
    #[cfg(test)]
    fn tracked(&self, now: Instant) -> usize {
        let minute_start = self.minute_start(now);
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(|p| p.into_inner()))
            .filter(|shard| shard.minute_start == minute_start)
            .map(|shard| shard.counts.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_subject_and_bucket() {
        let limiter = RateLimiter::default();
        assert!(limiter.check("a", "1.2.3.4", 2).is_ok());
        assert!(limiter.check("a", "1.2.3.4", 2).is_ok());
        let error = limiter.check("a", "1.2.3.4", 2).unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert!(limiter.check("a", "5.6.7.8", 2).is_ok());
        assert!(limiter.check("b", "1.2.3.4", 2).is_ok());
        for _ in 0..100 {
            assert!(limiter.check("c", "x", 0).is_ok());
        }
    }

    /// Every address of one IPv6 /64 is one client; another /64 is another.
    #[test]
    fn ipv6_hosts_are_limited_by_their_64() {
        let limiter = RateLimiter::default();
        for i in 0..3u16 {
            let ip = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, i, i, i + 1));
            assert!(limiter.check_ip("p", ip, 3).is_ok());
        }
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert!(limiter.check_ip("p", same_64, 3).is_err());
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check_ip("p", other_64, 3).is_ok());
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(network(mapped), "203.0.113.7".parse::<IpAddr>().unwrap());
    }

    /// A flood of fresh subjects neither grows the table past its bound nor escapes the limit,
    /// and the next minute starts empty.
    #[test]
    fn a_flood_of_subjects_is_bounded() {
        let limiter = RateLimiter::default();
        let now = limiter.started + Duration::from_secs(5);
        let total = MAX_SUBJECTS_PER_SHARD * SHARDS * 2;
        let mut refused = 0;
        for i in 0..total {
            let subject = Subject::Text(i.to_string());
            if limiter.count("p", subject, 1, now).is_err() {
                refused += 1;
            }
        }
        assert!(limiter.tracked(now) <= MAX_SUBJECTS_PER_SHARD * SHARDS + SHARDS);
        assert!(refused > 0, "the overflow counter limits new subjects");
        // Another bucket is untouched by the flood.
        for i in 0..100 {
            let key = Subject::Text(format!("api-key-{i}"));
            assert!(limiter.count("api", key, 1, now).is_ok());
        }
        // A request that read the clock before the minute turned counts in the new minute.
        let next = limiter.started + Duration::from_secs(60);
        assert!(
            limiter
                .count("late", Subject::Text("a".into()), 1, next)
                .is_ok()
        );
        let early = next - Duration::from_millis(1);
        assert!(
            limiter
                .count("late", Subject::Text("a".into()), 1, early)
                .is_err(),
            "the minute never goes back"
        );
        let next_minute = limiter.started + Duration::from_secs(61);
        assert!(
            limiter
                .count("p", Subject::Text("fresh".into()), 1, next_minute)
                .is_ok()
        );
        // The flood's minute is gone: only "late" and "fresh" are counted now.
        assert_eq!(limiter.tracked(next_minute), 2);
    }
}
