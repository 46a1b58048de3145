//! Validating program settings and applying partial updates (`PUT /v1/settings`).

use serde::Deserialize;

use crate::domains::{normalize_host, parse_origin};
use crate::error::{AppError, Validator};
use crate::program::{Attribution, CookieTime, ProgramSettings, UrlFormat};
use crate::rewards::RewardRules;
use crate::validation::{check_param_name, check_text};

/// Most query parameters a program may read a key from besides `query_param`.
const MAX_PARAM_ALIASES: usize = 8;

/// A partial settings update; absent fields keep their value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// Display name.
    pub name: Option<String>,
    /// Website URL.
    pub website: Option<String>,
    /// Extra domains (replaces the list).
    pub extra_domains: Option<Vec<String>>,
    /// Additional referral-link domains (replaces the list).
    pub link_domains: Option<Vec<String>>,
    /// Query parameter name.
    pub query_param: Option<String>,
    /// Further query parameters that carry a key (replaces the list).
    pub param_aliases: Option<Vec<String>>,
    /// Link path segment.
    pub link_param: Option<String>,
    /// Link format.
    pub url_format: Option<UrlFormat>,
    /// Cookie lifetime in days or "lifetime".
    pub cookie_time: Option<CookieTime>,
    /// First or last touch.
    pub attribution: Option<Attribution>,
    /// Subdomain links.
    pub subdomain_links: Option<bool>,
    /// Consent required.
    pub consent_required: Option<bool>,
    /// Honour GPC/DNT.
    pub honor_gpc: Option<bool>,
    /// Clean the URL after capture.
    pub clean_url: Option<bool>,
    /// Reward rules (replaces the rules).
    pub rewards: Option<RewardRules>,
}

impl SettingsPatch {
    /// Applies the patch and validates the result.
    pub fn apply(self, mut settings: ProgramSettings) -> Result<ProgramSettings, AppError> {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(value) = self.$field { settings.$field = value; } )* };
        }
        set!(
            name,
            website,
            extra_domains,
            link_domains,
            query_param,
            param_aliases,
            link_param,
            url_format,
            cookie_time,
            attribution,
            subdomain_links,
            consent_required,
            honor_gpc,
            clean_url,
            rewards
        );
        settings.website = settings.website.trim().trim_end_matches('/').to_owned();
        settings.extra_domains = settings
            .extra_domains
            .iter()
            .map(|domain| normalize_host(domain))
            .collect();
        settings.link_domains = settings
            .link_domains
            .iter()
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .collect();
        for alias in &mut settings.param_aliases {
            *alias = alias.trim().to_owned();
        }
        settings.rewards.normalize();
        validate(&settings)?;
        Ok(settings)
    }
}

