//! A program's tracking settings: defaults, `po('program', id, 'settings', name, value)` and each
//! entry of the collector's `GET /pub/programs/{id}` document ([`SETTING_NAMES`]) go through
//! [`Settings::apply`].
//!
//! The loader keeps a program's settings as *records* (see [`Settings::from_records`]): every
//! name/value pair it received, in order; the core replays them whenever it needs the settings.

use crate::arg::Arg;
use crate::domain::is_within;
use crate::key::is_valid_name;
use crate::words::position;

/// Refer-a-friend or affiliate: decides the cookie name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramType {
    Referral,
    Affiliate,
}

/// How long the referral cookie lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    Days(u32),
    /// "lifetime": as long as browsers allow (400 days), renewed on every visit.
    Forever,
}

/// Which click wins when a visitor follows several referral links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribution {
    /// Keep the first key until its cookie expires.
    FirstClick,
    /// Every new referral link overwrites the cookie.
    LastClick,
}

/// A list of names: a list argument's items or comma-separated text, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names<'a> {
    text: &'a [u8],
    sep: u8,
}

impl<'a> Names<'a> {
    fn of(value: &Arg<'a>) -> Option<Names<'a>> {
        match *value {
            Arg::List(text) => Some(Names {
                text,
                sep: crate::arg::ITEM_SEP,
            }),
            Arg::Text(text) => Some(Names { text, sep: b',' }),
            _ => None,
        }
    }

    /// The names, trimmed (an empty list argument has none; empty text has one empty name).
    pub fn iter(&self) -> NameIter<'a> {
        NameIter(if self.text.is_empty() && self.sep != b',' {
            crate::ascii::Split::empty()
        } else {
            crate::ascii::split(self.text, self.sep)
        })
    }

    /// No names at all.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// Iterator of [`Names::iter`] (a concrete type: every caller shares one `next`, which keeps the
/// wasm small).
#[derive(Debug, Clone)]
pub struct NameIter<'a>(crate::ascii::Split<'a>);

impl<'a> Iterator for NameIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        self.0.next().map(<[u8]>::trim_ascii)
    }
}

/// The settings the tracker acts on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings<'a> {
    pub program_type: ProgramType,
    pub lifetime: Lifetime,
    /// `url_format`: `link` (true) or `query` (false); decides the shape of new referral links.
    pub link_format: bool,
    /// The main query parameter.
    pub query_param: &'a [u8],
    /// The path segment of Link-structure links: `/<link_param>/<KEY>`.
    pub link_param: &'a [u8],
    /// More query parameter names that carry a key.
    pub param_aliases: Names<'a>,
    pub attribution: Attribution,
    /// The program's website domains (empty: any).
    pub domains: Names<'a>,
    /// The website and the referral-link domains as `host[/path]` (host without `www.`), a list
    /// (items separated by [`crate::arg::ITEM_SEP`]): a subdomain key is the label right in front
    /// of one of these hosts (none without sites).
    pub sites: &'a [u8],
    /// `KEY.site.com` links are read.
    pub subdomain_links: bool,
    /// Nothing is written or reported before `po('consent', 'grant')`.
    pub consent_required: bool,
    /// Honour Global Privacy Control and Do Not Track.
    pub honor_gpc: bool,
    /// Remove the referral parameter from the address after capture.
    pub clean_url: bool,
}

impl Default for Settings<'_> {
    fn default() -> Self {
        Settings {
            program_type: ProgramType::Referral,
            lifetime: Lifetime::Days(30),
            link_format: false,
            query_param: b"ref",
            link_param: b"aff",
            param_aliases: Names {
                text: b"ref,aff,via",
                sep: b',',
            },
            attribution: Attribution::FirstClick,
            domains: Names {
                text: b"",
                sep: crate::arg::ITEM_SEP,
            },
            sites: b"",
            subdomain_links: false,
            consent_required: false,
            honor_gpc: false,
            clean_url: false,
        }
    }
}

/// The names [`Settings::apply`] understands, in the order of their numbers there.
pub const SETTING_NAMES: &[u8] =
    b"type cookie_time url_format query_param link_param param_aliases \
attribution domains sites subdomain_links consent_required honor_gpc clean_url";

/// Separates names and values in settings records.
pub const RECORD_SEP: u8 = 0x1e;

impl<'a> Settings<'a> {
    /// Replays settings records (`name RS tagged-value RS` ..., see [`Arg::decode`]) over the
    /// defaults; invalid entries are skipped.
    pub fn from_records(records: &'a [u8]) -> Settings<'a> {
        let mut settings = Settings::default();
        let mut parts = crate::ascii::split(records, RECORD_SEP);
        while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
            settings.apply(name, &Arg::decode(value));
        }
        settings
    }

