//! A program's tracking settings: defaults, `po('program', id, 'settings', name, value)` and each
//! entry of the collector's `GET /pub/programs/{id}` document ([`SETTING_NAMES`]) go through
//! [`Settings::apply`].
//!
//! The loader keeps a program's settings as *records* (see [`Settings::from_records`]): every
//! name/value pair it received, in order; the core replays them whenever it needs the settings.

use crate::arg::Arg;
use crate::domain::is_within;
use crate::key::is_valid_name;

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
    text: &'a str,
    sep: u8,
}

impl<'a> Names<'a> {
    /// The names of a list (array or comma-separated text), trimmed; `None` for other values.
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

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let pieces = if self.text.is_empty() && self.sep != b',' {
            crate::ascii::Split::empty()
        } else {
            crate::ascii::split(self.text, self.sep)
        };
        pieces.map(str::trim_ascii)
    }

    /// No names.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// Everything the tracker needs to know about one program (borrowed from its records).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings<'a> {
    pub program_type: ProgramType,
    pub lifetime: Lifetime,
    /// `url_format`: true for the Link structure `/<link_param>/<KEY>`.
    pub link_format: bool,
    pub query_param: &'a str,
    pub link_param: &'a str,
    pub param_aliases: Names<'a>,
    pub attribution: Attribution,
    /// The program's website domains (registrable domains, compared ignoring ASCII case).
    pub domains: Names<'a>,
    pub subdomain_links: bool,
    pub consent_required: bool,
    pub honor_gpc: bool,
    pub clean_url: bool,
}

impl Default for Settings<'_> {
    fn default() -> Self {
        Settings {
            program_type: ProgramType::Referral,
            lifetime: Lifetime::Days(30),
            link_format: false,
            query_param: "ref",
            link_param: "aff",
            param_aliases: Names {
                text: "ref,aff,via",
                sep: b',',
            },
            attribution: Attribution::FirstClick,
            domains: Names {
                text: "",
                sep: crate::arg::ITEM_SEP,
            },
            subdomain_links: false,
            consent_required: false,
            honor_gpc: false,
            clean_url: false,
        }
    }
}

/// The entries of the collector's settings document the tracker reads.
pub const SETTING_NAMES: [&str; 12] = [
    "type",
    "cookie_time",
    "url_format",
    "query_param",
    "link_param",
    "param_aliases",
    "attribution",
    "domains",
    "subdomain_links",
    "consent_required",
    "honor_gpc",
    "clean_url",
];

/// Ends the name and the tagged value of one settings record.
pub const RECORD_SEP: u8 = 0x1e;

impl<'a> Settings<'a> {
    /// The settings described by `records`: `name RS value RS` repeated ([`RECORD_SEP`], values
    /// tagged as [`Arg::decode`] reads them), applied in order over the defaults; invalid records
    /// are skipped.
    pub fn from_records(records: &'a str) -> Settings<'a> {
        let mut settings = Settings::default();
        let mut parts = crate::ascii::split(records, RECORD_SEP);
        while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
            settings.apply(name, &Arg::decode(value));
        }
        settings
    }

    /// Applies one named setting; false when the name is unknown or the value invalid.
    pub fn apply(&mut self, name: &str, value: &Arg<'a>) -> bool {
        let text = value.as_str();
        let flag = value.truthy();
        match name {
            "type" => match text {
                "referral" | "refer-a-friend" | "customer" => {
                    self.program_type = ProgramType::Referral
                }
                "affiliate" | "partner" => self.program_type = ProgramType::Affiliate,
                _ => return false,
            },
            "cookie_time" => match parse_lifetime(value) {
                Some(lifetime) => self.lifetime = lifetime,
                None => return false,
            },
            "url_format" => match text {
                "query" => self.link_format = false,
                "link" => self.link_format = true,
                _ => return false,
            },
            "attribution" => match text {
                "first" | "first_click" => self.attribution = Attribution::FirstClick,
                "last" | "last_click" => self.attribution = Attribution::LastClick,
                _ => return false,
            },
            "query_param" if is_valid_name(text) => self.query_param = text,
            "link_param" if is_valid_name(text) => self.link_param = text,
            "param_aliases" | "domains" => {
                let Some(list) = Names::of(value) else {
                    return false;
                };
                let domains = name == "domains";
                let valid = |item: &str| {
                    if domains {
                        is_domain(item)
                    } else {
                        is_valid_name(item)
                    }
                };
                if !list.iter().all(valid) {
                    return false;
                }
                if domains {
                    self.domains = list;
                } else {
                    self.param_aliases = list;
                }
            }
            "subdomain_links" | "consent_required" | "honor_gpc" | "clean_url" => {
                let Some(on) = flag else { return false };
                match name {
                    "subdomain_links" => self.subdomain_links = on,
                    "consent_required" => self.consent_required = on,
                    "honor_gpc" => self.honor_gpc = on,
                    _ => self.clean_url = on,
                }
            }
            _ => return false,
        }
        true
    }

