//! Fixed-window rate limiting per subject (client IP or API key) and bucket.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked subjects, expired windows are pruned.
const PRUNE_AT: usize = 100_000;

/// (bucket, subject) → (window start, requests in the window).
type Windows = HashMap<(&'static str, String), (Instant, u32)>;

/// Request counters per (bucket, subject) for the current minute.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts a request; 429 when `limit_per_minute` is exceeded (0 means unlimited).
    pub fn check(
        &self,
        bucket: &'static str,
        subject: &str,
        limit_per_minute: u32,
    ) -> Result<(), AppError> {
        if limit_per_minute == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > PRUNE_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows
            .entry((bucket, subject.to_owned()))
            .or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= limit_per_minute {
            let retry = WINDOW.saturating_sub(now.duration_since(entry.0)).as_secs() + 1;
            return Err(AppError::rate_limited(retry));
        }
        entry.1 += 1;
        Ok(())
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
}
