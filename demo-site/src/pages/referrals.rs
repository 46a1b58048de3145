//! "My referrals": the user's referral link, stats, reward balance and referred friends, all read from
//! the referral API (`/v1/customers/{key}`, `/stats`, `/balance`, `/referrals`).

use crate::current_user::CurrentUser;
use crate::error::AppError;
use crate::pages::layout::page;
use crate::partnero::ApiError;
use crate::state::AppState;
use axum::extract::State;
use maud::{Markup, html};
use serde_json::Value;

/// `GET /referrals`.
pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Markup, AppError> {
    let user = user.required()?;
    let key = user.customer_key.as_str();
    let (customer, stats, balance, referrals) = tokio::join!(
        state.api.customer(key),
        state.api.stats(key),
        state.api.balance(key),
        state.api.referrals(key),
    );
    let link = customer
        .as_ref()
        .ok()
        .and_then(|c| {
            c.get("referral_link")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| user.referral_link.clone());
    let all_links: Vec<String> = customer
        .as_ref()
        .ok()
        .and_then(|c| c.get("referral_links").and_then(Value::as_array))
        .map(|links| {
            links
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let body = html! {
        div.card {
            h2 { "Your referral link" }
            @if let Some(link) = &link {
                p { "Share it with friends: they get a great shop, you get rewarded when they buy." }
                p { input type="text" id="referral-link" readonly size="60" value=(link); }
                p { a href=(link) id="referral-link-anchor" { (link) } }
                @if all_links.len() > 1 {
                    p { "Other links that work too:" }
                    ul id="referral-links" {
                        @for other in all_links.iter().filter(|other| *other != link) {
                            li { a.referral-link-option href=(other) { (other) } }
                        }
                    }
                }
            } @else {
                p.error { "Your referral link is not available right now." }
            }
            p { "Your customer key: " code id="customer-key" { (user.customer_key) } }
            @if let Some(referrer) = &user.referred_by {
                p id="referred-by" { "You were referred by " code { (referrer) } "." }
            }
        }
        div.card {
            h2 { "Stats" }
            (fields("stats", &stats))
        }
        div.card {
            h2 { "Reward balance" }
            (fields("balance", &balance))
        }
        div.card {
            h2 { "Friends you referred" }
            (friends(&referrals))
        }
    };
    Ok(page(&state.site, Some(&user), "My referrals", body))
}

/// An API object shown as a definition list; nested objects become dotted names (`clicks.total`).
fn fields(id: &str, answer: &Result<Value, ApiError>) -> Markup {
    match answer {
        Err(e) => html! { p.error id={ (id) "-error" } { "Could not load: " (e) } },
        Ok(value) => {
            let mut rows = Vec::new();
            flatten("", value, &mut rows);
            html! {
                dl id=(id) {
                    @for (name, shown) in rows {
                        dt { (name) }
                        dd data-field=(name) { (shown) }
                    }
                }
            }
        }
    }
}

fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (name, inner) in map {
                let name = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                flatten(&name, inner, rows);
            }
        }
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            let shown: Vec<String> = items.iter().map(scalar).collect();
            rows.push((prefix.to_string(), shown.join(", ")));
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{index}"), inner, rows);
            }
        }
        other => rows.push((prefix.to_string(), scalar(other))),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The referred friends; the API answers a list (possibly under `data`).
fn friends(answer: &Result<Value, ApiError>) -> Markup {
    let list = match answer {
        Err(e) => return html! { p.error id="referrals-error" { "Could not load: " (e) } },
        Ok(Value::Array(items)) => items.clone(),
        Ok(other) => other
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    };
    let text = |friend: &Value, field: &str| friend.get(field).map(scalar).unwrap_or_default();
    html! {
        @if list.is_empty() {
            p id="no-referrals" { "Nobody yet. Share your link!" }
        } @else {
            table id="referrals" {
                tr { th { "Friend" } th { "Customer key" } th { "Joined" } }
                @for friend in &list {
                    tr.referral data-key=(text(friend, "key")) {
                        td { (text(friend, "name")) }
                        td { code { (text(friend, "key")) } }
                        td { (text(friend, "created_at")) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::flatten;
    use serde_json::json;

    #[test]
    fn flattens_nested_objects_with_dotted_names() {
        let mut rows = Vec::new();
        flatten(
            "",
            &json!({"clicks": {"total": 3}, "rewards": [{"amount": 4.9}], "tags": ["a", "b"]}),
            &mut rows,
        );
        assert_eq!(
            rows,
            vec![
                ("clicks.total".to_string(), "3".to_string()),
                ("rewards.0.amount".to_string(), "4.9".to_string()),
                ("tags".to_string(), "a, b".to_string()),
            ]
        );
    }
}
