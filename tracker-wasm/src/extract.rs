//! Finding the referral key in a landing URL: query parameter (configured name and aliases),
//! Link structure `/<link_param>/<KEY>`, `#ref=KEY`, and `KEY.site.com` subdomains.

use crate::domain::is_within;
use crate::key::is_valid_key;
use crate::settings::Settings;
use crate::text::Short;
use crate::url::{self, Url};

/// Subdomains that are never referral keys.
pub const RESERVED_SUBDOMAINS: &[&str] = &[
    "www", "m", "app", "api", "admin", "assets", "blog", "cdn", "dev", "docs", "help", "mail",
    "shop", "static", "staging", "store", "support", "t", "test", "track",
];

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
    pub fn as_str(self) -> &'static str {
        match self {
            LinkFormat::Query => "query",
            LinkFormat::Link => "link",
            LinkFormat::Subdomain => "subdomain",
            LinkFormat::Hash => "hash",
        }
    }
}

/// A valid referral key and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub key: Short,
    pub format: LinkFormat,
}

/// The referral key of `url` under `settings`, in this order: query parameters, Link path,
/// `#name=KEY`, subdomain. Invalid keys are skipped as if absent.
pub fn find_key(url: &Url<'_>, settings: &Settings) -> Option<Found> {
    if let Some(key) = param_key(url.query, settings) {
        return Some(Found {
            key,
            format: LinkFormat::Query,
        });
    }
    let mut segments = crate::ascii::split(url.path, b'/');
    let mut first = true;
    while let Some(segment) = segments.next() {
        if segment.is_empty() {
            continue;
        }
        if !first {
            break;
        }
        first = false;
        if segment == settings.link_param {
            let key = segments.find(|s| !s.is_empty()).and_then(url::decode);
            if let Some(key) = key.filter(|k| is_valid_key(k.as_str())) {
                return Some(Found {
                    key,
                    format: LinkFormat::Link,
                });
            }
            break;
        }
    }
    if let Some(key) = param_key(url.fragment, settings) {
        return Some(Found {
            key,
            format: LinkFormat::Hash,
        });
    }
    let key = subdomain_key(url.host, settings).filter(|k| is_valid_key(k))?;
    Some(Found {
        key: Short::from(key)?,
        format: LinkFormat::Subdomain,
    })
}

/// The first valid key under the configured parameter name, then under each alias.
fn param_key(query: &str, settings: &Settings) -> Option<Short> {
    let valid = |name: &str| url::param(query, name, is_valid_key);
    if let Some(key) = valid(settings.query_param) {
        return Some(key);
    }
    for alias in settings.param_aliases.iter() {
        if let Some(key) = valid(alias) {
            return Some(key);
        }
    }
    None
}

/// The first label of `host` when it is exactly one label under one of the program's domains,
/// subdomain links are on and the label is not reserved.
pub fn subdomain_key<'a>(host: &'a str, settings: &Settings) -> Option<&'a str> {
    if !settings.subdomain_links {
        return None;
    }
    let (label, parent) = crate::ascii::split_once(host, b'.')?;
    let under_program = settings
        .domains
        .iter()
        .any(|d| parent.eq_ignore_ascii_case(d) && is_within(host, d));
    (under_program
        && !RESERVED_SUBDOMAINS
            .iter()
            .any(|r| label.eq_ignore_ascii_case(r)))
    .then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    use alloc::string::String;

    fn find(href: &str, settings: &Settings) -> Option<(String, &'static str)> {
        find_key(&Url::parse(href).unwrap(), settings)
            .map(|f| (f.key.as_str().into(), f.format.as_str()))
    }

    fn some(key: &str, format: &'static str) -> Option<(String, &'static str)> {
        Some((key.into(), format))
    }

    fn subdomain_settings() -> Settings<'static> {
        let mut s = Settings {
            subdomain_links: true,
            ..Settings::default()
        };
        assert!(s.apply("domains", &crate::arg::Arg::List("shop.test")));
        s
    }

    #[test]
    fn query_and_aliases() {
        let s = Settings {
            query_param: "partner",
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
            link_param: "go",
            ..Settings::default()
        };
        assert_eq!(
            find("https://shop.test/go/bob?utm_source=x", &go),
            some("bob", "link")
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
