//! Just enough URL handling for a landing page address: its parts (in the browser they come from
//! `location`/`URL`; [`Url::parse`] splits a whole address), query pairs and percent-decoding.

use crate::ascii::{rsplit_once, split, split_once};
use crate::text::Sink;
use alloc::string::String;

/// Longest decoded parameter name or value (keys and names are at most 64 characters).
pub const MAX_DECODED: usize = crate::key::MAX_KEY_LEN;

/// The parts of an absolute URL the key search reads (as `location` gives them), borrowed from
/// the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Url<'a> {
    /// Host name without user info and port; IPv6 hosts keep their brackets.
    pub host: &'a [u8],
    /// The path, starting with `/` (or empty).
    pub path: &'a [u8],
    /// The query without `?`.
    pub query: &'a [u8],
    /// The fragment without `#`.
    pub fragment: &'a [u8],
}

impl<'a> Url<'a> {
    /// Splits an absolute `scheme://authority/path?query#fragment` URL; `None` when it is not one.
    pub fn parse(href: &'a [u8]) -> Option<Url<'a>> {
        let (scheme, rest) = split_once(href, b':')?;
        let rest = rest.strip_prefix(b"//")?;
        if scheme.is_empty()
            || !scheme
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'+')
        {
            return None;
        }
        let (rest, fragment) = split_once(rest, b'#').unwrap_or((rest, b""));
        let (rest, query) = split_once(rest, b'?').unwrap_or((rest, b""));
        let (authority, path) = match rest.iter().position(|&b| b == b'/') {
            Some(i) => rest.split_at_checked(i)?,
            None => (rest, &b""[..]),
        };
        let host_port = rsplit_once(authority, b'@').map_or(authority, |(_, h)| h);
        let host = match host_port.iter().position(|&b| b == b']') {
            Some(end) if host_port.starts_with(b"[") => host_port.get(..=end)?,
            _ if host_port.starts_with(b"[") => return None,
            _ => split_once(host_port, b':').map_or(host_port, |(h, _)| h),
        };
        Some(Url {
            host,
            path,
            query,
            fragment,
        })
    }
}

/// Writes the first value of parameter `name` in `query` (or a `#a=b&c=d` fragment) that decodes
/// to a valid referral key (`?ref=&ref=KEY` finds `KEY`); false when there is none.
pub fn param(query: &[u8], name: &[u8], out: &mut impl Sink) -> bool {
    for piece in split(query, b'&') {
        let (n, v) = split_once(piece, b'=').unwrap_or((piece, b""));
        let mark = out.len();
        if !piece.is_empty()
            && decodes_to(n, name)
            && decode(v, crate::key::is_key_byte, out)
            && out.len() > mark
        {
            return true;
        }
    }
    false
}

/// True when `text` percent-decodes to exactly `name`.
pub fn decodes_to(text: &[u8], name: &[u8]) -> bool {
    let mut at = 0;
    each_decoded(text, &mut |b| {
        at += 1;
        name.get(at - 1) == Some(&b)
    }) && at == name.len()
}

/// Percent-decodes a query component (`+` is a space) into `out` when it is well formed, at most
/// [`MAX_DECODED`] bytes long and every decoded byte passes `keep`; otherwise writes nothing and
/// returns false.
pub fn decode(text: &[u8], keep: fn(u8) -> bool, out: &mut impl Sink) -> bool {
    let mark = out.len();
    let mut count = 0;
    let ok = each_decoded(text, &mut |b| {
        count += 1;
        let kept = count <= MAX_DECODED && keep(b);
        if kept {
            out.put(&[b]);
        }
        kept
    });
    if !ok {
        out.truncate(mark);
    }
    ok
}

