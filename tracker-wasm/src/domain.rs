//! Where the referral cookie may live: the candidate `Domain=` values for a host, shortest first.
//!
//! The browser knows the public-suffix list and refuses cookies on `co.uk`; the web layer writes a
//! probe cookie on each candidate in turn and keeps the first one the browser accepts (the
//! registrable domain). Hosts without candidates get a host-only cookie.

use crate::ascii::{has, split_once, trim_end};

/// True for IPv4 (`127.0.0.1`) and IPv6 (`[::1]` or bare `::1`) hosts.
pub fn is_ip_host(host: &str) -> bool {
    if has(host, b':') || host.starts_with('[') {
        return true;
    }
    let (mut dots, mut digits) = (0, 0);
    for &b in host.as_bytes() {
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

/// Parent domains of `host` with at least two labels, shortest first, ending with `host` itself;
/// none for IP hosts and single-label hosts such as `localhost`.
pub fn cookie_domain_candidates(host: &str) -> Candidates<'_> {
    let host = trim_end(host, b'.');
    // Start after the last dot: the first candidate begins after the dot before it. None when a
    // label is empty (the host is empty, starts with a dot or has two in a row).
    let mut start = None;
    let mut after_dot = true;
    for (i, &b) in host.as_bytes().iter().enumerate() {
        if b == b'.' {
            if after_dot {
                break;
            }
            start = Some(i);
        }
        after_dot = b == b'.';
    }
    if after_dot || is_ip_host(host) {
        start = None;
    }
    Candidates { host, start }
}

/// Iterator of [`cookie_domain_candidates`].
#[derive(Debug, Clone)]
pub struct Candidates<'a> {
    host: &'a str,
    /// Where the previous candidate (or the last label) starts: at the dot before it.
    start: Option<usize>,
}

impl<'a> Iterator for Candidates<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let dot = self.start?;
        let before = self.host.get(..dot)?;
        let next = before.bytes().rposition(|b| b == b'.');
        self.start = next;
        self.host.get(next.map_or(0, |d| d + 1)..)
    }
}

/// True when `host` is `domain` or one of its subdomains (`a.shop.test` under `shop.test`).
pub fn is_within(host: &str, domain: &str) -> bool {
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
        cookie_domain_candidates(host).collect()
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
        assert!(!is_ip_host("1.2.3.4.5"));
        assert!(!is_ip_host("1.2.3"));
        assert!(is_ip_host("1.22.255.4"));
        for host in [
            "1234.1.1.1",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "1.2.3.a",
            "",
            "a:b.c",
        ] {
            assert_eq!(is_ip_host(host), host.contains(':'), "{host}");
        }
    }

    #[test]
    fn within() {
        assert!(is_within("shop.test", "shop.test"));
        assert!(is_within("alice.shop.test", "shop.test"));
        assert!(is_within("Alice.Shop.Test", "shop.test"));
        assert!(!is_within("evilshop.test", "shop.test"));
        assert!(!is_within("shop.test.evil", "shop.test"));
        assert!(!is_within("test", "shop.test"));
        assert!(!is_within("shop.test", ""));
    }
}