    /// Applies one setting; false (and no change) for an unknown name or an invalid value.
    pub fn apply(&mut self, name: &[u8], value: &Arg<'a>) -> bool {
        let text = value.as_bytes();
        let Some(index) = position(SETTING_NAMES, name) else {
            return false;
        };
        match index {
            0 => match position(b"referral refer-a-friend customer affiliate partner", text) {
                Some(i) => {
                    self.program_type = if i < 3 {
                        ProgramType::Referral
                    } else {
                        ProgramType::Affiliate
                    }
                }
                None => return false,
            },
            1 => match parse_lifetime(value) {
                Some(lifetime) => self.lifetime = lifetime,
                None => return false,
            },
            2 => match position(b"query link", text) {
                Some(i) => self.link_format = i == 1,
                None => return false,
            },
            3 | 4 => {
                if !is_valid_name(text) {
                    return false;
                }
                if index == 3 {
                    self.query_param = text
                } else {
                    self.link_param = text
                }
            }
            5 | 7 => {
                let Some(list) = Names::of(value) else {
                    return false;
                };
                let domains = index == 7;
                let valid = |item: &[u8]| {
                    if domains {
                        is_domain(item)
                    } else {
                        is_valid_name(item)
                    }
                };
                for item in list.iter() {
                    if !valid(item) {
                        return false;
                    }
                }
                if domains {
                    self.domains = list;
                } else {
                    self.param_aliases = list;
                }
            }
            // Only compared with the address: any list will do.
            8 => match value {
                Arg::List(list) => self.sites = list,
                _ => return false,
            },
            6 => match position(b"first first_click last last_click", text) {
                Some(i) => {
                    self.attribution = if i < 2 {
                        Attribution::FirstClick
                    } else {
                        Attribution::LastClick
                    }
                }
                None => return false,
            },
            _ => {
                let Some(on) = value.truthy() else {
                    return false;
                };
                match index {
                    9 => self.subdomain_links = on,
                    10 => self.consent_required = on,
                    11 => self.honor_gpc = on,
                    _ => self.clean_url = on,
                }
            }
        }
        true
    }

    /// The referral cookie's name.
    pub fn cookie_name(&self) -> &'static [u8] {
        match self.program_type {
            ProgramType::Referral => crate::cookie::REFERRAL_COOKIE.as_bytes(),
            ProgramType::Affiliate => crate::cookie::PARTNER_COOKIE.as_bytes(),
        }
    }

    /// True when `host` is on one of the program's domains (or no domains are set).
    pub fn allows_host(&self, host: &[u8]) -> bool {
        let mut domains = self.domains.iter();
        let mut empty = true;
        for domain in &mut domains {
            if is_within(host, domain) {
                return true;
            }
            empty = false;
        }
        empty
    }
}

/// `cookie_time`: days (a positive whole number, as text or number) or `lifetime`/`forever`.
fn parse_lifetime(value: &Arg<'_>) -> Option<Lifetime> {
    if position(b"lifetime forever", value.as_bytes()).is_some() {
        return Some(Lifetime::Forever);
    }
    value.whole_number(1_000_000).map(Lifetime::Days)
}

