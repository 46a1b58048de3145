//! Random identifiers: program ids, API keys, generated customer keys.

const UPPER_ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

fn random_from(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[rand::random_range(0..alphabet.len())] as char)
        .collect()
}

/// An 8-character public program id (upper-case letters and digits, no look-alikes).
pub fn program_public_id() -> String {
    random_from(UPPER_ALNUM, 8)
}

/// Whether `text` can be a program's public id: 1–64 letters, digits, `_` or `-` (what the
/// tracker accepts), so a site moving from another service keeps the id in its snippet.
pub fn is_program_public_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A generated customer key (`cus_` + 12 characters).
pub fn customer_key() -> String {
    format!("cus_{}", random_from(LOWER_ALNUM, 12))
}

/// A generated partner key (`prt_` + 12 characters).
pub fn partner_key() -> String {
    format!("prt_{}", random_from(LOWER_ALNUM, 12))
}

/// A generated referral link key (`lnk_` + 12 characters).
pub fn link_key() -> String {
    format!("lnk_{}", random_from(LOWER_ALNUM, 12))
}

/// A new API key: `pk_` + 40 hex characters (160 random bits).
pub fn api_key() -> String {
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes);
    format!("pk_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(program_public_id().len(), 8);
        assert!(customer_key().starts_with("cus_"));
        let key = api_key();
        assert_eq!(key.len(), 43);
        assert_ne!(key, api_key());
    }
}
