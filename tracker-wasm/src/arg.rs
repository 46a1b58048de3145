//! One argument of a `po(...)` call or one entry of the collector's settings document, as the
//! loader hands it over: strings, numbers, booleans and lists of strings (objects stay in
//! JavaScript).
//!
//! The loader encodes each JavaScript value as tagged text ([`Arg::decode`]): `s` + a string,
//! `n` + `String(number)`, `b` + `true`/`false`, `l` + the string items of an array separated by
//! [`ITEM_SEP`], anything else `o`. Numbers stay in JavaScript's own decimal text, so the wasm
//! never parses or formats a float.

use crate::text::Sink;
use alloc::string::String;

/// Separates the items of a list argument (`l` tag).
pub const ITEM_SEP: u8 = 0x1d;

/// A JavaScript value the core understands, borrowed from the loader's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'a> {
    /// `undefined`, `null`, objects, functions.
    Other,
    Bool(bool),
    /// A number as JavaScript prints it (`String(n)`: `30`, `7.5`, `1e+21`, `NaN`, `-Infinity`).
    Num(&'a [u8]),
    Text(&'a [u8]),
    /// An array's string items, separated by [`ITEM_SEP`] (its other items are dropped).
    List(&'a [u8]),
}

impl<'a> Arg<'a> {
    /// A string argument.
    pub fn text(text: &'a str) -> Arg<'a> {
        Arg::Text(text.as_bytes())
    }

    /// A number argument, as JavaScript prints it.
    pub fn num(text: &'a str) -> Arg<'a> {
        Arg::Num(text.as_bytes())
    }

    /// A list argument: the items separated by [`ITEM_SEP`].
    pub fn list(items: &'a str) -> Arg<'a> {
        Arg::List(items.as_bytes())
    }

    /// Reads one tagged value (see the module documentation).
    pub fn decode(tagged: &'a [u8]) -> Arg<'a> {
        let rest = tagged.get(1..).unwrap_or_default();
        match tagged.first() {
            Some(b's') => Arg::Text(rest),
            Some(b'n') => Arg::Num(rest),
            Some(b'b') => Arg::Bool(rest == b"true"),
            Some(b'l') => Arg::List(rest),
            _ => Arg::Other,
        }
    }

    /// The tagged text of this value: the inverse of [`Arg::decode`].
    pub fn encode(&self) -> String {
        crate::text::to_string(|out| self.write(out))
    }

    /// Writes [`Arg::encode`].
    pub fn write(&self, out: &mut impl Sink) {
        let (tag, text): (&[u8], &[u8]) = match *self {
            Arg::Other => (b"o", b""),
            Arg::Bool(true) => (b"b", b"true"),
            Arg::Bool(false) => (b"b", b"false"),
            Arg::Num(n) => (b"n", n),
            Arg::Text(t) => (b"s", t),
            Arg::List(items) => (b"l", items),
        };
        out.put(tag);
        out.put(text);
    }

    /// The text of a string argument.
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            Arg::Text(s) => s,
            _ => b"",
        }
    }

    /// A boolean reading: `true`, non-zero numbers, `"true"`, `"1"`, `"yes"` and `"on"` are true;
    /// `false`, zero and `"false"`, `"0"`, `"no"`, `"off"` are false; other text, lists and
    /// [`Arg::Other`] (`null`, `undefined`, objects) are no boolean (`None`).
    pub fn truthy(&self) -> Option<bool> {
        match *self {
            Arg::Bool(b) => Some(b),
            Arg::Num(n) => Some(n != b"0" && n != b"-0"),
            Arg::Text(s) => {
                let i = crate::words::position(b"true 1 yes on false 0 no off ", s)?;
                Some(i < 4)
            }
            Arg::Other | Arg::List(_) => None,
        }
    }

    /// The whole part of a number argument (its fraction cut off), or a string of digits, when it
    /// is in `1..limit`; else `None`.
    pub fn whole_number(&self, limit: u32) -> Option<u32> {
        let (text, fraction_allowed) = match *self {
            Arg::Num(text) => (text, true),
            Arg::Text(text) => (text, false),
            _ => return None,
        };
        let (mut n, mut digits, mut in_fraction) = (0u32, false, false);
        for &b in text {
            if b == b'.' && fraction_allowed && digits && !in_fraction {
                in_fraction = true;
            } else if !b.is_ascii_digit() {
                return None;
            } else if !in_fraction {
                n = n.saturating_mul(10).saturating_add(u32::from(b - b'0'));
                if n >= limit {
                    return None;
                }
                digits = true;
            }
        }
        (n >= 1).then_some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthiness() {
        assert_eq!(Arg::text("on").truthy(), Some(true));
        assert_eq!(Arg::num("0").truthy(), Some(false));
        assert_eq!(Arg::num("-0").truthy(), Some(false));
        assert_eq!(Arg::num("0.5").truthy(), Some(true));
        assert_eq!(Arg::num("NaN").truthy(), Some(true));
        assert_eq!(Arg::text("maybe").truthy(), None);
        assert_eq!(Arg::Other.truthy(), None, "null, undefined, objects");
        assert_eq!(Arg::list("").truthy(), None);
        assert_eq!(Arg::num("1").as_bytes(), b"");
    }

    #[test]
    fn decodes_tagged_values() {
        assert_eq!(Arg::decode(b"salice"), Arg::text("alice"));
        assert_eq!(Arg::decode(b"s"), Arg::text(""));
        assert_eq!(Arg::decode(b"n7.5"), Arg::num("7.5"));
        assert_eq!(Arg::decode(b"btrue"), Arg::Bool(true));
        assert_eq!(Arg::decode(b"bfalse"), Arg::Bool(false));
        let list = Arg::decode("la\u{1d}b".as_bytes());
        assert_eq!(list, Arg::list("a\u{1d}b"));
        assert_eq!(Arg::decode(b"l"), Arg::list(""));
        assert_eq!(Arg::decode(b"o"), Arg::Other);
        assert_eq!(Arg::decode(b""), Arg::Other);
        for arg in [
            Arg::Other,
            Arg::Bool(true),
            Arg::Bool(false),
            Arg::num("-7.5"),
            Arg::text("x y"),
            Arg::list("a\u{1d}b"),
        ] {
            assert_eq!(Arg::decode(arg.encode().as_bytes()), arg);
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(Arg::num("30").whole_number(1_000_000), Some(30));
        assert_eq!(Arg::num("7.5").whole_number(1_000_000), Some(7));
        assert_eq!(Arg::num("999999.9").whole_number(1_000_000), Some(999_999));
        for bad in [
            "0", "0.5", "-3", "1000000", "1e+21", "1e-7", "NaN", "Infinity", "", ".5", "1..2",
        ] {
            assert_eq!(Arg::num(bad).whole_number(1_000_000), None, "{bad}");
        }
        assert_eq!(Arg::text("30").whole_number(1_000_000), Some(30));
        for bad in ["7.5", "3x", "", "0", "1000000"] {
            assert_eq!(Arg::text(bad).whole_number(1_000_000), None, "{bad}");
        }
        assert_eq!(Arg::Bool(true).whole_number(1_000_000), None);
    }
}
