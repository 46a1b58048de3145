//! Where the referral cookie may live: the candidate `Domain=` values for a host, shortest first.
//!
//! The browser knows the public-suffix list and refuses cookies on `co.uk`; the web layer writes a
//! probe cookie on each candidate in turn and keeps the first one the browser accepts (the
//! registrable domain). Hosts without candidates get a host-only cookie.

use crate::ascii::{split_once, trim_end};

/// True for IP hosts (`127.0.0.1`, `::1`, `[::1]`): cookies on them are host-only.
// `contains` would link core's word-at-a-time memchr: 170 bytes gzip more in the wasm.
#[allow(clippy::manual_contains)]
pub fn is_ip_host(host: &[u8]) -> bool {
    if host.iter().any(|&b| b == b':') || host.first() == Some(&b'[') {
        return true;
    }
    let (mut dots, mut digits) = (0, 0);
    for &b in host {
        if b == b'.' && digits > 0 {
            dots += 1;
            digits = 0;
        } else if b.is_ascii_digit() && digits < 3 {
            digits += 1;
        } else {
            return false;
        }
    }
    dots == 3 && digits > 0
}

/// The parent domains of `host` a cookie may be set on, shortest first (`a.b.shop.co.uk`:
/// `co.uk`, `shop.co.uk`, `b.shop.co.uk`, `a.b.shop.co.uk`); none for single-label hosts
/// (`localhost`), IP hosts and malformed names. The browser refuses public suffixes, so the
/// first candidate it keeps a probe cookie on is the registrable domain.
pub fn cookie_domain_candidates(host: &[u8]) -> Candidates<'_> {
    let host = trim_end(host, b'.');
    // The first candidate begins after the dot before the last one. None when a label is empty
    // (the host is empty, starts with a dot or has two in a row).
    let valid = !is_ip_host(host) && crate::ascii::split(host, b'.').all(|label| !label.is_empty());
    let start = host.iter().rposition(|&b| b == b'.').filter(|_| valid);
    Candidates { host, start }
}

/// Iterator of [`cookie_domain_candidates`].
#[derive(Debug, Clone)]
pub struct Candidates<'a> {
    host: &'a [u8],
    /// The dot before the next candidate.
    start: Option<usize>,
}

impl<'a> Iterator for Candidates<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let dot = self.start?;
        let before = self.host.get(..dot)?;
        let next = before.iter().rposition(|&b| b == b'.');
        self.start = next;
        self.host.get(next.map_or(0, |d| d + 1)..)
    }
}

/// True when `host` is `domain` or one of its subdomains (ASCII case ignored, trailing dots
/// ignored); never for an empty domain.
pub fn is_within(host: &[u8], domain: &[u8]) -> bool {
    let (host, domain) = (trim_end(host, b'.'), trim_end(domain, b'.'));
    let mut rest = host;
    loop {
        if rest.eq_ignore_ascii_case(domain) {
            return !domain.is_empty();
        }
        match split_once(rest, b'.') {
            Some((_, parent)) => rest = parent,
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(host: &str) -> alloc::vec::Vec<&str> {
        cookie_domain_candidates(host.as_bytes())
            .map(|c| core::str::from_utf8(c).unwrap())
            .collect()
    }

    #[test]
    fn candidates_shortest_first() {
        assert_eq!(candidates("shop.test"), ["shop.test"]);
        assert_eq!(candidates("www.shop.test"), ["shop.test", "www.shop.test"]);
        assert_eq!(
            candidates("a.b.shop.co.uk"),
            ["co.uk", "shop.co.uk", "b.shop.co.uk", "a.b.shop.co.uk"]
        );
        assert_eq!(candidates("shop.test."), ["shop.test"]);
    }

    #[test]
    fn no_candidates_for_localhost_and_ips() {
        for host in [
            "localhost",
            "127.0.0.1",
            "[::1]",
            "::1",
            "10.0.0.255",
            "",
            "a..b",
            ".a",
        ] {
            assert!(candidates(host).is_empty(), "{host}");
        }
        assert_eq!(
            candidates("1.2.3.example"),
            ["3.example", "2.3.example", "1.2.3.example"]
        );
        assert!(!is_ip_host(b"1.2.3.4.5"));
        assert!(!is_ip_host(b"1.2.3"));
        assert!(is_ip_host(b"1.22.255.4"));
        for host in [
            "1234.1.1.1",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "1.2.3.a",
            "",
            "a:b.c",
        ] {
            assert_eq!(is_ip_host(host.as_bytes()), host.contains(':'), "{host}");
        }
    }

    #[test]
    fn within() {
        assert!(is_within(b"shop.test", b"shop.test"));
        assert!(is_within(b"alice.shop.test", b"shop.test"));
        assert!(is_within(b"Alice.Shop.Test", b"shop.test"));
        assert!(!is_within(b"evilshop.test", b"shop.test"));
        assert!(!is_within(b"shop.test.evil", b"shop.test"));
        assert!(!is_within(b"test", b"shop.test"));
        assert!(!is_within(b"shop.test", b""));
    }
}
