//! JSON renderings of stored records (the response objects of the API).

use serde_json::{Value, json};

use crate::clock;
use crate::domains::{parse_origin, registrable_domain};
use crate::links;
use crate::model::{
    Balance, Customer, CustomerRef, CustomerStats, RewardRecord, TransactionRecord, UnitAmount,
};
use crate::money;
use crate::program::{Program, ProgramSettings, UrlFormat};

/// `{"data": ..., "status": 1}`.
pub fn envelope(data: Value) -> Value {
    json!({ "data": data, "status": 1 })
}

/// A short customer reference.
pub fn customer_ref(customer: &CustomerRef) -> Value {
    json!({
        "id": customer.id,
        "key": customer.key,
        "email": customer.email,
        "name": customer.name,
    })
}

/// The customer object.
pub fn customer(settings: &ProgramSettings, customer: &Customer) -> Value {
    json!({
        "id": customer.id,
        "key": customer.key,
        "email": customer.email,
        "name": customer.name,
        "surname": customer.surname,
        "status": customer.status,
        "approved": customer.approved,
        "source": customer.source.as_str(),
        "referring_customer": customer.referring_customer.as_ref().map(customer_ref),
        "referrals_count": customer.referrals_count,
        "referral_link": links::referral_link(settings, &customer.key),
        "referral_links": links::referral_links(settings, &customer.key),
        "metadata": { "date_of_birth": customer.date_of_birth },
        "tags": customer.tags,
        "created_at": clock::format_api(customer.created_at),
        "updated_at": clock::format_api(customer.updated_at),
    })
}

/// Referral link objects of a customer.
pub fn referral_link_objects(settings: &ProgramSettings, customer: &Customer) -> Value {
    let objects: Vec<Value> = links::referral_links(settings, &customer.key)
        .into_iter()
        .enumerate()
        .map(|(index, url)| {
            json!({
                "id": if index == 0 { customer.key.clone() } else { format!("{}-subdomain", customer.key) },
                "key": customer.key,
                "url": url,
                "default": index == 0,
                "is_additional": index > 0,
                "direct_tracking": false,
                "direct_tracking_redirect": false,
                "direct_tracking_redirect_url": null,
            })
        })
        .collect();
    Value::Array(objects)
}

/// The reward object.
pub fn reward(reward: &RewardRecord) -> Value {
    json!({
        "id": reward.id,
        "customer": customer_ref(&reward.customer),
        "recipient": reward.recipient,
        "type": reward.trigger,
        "amount": money::to_json(reward.amount_minor),
        "amount_units": reward.amount_units,
        "is_currency": reward.is_currency,
        "status": reward.status,
        "transaction_key": reward.transaction_key,
        "created_at": clock::format_api(reward.created_at),
    })
}

/// The transaction object (refer-a-friend shape: `customer` is the referrer).
pub fn transaction(record: &TransactionRecord) -> Value {
    let credit: i64 = record
        .rewards
        .iter()
        .filter(|r| r.recipient == "referrer" && r.status != "reversed")
        .map(|r| r.amount_minor)
        .sum();
    json!({
        "key": record.key,
        "action": record.action,
        "amount": money::to_json(record.amount_minor),
        "amount_units": record.amount_units,
        "is_currency": record.is_currency,
        "credit": money::to_json(credit),
        "customer": record.referrer.as_ref().map(customer_ref),
        "referred_customer": customer_ref(&record.customer),
        "source": record.source.as_str(),
        "archived": record.archived,
        "refunded": record.refunded,
        "product_id": record.product_id,
        "product_type": record.product_type,
        "created_at": clock::format_api(record.created_at),
        "rewards": record.rewards.iter().map(reward).collect::<Vec<_>>(),
    })
}

fn unit_amounts(amounts: &[UnitAmount]) -> Value {
    amounts
        .iter()
        .map(|amount| {
            json!({
                "amount": money::to_json(amount.amount_minor),
                "amount_units": amount.amount_units,
                "is_currency": amount.is_currency,
            })
        })
        .collect()
}

/// The balance object.
pub fn balance(balance: &Balance) -> Value {
    json!({
        "balance": unit_amounts(&balance.balance),
        "pending": unit_amounts(&balance.pending),
    })
}

/// The stats object.
pub fn stats(settings: &ProgramSettings, customer: &Customer, stats: &CustomerStats) -> Value {
    let link = links::referral_link(settings, &customer.key);
    json!({
        "clicks": stats.clicks,
        "unique_clicks": stats.unique_clicks,
        "signups": stats.signups,
        "referrals_count": stats.signups,
        "paying_referrals": stats.paying_referrals,
        "revenue": unit_amounts(&stats.revenue),
        "rewards": unit_amounts(&stats.rewards),
        "referral_link": link,
        "social_sharing": links::share_links(&link),
    })
}

