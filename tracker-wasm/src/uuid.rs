//! The visitor id: a random UUID v4, made by the tracker's JavaScript from
//! `crypto.getRandomValues` (which unlike `crypto.randomUUID` also works on plain-http pages) and
//! checked here whenever it is read back from the cookie.

/// True for a lowercase or uppercase UUID in the 8-4-4-4-12 layout.
pub fn is_uuid(text: &[u8]) -> bool {
    text.len() == 36
        && text.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        assert!(is_uuid(b"123e4567-e89b-42d3-a456-426614174000"));
        assert!(!is_uuid(b"123e4567e89b42d3a456426614174000"));
        assert!(!is_uuid(b"123e4567-e89b-42d3-a456-42661417400g"));
        assert!(!is_uuid(b""));
    }
}
