//! Field validation shared by the public endpoints and the private API.

/// Longest accepted customer/transaction/referral key.
pub const MAX_KEY_LEN: usize = 64;

/// A referral, customer or transaction key: 1–64 characters of `[A-Za-z0-9_.-]`.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("The key must not be empty.".to_owned());
    }
    if key.len() > MAX_KEY_LEN {
        return Err(format!("The key must be at most {MAX_KEY_LEN} characters."));
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err("The key may contain only letters, digits, '_', '.' and '-'.".to_owned());
    }
    Ok(())
}

/// A plausible e-mail address (one `@`, non-empty parts, a dot in the domain, ≤ 254 chars).
pub fn check_email(email: &str) -> Result<(), String> {
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(())
    } else {
        Err("The email must be a valid email address.".to_owned())
    }
}

/// A short free-text field such as a name (≤ 255 characters, no control characters).
pub fn check_text(text: &str, max_chars: usize) -> Result<(), String> {
    if text.chars().count() > max_chars {
        return Err(format!("Must be at most {max_chars} characters."));
    }
    if text.chars().any(char::is_control) {
        return Err("Must not contain control characters.".to_owned());
    }
    Ok(())
}

/// A visitor id: a UUID (the tracker sends v4), in its one stored form (lowercase, hyphenated),
/// whichever of the forms `uuid` accepts it came in (plain, braced, `urn:uuid:`, uppercase), so
/// that one visitor is one visitor when unique clicks are counted.
pub fn check_visitor(visitor: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(visitor)
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| "The visitor must be a UUID.".to_owned())
}

/// A unit/currency code: 1–16 ASCII letters, digits or underscores.
pub fn is_valid_unit(unit: &str) -> bool {
    !unit.is_empty()
        && unit.len() <= 16
        && unit.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A `YYYY-MM-DD` date.
pub fn check_date(text: &str) -> Result<(), String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .map(|_| ())
        .map_err(|_| "The date must be in the format YYYY-MM-DD.".to_owned())
}

/// A URL parameter or path segment name: 1–32 characters of `[A-Za-z0-9_-]`.
pub fn check_param_name(name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(())
    } else {
        Err("Must be 1-32 letters, digits, '_' or '-'.".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(check_key("alice").is_ok());
        assert!(check_key("u_42.x-y").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("a b").is_err());
        assert!(check_key("<script>").is_err());
        assert!(check_key(&"a".repeat(65)).is_err());
    }

    #[test]
    fn emails() {
        assert!(check_email("bob@example.com").is_ok());
        assert!(check_email("bob@example").is_err());
        assert!(check_email("bob example.com").is_err());
        assert!(check_email("@example.com").is_err());
    }

    #[test]
    fn other_fields() {
        let canonical = Ok("6f1c1c9e-2c2f-4b9e-9c55-0a3f3d3b8d11".to_owned());
        assert_eq!(
            check_visitor("6f1c1c9e-2c2f-4b9e-9c55-0a3f3d3b8d11"),
            canonical
        );
        assert_eq!(check_visitor("6F1C1C9E2C2F4B9E9C550A3F3D3B8D11"), canonical);
        assert_eq!(
            check_visitor("{6f1c1c9e-2c2f-4b9e-9c55-0a3f3d3b8d11}"),
            canonical
        );
        assert_eq!(
            check_visitor("urn:uuid:6f1c1c9e-2c2f-4b9e-9c55-0a3f3d3b8d11"),
            canonical
        );
        assert!(check_visitor("nope").is_err());
        assert!(is_valid_unit("usd"));
        assert!(!is_valid_unit("us d"));
        assert!(check_date("1990-02-28").is_ok());
        assert!(check_date("1990-02-30").is_err());
        assert!(check_param_name("ref").is_ok());
        assert!(check_param_name("r=f").is_err());
        assert!(check_text("Bob", 255).is_ok());
        assert!(check_text("a\u{0}", 255).is_err());
    }
}
