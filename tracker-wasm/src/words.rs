//! Word lists packed into one byte string, separated by spaces (`b"www m app"`): smaller in the
//! wasm than arrays of slices, whose every entry is a pointer and a length.

use crate::ascii::split;

/// Where `word` is in the space-separated `words` (an empty word matches a trailing space).
pub fn position(words: &[u8], word: &[u8]) -> Option<usize> {
    split(words, b' ').position(|w| w == word)
}

/// True when `word` is one of `words`, ignoring ASCII case.
pub fn contains_ignoring_case(words: &[u8], word: &[u8]) -> bool {
    split(words, b' ').any(|w| w.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words() {
        assert_eq!(position(b"a bc d", b"bc"), Some(1));
        assert_eq!(position(b"a bc d", b"b"), None);
        assert_eq!(position(b"a b ", b""), Some(2));
        assert_eq!(position(b"a b", b""), None);
        assert!(contains_ignoring_case(b"www api", b"WWW"));
        assert!(!contains_ignoring_case(b"www api", b"ww"));
    }
}
