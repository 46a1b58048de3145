//! Finding the referral key in a landing URL: query parameter (configured name and aliases),
//! Link structure `/<link_param>/<KEY>` (also after the path of a website under a path),
//! `#ref=KEY`, and `KEY.site.com` subdomains.

use crate::key::{is_key_byte, is_valid_key};
use crate::settings::Settings;
use crate::text::Sink;
use crate::url::{self, Url};

/// Subdomains that are never referral keys.
pub const RESERVED_SUBDOMAINS: &[u8] = b"www m app api admin assets blog cdn dev docs help mail \
shop static staging store support t test track";

/// Which kind of referral link brought the visitor (reported as `format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkFormat {
    Query,
    Link,
    Subdomain,
    Hash,
}

impl LinkFormat {
    /// The protocol's name for the format.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LinkFormat::Query => b"query",
            LinkFormat::Link => b"link",
            LinkFormat::Subdomain => b"subdomain",
            LinkFormat::Hash => b"hash",
        }
    }
}

/// Writes the referral key of `url` under `settings` to `out` and returns where it was found,
/// in this order: query parameters, Link path, `#name=KEY`, subdomain. Invalid keys are skipped as
/// if absent; nothing is written when there is no valid key.
pub fn find_key(url: &Url<'_>, settings: &Settings, out: &mut impl Sink) -> Option<LinkFormat> {
    if param_key(url.query, settings, out) {
        return Some(LinkFormat::Query);
    }
    // A website under a path (`https://shop.test/store`) gets `/store/aff/KEY` links: what
    // follows a site's path is read like a path of its own (and `/aff/KEY` as before).
    let mut path = url.path;
    for site in crate::ascii::split(settings.sites, crate::arg::ITEM_SEP) {
        if let Some((_, prefix)) = crate::ascii::split_once(site, b'/') {
            let end = prefix.len() + 1;
            if path.get(1..end) == Some(prefix) && path.get(end) == Some(&b'/') {
                path = path.get(end..).unwrap_or_default();
            }
        }
    }
    let mut segments = crate::ascii::split(path, b'/').filter(|s| !s.is_empty());
    if segments.next() == Some(settings.link_param) {
        let mark = out.len();
        if let Some(segment) = segments.next()
            && url::decode(segment, is_key_byte, out)
            && out.len() > mark
        {
            return Some(LinkFormat::Link);
        }
    }
    if param_key(url.fragment, settings, out) {
        return Some(LinkFormat::Hash);
    }
    let key = subdomain_key(url.host, settings).filter(|k| is_valid_key(k))?;
    out.put(key);
    Some(LinkFormat::Subdomain)
}

/// Writes the first valid key under the configured parameter name, then under each alias.
fn param_key(query: &[u8], settings: &Settings, out: &mut impl Sink) -> bool {
    if url::param(query, settings.query_param, out) {
        return true;
    }
    for alias in settings.param_aliases.iter() {
        if url::param(query, alias, out) {
            return true;
        }
    }
    false
}

