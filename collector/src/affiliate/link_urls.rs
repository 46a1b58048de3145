//! Link domains (the program website plus additional domains) and the URL of a referral link on
//! its domain, in the program's format, with a destination page and UTM parameters.

use serde_json::{Value, json};

use crate::affiliate::model::{ReferralLink, Utm};
use crate::domains::parse_origin;
use crate::links::encode;
use crate::program::{ProgramSettings, UrlFormat};

/// One domain links can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkDomain {
    /// `None` for the primary domain (the website), else the additional domain's id (its host).
    pub id: Option<String>,
    /// Host name.
    pub domain: String,
    /// Base URL (`https://eu.shop.com`, no trailing slash).
    pub base: String,
}

/// The id (and `domain`) of an additional domain URL: its host, with the port when there is one.
pub fn domain_id(url: &str) -> Option<String> {
    let (_, host, port) = parse_origin(url)?;
    Some(match port {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Every domain of the program: the primary first, then the additional ones.
pub fn domains(settings: &ProgramSettings) -> Vec<LinkDomain> {
    let mut list = vec![LinkDomain {
        id: None,
        domain: domain_id(&settings.website).unwrap_or_default(),
        base: settings.website.trim_end_matches('/').to_owned(),
    }];
    for url in &settings.link_domains {
        if let Some(id) = domain_id(url) {
            list.push(LinkDomain {
                id: Some(id.clone()),
                domain: id,
                base: url.trim_end_matches('/').to_owned(),
            });
        }
    }
    list
}

/// The additional domain with this id.
pub fn additional_domain(settings: &ProgramSettings, id: &str) -> Option<LinkDomain> {
    domains(settings)
        .into_iter()
        .find(|domain| domain.id.as_deref() == Some(id))
}

/// `base` with `name=value` pairs appended to its query.
fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return base.to_owned();
    }
    let (before_fragment, fragment) = match base.split_once('#') {
        Some((head, fragment)) => (head, format!("#{fragment}")),
        None => (base, String::new()),
    };
    let has_path = before_fragment
        .split_once("://")
        .is_some_and(|(_, rest)| rest.contains('/'));
    let mut url = if has_path || before_fragment.contains('?') {
        before_fragment.to_owned()
    } else {
        format!("{before_fragment}/")
    };
    for (name, value) in pairs {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(name);
        url.push('=');
        url.push_str(&encode(value));
    }
    url.push_str(&fragment);
    url
}

/// The link's URL: on its domain in the program's format (`?ref=KEY` or `/aff/KEY`), or, with a
/// destination page, that page with `?ref=KEY`; UTM parameters follow.
pub fn link_url(settings: &ProgramSettings, link: &ReferralLink) -> String {
    let base = link
        .domain
        .as_deref()
        .and_then(|id| additional_domain(settings, id))
        .map_or_else(
            || settings.website.trim_end_matches('/').to_owned(),
            |d| d.base,
        );
    render(
        settings,
        &base,
        link.destination_url.as_deref(),
        &link.key,
        &link.utm,
    )
}

/// `https://KEY.domain/` (with the UTM parameters) when the program accepts subdomain links, the
/// key is a DNS label and the link has no destination page of its own.
pub fn subdomain_url(settings: &ProgramSettings, link: &ReferralLink) -> Option<String> {
    if !settings.accepts_subdomain_links() || link.destination_url.is_some() {
        return None;
    }
    let base = link
        .domain
        .as_deref()
        .and_then(|id| additional_domain(settings, id))
        .map_or_else(|| settings.website.clone(), |d| d.base);
    let on_base = ProgramSettings {
        website: base,
        ..settings.clone()
    };
    crate::links::subdomain_link(&on_base, &link.key).map(|url| with_query(&url, &link.utm.pairs()))
}

/// The URL of `key` on `base` (see [`link_url`]).
pub fn render(
    settings: &ProgramSettings,
    base: &str,
    destination: Option<&str>,
    key: &str,
    utm: &Utm,
) -> String {
    let utm_pairs = utm.pairs();
    let on_base = || ProgramSettings {
        website: base.to_owned(),
        ..settings.clone()
    };
    match (destination, settings.url_format) {
        (None, UrlFormat::Link) => {
            let base = base.split('?').next().unwrap_or(base);
            let url = format!("{base}/{}/{}", settings.link_param, encode(key));
            with_query(&url, &utm_pairs)
        }
        (None, UrlFormat::Subdomain)
            if let Some(url) = crate::links::subdomain_link(&on_base(), key) =>
        {
            with_query(&url, &utm_pairs)
        }
        (destination, _) => {
            let mut pairs = vec![(settings.query_param.as_str(), key)];
            pairs.extend(utm_pairs);
            with_query(destination.unwrap_or(base), &pairs)
        }
    }
}

/// The domain object of `GET /v1/partner_referral_links:domains`.
pub fn domain_object(settings: &ProgramSettings, domain: &LinkDomain) -> Value {
    // A subdomain link cannot be written as a prefix: those programs get the query prefix, which
    // the tracker accepts as well.
    let prefix = match settings.url_format {
        UrlFormat::Query | UrlFormat::Subdomain => {
            format!("{}?{}=", domain.base, settings.query_param)
        }
        UrlFormat::Link => format!("{}/{}/", domain.base, settings.link_param),
    };
    json!({
        "id": domain.id,
        "domain": domain.domain,
        "url": prefix,
        "is_additional": domain.id.is_some(),
    })
}

/// Checks a destination URL: http(s), on one of the program's domains, at most 2048 characters.
pub fn check_destination(settings: &ProgramSettings, url: &str) -> Result<(), String> {
    let on_domain = parse_origin(url).is_some_and(|(_, host, _)| {
        crate::views::program_domains(settings)
            .iter()
            .any(|domain| crate::domains::host_matches(&host, domain))
    });
    // Visible ASCII only: the URL becomes a `Location` header (percent-encode anything else).
    let printable = url.bytes().all(|b| b.is_ascii_graphic());
    if url.len() <= 2048 && on_domain && printable {
        Ok(())
    } else {
        Err(
            "The destination_url must be an http(s) URL on one of the program's domains \
             (percent-encoded, without spaces)."
                .to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{Attribution, CookieTime};
    use crate::rewards::RewardRules;

    fn settings(url_format: UrlFormat) -> ProgramSettings {
        ProgramSettings {
            name: "Shop".into(),
            website: "https://shop.test".into(),
            extra_domains: vec![],
            link_domains: vec!["https://eu.shop.test".into()],
            query_param: "aff".into(),
            param_aliases: crate::program::default_param_aliases(),
            link_param: "go".into(),
            url_format,
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
    fn renders_on_domains_with_destination_and_utm() {
        let q = settings(UrlFormat::Query);
        let utm = Utm {
            source: Some("partner".into()),
            campaign: Some("summer 24".into()),
            ..Utm::default()
        };
        assert_eq!(
            render(&q, "https://shop.test", None, "k", &Utm::default()),
            "https://shop.test/?aff=k"
        );
        assert_eq!(
            render(
                &q,
                "https://shop.test",
                Some("https://shop.test/promo?x=1"),
                "k",
                &utm
            ),
            "https://shop.test/promo?x=1&aff=k&utm_source=partner&utm_campaign=summer%2024"
        );
        let l = settings(UrlFormat::Link);
        assert_eq!(
            render(&l, "https://eu.shop.test", None, "k", &utm),
            "https://eu.shop.test/go/k?utm_source=partner&utm_campaign=summer%2024"
        );
        let listed = domains(&q);
        assert_eq!(listed.len(), 2);
        assert_eq!(
            domain_object(&q, &listed[0]),
            json!({"id": null, "domain": "shop.test", "url": "https://shop.test?aff=", "is_additional": false})
        );
        assert_eq!(listed[1].id.as_deref(), Some("eu.shop.test"));
        assert!(check_destination(&q, "https://eu.shop.test/x").is_ok());
        let mut sub = settings(UrlFormat::Query);
        sub.subdomain_links = true;
        let link = ReferralLink {
            row_id: 1,
            program_id: 1,
            id: "john".into(),
            key: "john".into(),
            partner: None,
            customer: None,
            domain: Some("eu.shop.test".into()),
            is_default: false,
            label: None,
            destination_url: None,
            utm: utm.clone(),
            short_code: "abcdefgh".into(),
            created_at: crate::clock::now(),
            updated_at: crate::clock::now(),
        };
        assert_eq!(
            subdomain_url(&sub, &link).as_deref(),
            Some("https://john.eu.shop.test/?utm_source=partner&utm_campaign=summer%2024")
        );
        assert_eq!(subdomain_url(&q, &link), None);
        let s = settings(UrlFormat::Subdomain);
        assert_eq!(
            render(&s, "https://eu.shop.test", None, "john", &utm),
            "https://john.eu.shop.test/?utm_source=partner&utm_campaign=summer%2024"
        );
        // A key the browser would lowercase keeps the query form, so it comes back unchanged.
        assert_eq!(
            render(&s, "https://eu.shop.test", None, "John", &utm),
            "https://eu.shop.test/?aff=John&utm_source=partner&utm_campaign=summer%2024"
        );
        assert_eq!(
            render(
                &s,
                "https://shop.test",
                None,
                "not_a_label",
                &Utm::default()
            ),
            "https://shop.test/?aff=not_a_label"
        );
        assert_eq!(
            render(
                &s,
                "https://shop.test",
                Some("https://shop.test/p"),
                "k",
                &Utm::default()
            ),
            "https://shop.test/p?aff=k"
        );
        assert_eq!(
            domain_object(&s, &listed[0])["url"],
            json!("https://shop.test?aff=")
        );
        assert!(subdomain_url(&s, &link).is_some());
        assert!(check_destination(&q, "https://evil.test/x").is_err());
        assert!(check_destination(&q, "https://shop.test/caf\u{e9}").is_err());
        assert!(check_destination(&q, "https://shop.test/a b").is_err());
    }
}
