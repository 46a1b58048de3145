//! Referral link rendering (query, link and subdomain formats) and share links.

use crate::domains::{is_ip_or_localhost, parse_origin};
use crate::program::{ProgramSettings, UrlFormat};

/// The customer's main referral link, in the program's URL format.
pub fn referral_link(settings: &ProgramSettings, key: &str) -> String {
    match settings.url_format {
        UrlFormat::Query => query_link(settings, key),
        UrlFormat::Link => path_link(settings, key),
        UrlFormat::Subdomain => {
            subdomain_link(settings, key).unwrap_or_else(|| query_link(settings, key))
        }
    }
}

/// All links that reach the site with this key: the main one, then the subdomain link when
/// subdomain links are on and the key has one (see [`subdomain_link`]).
pub fn referral_links(settings: &ProgramSettings, key: &str) -> Vec<String> {
    let mut links = vec![referral_link(settings, key)];
    if settings.accepts_subdomain_links()
        && let Some(link) = subdomain_link(settings, key)
        && link != links[0]
    {
        links.push(link);
    }
    links
}

/// `https://site.com/?ref=KEY` (keeps a path and existing query of the website URL).
pub fn query_link(settings: &ProgramSettings, key: &str) -> String {
    let website = settings.website.trim_end_matches('/');
    let base = if website_path(website).is_empty() {
        format!("{website}/")
    } else {
        website.to_owned()
    };
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{}={}", settings.query_param, encode(key))
}

/// `https://site.com/aff/KEY` (after the website's path: `https://site.com/store/aff/KEY`).
pub fn path_link(settings: &ProgramSettings, key: &str) -> String {
    let base = match origin_and_path(&settings.website) {
        Some((origin, path)) => format!("{origin}{path}"),
        None => {
            let website = settings.website.trim_end_matches('/');
            website.split('?').next().unwrap_or(website).to_owned()
        }
    };
    format!("{base}/{}/{}", settings.link_param, encode(key))
}

/// The website's origin and its path as a browser's address bar has it (percent-encoded, no
/// trailing `/`, `""` at the root): what the tracker compares with `location`.
fn origin_and_path(url: &str) -> Option<(String, String)> {
    let parsed = url::Url::parse(url).ok()?;
    let path = parsed.path().trim_end_matches('/').to_owned();
    Some((parsed.origin().ascii_serialization(), path))
}

/// Subdomains the tracker never reads as a referral key (`RESERVED_SUBDOMAINS` of the tracker's
/// core; a test keeps the two lists equal).
pub const RESERVED_SUBDOMAINS: &str = "www m app api admin assets blog cdn dev docs help mail \
shop static staging store support t test track";

/// `https://KEY.site.com/` (with the website's path: `https://KEY.site.com/store/`) when the
/// website has a domain name and the key comes back from that link unchanged: a DNS label in
/// lowercase (browsers lowercase host names, and keys are case-sensitive) that the tracker does
/// not reserve. Other keys get no subdomain link.
pub fn subdomain_link(settings: &ProgramSettings, key: &str) -> Option<String> {
    let (scheme, host, port) = parse_origin(&settings.website)?;
    let label_ok = key.len() <= 63
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !key.starts_with('-')
        && !key.ends_with('-')
        && !RESERVED_SUBDOMAINS
            .split(' ')
            .any(|reserved| reserved == key);
    if !label_ok || is_ip_or_localhost(&host) {
        return None;
    }
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    let path = origin_and_path(&settings.website).map_or_else(String::new, |(_, path)| path);
    Some(format!("{scheme}://{key}.{host}{port}{path}/"))
}

/// Where the program's referral links point, as the tracker compares them with a landing
/// address (the `sites` of its settings document): `host[/path]` of the website and of each
/// referral-link domain, the host without `www.` (as in [`subdomain_link`]), the path without a
/// trailing `/` and percent-encoded as in the address bar; then the extra domains (hosts only).
/// The tracker reads a subdomain key only as the label right in front of one of these hosts, so
/// `https://KEY.my.shop.com/` for the website `https://my.shop.com`, and never on one of the hosts
/// itself (`checkout.shop.com`, an extra domain, is no key).
pub fn sites(settings: &ProgramSettings) -> Vec<String> {
    let mut sites = Vec::new();
    let mut add = |site: String| {
        if !sites.contains(&site) {
            sites.push(site);
        }
    };
    for url in std::iter::once(&settings.website).chain(&settings.link_domains) {
        let Some((_, host, _)) = parse_origin(url) else {
            continue;
        };
        let host = host.strip_prefix("www.").unwrap_or(&host);
        let path = origin_and_path(url).map_or_else(String::new, |(_, path)| path);
        add(format!("{host}{path}"));
    }
    for domain in &settings.extra_domains {
        add(domain.strip_prefix("www.").unwrap_or(domain).to_owned());
    }
    sites
}

/// Share links for a referral link.
pub fn share_links(link: &str) -> serde_json::Value {
    let encoded = encode(link);
    serde_json::json!({
        "twitter": format!("https://twitter.com/intent/tweet?url={encoded}"),
        "facebook": format!("https://www.facebook.com/sharer/sharer.php?u={encoded}"),
        "linkedin": format!("https://www.linkedin.com/sharing/share-offsite/?url={encoded}"),
        "email": format!("mailto:?body={encoded}"),
    })
}

/// The path of a URL (`""` when it has none).
fn website_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_and_more = after_scheme
        .find(['/', '?'])
        .map_or("", |at| &after_scheme[at..]);
    path_and_more.split('?').next().unwrap_or("")
}

