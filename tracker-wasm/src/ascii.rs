//! Splitting text at ASCII separators. core's `str` searchers carry bounds checks whose panic
//! messages would pull the formatting machinery into the wasm; these only use `str::get`.

/// The parts before and after the first `sep`.
pub fn split_once(text: &str, sep: u8) -> Option<(&str, &str)> {
    let i = text.bytes().position(|b| b == sep)?;
    Some((text.get(..i)?, text.get(i + 1..)?))
}

/// The parts before and after the last `sep`.
pub fn rsplit_once(text: &str, sep: u8) -> Option<(&str, &str)> {
    let i = text.bytes().rposition(|b| b == sep)?;
    Some((text.get(..i)?, text.get(i + 1..)?))
}

/// True when `text` contains `byte`.
pub fn has(text: &str, byte: u8) -> bool {
    text.bytes().any(|b| b == byte)
}

/// `text` without trailing `byte`s.
pub fn trim_end(text: &str, byte: u8) -> &str {
    let end = text.bytes().rposition(|b| b != byte).map_or(0, |i| i + 1);
    text.get(..end).unwrap_or(text)
}

/// The lowercase hexadecimal digits.
pub const HEX: &str = "0123456789abcdef";

/// The lowercase hexadecimal digit for the low four bits of `nibble`.
pub fn hex_digit(nibble: u8) -> &'static str {
    let n = usize::from(nibble & 15);
    HEX.get(n..n + 1).unwrap_or("")
}

/// Appends `n` in decimal (no formatting machinery, no 64-bit division).
pub fn push_decimal(out: &mut impl crate::text::Sink, n: u32) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    let d = (n % 10) as usize;
    out.push_str("0123456789".get(d..d + 1).unwrap_or(""));
}

/// The pieces of `text` between `sep`s (like `str::split`).
pub fn split(text: &str, sep: u8) -> Split<'_> {
    Split {
        rest: Some(text),
        sep,
    }
}

impl Split<'_> {
    /// An iterator without pieces.
    pub fn empty() -> Self {
        Split { rest: None, sep: 0 }
    }
}

/// Iterator of [`split`].
#[derive(Debug, Clone)]
pub struct Split<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
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
            assert_eq!(
                split(text, b'.').collect::<Vec<_>>(),
                text.split('.').collect::<Vec<_>>(),
                "{text}"
            );
            assert_eq!(split_once(text, b'.'), text.split_once('.'), "{text}");
            assert_eq!(rsplit_once(text, b'.'), text.rsplit_once('.'), "{text}");
            assert_eq!(trim_end(text, b'.'), text.trim_end_matches('.'), "{text}");
            assert_eq!(has(text, b'.'), text.contains('.'), "{text}");
        }
    }

    #[test]
    fn digits() {
        assert_eq!(hex_digit(0), "0");
        assert_eq!(hex_digit(10), "a");
        assert_eq!(hex_digit(0x1f), "f");
        for n in [0, 7, 10, 99, 100, 86_400, 34_560_000, u32::MAX] {
            let mut s = alloc::string::String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, alloc::format!("{n}"));
        }
    }
}
