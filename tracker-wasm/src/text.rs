//! Text without the heap: the core writes its answers into a [`Sink`] (a `String` natively, the
//! wasm's answer buffer in the browser) and keeps decoded keys and names in a [`Short`]. The
//! browser build therefore links no allocator at all.

use alloc::string::String;

/// Where text is written.
pub trait Sink {
    /// Appends `text`.
    fn push_str(&mut self, text: &str);
    /// Bytes written so far.
    fn len(&self) -> usize;
    /// Forgets everything after the first `len` bytes.
    fn truncate(&mut self, len: usize);
    /// Nothing written yet.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Sink for String {
    fn push_str(&mut self, text: &str) {
        String::push_str(self, text)
    }

    fn len(&self) -> usize {
        String::len(self)
    }

    fn truncate(&mut self, len: usize) {
        String::truncate(self, len)
    }
}

/// The text `write` writes, as a `String` (tests and native callers).
pub fn to_string(write: impl FnOnce(&mut String)) -> String {
    let mut out = String::new();
    write(&mut out);
    out
}

/// `bytes` as text; `None` unless all of it is UTF-8 (like `str::from_utf8`, whose word-at-a-time
/// ASCII path makes the wasm about 100 bytes gzip larger than `utf8_chunks`' validation).
pub fn utf8(bytes: &[u8]) -> Option<&str> {
    match bytes.utf8_chunks().next() {
        None => Some(""),
        Some(chunk) if chunk.invalid().is_empty() && chunk.valid().len() == bytes.len() => {
            Some(chunk.valid())
        }
        Some(_) => None,
    }
}

/// Longest [`Short`]: referral keys and parameter names are at most 64 characters.
pub const SHORT_BYTES: usize = 64;

/// At most [`SHORT_BYTES`] of ASCII text, kept inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Short {
    bytes: [u8; SHORT_BYTES],
    len: usize,
}

impl Default for Short {
    fn default() -> Self {
        Short {
            bytes: [0; SHORT_BYTES],
            len: 0,
        }
    }
}

impl Short {
    /// A copy of `text`; `None` when it is longer than [`SHORT_BYTES`] or not ASCII.
    pub fn from(text: &str) -> Option<Short> {
        let mut short = Short::default();
        for b in text.bytes() {
            short.push(b)?;
        }
        Some(short)
    }

    /// Appends an ASCII byte; `None` when full or not ASCII.
    pub fn push(&mut self, byte: u8) -> Option<()> {
        let slot = self.bytes.get_mut(self.len).filter(|_| byte.is_ascii())?;
        *slot = byte;
        self.len += 1;
        Some(())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        crate::text::utf8(self.bytes.get(..self.len).unwrap_or(&[])).unwrap_or("")
    }
}

impl core::fmt::Debug for Short {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl PartialEq<&str> for Short {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts() {
        let s = Short::from("alice").unwrap();
        assert_eq!(s.as_str(), "alice");
        assert_eq!(s, "alice");
        assert!(Short::from(&"k".repeat(64)).is_some());
        assert!(Short::from(&"k".repeat(65)).is_none());
        assert!(Short::from("é").is_none());
        assert_eq!(Short::default().as_str(), "");
    }

    #[test]
    fn utf8_agrees_with_from_utf8() {
        let texts: [&[u8]; 8] = [
            b"",
            b"abc",
            "\u{e9}t\u{e9}".as_bytes(),
            b"a\xffb",
            b"\xff",
            b"ab\xc3",
            b"\xc3\xa9x",
            b"\xed\xa0\x80",
        ];
        for bytes in texts {
            assert_eq!(utf8(bytes), core::str::from_utf8(bytes).ok(), "{bytes:?}");
        }
    }

    #[test]
    fn sinks() {
        let text = to_string(|out| {
            Sink::push_str(out, "abc");
            Sink::truncate(out, 1);
            Sink::push_str(out, "z");
        });
        assert_eq!(text, "az");
        assert!(String::new().is_empty());
    }
}
