//! Byte-level text helpers: splitting on one ASCII byte, trimming and decimal output.

use crate::text::Sink;

/// Splits at the first `sep`: `(before, after)`.
pub fn split_once(text: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let i = text.iter().position(|&b| b == sep)?;
    Some((text.get(..i)?, text.get(i + 1..)?))
}

/// Splits at the last `sep`: `(before, after)`.
pub fn rsplit_once(text: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let i = text.iter().rposition(|&b| b == sep)?;
    Some((text.get(..i)?, text.get(i + 1..)?))
}

/// `text` without the trailing `byte`s.
pub fn trim_end(text: &[u8], byte: u8) -> &[u8] {
    let end = text.iter().rposition(|&b| b != byte).map_or(0, |i| i + 1);
    text.get(..end).unwrap_or(text)
}

/// Writes `n` in decimal.
pub fn push_decimal(out: &mut impl Sink, n: u32) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.put(&[b'0' + (n % 10) as u8]);
}

/// The pieces of `text` between `sep`s (one empty piece for empty text, like `str::split`).
pub fn split(text: &[u8], sep: u8) -> Split<'_> {
    Split {
        rest: Some(text),
        sep,
    }
}

impl Split<'_> {
    /// No pieces at all.
    pub fn empty() -> Self {
        Split { rest: None, sep: 0 }
    }
}

/// Iterator of [`split`].
#[derive(Debug, Clone)]
pub struct Split<'a> {
    rest: Option<&'a [u8]>,
    sep: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match split_once(rest, self.sep) {
            Some((head, tail)) => {
                self.rest = Some(tail);
                Some(head)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn behaves_like_str() {
        for text in ["", "a", "a.b", ".a.", "a..b", "é.ü.ß", "..."] {
            let b = text.as_bytes();
            let bytes = |s: &str| s.as_bytes().to_vec();
            assert_eq!(
                split(b, b'.').map(<[u8]>::to_vec).collect::<Vec<_>>(),
                text.split('.').map(bytes).collect::<Vec<_>>(),
                "{text}"
            );
            fn pair<'a>(p: Option<(&'a str, &'a str)>) -> Option<(&'a [u8], &'a [u8])> {
                p.map(|(a, b)| (a.as_bytes(), b.as_bytes()))
            }
            assert_eq!(split_once(b, b'.'), pair(text.split_once('.')), "{text}");
            assert_eq!(rsplit_once(b, b'.'), pair(text.rsplit_once('.')), "{text}");
            assert_eq!(trim_end(b, b'.'), text.trim_end_matches('.').as_bytes());
        }
    }

    #[test]
    fn decimals() {
        for n in [0, 7, 10, 99, 100, 86_400, 34_560_000, u32::MAX] {
            let mut s = Vec::new();
            push_decimal(&mut s, n);
            assert_eq!(s, alloc::format!("{n}").into_bytes());
        }
    }
}
