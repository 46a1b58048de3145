//! Referral keys: what may be read from a URL and written into a cookie.

/// Longest accepted referral key.
pub const MAX_KEY_LEN: usize = 64;

/// True for 1–64 characters of `[A-Za-z0-9_.-]`: the only keys ever stored or reported.
pub fn is_valid_key(key: &[u8]) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.iter().all(|&b| is_key_byte(b))
}

/// True for a byte allowed in a referral key.
pub fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// True for an identifier (program id, parameter name): 1–64 characters of `[A-Za-z0-9_-]`.
pub fn is_valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= MAX_KEY_LEN
        && name.iter().all(|&b| b != b'.' && is_key_byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_keys_of_the_allowed_alphabet() {
        for key in ["alice", "A", "x_1.b-2", "0", &"k".repeat(64)] {
            assert!(is_valid_key(key.as_bytes()), "{key}");
        }
    }

    #[test]
    fn rejects_empty_long_and_foreign_characters() {
        for key in [
            "",
            &"k".repeat(65),
            "a b",
            "a/b",
            "<script>",
            "é",
            "a;b",
            "a=b",
            "a%20",
        ] {
            assert!(!is_valid_key(key.as_bytes()), "{key}");
        }
    }

    #[test]
    fn names_exclude_dots() {
        assert!(is_valid_name(b"AB12CD34"));
        assert!(is_valid_name(b"ref_code-2"));
        assert!(!is_valid_name(b"a.b"));
        assert!(!is_valid_name(b""));
    }
}
