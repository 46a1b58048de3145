//! The unique-click rule shared by every backend: a click counts as unique once per visitor per key
//! within 24 h. Backends look up the newest stored unique click of each (program, key, visitor) in a
//! batch (from [`window_start`] on) and let [`decide`] settle the batch in order.

use std::collections::HashMap;

use crate::clock;
use crate::model::NewVisit;

/// A click counts as unique once per visitor per key within this window.
pub const UNIQUE_WINDOW_MICROS: i64 = 24 * 3600 * 1_000_000;

/// (program id, referral key, visitor).
pub type ClickKey = (i64, String, String);

/// The oldest unique click (microseconds) that can still make a visit of the batch non-unique.
pub fn window_start(visits: &[NewVisit]) -> i64 {
    visits
        .iter()
        .map(|v| clock::to_micros(v.at))
        .min()
        .unwrap_or_default()
        - UNIQUE_WINDOW_MICROS
}

/// Whether no two visits share a (program, key, visitor): then the batch's visits cannot make
/// each other non-unique, and each is decided by the stored clicks alone.
pub fn all_distinct(visits: &[NewVisit]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(visits.len());
    visits
        .iter()
        .all(|v| seen.insert((v.program_id, v.referral_key.as_str(), v.visitor.as_str())))
}

/// Records a stored unique click found by the backend's lookup.
pub fn note_stored(latest: &mut HashMap<ClickKey, i64>, key: ClickKey, at: i64) {
    let entry = latest.entry(key).or_insert(at);
    *entry = (*entry).max(at);
}

/// Decides, in order, which visits are unique clicks, counting earlier ones of the same batch.
pub fn decide(visits: &[NewVisit], mut latest: HashMap<ClickKey, i64>) -> Vec<bool> {
    let mut unique = Vec::with_capacity(visits.len());
    for visit in visits {
        let at = clock::to_micros(visit.at);
        let key = (
            visit.program_id,
            visit.referral_key.clone(),
            visit.visitor.clone(),
        );
        let seen = latest
            .get(&key)
            .is_some_and(|last| *last > at - UNIQUE_WINDOW_MICROS);
        if !seen {
            latest.insert(key, at);
        }
        unique.push(!seen);
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn visit(key: &str, visitor: &str, at: time::OffsetDateTime) -> NewVisit {
        NewVisit {
            program_id: 1,
            referral_key: key.to_owned(),
            visitor: visitor.to_owned(),
            format: "query".to_owned(),
            landing_url: "https://a.test/?ref=k".to_owned(),
            referrer: None,
            user_agent: None,
            ip_hash: "h".to_owned(),
            at,
        }
    }

    #[test]
    fn in_batch_and_stored_clicks_count_within_24_hours() {
        let t = crate::clock::now();
        let batch = [
            visit("k", "v1", t),
            visit("k", "v1", t + Duration::minutes(1)),
            visit("k", "v2", t),
            visit("j", "v1", t),
            visit("k", "v1", t + Duration::hours(25)),
        ];
        assert_eq!(
            decide(&batch, HashMap::new()),
            [true, false, true, true, true]
        );
        let mut latest = HashMap::new();
        let stored = clock::to_micros(t - Duration::hours(1));
        note_stored(&mut latest, (1, "k".into(), "v2".into()), stored - 5);
        note_stored(&mut latest, (1, "k".into(), "v2".into()), stored);
        assert_eq!(decide(&batch, latest), [true, false, false, true, true]);
        assert!(!all_distinct(&batch));
        assert!(all_distinct(&batch[1..4]));
        assert_eq!(
            window_start(&batch),
            clock::to_micros(t) - UNIQUE_WINDOW_MICROS
        );
    }
}