/// Checks every setting; 422 naming the fields.
pub fn validate(settings: &ProgramSettings) -> Result<(), AppError> {
    let mut v = Validator::default();
    if settings.name.trim().is_empty() {
        v.add("name", "The name is required.");
    } else {
        v.check("name", check_text(&settings.name, 255));
    }
    match parse_origin(&settings.website) {
        Some((_, host, _)) if !host.is_empty() && settings.website.len() <= 2048 => {}
        _ => v.add("website", "The website must be an http:// or https:// URL."),
    }
    for (index, domain) in settings.extra_domains.iter().enumerate() {
        let valid = !domain.is_empty()
            && domain.len() <= 253
            && domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && !domain.starts_with('.')
            && !domain.starts_with('-');
        if !valid {
            v.add(
                format!("extra_domains.{index}"),
                "Must be a domain name such as shop.com.",
            );
        }
    }
    if settings.link_domains.len() > 20 {
        v.add("link_domains", "At most 20 additional link domains.");
    }
    for (index, url) in settings.link_domains.iter().enumerate() {
        let valid = url.len() <= 2048
            && parse_origin(url).is_some_and(|(_, host, _)| !host.is_empty())
            && url
                .split_once("://")
                .is_some_and(|(_, rest)| !rest.contains(['/', '?', '#']));
        if !valid {
            v.add(
                format!("link_domains.{index}"),
                "Must be an http:// or https:// origin such as https://eu.shop.com.",
            );
        }
    }
    v.check("query_param", check_param_name(&settings.query_param));
    v.check("link_param", check_param_name(&settings.link_param));
    if settings.param_aliases.len() > MAX_PARAM_ALIASES {
        v.add(
            "param_aliases",
            format!("At most {MAX_PARAM_ALIASES} parameter aliases."),
        );
    }
    for (index, alias) in settings.param_aliases.iter().enumerate() {
        let field = format!("param_aliases.{index}");
        v.check(&field, check_param_name(alias));
        if settings.param_aliases[..index].contains(alias) {
            v.add(field, "Listed twice.");
        }
    }
    if let Err((field, message)) = settings.rewards.validate() {
        v.add(field, message);
    }
    v.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::CookieTime;

    fn base() -> ProgramSettings {
        ProgramSettings {
            name: "Shop".into(),
            website: "https://shop.test".into(),
            extra_domains: vec![],
            link_domains: vec![],
            query_param: "ref".into(),
            param_aliases: crate::program::default_param_aliases(),
            link_param: "aff".into(),
            url_format: UrlFormat::Query,
            cookie_time: CookieTime::Days(30),
            attribution: Attribution::First,
            subdomain_links: false,
            consent_required: false,
            honor_gpc: false,
            clean_url: false,
            rewards: RewardRules::default(),
        }
    }

    #[test]
    fn applies_and_validates() {
        let patch: SettingsPatch = serde_json::from_value(serde_json::json!({
            "cookie_time": "lifetime", "query_param": "via", "extra_domains": ["Other.Test"]
        }))
        .unwrap();
        let settings = patch.apply(base()).unwrap();
        assert_eq!(settings.cookie_time, CookieTime::Lifetime);
        assert_eq!(settings.query_param, "via");
        assert_eq!(settings.extra_domains, vec!["other.test"]);

        let bad = SettingsPatch {
            website: Some("ftp://x".into()),
            query_param: Some("a b".into()),
            ..SettingsPatch::default()
        };
        let error = bad.apply(base()).unwrap_err();
        assert!(error.errors.contains_key("website"));
        assert!(error.errors.contains_key("query_param"));
    }

    #[test]
    fn parameter_aliases_replace_the_defaults_and_are_checked() {
        assert_eq!(base().param_aliases, ["ref", "aff", "via"]);
        let patch: SettingsPatch =
            serde_json::from_value(serde_json::json!({"param_aliases": [" partner ", "r"]}))
                .unwrap();
        assert_eq!(patch.apply(base()).unwrap().param_aliases, ["partner", "r"]);
        let none: SettingsPatch =
            serde_json::from_value(serde_json::json!({"param_aliases": []})).unwrap();
        assert!(none.apply(base()).unwrap().param_aliases.is_empty());
        let bad: SettingsPatch = serde_json::from_value(
            serde_json::json!({"param_aliases": ["ok", "not ok", "ok", ""]}),
        )
        .unwrap();
        let error = bad.apply(base()).unwrap_err();
        let fields: Vec<&str> = error.errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            ["param_aliases.1", "param_aliases.2", "param_aliases.3"]
        );
        let many: SettingsPatch = serde_json::from_value(serde_json::json!({
            "param_aliases": (0..9).map(|i| format!("p{i}")).collect::<Vec<_>>()
        }))
        .unwrap();
        assert!(
            many.apply(base())
                .unwrap_err()
                .errors
                .contains_key("param_aliases")
        );
    }

    /// A program stored before `param_aliases` existed reads the defaults.
    #[test]
    fn stored_settings_without_aliases_get_the_defaults() {
        let mut stored = serde_json::to_value(base()).unwrap();
        stored.as_object_mut().unwrap().remove("param_aliases");
        let settings: ProgramSettings = serde_json::from_value(stored).unwrap();
        assert_eq!(settings.param_aliases, ["ref", "aff", "via"]);
    }
}