/// A host name as a program's website domain: letters, digits, `.`, `-` (and `:`/`[]` for IP hosts).
fn is_domain(text: &[u8]) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn list(names: Names<'_>) -> Vec<&str> {
        names
            .iter()
            .map(|n| core::str::from_utf8(n).unwrap())
            .collect()
    }

    /// The query parameter names that carry a key: the configured one, then the aliases.
    fn params<'a>(s: &Settings<'a>) -> Vec<&'a [u8]> {
        core::iter::once(s.query_param)
            .chain(s.param_aliases.iter())
            .collect()
    }

    fn apply_all<'a>(entries: &[(&str, Arg<'a>)]) -> Settings<'a> {
        let mut s = Settings::default();
        for (name, value) in entries {
            assert!(s.apply(name.as_bytes(), value), "{name}");
        }
        s
    }

    #[test]
    fn reads_the_collector_document() {
        let s = apply_all(&[
            ("type", Arg::text("affiliate")),
            ("cookie_time", Arg::text("lifetime")),
            ("url_format", Arg::text("link")),
            ("query_param", Arg::text("via")),
            ("link_param", Arg::text("go")),
            ("param_aliases", Arg::list("r")),
            ("attribution", Arg::text("last")),
            ("domains", Arg::list("Shop.Test")),
            ("sites", Arg::list("my.shop.test/store\u{1d}eu.shop.test")),
            ("subdomain_links", Arg::Bool(true)),
            ("consent_required", Arg::Bool(true)),
            ("honor_gpc", Arg::Bool(true)),
            ("clean_url", Arg::Bool(true)),
        ]);
        assert_eq!(s.program_type, ProgramType::Affiliate);
        assert_eq!(s.cookie_name(), b"partnero_partner");
        assert_eq!(s.lifetime, Lifetime::Forever);
        assert!(s.link_format);
        assert_eq!(params(&s), [&b"via"[..], b"r"]);
        assert_eq!(s.link_param, b"go");
        assert_eq!(s.attribution, Attribution::LastClick);
        assert_eq!(list(s.domains), ["Shop.Test"]);
        assert_eq!(s.sites, b"my.shop.test/store\x1deu.shop.test");
        assert!(
            s.allows_host(b"www.shop.test"),
            "domains compare ignoring case"
        );
        assert!(s.subdomain_links && s.consent_required && s.honor_gpc && s.clean_url);
        assert_eq!(crate::ascii::split(SETTING_NAMES, b' ').count(), 13);
    }

    #[test]
    fn defaults_and_invalid_values() {
        let mut s = Settings::default();
        assert_eq!(s.cookie_name(), b"partnero_referral");
        assert_eq!(params(&s), [&b"ref"[..], b"ref", b"aff", b"via"]);
        assert!(!s.apply(b"cookie_time", &Arg::num("0")));
        assert!(!s.apply(b"cookie_time", &Arg::text("12x")));
        assert!(!s.apply(b"query_param", &Arg::text("a b")));
        assert!(!s.apply(b"type", &Arg::text("other")));
        assert!(!s.apply(b"param_aliases", &Arg::list("ok\u{1d}not ok")));
        assert!(!s.apply(b"clean_url", &Arg::text("perhaps")));
        assert!(!s.apply(b"nope", &Arg::Other));
        assert_eq!(s, Settings::default());
        assert!(s.apply(b"cookie_time", &Arg::text("45")));
        assert_eq!(s.lifetime, Lifetime::Days(45));
        assert!(s.apply(b"cookie_time", &Arg::num("7.5")));
        assert_eq!(s.lifetime, Lifetime::Days(7));
        assert!(s.apply(b"param_aliases", &Arg::text("a, b")));
        assert_eq!(list(s.param_aliases), ["a", "b"]);
        assert!(!s.apply(b"param_aliases", &Arg::text("")));
        assert!(s.apply(b"param_aliases", &Arg::list("")));
        assert_eq!(params(&s), [b"ref"]);
    }

    #[test]
    fn records_replay_in_order_and_skip_invalid_ones() {
        let records = "type\u{1e}saffiliate\u{1e}cookie_time\u{1e}n45\u{1e}cookie_time\u{1e}sbad\u{1e}\
                       domains\u{1e}lShop.Test\u{1d}b.test\u{1e}clean_url\u{1e}btrue\u{1e}attribution\u{1e}";
        let s = Settings::from_records(records.as_bytes());
        assert_eq!(s.program_type, ProgramType::Affiliate);
        assert_eq!(s.lifetime, Lifetime::Days(45));
        assert_eq!(list(s.domains), ["Shop.Test", "b.test"]);
        assert!(s.clean_url);
        assert_eq!(s.attribution, Attribution::FirstClick);
        assert_eq!(Settings::from_records(b""), Settings::default());
    }

    /// A `null` (or an object) in the collector's document or a page override is no value: the
    /// setting keeps what it had, instead of being turned off.
    #[test]
    fn null_values_are_skipped() {
        let mut s = Settings::default();
        for name in [
            "subdomain_links",
            "consent_required",
            "honor_gpc",
            "clean_url",
        ] {
            assert!(s.apply(name.as_bytes(), &Arg::Bool(true)), "{name}");
            assert!(!s.apply(name.as_bytes(), &Arg::Other), "{name}");
        }
        assert!(s.subdomain_links && s.consent_required && s.honor_gpc && s.clean_url);
        let records = "consent_required\u{1e}btrue\u{1e}consent_required\u{1e}o\u{1e}";
        assert!(Settings::from_records(records.as_bytes()).consent_required);
    }

    #[test]
    fn host_allowance() {
        let mut s = Settings::default();
        assert!(s.allows_host(b"anything.example"));
        assert!(s.apply(b"domains", &Arg::list("shop.test")));
        assert!(s.allows_host(b"www.shop.test"));
        assert!(!s.allows_host(b"evil.test"));
    }
}
