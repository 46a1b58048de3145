//! `POST /pub/transactions`: a browser-reported transaction (never rewarded, never revenue
//! until the backend confirms the same key through `POST /v1/transactions`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use super::public::{self, ClientIp};
use crate::affiliate::model::PartnerLookup;
use crate::error::{AppError, Validator};
use crate::extract::{JsonBody, decode};
use crate::model::{CustomerLookup, NewCustomer, NewTransaction, Source};
use crate::money;
use crate::program::ProgramKind;
use crate::state::AppState;
use crate::validation::{check_email, check_key, check_text, check_visitor, is_valid_unit};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransactionBeacon {
    program: String,
    #[serde(default)]
    visitor: Option<String>,
    #[serde(default)]
    referral: Option<String>,
    transaction: BrowserTransaction,
    #[serde(default)]
    options: Option<BeaconOptions>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrowserTransaction {
    key: String,
    amount: Value,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    amount_units: Option<String>,
    customer: BrowserCustomer,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrowserCustomer {
    key: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BeaconOptions {
    #[serde(default)]
    create_customer: bool,
}

/// Records a browser-reported transaction.
pub async fn record(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, AppError> {
    let beacon: TransactionBeacon = decode(Value::Object(body))?;
    let program = public::program(&state, &beacon.program).await?;
    public::check_origin(&state, &program, &headers)?;
    state
        .limiter
        .check_ip("public", ip, state.config.public_rate_limit)?;

    let transaction = beacon.transaction;
    let mut v = Validator::default();
    if let Some(visitor) = &beacon.visitor {
        v.check("visitor", check_visitor(visitor));
    }
    if let Some(referral) = &beacon.referral {
        v.check("referral", check_key(referral));
    }
    v.check("transaction.key", check_key(&transaction.key));
    let amount_minor = v.check(
        "transaction.amount",
        money::parse_amount(&transaction.amount),
    );
    v.check(
        "transaction.customer.key",
        check_key(&transaction.customer.key),
    );
    if let Some(email) = &transaction.customer.email {
        v.check("transaction.customer.email", check_email(email));
    }
    if let Some(name) = &transaction.customer.name {
        v.check("transaction.customer.name", check_text(name, 255));
    }
    let action = transaction.action.unwrap_or_else(|| "sale".to_owned());
    v.check("transaction.action", check_key(&action));
    if let Some(units) = &transaction.amount_units
        && !is_valid_unit(units)
    {
        v.add(
            "transaction.amount_units",
            "The unit must be 1-16 letters, digits or underscores.",
        );
    }
    v.finish()?;

    let create_customer = beacon
        .options
        .unwrap_or_default()
        .create_customer
        .then(|| NewCustomer {
            email: transaction.customer.email.clone(),
            name: transaction.customer.name.clone(),
            // As for browser sign-ups: the cookie names a customer or a partner's link.
            referrer: beacon
                .referral
                .clone()
                .filter(|_| program.kind == ProgramKind::ReferAFriend)
                .map(CustomerLookup::Key),
            partner: beacon
                .referral
                .clone()
                .filter(|_| program.kind == ProgramKind::Affiliate)
                .map(PartnerLookup::Key),
            ..NewCustomer::default()
        });
    state
        .storage
        .create_transactions(
            &program,
            vec![NewTransaction {
                key: transaction.key,
                action,
                amount_minor: amount_minor.unwrap_or_default(),
                amount_units: transaction.amount_units.map(|u| u.to_ascii_lowercase()),
                is_currency: true,
                customer: CustomerLookup::Key(transaction.customer.key),
                create_customer,
                product_id: None,
                product_type: None,
                coupon: None,
                field_prefix: "transaction".to_owned(),
            }],
            Source::Browser,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
