//! A program and its settings (tracking settings the tracker needs plus the reward rules).

use serde::{Deserialize, Serialize};

use crate::rewards::RewardRules;

/// Refer-a-friend or affiliate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProgramKind {
    /// Customers refer friends (`partnero_referral` cookie).
    #[serde(alias = "referral")]
    ReferAFriend,
    /// Partners refer customers (`partnero_partner` cookie).
    Affiliate,
}

impl ProgramKind {
    /// The value stored in the `type` column and sent to the tracker.
    pub fn as_str(self) -> &'static str {
        match self {
            ProgramKind::ReferAFriend => "referral",
            ProgramKind::Affiliate => "affiliate",
        }
    }

    /// Parses `refer-a-friend`/`referral`/`affiliate`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "refer-a-friend" | "referral" | "refer_a_friend" => Some(ProgramKind::ReferAFriend),
            "affiliate" => Some(ProgramKind::Affiliate),
            _ => None,
        }
    }

    /// The name of the referral cookie for this kind of program.
    pub fn cookie_name(self) -> &'static str {
        match self {
            ProgramKind::ReferAFriend => "partnero_referral",
            ProgramKind::Affiliate => "partnero_partner",
        }
    }
}

/// How referral links look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UrlFormat {
    /// `https://site.com/?ref=KEY`
    Query,
    /// `https://site.com/aff/KEY`
    Link,
    /// `https://KEY.site.com/` (implies subdomain links; keys that are not DNS labels, and sites on
    /// an IP address or `localhost`, fall back to the query format).
    Subdomain,
}

/// Cookie lifetime: a number of days or "lifetime".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieTime {
    /// Days, 1–3650.
    Days(u32),
    /// As long as the browser keeps it.
    Lifetime,
}

impl CookieTime {
    /// Cookie `Max-Age` in seconds; "lifetime" uses the longest age browsers accept (400 days).
    pub fn max_age_secs(self) -> u64 {
        match self {
            CookieTime::Days(days) => u64::from(days) * 86_400,
            CookieTime::Lifetime => 400 * 86_400,
        }
    }

    /// Parses a JSON value: a whole number of days or the string "lifetime".
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        const MESSAGE: &str =
            "The cookie time must be a whole number of days (1-3650) or \"lifetime\".";
        match value {
            serde_json::Value::String(text) if text == "lifetime" => Ok(CookieTime::Lifetime),
            serde_json::Value::String(text) => text
                .parse::<u32>()
                .ok()
                .filter(|days| (1..=3650).contains(days))
                .map(CookieTime::Days)
                .ok_or_else(|| MESSAGE.to_owned()),
            serde_json::Value::Number(number) => number
                .as_u64()
                .filter(|days| (1..=3650).contains(days))
                .map(|days| CookieTime::Days(days as u32))
                .ok_or_else(|| MESSAGE.to_owned()),
            _ => Err(MESSAGE.to_owned()),
        }
    }

    /// The JSON form: a number or "lifetime".
    pub fn to_json(self) -> serde_json::Value {
        match self {
            CookieTime::Days(days) => serde_json::Value::from(days),
            CookieTime::Lifetime => serde_json::Value::from("lifetime"),
        }
    }
}

impl Serialize for CookieTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CookieTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        CookieTime::from_json(&value).map_err(serde::de::Error::custom)
    }
}

/// Which referral wins when a visitor follows several links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attribution {
    /// Keep the first referral cookie.
    First,
    /// Overwrite with the latest referral.
    Last,
}

/// Everything a site owner can change about a program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramSettings {
    /// Display name.
    pub name: String,
    /// The site's URL, e.g. `https://shop.com`; referral links point here.
    pub website: String,
    /// Further domains whose pages may report visits (registrable domains).
    pub extra_domains: Vec<String>,
    /// Additional referral-link domains (base URLs such as `https://eu.shop.com`); the website
    /// is the primary one. Their pages may report visits too.
    #[serde(default)]
    pub link_domains: Vec<String>,
    /// Query parameter holding the referral key (`ref`).
    pub query_param: String,
    /// Further query parameters the tracker reads a key from (`ref`, `aff` and `via` unless
    /// changed; programs stored before this setting existed get those).
    #[serde(default = "default_param_aliases")]
    pub param_aliases: Vec<String>,
    /// Path segment of the Link structure (`aff` → `/aff/KEY`).
    pub link_param: String,
    /// How referral links are rendered.
    pub url_format: UrlFormat,
    /// Cookie lifetime.
    pub cookie_time: CookieTime,
    /// First or last touch.
    pub attribution: Attribution,
    /// Render and accept `KEY.site.com` links (always on with [`UrlFormat::Subdomain`]; see
    /// [`ProgramSettings::accepts_subdomain_links`]).
    pub subdomain_links: bool,
    /// Hold the referral until the site grants consent.
    pub consent_required: bool,
    /// Respect Global Privacy Control / Do Not Track.
    pub honor_gpc: bool,
    /// Remove the referral parameter from the address bar after capture.
    pub clean_url: bool,
    /// Reward rules.
    pub rewards: RewardRules,
}

/// The query parameters read besides `query_param` unless a program changes them.
pub fn default_param_aliases() -> Vec<String> {
    ["ref", "aff", "via"].map(str::to_owned).to_vec()
}

impl ProgramSettings {
    /// Whether `KEY.site.com` links are rendered and accepted.
    pub fn accepts_subdomain_links(&self) -> bool {
        self.subdomain_links || self.url_format == UrlFormat::Subdomain
    }
}

/// A stored program.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Internal row id.
    pub id: i64,
    /// The 8-character public id used in the snippet.
    pub public_id: String,
    /// Refer-a-friend or affiliate.
    pub kind: ProgramKind,
    /// Current settings.
    pub settings: ProgramSettings,
}
