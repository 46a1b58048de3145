//! `POST /pub/signups`: a client-side sign-up, stored as browser-reported (never rewarded).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use super::public::{self, ClientIp};
use crate::affiliate::model::PartnerLookup;
use crate::error::{AppError, Validator};
use crate::extract::{JsonBody, decode};
use crate::model::{CustomerLookup, NewCustomer, Source};
use crate::program::ProgramKind;
use crate::state::AppState;
use crate::validation::{check_email, check_key, check_text, check_visitor};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupBeacon {
    program: String,
    #[serde(default)]
    visitor: Option<String>,
    #[serde(default)]
    referral: Option<String>,
    customer: SignupCustomer,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupCustomer {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    surname: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Records a browser-reported sign-up.
pub async fn record(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, AppError> {
    let beacon: SignupBeacon = decode(Value::Object(body))?;
    let program = public::program(&state, &beacon.program).await?;
    public::check_origin(&state, &program, &headers)?;
    state
        .limiter
        .check_ip("public", ip, state.config.public_rate_limit)?;

    let customer = beacon.customer;
    let mut v = Validator::default();
    if let Some(visitor) = &beacon.visitor {
        v.check("visitor", check_visitor(visitor));
    }
    if let Some(referral) = &beacon.referral {
        v.check("referral", check_key(referral));
    }
    if customer.key.is_none() && customer.email.is_none() {
        v.add("customer.key", "A customer key or email is required.");
    }
    if let Some(key) = &customer.key {
        v.check("customer.key", check_key(key));
    }
    if let Some(email) = &customer.email {
        v.check("customer.email", check_email(email));
    }
    for (field, text) in [
        ("customer.name", &customer.name),
        ("customer.surname", &customer.surname),
    ] {
        if let Some(text) = text {
            v.check(field, check_text(text, 255));
        }
    }
    if customer.tags.len() > 20 {
        v.add("customer.tags", "At most 20 tags.");
    }
    for (index, tag) in customer.tags.iter().enumerate() {
        v.check(&format!("customer.tags.{index}"), check_text(tag, 64));
    }
    v.finish()?;

    // A customer identified only by e-mail keeps the record already known for that e-mail.
    if customer.key.is_none()
        && let Some(email) = &customer.email
        && state
            .storage
            .customer_by_email(program.id, email)
            .await?
            .is_some()
    {
        return Ok(StatusCode::NO_CONTENT);
    }
    state
        .storage
        .create_customer(
            &program,
            NewCustomer {
                key: customer.key,
                email: customer.email,
                name: customer.name,
                surname: customer.surname,
                tags: customer.tags,
                referrer: beacon
                    .referral
                    .clone()
                    .filter(|_| program.kind == ProgramKind::ReferAFriend)
                    .map(CustomerLookup::Key),
                partner: beacon
                    .referral
                    .filter(|_| program.kind == ProgramKind::Affiliate)
                    .map(PartnerLookup::Key),
                ..NewCustomer::default()
            },
            Source::Browser,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
