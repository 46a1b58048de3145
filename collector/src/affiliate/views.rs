//! JSON renderings of partners, referral links, coupons and commissions.

use serde_json::{Value, json};

use crate::affiliate::analytics::unit_amounts;
use crate::affiliate::link_urls;
use crate::affiliate::model::{
    Attribution, Commission, Coupon, Partner, PartnerRef, PartnerStats, ReferralLink,
};
use crate::clock;
use crate::money;
use crate::program::ProgramSettings;

/// A short partner reference.
pub fn partner_ref(partner: &PartnerRef) -> Value {
    crate::views::customer_ref(partner)
}

/// The partner object (its default link is on the primary domain with the partner's key).
pub fn partner(settings: &ProgramSettings, partner: &Partner) -> Value {
    let link = link_urls::render(
        settings,
        settings.website.trim_end_matches('/'),
        None,
        &partner.key,
        &Default::default(),
    );
    json!({
        "id": partner.id,
        "key": partner.key,
        "email": partner.email,
        "name": partner.name,
        "surname": partner.surname,
        "status": partner.status,
        "archived": partner.status == "archived",
        "referring_partner": partner.referring_partner.as_ref().map(partner_ref),
        "referral_link": link,
        // Partnero's names for the default link: the partner's code (its key) and the link's URL.
        "code": partner.key,
        "referral_url": link,
        "created_at": clock::format_api(partner.created_at),
        "updated_at": clock::format_api(partner.updated_at),
    })
}

/// The `stats` object of a partner.
pub fn partner_stats(stats: &PartnerStats) -> Value {
    json!({
        "clicks": stats.clicks,
        "unique_clicks": stats.unique_clicks,
        "signups": stats.signups,
        "sales_count": stats.sales_count,
        "paid_accounts": stats.paid_accounts,
        "revenue": unit_amounts(&stats.revenue),
        "commissions": {
            "paid": unit_amounts(&stats.commissions_paid),
            "pending": unit_amounts(&stats.commissions_pending),
        },
    })
}

/// The referral link object (Partnero's fields, then ours). `short_base` is the collector's
/// public base URL, for `short_url`.
pub fn link(settings: &ProgramSettings, link: &ReferralLink, short_base: &str) -> Value {
    json!({
        "id": link.id,
        "key": link.key,
        "url": link_urls::link_url(settings, link),
        "default": link.is_default,
        "is_additional": link.domain.is_some(),
        "direct_tracking": false,
        "direct_tracking_redirect": false,
        "direct_tracking_redirect_url": null,
        "domain_id": link.domain,
        "subdomain_url": link_urls::subdomain_url(settings, link),
        "label": link.label,
        "destination_url": link.destination_url,
        "utm": {
            "source": link.utm.source, "medium": link.utm.medium, "campaign": link.utm.campaign,
            "term": link.utm.term, "content": link.utm.content,
        },
        "short_code": link.short_code,
        "short_url": format!("{}/go/{}", short_base.trim_end_matches('/'), link.short_code),
        "partner": link.partner.as_ref().map(partner_ref),
        "customer": link.customer.as_ref().map(partner_ref),
        "created_at": clock::format_api(link.created_at),
        "updated_at": clock::format_api(link.updated_at),
    })
}

/// The coupon object.
pub fn coupon(coupon: &Coupon) -> Value {
    json!({
        "code": coupon.code,
        "partner": partner_ref(&coupon.partner),
        "discount_type": coupon.discount_type,
        "discount_value": money::to_json(coupon.discount_value),
        "description": coupon.description,
        "created_at": clock::format_api(coupon.created_at),
        "updated_at": clock::format_api(coupon.updated_at),
    })
}

/// The commission object (also the data of `reward.created` / `reward.paid` in affiliate programs).
pub fn commission(commission: &Commission) -> Value {
    json!({
        "id": commission.id,
        "type": "commission",
        "partner": partner_ref(&commission.partner),
        "amount": money::to_json(commission.amount_minor),
        "amount_units": commission.amount_units,
        "is_currency": commission.is_currency,
        "status": commission.status,
        "transaction_key": commission.transaction_key,
        "referral_link_key": commission.link_key,
        "created_at": clock::format_api(commission.created_at),
        "paid_at": commission.paid_at.map(clock::format_api),
    })
}

/// Adds `partner`, `referral_link_key`, `coupon` (and, for transactions, `commissions`) to a
/// customer or transaction object of an affiliate program.
pub fn attribute(object: &mut Value, attribution: Option<&Attribution>, with_commissions: bool) {
    let Value::Object(map) = object else { return };
    map.insert(
        "partner".into(),
        attribution.map_or(Value::Null, |a| partner_ref(&a.partner)),
    );
    map.insert(
        "referral_link_key".into(),
        json!(attribution.and_then(|a| a.link_key.clone())),
    );
    if with_commissions {
        map.insert(
            "coupon".into(),
            json!(attribution.and_then(|a| a.coupon.clone())),
        );
        let commissions: Vec<Value> = attribution
            .map(|a| a.commissions.iter().map(commission).collect())
            .unwrap_or_default();
        let credit: i64 = attribution
            .map(|a| {
                a.commissions
                    .iter()
                    .filter(|c| c.status != "reversed")
                    .map(|c| c.amount_minor)
                    .sum()
            })
            .unwrap_or_default();
        map.insert("commissions".into(), Value::Array(commissions));
        map.insert("credit".into(), money::to_json(credit));
    }
}