/// Calls `f` with each decoded byte of `text`; false for a malformed escape or when `f` refuses.
/// (`dyn`: one copy of the loop in the wasm for all callers.)
fn each_decoded(text: &[u8], f: &mut dyn FnMut(u8) -> bool) -> bool {
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let byte = match b {
            b'%' => {
                i += 2;
                match (hex(text.get(i - 1)), hex(text.get(i))) {
                    (Some(high), Some(low)) => high << 4 | low,
                    _ => return false,
                }
            }
            b'+' => b' ',
            b => b,
        };
        if !f(byte) {
            return false;
        }
        i += 1;
    }
    true
}

fn hex(b: Option<&u8>) -> Option<u8> {
    match *b? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'a'..=b'f' => Some(b - b'a' + 10),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes like JavaScript's `encodeURIComponent` (the browser's own does it in the
/// tracker; this one drives the round-trip tests of [`decode`]).
pub fn encode_component(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
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
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn parses_the_parts() {
        let u = Url::parse(b"https://user:pw@a.b.shop.co.uk:8443/p/q?ref=x&y=1#frag").unwrap();
        assert_eq!(u.host, b"a.b.shop.co.uk");
        assert_eq!(u.path, b"/p/q");
        assert_eq!(u.query, b"ref=x&y=1");
        assert_eq!(u.fragment, b"frag");
    }

    #[test]
    fn parses_ipv6_and_bare_origins() {
        let u = Url::parse(b"http://[::1]:8080?ref=a").unwrap();
        assert_eq!(u.host, b"[::1]");
        assert_eq!(u.path, b"");
        assert_eq!(u.query, b"ref=a");
        assert!(
            Url::parse(b"1http://a.test/").is_some(),
            "digits and + are scheme characters"
        );
        assert!(Url::parse(b"ht-tp://a.test/").is_none());
        assert!(Url::parse(b"://a.test/").is_none());
        assert!(Url::parse(b"/relative").is_none());
        assert!(Url::parse(b"http://[::1").is_none());
    }

    fn decoded(text: &str) -> Option<String> {
        let mut out = Vec::new();
        decode(text.as_bytes(), |b| b.is_ascii(), &mut out).then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn decodes_and_encodes() {
        assert_eq!(decoded("al%69ce+b").unwrap(), "alice b");
        assert!(
            decoded(&"k".repeat(65)).is_none(),
            "longer than any key or name"
        );
        assert_eq!(decoded(&"k".repeat(64)).unwrap().len(), 64);
        assert_eq!(decoded("%zz"), None);
        assert_eq!(decoded("%4"), None);
        assert_eq!(decoded("%c3%a9"), None, "not ASCII");
        assert_eq!(decoded("é"), None, "not ASCII");
        assert_eq!(decoded("%ff"), None);
        let mut out = b"kept".to_vec();
        assert!(!decode(b"ab%zz", |_| true, &mut out));
        assert_eq!(out, b"kept", "nothing written on failure");
        assert!(decodes_to(b"r%65f", b"ref"));
        assert!(!decodes_to(b"re", b"ref"));
        assert!(!decodes_to(b"refs", b"ref"));
        assert_eq!(
            encode_component("https://s.test/?ref=a b&c=é"),
            "https%3A%2F%2Fs.test%2F%3Fref%3Da%20b%26c%3D%C3%A9"
        );
    }

    fn key(query: &str, name: &str) -> Option<String> {
        let mut out = Vec::new();
        param(query.as_bytes(), name.as_bytes(), &mut out).then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn reads_params() {
        assert_eq!(key("a=1&ref=al%69ce&ref=bob", "ref").unwrap(), "alice");
        assert_eq!(key("a=1", "ref"), None);
        assert_eq!(key("ref", "ref"), None, "no value");
        assert_eq!(key("ref=&ref=bob", "ref").unwrap(), "bob");
        assert_eq!(key("ref=a+b&ref=ok", "ref").unwrap(), "ok");
        assert_eq!(key("ref=&x=1", "ref"), None);
        assert_eq!(key("r%65f=carol", "ref").unwrap(), "carol");
    }
}
