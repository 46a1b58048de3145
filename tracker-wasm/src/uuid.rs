//! The visitor id: a random UUID v4 (from `crypto.getRandomValues`, which unlike
//! `crypto.randomUUID` also works on plain-http pages).

use crate::ascii::hex_digit;
use crate::text::Sink;
use alloc::string::String;

/// Writes 16 random bytes as a version-4, RFC 4122 variant UUID.
pub fn write_uuid_v4(mut bytes: [u8; 16], out: &mut impl Sink) {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push_str("-");
        }
        out.push_str(hex_digit(b >> 4));
        out.push_str(hex_digit(*b));
    }
}

/// [`write_uuid_v4`] as a `String`.
pub fn uuid_v4(bytes: [u8; 16]) -> String {
    crate::text::to_string(|out| write_uuid_v4(bytes, out))
}

/// True for a lowercase or uppercase UUID in the 8-4-4-4-12 layout.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_version_and_variant() {
        let id = uuid_v4([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(is_uuid(&id));
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn validates() {
        assert!(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
        assert!(!is_uuid("123e4567e89b42d3a456426614174000"));
        assert!(!is_uuid("123e4567-e89b-42d3-a456-42661417400g"));
        assert!(!is_uuid(""));
    }
}
