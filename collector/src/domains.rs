//! Host names: registrable domains, origin checks and cookie scoping.

/// Lower-cases a host and strips a trailing dot and any port.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let without_port = if host.starts_with('[') {
        // IPv6 literal: keep the bracketed part.
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or(host.clone())
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map(|(h, _)| h.to_owned())
            .unwrap_or(host)
    };
    without_port.trim_end_matches('.').to_owned()
}

/// Whether the host is an IP literal or `localhost` (no registrable domain, no subdomains).
pub fn is_ip_or_localhost(host: &str) -> bool {
    host == "localhost" || host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok()
}

/// The registrable domain of a host by the Public Suffix List (`www.shop.co.uk` → `shop.co.uk`,
/// `t.shop.test` → `shop.test`, `acme.netlify.app` stays `acme.netlify.app`: `netlify.app` is a
/// public suffix). IP literals, `localhost` and public suffixes themselves are returned unchanged.
pub fn registrable_domain(host: &str) -> String {
    let host = normalize_host(host);
    if is_ip_or_localhost(&host) {
        return host;
    }
    psl::domain_str(&host).map_or_else(|| host.clone(), str::to_owned)
}

/// Whether `host` equals `domain` or is a subdomain of it. IP/localhost domains match only exactly.
pub fn host_matches(host: &str, domain: &str) -> bool {
    let host = normalize_host(host);
    let domain = normalize_host(domain);
    if host == domain {
        return true;
    }
    !is_ip_or_localhost(&domain) && host.ends_with(&format!(".{domain}"))
}

/// Splits an origin or URL into (scheme, host without port, port).
pub fn parse_origin(origin: &str) -> Option<(String, String, Option<u16>)> {
    let (scheme, rest) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if authority.is_empty() {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let (host, port) = if authority.starts_with('[') {
        let (host, rest) = authority.split_once(']')?;
        (
            format!("{host}]"),
            rest.strip_prefix(':').and_then(|p| p.parse().ok()),
        )
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port.parse().ok()?)),
            None => (authority.clone(), None),
        }
    };
    let host = host.trim_end_matches('.').to_owned();
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'))
    {
        return None;
    }
    // The host read here must be the one a browser goes to (WHATWG URL parsing, where for
    // example `\` ends the authority: `https://evil.test\@shop.com/` is evil.test).
    let browser_host = url::Url::parse(origin)
        .ok()?
        .host_str()?
        .to_ascii_lowercase();
    if browser_host.trim_end_matches('.') != host {
        return None;
    }
    Some((scheme, host, port))
}

/// Whether a browser `Origin` may report for a program with these domains.
/// `https` always qualifies; `http` only when the website itself is http or `allow_http` is set.
pub fn origin_allowed(
    origin: &str,
    domains: &[String],
    website_is_http: bool,
    allow_http: bool,
) -> bool {
    let Some((scheme, host, _port)) = parse_origin(origin) else {
        return false;
    };
    if scheme == "http" && !(website_is_http || allow_http) {
        return false;
    }
    domains.iter().any(|domain| host_matches(&host, domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable_domain("shop.test"), "shop.test");
        assert_eq!(registrable_domain("T.Shop.Test:3000"), "shop.test");
        assert_eq!(registrable_domain("www.shop.co.uk"), "shop.co.uk");
        assert_eq!(registrable_domain("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(registrable_domain("localhost"), "localhost");
        // The Public Suffix List, private part included: other sites of a shared host are others.
        assert_eq!(registrable_domain("acme.netlify.app"), "acme.netlify.app");
        assert_eq!(registrable_domain("www.acme.github.io"), "acme.github.io");
        assert_eq!(registrable_domain("a.b.shop.com.pl"), "shop.com.pl");
        assert_eq!(registrable_domain("co.uk"), "co.uk");
        assert!(!host_matches(
            "evil.netlify.app",
            &registrable_domain("acme.netlify.app")
        ));
    }

    #[test]
    fn matching_hosts() {
        assert!(host_matches("shop.test", "shop.test"));
        assert!(host_matches("alice.shop.test", "shop.test"));
        assert!(!host_matches("evilshop.test", "shop.test"));
        assert!(!host_matches("shop.test.evil.com", "shop.test"));
        assert!(host_matches("127.0.0.1:3000", "127.0.0.1"));
        assert!(!host_matches("1.127.0.0.1", "127.0.0.1"));
    }

    #[test]
    fn origins() {
        let domains = vec!["shop.test".to_owned()];
        assert!(origin_allowed("https://shop.test", &domains, false, false));
        assert!(origin_allowed(
            "https://alice.shop.test:8443",
            &domains,
            false,
            false
        ));
        assert!(!origin_allowed(
            "http://shop.test:3000",
            &domains,
            false,
            false
        ));
        assert!(origin_allowed(
            "http://shop.test:3000",
            &domains,
            false,
            true
        ));
        assert!(origin_allowed(
            "http://shop.test:3000",
            &domains,
            true,
            false
        ));
        assert!(!origin_allowed("https://evil.test", &domains, false, true));
        assert!(!origin_allowed("null", &domains, false, true));
        assert!(!origin_allowed("file:///x", &domains, false, true));
        assert_eq!(
            parse_origin("http://Shop.test:3000/x"),
            Some(("http".into(), "shop.test".into(), Some(3000)))
        );
        assert_eq!(
            parse_origin("https://user:pw@shop.test/x").map(|(_, host, _)| host),
            Some("shop.test".into())
        );
    }

    /// A URL whose host a browser reads differently (`\` ends the authority) has no host here.
    #[test]
    fn hosts_are_read_as_browsers_read_them() {
        assert_eq!(parse_origin("https://evil.test\\@shop.test/"), None);
        assert_eq!(parse_origin("https://evil.test\\.shop.test/"), None);
        assert_eq!(
            parse_origin("https://shop.test./p").map(|(_, host, _)| host),
            Some("shop.test".into())
        );
    }
}
