//! Retry schedule: exponential backoff with jitter.

use std::time::Duration;

/// The exponent stops growing after this many doublings (with the default one-minute base the
/// longest wait is about 8.5 hours, and the default 12 attempts span about a day).
const MAX_DOUBLINGS: u32 = 9;

/// The wait before the next attempt after `failed_attempts` failures in a row (1 = the first
/// failure): `base * 2^(failed_attempts - 1)`, capped, then scaled by a random factor in
/// `[0.75, 1.25)` so receivers coming back up are not hit by every retry at once.
pub fn delay(base: Duration, failed_attempts: u32) -> Duration {
    let doublings = failed_attempts.saturating_sub(1).min(MAX_DOUBLINGS);
    let nominal = base.saturating_mul(1 << doublings);
    nominal.mul_f64(rand::random_range(0.75..1.25))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(60);
        for attempt in 1..=20 {
            let nominal = base * (1 << (attempt - 1).min(MAX_DOUBLINGS));
            let wait = delay(base, attempt);
            assert!(wait >= nominal.mul_f64(0.75) && wait < nominal.mul_f64(1.25));
        }
        // Eleven waits between twelve attempts add up to about a day.
        let total: Duration = (1..=11)
            .map(|n| base * (1 << (n - 1).min(MAX_DOUBLINGS)))
            .sum();
        assert!(total > Duration::from_secs(20 * 3600) && total < Duration::from_secs(30 * 3600));
    }
}