/// The registrable domains of the website and the extra domains.
pub fn program_domains(settings: &ProgramSettings) -> Vec<String> {
    let mut domains = Vec::new();
    if let Some((_, host, _)) = parse_origin(&settings.website) {
        domains.push(registrable_domain(&host));
    }
    let link_hosts = settings
        .link_domains
        .iter()
        .filter_map(|url| parse_origin(url).map(|(_, host, _)| host));
    for domain in settings.extra_domains.iter().cloned().chain(link_hosts) {
        let domain = registrable_domain(&domain);
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    domains
}

/// The public settings document the tracker loads (docs/protocol.md).
pub fn public_settings(program: &Program) -> Value {
    let settings = &program.settings;
    let mut aliases = vec![settings.query_param.clone()];
    for alias in &settings.param_aliases {
        if !aliases.contains(alias) {
            aliases.push(alias.clone());
        }
    }
    json!({
        "id": program.public_id,
        "type": program.kind.as_str(),
        "cookie_time": settings.cookie_time.to_json(),
        // The tracker reads keys from the query and, with `subdomain_links`, from the host.
        "url_format": match settings.url_format {
            UrlFormat::Subdomain => UrlFormat::Query,
            format => format,
        },
        "query_param": settings.query_param,
        "link_param": settings.link_param,
        "param_aliases": aliases,
        "attribution": settings.attribution,
        "domains": program_domains(settings),
        // Where links point (`host[/path]`): a subdomain key is the label in front of one.
        "sites": links::sites(settings),
        "subdomain_links": settings.accepts_subdomain_links(),
        "consent_required": settings.consent_required,
        "honor_gpc": settings.honor_gpc,
        "clean_url": settings.clean_url,
    })
}

/// The private settings object (`GET`/`PUT /v1/settings`).
pub fn private_settings(program: &Program) -> Value {
    let mut value = serde_json::to_value(&program.settings).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("id".into(), Value::from(program.public_id.clone()));
        map.insert("type".into(), Value::from(program.kind.as_str()));
        map.insert("domains".into(), json!(program_domains(&program.settings)));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::ProgramKind;

    fn program(website: &str, url_format: UrlFormat, subdomain_links: bool) -> Program {
        let mut spec = crate::admin::ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", website);
        spec.url_format = url_format;
        spec.subdomain_links = subdomain_links;
        let mut settings = spec.into_settings();
        settings.website = website.into();
        Program {
            id: 1,
            public_id: "AB12CD34".into(),
            kind: ProgramKind::ReferAFriend,
            settings,
        }
    }

    /// The key the tracker's core finds on the page at `href`, given the settings document this
    /// program serves (turned into settings records as `tracker.js` does); `None` without one.
    fn tracker_reads(program: &Program, href: &str) -> Option<String> {
        let document = public_settings(program);
        let mut records = String::new();
        for (name, value) in document.as_object().unwrap() {
            let tagged = match value {
                Value::String(text) => format!("s{text}"),
                Value::Number(n) => format!("n{n}"),
                Value::Bool(b) => format!("b{b}"),
                Value::Array(items) => {
                    let items: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    format!("l{}", items.join("\u{1d}"))
                }
                _ => continue,
            };
            records.push_str(&format!("{name}\u{1e}{tagged}\u{1e}"));
        }
        let url = tracker_wasm::url::Url::parse(href.as_bytes()).unwrap();
        let parts =
            [url.host, url.path, url.query, url.fragment].map(|p| std::str::from_utf8(p).unwrap());
        let input = format!("{records}\u{1f}{}", parts.join("\u{1f}"));
        let answer = tracker_wasm::api::call(tracker_wasm::api::op::FIND, &input);
        assert_ne!(answer, "!", "{href} is not on the program's domains");
        answer
            .split('\u{1f}')
            .next()
            .filter(|key| !key.is_empty())
            .map(str::to_owned)
    }

    /// With subdomain links on, the tracker reads the key back from every link the collector
    /// hands out, also for a website on a subdomain or under a path (`/store/aff/KEY`), and never
    /// takes the website's own subdomain for a key.
    #[test]
    fn the_tracker_reads_every_link_back() {
        for website in [
            "https://my.shop.test",
            "https://www.shop.test",
            "https://shop.test",
            "https://shop.test/store",
            "https://www.shop.test/de/shop",
        ] {
            for format in [UrlFormat::Query, UrlFormat::Link, UrlFormat::Subdomain] {
                let p = program(website, format, true);
                let links = links::referral_links(&p.settings, "alice");
                assert!(
                    links.iter().any(|l| l.starts_with("https://alice.")),
                    "{links:?}"
                );
                for link in &links {
                    assert_eq!(
                        tracker_reads(&p, link).as_deref(),
                        Some("alice"),
                        "{website} {link}"
                    );
                }
                for page in [format!("{website}/"), format!("{website}/pricing?x=1")] {
                    assert_eq!(tracker_reads(&p, &page), None, "{page}");
                }
            }
        }
    }
}
