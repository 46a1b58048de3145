//! `POST /pub/referral-links`: the refer-a-friend form; e-mail in, referral link out.
//! Never reveals stats, balance, or whether the e-mail was known.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::public::{self, ClientIp};
use crate::error::{AppError, Validator};
use crate::extract::{JsonBody, decode};
use crate::links;
use crate::model::{NewCustomer, Source};
use crate::state::AppState;
use crate::validation::{check_email, check_text};
use crate::views;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormRequest {
    program: String,
    email: String,
    #[serde(default)]
    name: Option<String>,
}

/// Returns the referral link for an e-mail, creating a browser-reported customer if needed.
pub async fn referral_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, AppError> {
    let request: FormRequest = decode(Value::Object(body))?;
    let program = public::program(&state, &request.program).await?;
    public::check_origin(&state, &program, &headers)?;
    state
        .limiter
        .check_ip("public", ip, state.config.public_rate_limit)?;
    let email = request.email.trim().to_owned();
    let mut v = Validator::default();
    v.check("email", check_email(&email));
    if let Some(name) = &request.name {
        v.check("name", check_text(name, 255));
    }
    v.finish()?;

    let customer = match state.storage.customer_by_email(program.id, &email).await? {
        Some(customer) => customer,
        None => {
            state
                .storage
                .create_customer(
                    &program,
                    NewCustomer {
                        email: Some(email),
                        name: request.name,
                        ..NewCustomer::default()
                    },
                    Source::Browser,
                )
                .await?
                .customer
        }
    };
    Ok(Json(views::envelope(json!({
        "referral_link": links::referral_link(&program.settings, &customer.key),
    }))))
}
