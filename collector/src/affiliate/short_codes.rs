//! Short codes of referral links (`/go/{code}`) and the visitor id a server-side click stands for.

use sha2::{Digest, Sha256};

/// Characters of a short code (no look-alikes such as 0/O, 1/l).
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

/// Length of a new short code.
pub const CODE_LEN: usize = 8;

/// A new random short code.
pub fn new_code() -> String {
    (0..CODE_LEN)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Whether text can be a short code (so junk never reaches the database).
pub fn is_code(text: &str) -> bool {
    text.len() == CODE_LEN && text.bytes().all(|b| ALPHABET.contains(&b))
}

/// How long after a short-link click a tracker visit of the same browser (same key, IP hash and
/// user agent) is taken for the landing of that click and not counted again.
pub const MERGE_WINDOW_MICROS: i64 = 10 * 60 * 1_000_000;

/// The visitor id of a server-side click: a UUID derived from the salted IP hash and the user
/// agent, so the unique-click rule (once per visitor per key per 24 h) applies to short links too.
pub fn click_visitor(ip_hash: &str, user_agent: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(ip_hash.as_bytes());
    hasher.update([0]);
    hasher.update(user_agent.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_visitors() {
        let code = new_code();
        assert!(is_code(&code), "{code}");
        assert!(!is_code("abc"));
        assert!(!is_code("0000OOOO"));
        let a = click_visitor("h", "ua");
        assert_eq!(a, click_visitor("h", "ua"));
        assert_ne!(a, click_visitor("h", "ua2"));
        assert!(crate::validation::check_visitor(&a).is_ok());
    }
}
