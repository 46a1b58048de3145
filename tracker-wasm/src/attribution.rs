//! First-click / last-click: whether a new referral key replaces the one already in the cookie.

use crate::key::is_valid_key;
use crate::settings::Attribution;

/// Whether a newly found key replaces the stored one; true means write (or renew) the cookie.
pub fn should_write(attribution: Attribution, stored: Option<&[u8]>, incoming: &[u8]) -> bool {
    match (attribution, stored) {
        (Attribution::LastClick, _) => true,
        (Attribution::FirstClick, Some(old)) if is_valid_key(old) => old == incoming,
        (Attribution::FirstClick, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_click_keeps_an_existing_key() {
        assert!(!should_write(
            Attribution::FirstClick,
            Some(&b"alice"[..]),
            b"bob"
        ));
        assert!(should_write(
            Attribution::FirstClick,
            Some(&b"alice"[..]),
            b"alice"
        ));
        assert!(should_write(Attribution::FirstClick, None, b"bob"));
        // A corrupt stored value is no key: it is replaced.
        assert!(should_write(
            Attribution::FirstClick,
            Some(&b"bad value"[..]),
            b"bob"
        ));
    }

    #[test]
    fn last_click_overwrites() {
        assert!(should_write(
            Attribution::LastClick,
            Some(&b"alice"[..]),
            b"bob"
        ));
        assert!(should_write(Attribution::LastClick, None, b"bob"));
    }
}