    /// `partnero_referral` (refer-a-friend) or `partnero_partner` (affiliate).
    pub fn cookie_name(&self) -> &'static str {
        match self.program_type {
            ProgramType::Referral => crate::cookie::REFERRAL_COOKIE,
            ProgramType::Affiliate => crate::cookie::PARTNER_COOKIE,
        }
    }

    /// Query parameter names carrying a key: the configured one first, then the aliases.
    pub fn query_params(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        core::iter::once(self.query_param).chain(self.param_aliases.iter())
    }

    /// True when `host` belongs to one of the program's domains (any host when none are configured).
    pub fn allows_host(&self, host: &str) -> bool {
        self.domains.is_empty() || self.domains.iter().any(|d| is_within(host, d))
    }
}

fn parse_lifetime(value: &Arg<'_>) -> Option<Lifetime> {
    let days = match *value {
        Arg::Text("lifetime" | "forever") => return Some(Lifetime::Forever),
        Arg::Text(s) if !s.is_empty() && s.len() < 7 && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))
        }
        Arg::Num(_) => value.whole_number(1_000_000)?,
        _ => return None,
    };
    (days >= 1).then_some(Lifetime::Days(days))
}

fn is_domain(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn list(names: Names<'_>) -> Vec<&str> {
        names.iter().collect()
    }

    fn apply_all<'a>(entries: &[(&str, Arg<'a>)]) -> Settings<'a> {
        let mut s = Settings::default();
        for (name, value) in entries {
            assert!(s.apply(name, value), "{name}");
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
            ("param_aliases", Arg::List("r")),
            ("attribution", Arg::text("last")),
            ("domains", Arg::List("Shop.Test")),
            ("subdomain_links", Arg::Bool(true)),
            ("consent_required", Arg::Bool(true)),
            ("honor_gpc", Arg::Bool(true)),
            ("clean_url", Arg::Bool(true)),
        ]);
        assert_eq!(s.program_type, ProgramType::Affiliate);
        assert_eq!(s.cookie_name(), "partnero_partner");
        assert_eq!(s.lifetime, Lifetime::Forever);
        assert!(s.link_format);
        assert_eq!(s.query_params().collect::<Vec<_>>(), ["via", "r"]);
        assert_eq!(s.link_param, "go");
        assert_eq!(s.attribution, Attribution::LastClick);
        assert_eq!(list(s.domains), ["Shop.Test"]);
        assert!(
            s.allows_host("www.shop.test"),
            "domains compare ignoring case"
        );
        assert!(s.subdomain_links && s.consent_required && s.honor_gpc && s.clean_url);
        assert_eq!(SETTING_NAMES.len(), 12);
    }

    #[test]
    fn defaults_and_invalid_values() {
        let mut s = Settings::default();
        assert_eq!(s.cookie_name(), "partnero_referral");
        assert_eq!(
            s.query_params().collect::<Vec<_>>(),
            ["ref", "ref", "aff", "via"]
        );
        assert!(!s.apply("cookie_time", &Arg::num("0")));
        assert!(!s.apply("cookie_time", &Arg::text("12x")));
        assert!(!s.apply("query_param", &Arg::text("a b")));
        assert!(!s.apply("type", &Arg::text("other")));
        assert!(!s.apply("param_aliases", &Arg::List("ok\u{1d}not ok")));
        assert!(!s.apply("clean_url", &Arg::text("perhaps")));
        assert!(!s.apply("nope", &Arg::Other));
        assert_eq!(s, Settings::default());
        assert!(s.apply("cookie_time", &Arg::text("45")));
        assert_eq!(s.lifetime, Lifetime::Days(45));
        assert!(s.apply("cookie_time", &Arg::num("7.5")));
        assert_eq!(s.lifetime, Lifetime::Days(7));
        assert!(s.apply("param_aliases", &Arg::text("a, b")));
        assert_eq!(list(s.param_aliases), ["a", "b"]);
        assert!(!s.apply("param_aliases", &Arg::text("")));
        assert!(s.apply("param_aliases", &Arg::List("")));
        assert_eq!(s.query_params().collect::<Vec<_>>(), ["ref"]);
    }

    #[test]
    fn records_replay_in_order_and_skip_invalid_ones() {
        let records = "type\u{1e}saffiliate\u{1e}cookie_time\u{1e}n45\u{1e}cookie_time\u{1e}sbad\u{1e}\
                       domains\u{1e}lShop.Test\u{1d}b.test\u{1e}clean_url\u{1e}btrue\u{1e}attribution\u{1e}";
        let s = Settings::from_records(records);
        assert_eq!(s.program_type, ProgramType::Affiliate);
        assert_eq!(s.lifetime, Lifetime::Days(45));
        assert_eq!(list(s.domains), ["Shop.Test", "b.test"]);
        assert!(s.clean_url);
        assert_eq!(s.attribution, Attribution::FirstClick);
        assert_eq!(Settings::from_records(""), Settings::default());
    }

    #[test]
    fn host_allowance() {
        let mut s = Settings::default();
        assert!(s.allows_host("anything.example"));
        assert!(s.apply("domains", &Arg::List("shop.test")));
        assert!(s.allows_host("www.shop.test"));
        assert!(!s.allows_host("evil.test"));
    }
}
