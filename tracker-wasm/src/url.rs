//! Just enough URL handling for a landing page address: its parts (in the browser they come from
//! `location`/`URL`; [`Url::parse`] splits a whole address), query pairs and percent-decoding.

use crate::ascii::hex_digit;
use crate::ascii::{rsplit_once, split, split_once};
use crate::text::Short;
use alloc::string::String;

/// The parts of an absolute URL, borrowed from the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Url<'a> {
    /// `https`, `http`... (as written, without `:`).
    pub scheme: &'a str,
    /// `scheme://authority`: the origin as written.
    pub origin: &'a str,
    /// Host name without user info and port; IPv6 hosts keep their brackets.
    pub host: &'a str,
    /// The path, starting with `/` (or empty).
    pub path: &'a str,
    /// The query without `?`.
    pub query: &'a str,
    /// The fragment without `#`.
    pub fragment: &'a str,
}

impl<'a> Url<'a> {
    /// Splits an absolute `scheme://authority/path?query#fragment` URL; `None` when it is not one.
    pub fn parse(href: &'a str) -> Option<Url<'a>> {
        let (scheme, rest) = split_once(href, b':')?;
        let rest = rest.strip_prefix("//")?;
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+')
        {
            return None;
        }
        let (rest, fragment) = split_once(rest, b'#').unwrap_or((rest, ""));
        let (rest, query) = split_once(rest, b'?').unwrap_or((rest, ""));
        let (authority, path) = match rest.bytes().position(|b| b == b'/') {
            Some(i) => (rest.get(..i)?, rest.get(i..)?),
            None => (rest, ""),
        };
        let origin = href.get(..scheme.len() + 3 + authority.len())?;
        let host_port = rsplit_once(authority, b'@').map_or(authority, |(_, h)| h);
        let host = match host_port.bytes().position(|b| b == b']') {
            Some(end) if host_port.starts_with('[') => host_port.get(..=end)?,
            _ if host_port.starts_with('[') => return None,
            _ => split_once(host_port, b':').map_or(host_port, |(h, _)| h),
        };
        Some(Url {
            scheme,
            origin,
            host,
            path,
            query,
            fragment,
        })
    }

    /// True for `https:` pages (cookies then get `Secure`).
    pub fn is_https(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("https")
    }
}

/// The `name=value` pair of one `&`-separated piece of a query string (value empty without `=`).
pub fn pair(piece: &str) -> (&str, &str) {
    split_once(piece, b'=').unwrap_or((piece, ""))
}

/// The first value of parameter `name` in `query` (or a `#a=b&c=d` fragment) that `keep` accepts,
/// decoded (`?ref=&ref=KEY` finds `KEY` when `keep` refuses the empty value).
pub fn param(query: &str, name: &str, keep: fn(&str) -> bool) -> Option<Short> {
    for piece in split(query, b'&') {
        let (n, v) = pair(piece);
        if !piece.is_empty()
            && decode(n).is_some_and(|n| n == name)
            && let Some(value) = decode(v).filter(|v| keep(v.as_str()))
        {
            return Some(value);
        }
    }
    None
}

/// Percent-decodes a query component (`+` is a space); `None` for malformed escapes, for anything
/// that is not ASCII and for more than 64 characters (keys and parameter names are at most 64
/// ASCII characters, so nothing is lost).
pub fn decode(text: &str) -> Option<Short> {
    let bytes = text.as_bytes();
    let mut out = Short::default();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let byte = match b {
            b'%' => {
                i += 2;
                from_hex(*bytes.get(i - 1)?)? << 4 | from_hex(*bytes.get(i)?)?
            }
            b'+' => b' ',
            b => b,
        };
        out.push(byte)?;
        i += 1;
    }
    Some(out)
}

fn from_hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes like JavaScript's `encodeURIComponent` (the browser's own does it in the
/// tracker; this one drives the round-trip tests of [`decode`]).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            )
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push_str(&hex_digit(b >> 4).to_ascii_uppercase());
            out.push_str(&hex_digit(b).to_ascii_uppercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_parts() {
        let u = Url::parse("https://user:pw@a.b.shop.co.uk:8443/p/q?ref=x&y=1#frag").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.origin, "https://user:pw@a.b.shop.co.uk:8443");
        assert_eq!(u.host, "a.b.shop.co.uk");
        assert_eq!(u.path, "/p/q");
        assert_eq!(u.query, "ref=x&y=1");
        assert_eq!(u.fragment, "frag");
        assert!(u.is_https());
    }

    #[test]
    fn parses_ipv6_and_bare_origins() {
        let u = Url::parse("http://[::1]:8080?ref=a").unwrap();
        assert_eq!(u.host, "[::1]");
        assert_eq!(u.path, "");
        assert_eq!(u.query, "ref=a");
        assert!(!u.is_https());
        assert!(Url::parse("/relative").is_none());
        assert!(Url::parse("http://[::1").is_none());
    }

    #[test]
    fn decodes_and_encodes() {
        assert_eq!(decode("al%69ce+b").unwrap(), "alice b");
        assert!(
            decode(&"k".repeat(65)).is_none(),
            "longer than any key or name"
        );
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%c3%a9"), None, "not ASCII");
        assert_eq!(decode("é"), None, "not ASCII");
        assert_eq!(decode("%ff"), None);
        assert_eq!(
            encode_component("https://s.test/?ref=a b&c=é"),
            "https%3A%2F%2Fs.test%2F%3Fref%3Da%20b%26c%3D%C3%A9"
        );
    }

    #[test]
    fn reads_params() {
        let any = |_: &str| true;
        assert_eq!(
            param("a=1&ref=al%69ce&ref=bob", "ref", any).unwrap(),
            "alice"
        );
        assert_eq!(param("a=1", "ref", any), None);
        assert_eq!(param("ref", "ref", any).unwrap(), "");
        let filled = |v: &str| !v.is_empty();
        assert_eq!(param("ref=&ref=bob", "ref", filled).unwrap(), "bob");
        assert_eq!(param("ref=&x=1", "ref", filled), None);
    }
}
