//! The private API's routes as the tests call them: a plausible body and a concrete path for each
//! entry of `API_ROUTES`.

use serde_json::{Value, json};

/// A plausible body for a route, so that only authentication can fail.
pub fn body_for(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("POST", "/v1/customers") => Some(json!({"key": "zed"})),
        ("PUT", "/v1/customers") => Some(json!({"key": "alice", "update": {"name": "x"}})),
        ("DELETE", "/v1/customers") => Some(json!({"key": "alice"})),
        ("PUT", "/v1/customers/{key}") => Some(json!({"name": "x"})),
        ("POST", "/v1/customers/{key}/balance/credit") => {
            Some(json!({"amount": 1, "amount_units": "usd", "is_currency": true}))
        }
        ("POST", "/v1/transactions") => {
            Some(json!({"customer": {"key": "alice"}, "key": "t_new", "amount": 1}))
        }
        ("DELETE", "/v1/transactions") => Some(json!({"key": "t1"})),
        ("PUT", "/v1/settings") => Some(json!({"name": "Renamed"})),
        ("POST", "/v1/partners") => Some(json!({"key": "zed"})),
        ("PUT", "/v1/partners") => Some(json!({"key": "alice", "update": {"name": "x"}})),
        ("DELETE", "/v1/partners") => Some(json!({"key": "alice"})),
        ("PUT", "/v1/partners/{id}") => Some(json!({"name": "x"})),
        ("POST", "/v1/partner_referral_links") => {
            Some(json!({"partner": {"key": "alice"}, "key": "zed-link"}))
        }
        ("PUT", "/v1/partner_referral_links/{id}")
        | ("PUT", "/v1/customer_referral_links/{id}") => Some(json!({"label": "x"})),
        ("POST", "/v1/customer_referral_links") => {
            Some(json!({"customer": {"key": "alice"}, "key": "zed-link"}))
        }
        ("POST", "/v1/coupons") => Some(
            json!({"code": "ZED", "partner": {"key": "alice"}, "discount_type": "fixed", "discount_value": 1}),
        ),
        ("PUT", "/v1/coupons/{code}") => Some(json!({"discount_value": 2})),
        ("POST", "/v1/webhooks") => Some(
            json!({"name": "x", "url": "https://hooks.example.com/x", "events": ["customer.created"]}),
        ),
        ("PUT", "/v1/partner_referral_links") | ("PUT", "/v1/customer_referral_links") => {
            Some(json!({"id": "alice", "label": "x"}))
        }
        ("DELETE", "/v1/partner_referral_links") | ("DELETE", "/v1/customer_referral_links") => {
            Some(json!({"id": "alice"}))
        }
        ("PUT", "/v1/coupons") => Some(json!({"code": "alice", "discount_value": 2})),
        ("DELETE", "/v1/coupons") => Some(json!({"code": "alice"})),
        ("PUT", "/v1/webhooks") => Some(json!({"key": "alice", "name": "x"})),
        ("DELETE", "/v1/webhooks") => Some(json!({"key": "alice"})),
        _ => None,
    }
}

/// The route's path with its parameters filled in (the test data's `alice` and `t1`).
pub fn concrete(path: &str) -> String {
    let path = path
        .replace(
            "{key}",
            if path.starts_with("/v1/transactions") {
                "t1"
            } else {
                "alice"
            },
        )
        .replace("{id}", "alice")
        .replace("{code}", "alice");
    if path.ends_with(":search") {
        format!("{path}?query=alice")
    } else {
        path
    }
}