/// The first label of `host` when subdomain links are on, the label is not reserved and it is
/// right in front of the host of one of the program's sites (the website, the referral-link
/// domains: `KEY.my.shop.test` for the website `https://my.shop.test`), and `host` is not a
/// site's host itself (`my` is no key on `my.shop.test`).
pub fn subdomain_key<'a>(host: &'a [u8], settings: &Settings) -> Option<&'a [u8]> {
    if !settings.subdomain_links {
        return None;
    }
    let (label, parent) = crate::ascii::split_once(host, b'.')?;
    let mut under_site = false;
    for site in crate::ascii::split(settings.sites, crate::arg::ITEM_SEP) {
        // `host[/path]`: the host.
        let site = crate::ascii::split_once(site, b'/').map_or(site, |(site_host, _)| site_host);
        if host.eq_ignore_ascii_case(site) {
            return None;
        }
        under_site |= parent.eq_ignore_ascii_case(site);
    }
    (under_site && !crate::words::contains_ignoring_case(RESERVED_SUBDOMAINS, label))
        .then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    use alloc::string::String;

    fn find(href: &str, settings: &Settings) -> Option<(String, &'static [u8])> {
        let mut key = alloc::vec::Vec::new();
        let format = find_key(&Url::parse(href.as_bytes()).unwrap(), settings, &mut key);
        if format.is_none() {
            assert!(key.is_empty(), "nothing written without a key: {key:?}");
        }
        format.map(|f| (String::from_utf8(key).unwrap(), f.as_bytes()))
    }

    fn some(key: &str, format: &'static str) -> Option<(String, &'static [u8])> {
        Some((key.into(), format.as_bytes()))
    }

    fn subdomain_settings() -> Settings<'static> {
        let mut s = Settings {
            subdomain_links: true,
            ..Settings::default()
        };
        assert!(s.apply(b"domains", &crate::arg::Arg::list("shop.test")));
        assert!(s.apply(b"sites", &crate::arg::Arg::list("shop.test")));
        s
    }

    #[test]
    fn query_and_aliases() {
        let s = Settings {
            query_param: b"partner",
            ..Settings::default()
        };
        assert_eq!(
            find("https://shop.test/?partner=alice", &s),
            some("alice", "query")
        );
        assert_eq!(
            find("https://shop.test/?x=1&via=bob", &s),
            some("bob", "query")
        );
        assert_eq!(
            find("https://shop.test/?aff=carol&partner=alice", &s),
            some("alice", "query")
        );
        assert_eq!(
            find("https://shop.test/?ref=al%69ce", &s),
            some("alice", "query")
        );
        assert_eq!(find("https://shop.test/?other=alice", &s), None);
    }

    #[test]
    fn invalid_keys_are_never_returned() {
        let s = Settings::default();
        assert_eq!(find("https://shop.test/?ref=%3Cscript%3E", &s), None);
        assert_eq!(find("https://shop.test/?ref=", &s), None);
        assert_eq!(find("https://shop.test/?ref=a+b", &s), None);
        assert_eq!(
            find(
                &alloc::format!("https://shop.test/?ref={}", "k".repeat(65)),
                &s
            ),
            None
        );
        // An invalid value under one name does not hide a valid one under another.
        assert_eq!(
            find("https://shop.test/?ref=a;b&via=ok", &s),
            some("ok", "query")
        ); // …nor does an empty or invalid earlier value of the same name.
        assert_eq!(
            find("https://shop.test/?ref=&ref=-", &s),
            some("-", "query")
        );
        assert_eq!(
            find("https://shop.test/?ref=a;b&ref=ok", &s),
            some("ok", "query")
        );
    }

    #[test]
    fn link_path() {
        let s = Settings::default();
        assert_eq!(
            find("https://shop.test/aff/alice", &s),
            some("alice", "link")
        );
        assert_eq!(
            find("https://shop.test/aff/alice/", &s),
            some("alice", "link")
        );
        assert_eq!(find("https://shop.test/aff/", &s), None);
        assert_eq!(find("https://shop.test/blog/aff/alice", &s), None);
        let go = Settings {
            link_param: b"go",
            ..Settings::default()
        };
        assert_eq!(
            find("https://shop.test/go/bob?utm_source=x", &go),
            some("bob", "link")
        );
    }

    /// A website under a path (`https://shop.test/store`): its links are `/store/aff/KEY`.
    #[test]
    fn link_path_under_a_site_path() {
        let mut s = Settings::default();
        assert!(s.apply(
            b"sites",
            &crate::arg::Arg::list("shop.test/store\u{1d}eu.shop.test/de/shop")
        ));
        assert_eq!(
            find("https://shop.test/store/aff/alice", &s),
            some("alice", "link")
        );
        assert_eq!(
            find("https://shop.test/store/aff/alice/?x=1", &s),
            some("alice", "link")
        );
        assert_eq!(
            find("https://eu.shop.test/de/shop/aff/bob", &s),
            some("bob", "link")
        );
        // The root form still works; other paths and prefixes are no links.
        assert_eq!(
            find("https://shop.test/aff/carol", &s),
            some("carol", "link")
        );
        assert_eq!(find("https://shop.test/store/aff/", &s), None);
        assert_eq!(find("https://shop.test/store", &s), None);
        assert_eq!(find("https://shop.test/storefront/aff/alice", &s), None);
        assert_eq!(find("https://shop.test/blog/aff/alice", &s), None);
        assert_eq!(find("https://shop.test/store/blog/aff/alice", &s), None);
        assert_eq!(
            find("https://shop.test/store/aff/alice", &Settings::default()),
            None
        );
    }

    #[test]
    fn hash() {
        let s = Settings::default();
        assert_eq!(
            find("https://shop.test/#ref=alice", &s),
            some("alice", "hash")
        );
        assert_eq!(
            find("https://shop.test/#x=1&via=bob", &s),
            some("bob", "hash")
        );
        assert_eq!(find("https://shop.test/#section", &s), None);
    }

    fn sites_settings(sites: &'static str) -> Settings<'static> {
        let mut s = Settings {
            subdomain_links: true,
            ..Settings::default()
        };
        assert!(s.apply(b"domains", &crate::arg::Arg::list("shop.test")));
        assert!(s.apply(b"sites", &crate::arg::Arg::list(sites)));
        s
    }

    /// The website on a subdomain (`https://my.shop.test`): the key is the label in front of it
    /// (`alice.my.shop.test`, the link the collector hands out), and `my` is not a key on the
    /// website's own pages.
    #[test]
    fn subdomains_of_a_website_on_a_subdomain() {
        let s = sites_settings("my.shop.test");
        assert_eq!(find("https://my.shop.test/", &s), None);
        assert_eq!(find("https://MY.shop.test/pricing", &s), None);
        assert_eq!(
            find("https://alice.my.shop.test/", &s),
            some("alice", "subdomain")
        );
        assert_eq!(find("https://alice.shop.test/", &s), None);
        assert_eq!(find("https://www.my.shop.test/", &s), None);
        assert_eq!(find("https://a.b.my.shop.test/", &s), None);
        // Subdomain keys come from the sites, not from the program's (registrable) domains.
        let mut domains_only = Settings {
            subdomain_links: true,
            ..Settings::default()
        };
        assert!(domains_only.apply(b"domains", &crate::arg::Arg::list("shop.test")));
        assert_eq!(find("https://alice.shop.test/", &domains_only), None);
        // A site's path does not matter; a link domain is a site too; a page on one site's host
        // is never a key, even when another site is its parent.
        let s = sites_settings("shop.test/store\u{1d}eu.shop.test");
        assert_eq!(find("https://bob.shop.test/", &s), some("bob", "subdomain"));
        assert_eq!(
            find("https://bob.eu.shop.test/", &s),
            some("bob", "subdomain")
        );
        assert_eq!(find("https://eu.shop.test/", &s), None);
        assert_eq!(find("https://shop.test/", &s), None);
    }

    #[test]
    fn subdomains() {
        let s = subdomain_settings();
        assert_eq!(
            find("https://alice.shop.test/", &s),
            some("alice", "subdomain")
        );
        assert_eq!(find("https://www.shop.test/", &s), None);
        assert_eq!(find("https://WWW.shop.test/", &s), None);
        assert_eq!(find("https://api.shop.test/", &s), None);
        assert_eq!(find("https://shop.test/", &s), None);
        assert_eq!(find("https://a.b.shop.test/", &s), None);
        assert_eq!(find("https://alice.evil.test/", &s), None);
        assert_eq!(find("https://alice.shop.test.evil/", &s), None);
        assert_eq!(find("https://alice.shop.test/", &Settings::default()), None);
        // The query wins over the subdomain.
        assert_eq!(
            find("https://alice.shop.test/?ref=bob", &s),
            some("bob", "query")
        );
    }
}
