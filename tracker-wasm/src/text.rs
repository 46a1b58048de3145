//! Text as bytes: the core reads its input and writes its answers as bytes (ASCII decisions over
//! whatever UTF-8 the page hands over), so the browser build needs no UTF-8 validation and no
//! allocator. Answers go to a [`Sink`]: a `Vec<u8>` natively, the wasm's answer buffer in the browser.

use alloc::string::String;
use alloc::vec::Vec;

/// Where answers are written.
pub trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
    /// Bytes written so far.
    fn len(&self) -> usize;
    /// Forgets everything after the first `len` bytes.
    fn truncate(&mut self, len: usize);
    /// Nothing written yet.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes)
    }

    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len)
    }
}

/// What `write` writes, as text (tests and native callers; invalid UTF-8 is replaced).
pub fn to_string(write: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut out = Vec::new();
    write(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks() {
        let text = to_string(|out| {
            out.put(b"abc");
            Sink::truncate(out, 1);
            out.put(b"z");
        });
        assert_eq!(text, "az");
        assert!(Sink::is_empty(&Vec::new()));
    }
}
