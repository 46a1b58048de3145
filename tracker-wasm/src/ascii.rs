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

/// The pieces of `text` between `sep`s (like `str::split`).
pub fn split(text: &str, sep: u8) -> Split<'_> {
    Split {
        rest: Some(text),
        sep,
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
}
