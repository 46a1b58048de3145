//! A program's tracking settings: defaults, `po('program', id, 'settings', name, value)` and each
//! entry of the collector's `GET /pub/programs/{id}` document ([`SETTING_NAMES`]) go through
//! [`Settings::apply`].

use crate::arg::Arg;
use crate::domain::is_within;
use crate::key::is_valid_name;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

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

/// Everything the tracker needs to know about one program.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub program_type: ProgramType,
    pub lifetime: Lifetime,
    /// `url_format`: true for the Link structure `/<link_param>/<KEY>`.
    pub link_format: bool,
    pub query_param: String,
    pub link_param: String,
    pub param_aliases: Vec<String>,
    pub attribution: Attribution,
    /// The program's website domains (registrable domains, lowercase).
    pub domains: Vec<String>,
    pub subdomain_links: bool,
    pub consent_required: bool,
    pub honor_gpc: bool,
    pub clean_url: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            program_type: ProgramType::Referral,
            lifetime: Lifetime::Days(30),
            link_format: false,
            query_param: "ref".into(),
            link_param: "aff".into(),
            param_aliases: vec!["ref".into(), "aff".into(), "via".into()],
            attribution: Attribution::FirstClick,
            domains: Vec::new(),
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

impl Settings {
    /// Applies one named setting; false when the name is unknown or the value invalid.
    pub fn apply(&mut self, name: &str, value: &Arg) -> bool {
        let text = Some(value.as_str());
        let flag = value.truthy();
        match name {
            "type" => match text {
                Some("referral" | "refer-a-friend" | "customer") => {
                    self.program_type = ProgramType::Referral
                }
                Some("affiliate" | "partner") => self.program_type = ProgramType::Affiliate,
                _ => return false,
            },
            "cookie_time" => match parse_lifetime(value) {
                Some(lifetime) => self.lifetime = lifetime,
                None => return false,
            },
            "url_format" => match text {
                Some("query") => self.link_format = false,
                Some("link") => self.link_format = true,
                _ => return false,
            },
            "query_param" | "link_param" => match text.filter(|t| is_valid_name(t)) {
                Some(t) if name == "query_param" => self.query_param = t.into(),
                Some(t) => self.link_param = t.into(),
                None => return false,
            },
            "param_aliases" => match names(value, false) {
                Some(list) => self.param_aliases = list,
                None => return false,
            },
            "attribution" => match text {
                Some("first" | "first_click") => self.attribution = Attribution::FirstClick,
                Some("last" | "last_click") => self.attribution = Attribution::LastClick,
                _ => return false,
            },
            "domains" => match names(value, true) {
                Some(list) => {
                    self.domains = list.into_iter().map(|d| d.to_ascii_lowercase()).collect()
                }
                None => return false,
            },
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
    pub fn query_params(&self) -> impl Iterator<Item = &str> {
        core::iter::once(self.query_param.as_str())
            .chain(self.param_aliases.iter().map(String::as_str))
    }

    /// True when `host` belongs to one of the program's domains (any host when none are configured).
    pub fn allows_host(&self, host: &str) -> bool {
        self.domains.is_empty() || self.domains.iter().any(|d| is_within(host, d))
    }
}

fn parse_lifetime(value: &Arg) -> Option<Lifetime> {
    let days = match value {
        Arg::Text(s) if s == "lifetime" || s == "forever" => return Some(Lifetime::Forever),
        Arg::Text(s) if !s.is_empty() && s.len() < 7 && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))
        }
        Arg::Num(n) if *n >= 1.0 && *n < 1.0e6 => *n as u32,
        _ => return None,
    };
    (days >= 1).then_some(Lifetime::Days(days))
}

/// A list (array or comma-separated text) of parameter names, or of domains when `domains`.
fn names(value: &Arg, domains: bool) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut add = |item: &str| {
        let item = item.trim_ascii();
        let valid = if domains {
            is_domain(item)
        } else {
            is_valid_name(item)
        };
        valid.then(|| out.push(String::from(item)))
    };
    match value {
        Arg::List(items) => {
            for item in items {
                add(item)?;
            }
        }
        Arg::Text(s) => {
            for item in crate::ascii::split(s, b',') {
                add(item)?;
            }
        }
        _ => return None,
    }
    Some(out)
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

    fn apply_all(entries: &[(&str, Arg)]) -> Settings {
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
            ("param_aliases", Arg::List(vec!["r".into()])),
            ("attribution", Arg::text("last")),
            ("domains", Arg::List(vec!["Shop.Test".into()])),
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
        assert_eq!(s.domains, ["shop.test"]);
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
        assert!(!s.apply("cookie_time", &Arg::Num(0.0)));
        assert!(!s.apply("cookie_time", &Arg::text("12x")));
        assert!(!s.apply("query_param", &Arg::text("a b")));
        assert!(!s.apply("type", &Arg::text("other")));
        assert!(!s.apply(
            "param_aliases",
            &Arg::List(vec!["ok".into(), "not ok".into()])
        ));
        assert!(!s.apply("clean_url", &Arg::text("perhaps")));
        assert!(!s.apply("nope", &Arg::Other));
        assert_eq!(s, Settings::default());
        assert!(s.apply("cookie_time", &Arg::text("45")));
        assert_eq!(s.lifetime, Lifetime::Days(45));
        assert!(s.apply("cookie_time", &Arg::Num(7.5)));
        assert_eq!(s.lifetime, Lifetime::Days(7));
        assert!(s.apply("param_aliases", &Arg::text("a, b")));
        assert_eq!(s.param_aliases, ["a", "b"]);
    }

    #[test]
    fn host_allowance() {
        let mut s = Settings::default();
        assert!(s.allows_host("anything.example"));
        s.domains = vec!["shop.test".into()];
        assert!(s.allows_host("www.shop.test"));
        assert!(!s.allows_host("evil.test"));
    }
}