/// Percent-encodes everything except unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::ProgramSpec;
    use crate::program::ProgramKind;

    fn settings(website: &str, url_format: UrlFormat) -> ProgramSettings {
        let mut spec = ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", website);
        spec.url_format = url_format;
        spec.subdomain_links = true;
        let mut settings = spec.into_settings();
        // As given: the tests cover websites with trailing slashes and queries too.
        settings.website = website.into();
        settings
    }

    #[test]
    fn renders_formats() {
        let q = settings("https://shop.test", UrlFormat::Query);
        assert_eq!(referral_link(&q, "alice"), "https://shop.test/?ref=alice");
        let q = settings("http://shop.test:3000/app?x=1", UrlFormat::Query);
        assert_eq!(
            referral_link(&q, "alice"),
            "http://shop.test:3000/app?x=1&ref=alice"
        );
        let l = settings("https://shop.test/", UrlFormat::Link);
        assert_eq!(referral_link(&l, "alice"), "https://shop.test/aff/alice");
        assert_eq!(
            referral_links(&l, "alice"),
            vec!["https://shop.test/aff/alice", "https://alice.shop.test/"]
        );
        assert_eq!(referral_links(&l, "u_42").len(), 1);
        let mut s = settings("https://shop.test", UrlFormat::Subdomain);
        s.subdomain_links = false;
        assert_eq!(referral_link(&s, "alice"), "https://alice.shop.test/");
        assert_eq!(
            referral_links(&s, "alice"),
            vec!["https://alice.shop.test/"]
        );
        assert_eq!(referral_link(&s, "u_42"), "https://shop.test/?ref=u_42");
        // A key the browser would lowercase, or one the tracker never reads from a subdomain,
        // keeps the query link, so the key that comes back is the customer's.
        assert_eq!(referral_link(&s, "Alice"), "https://shop.test/?ref=Alice");
        assert_eq!(
            referral_links(&l, "Alice"),
            vec!["https://shop.test/aff/Alice"]
        );
        assert_eq!(referral_link(&s, "www"), "https://shop.test/?ref=www");
        assert_eq!(referral_link(&s, "track"), "https://shop.test/?ref=track");
        let local = settings("http://localhost:8080", UrlFormat::Subdomain);
        assert_eq!(
            referral_link(&local, "bob"),
            "http://localhost:8080/?ref=bob"
        );
        let www = settings("http://www.shop.test:3000", UrlFormat::Query);
        assert_eq!(
            subdomain_link(&www, "bob").as_deref(),
            Some("http://bob.shop.test:3000/")
        );
    }

    /// A website on a subdomain (`https://my.shop.test`) gets `KEY.my.shop.test` links: the
    /// label in front of the website's host, where the tracker reads it (see `sites`).
    #[test]
    fn subdomain_links_of_a_website_on_a_subdomain() {
        let my = settings("https://my.shop.test", UrlFormat::Query);
        assert_eq!(
            referral_links(&my, "alice"),
            vec![
                "https://my.shop.test/?ref=alice",
                "https://alice.my.shop.test/"
            ]
        );
        assert_eq!(sites(&my), vec!["my.shop.test"]);
        let mut www = settings("https://WWW.Shop.test/store/?x=1", UrlFormat::Subdomain);
        www.link_domains = vec![
            "https://eu.shop.test".into(),
            "https://www.shop.test/store".into(),
        ];
        assert_eq!(
            referral_link(&www, "alice"),
            "https://alice.shop.test/store/"
        );
        assert_eq!(sites(&www), vec!["shop.test/store", "eu.shop.test"]);
        // Extra domains are the program's own hosts too: never read as `KEY.site`.
        let mut extra = settings("https://shop.test", UrlFormat::Query);
        extra.extra_domains = vec!["checkout.shop.test".into(), "www.other.test".into()];
        assert_eq!(
            sites(&extra),
            vec!["shop.test", "checkout.shop.test", "other.test"]
        );
    }

    /// A website under a path keeps it in its links (`/store/aff/KEY`: the site lives there), and
    /// its `sites` entry carries the path the tracker reads the Link structure after.
    #[test]
    fn links_of_a_website_under_a_path() {
        let store = settings("https://shop.test/store/", UrlFormat::Link);
        assert_eq!(
            referral_link(&store, "alice"),
            "https://shop.test/store/aff/alice"
        );
        assert_eq!(sites(&store), vec!["shop.test/store"]);
        let query = settings("https://shop.test/store", UrlFormat::Query);
        assert_eq!(
            referral_link(&query, "alice"),
            "https://shop.test/store?ref=alice"
        );
        // Subdomain links land on the website's path too; paths are as the address bar has them.
        let subdomain = settings("https://shop.test/store", UrlFormat::Subdomain);
        assert_eq!(
            referral_link(&subdomain, "alice"),
            "https://alice.shop.test/store/"
        );
        let spaced = settings("https://shop.test/my store/niños", UrlFormat::Link);
        assert_eq!(
            referral_link(&spaced, "alice"),
            "https://shop.test/my%20store/ni%C3%B1os/aff/alice"
        );
        assert_eq!(sites(&spaced), vec!["shop.test/my%20store/ni%C3%B1os"]);
    }

    /// The collector hands out no subdomain link the tracker would not read a key from.
    #[test]
    fn reserved_subdomains_match_the_trackers() {
        let tracker = std::str::from_utf8(tracker_wasm::extract::RESERVED_SUBDOMAINS).unwrap();
        assert_eq!(RESERVED_SUBDOMAINS, tracker);
    }

    #[test]
    fn share_links_are_encoded() {
        let links = share_links("https://shop.test/?ref=a");
        assert_eq!(
            links["twitter"],
            "https://twitter.com/intent/tweet?url=https%3A%2F%2Fshop.test%2F%3Fref%3Da"
        );
    }
}
