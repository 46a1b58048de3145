//! What the reverse proxy in front of the collector says about the request (`--trust-proxy`).
//!
//! A proxy appends to `X-Forwarded-For` (nginx's `$proxy_add_x_forwarded_for`), so everything left
//! of its own entry came from the client and can be forged. With one trusted proxy, the right-most
//! entry of each `X-Forwarded-*` header is the one that proxy wrote; earlier entries are ignored.

use std::net::IpAddr;

use axum::http::{HeaderMap, header};

/// The right-most entry of a comma-separated `X-Forwarded-*` header, trimmed; `None` when the
/// header is missing, not text, or its last entry is empty.
pub fn last_entry<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    (!last.is_empty()).then_some(last)
}

/// The client address the trusted proxy saw.
pub fn client_ip(headers: &HeaderMap) -> Option<IpAddr> {
    last_entry(headers, "x-forwarded-for")?.parse().ok()
}

/// The host the browser asked for: `X-Forwarded-Host` when the proxy is trusted, else `Host`.
pub fn host(headers: &HeaderMap, trust_proxy: bool) -> Option<&str> {
    let direct = || headers.get(header::HOST)?.to_str().ok();
    if trust_proxy {
        last_entry(headers, "x-forwarded-host").or_else(direct)
    } else {
        direct()
    }
}

/// Whether the browser reached the proxy over https (`X-Forwarded-Proto`); `None` without the header.
pub fn is_https(headers: &HeaderMap) -> Option<bool> {
    last_entry(headers, "x-forwarded-proto").map(|proto| proto.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    /// A client-supplied prefix never wins over the proxy's own entry.
    #[test]
    fn the_proxy_entry_is_the_right_most() {
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 203.0.113.7")]);
        assert_eq!(client_ip(&h), Some("203.0.113.7".parse().unwrap()));
        let h = headers(&[
            ("x-forwarded-for", "10.9.9.9"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(client_ip(&h), Some("198.51.100.1".parse().unwrap()));
        assert_eq!(
            client_ip(&headers(&[("x-forwarded-for", "1.2.3.4,")])),
            None
        );
        assert_eq!(client_ip(&headers(&[("x-forwarded-for", "junk")])), None);
        assert_eq!(client_ip(&headers(&[])), None);
    }

    #[test]
    fn host_and_scheme() {
        let h = headers(&[
            ("host", "collector:8080"),
            ("x-forwarded-host", "evil.test, t.shop.test"),
            ("x-forwarded-proto", "http, https"),
        ]);
        assert_eq!(host(&h, true), Some("t.shop.test"));
        assert_eq!(host(&h, false), Some("collector:8080"));
        assert_eq!(is_https(&h), Some(true));
        assert_eq!(
            is_https(&headers(&[("x-forwarded-proto", "https, http")])),
            Some(false)
        );
        assert_eq!(is_https(&headers(&[])), None);
        assert_eq!(host(&headers(&[("host", "a.test")]), true), Some("a.test"));
    }
}
