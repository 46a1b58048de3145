//! A customer's stats, balance, credit, referrals, transactions and referral links.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::{drop_repeated_path_key, find_customer, ok, only_params, page_json, page_param};
use crate::error::{AppError, Validator};
use crate::extract::{ApiProgram, JsonBody, Params, decode};
use crate::model::{CustomerFilter, CustomerLookup, TransactionFilter};
use crate::money;
use crate::state::AppState;
use crate::validation::is_valid_unit;
use crate::views;

/// `GET /v1/customers/{key}/stats`.
pub async fn stats(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    let stats = state.storage.customer_stats(program.id, &customer).await?;
    Ok(ok(views::stats(&program.settings, &customer, &stats)))
}

/// `GET /v1/customers/{key}/balance`.
pub async fn balance(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    let balance = state.storage.balance(program.id, &customer).await?;
    Ok(ok(views::balance(&balance)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreditRequest {
    amount: Value,
    amount_units: String,
    is_currency: bool,
}

/// `POST /v1/customers/{key}/balance/credit`.
pub async fn credit(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    JsonBody(mut body): JsonBody,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut body, &key);
    let request: CreditRequest = decode(Value::Object(body))?;
    let mut v = Validator::default();
    let amount = v.check("amount", money::parse_amount(&request.amount));
    if amount == Some(0) {
        v.add("amount", "The amount must be greater than zero.");
    }
    let units = request.amount_units.to_ascii_lowercase();
    if !is_valid_unit(&units) {
        v.add(
            "amount_units",
            "The amount_units must be 1-16 letters, digits or underscores.",
        );
    }
    v.finish()?;
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    let balance = state
        .storage
        .credit_balance(
            program.id,
            &customer,
            amount.unwrap_or_default(),
            &units,
            request.is_currency,
        )
        .await?;
    Ok(ok(views::balance(&balance)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreditRewardsRequest {
    #[serde(default)]
    ids: Option<Vec<i64>>,
}

/// `POST /v1/customers/{key}/rewards/credit`: credits the customer's pending rewards (programs in
/// manual mode): all of them, or those listed in `ids`; answers the balance.
pub async fn credit_rewards(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    JsonBody(mut body): JsonBody,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut body, &key);
    let request: CreditRewardsRequest = decode(Value::Object(body))?;
    if request.ids.as_ref().is_some_and(Vec::is_empty) {
        return Err(AppError::invalid(
            "ids",
            "List at least one reward id, or leave ids out.",
        ));
    }
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    let balance = state
        .storage
        .credit_pending_rewards(program.id, &customer, request.ids.as_deref())
        .await?;
    Ok(ok(views::balance(&balance)))
}

/// `GET /v1/customers/{key}/referrals`: the customers this one referred (paginated).
pub async fn referrals(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(mut params): Params,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut params, &key);
    only_params(&params, &["limit", "page"])?;
    let page = page_param(&params)?;
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    let filter = CustomerFilter {
        referred_by: Some(customer.row_id),
        ..CustomerFilter::default()
    };
    let result = state
        .storage
        .list_customers(program.id, &filter, page)
        .await?;
    let items = super::customers::customer_objects(&state, &program, &result.items).await?;
    Ok(page_json(
        &state,
        &headers,
        uri.path(),
        &params,
        items,
        result.total,
        page,
    ))
}

/// `GET /v1/customers/{key}/transactions`: the customer's own purchases (paginated).
pub async fn transactions(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(mut params): Params,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut params, &key);
    only_params(&params, &["limit", "page", "archived"])?;
    let page = page_param(&params)?;
    let include_archived = super::bool_param(&params, "archived")?.unwrap_or(false);
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    let filter = TransactionFilter {
        customer_row_id: Some(customer.row_id),
        include_archived,
    };
    let result = state
        .storage
        .list_transactions(program.id, &filter, page)
        .await?;
    let items = super::transactions::transaction_objects(&state, &program, &result.items).await?;
    Ok(page_json(
        &state,
        &headers,
        uri.path(),
        &params,
        items,
        result.total,
        page,
    ))
}

/// `GET /v1/customers/{key}/referral_links`.
pub async fn referral_links(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    headers: HeaderMap,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    let mut links = match views::referral_link_objects(&program.settings, &customer) {
        Value::Array(links) => links,
        other => vec![other],
    };
    links.extend(
        super::referral_links::customer_links(&state, &program, &headers, customer.row_id).await?,
    );
    Ok(ok(Value::Array(links)))
}
