//! `/v1/transactions`: single and batch create (idempotent by key), read, list, refund, archive.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::customers::check_personal_fields;
use super::{
    bool_param, deleted, drop_repeated_path_key, find_customer, key_from_body, ok, only_params,
    page_json, page_param, prefixed, string_param,
};
use crate::error::{AppError, Validator};
use crate::extract::{ApiProgram, JsonBody, Params, decode};
use crate::model::{
    CustomerLookup, NewCustomer, NewTransaction, Source, TransactionFilter, TransactionRecord,
};
use crate::money;
use crate::program::{Program, ProgramKind};
use crate::state::AppState;
use crate::validation::{check_key, check_text, is_valid_unit};
use crate::views;

/// Largest batch.
const MAX_BATCH: usize = 500;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxCustomer {
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    key: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    surname: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxOptions {
    #[serde(default)]
    create_customer: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxItem {
    #[serde(default)]
    customer: Option<TxCustomer>,
    #[serde(deserialize_with = "crate::lenient_key::required")]
    key: String,
    amount: Value,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    amount_units: Option<String>,
    #[serde(default)]
    is_currency: Option<bool>,
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    product_id: Option<String>,
    #[serde(default)]
    product_type: Option<String>,
    /// Only allowed on a single (non-batch) transaction.
    #[serde(default)]
    options: Option<TxOptions>,
    /// Affiliate programs: a coupon code attributing the sale to the coupon's partner.
    #[serde(default)]
    coupon: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxBatch {
    #[serde(default)]
    customer: Option<TxCustomer>,
    transactions: Vec<Value>,
    #[serde(default)]
    options: Option<TxOptions>,
}

/// Validates one item and converts it for storage.
fn to_new_transaction(
    v: &mut Validator,
    prefix: &str,
    item: TxItem,
    default_customer: Option<&TxCustomer>,
    create_customer: bool,
    kind: ProgramKind,
) -> Option<NewTransaction> {
    let field = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    v.check(&field("key"), check_key(&item.key));
    if let Some(coupon) = &item.coupon {
        if kind == ProgramKind::Affiliate {
            v.check(&field("coupon"), check_key(coupon));
        } else {
            v.add(
                field("coupon"),
                "Coupons are only available in affiliate programs.",
            );
        }
    }
    let amount_minor = v.check(&field("amount"), money::parse_amount(&item.amount));
    let action = item.action.unwrap_or_else(|| "sale".to_owned());
    v.check(&field("action"), check_key(&action));
    let amount_units = item.amount_units.map(|units| units.to_ascii_lowercase());
    if amount_units
        .as_deref()
        .is_some_and(|units| !is_valid_unit(units))
    {
        v.add(
            field("amount_units"),
            "The amount_units must be 1-16 letters, digits or underscores.",
        );
    }
    for (name, value) in [
        ("product_id", &item.product_id),
        ("product_type", &item.product_type),
    ] {
        if let Some(value) = value {
            v.check(&field(name), check_text(value, 255));
        }
    }
    let (customer, customer_field) = match (&item.customer, default_customer) {
        (Some(customer), _) => (Some(customer), field("customer")),
        (None, Some(customer)) => (Some(customer), "customer".to_owned()),
        (None, None) => (None, field("customer")),
    };
    let Some(customer) = customer else {
        v.add(
            format!("{customer_field}.key"),
            "The customer.key field is required.",
        );
        return None;
    };
    let lookup = match (&customer.key, &customer.id) {
        (Some(key), _) => {
            v.check(&format!("{customer_field}.key"), check_key(key));
            CustomerLookup::Key(key.clone())
        }
        (None, Some(id)) => {
            v.check(&format!("{customer_field}.id"), check_key(id));
            CustomerLookup::Id(id.clone())
        }
        (None, None) => {
            v.add(
                format!("{customer_field}.key"),
                "The customer.key field is required.",
            );
            return None;
        }
    };
    check_personal_fields(
        v,
        &format!("{customer_field}."),
        customer.email.as_ref(),
        customer.name.as_ref(),
        customer.surname.as_ref(),
        None,
    );
    if create_customer && matches!(lookup, CustomerLookup::Id(_)) {
        v.add(
            format!("{customer_field}.key"),
            "options.create_customer needs customer.key.",
        );
    }
    Some(NewTransaction {
        key: item.key,
        action,
        amount_minor: amount_minor?,
        amount_units,
        is_currency: item.is_currency.unwrap_or(true),
        customer: lookup,
        create_customer: create_customer.then(|| NewCustomer {
            email: customer.email.clone(),
            name: customer.name.clone(),
            surname: customer.surname.clone(),
            ..NewCustomer::default()
        }),
        product_id: item.product_id,
        product_type: item.product_type,
        coupon: item.coupon,
        field_prefix: prefix.to_owned(),
    })
}

fn status_for(any_created: bool) -> StatusCode {
    if any_created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// `POST /v1/transactions`: one transaction, or a batch under `transactions`.
pub async fn create(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let mut v = Validator::default();
    let batch = body.contains_key("transactions");
    let items = if batch {
        let request: TxBatch = decode(Value::Object(body))?;
        if request.transactions.is_empty() {
            return Err(AppError::invalid(
                "transactions",
                "At least one transaction is required.",
            ));
        }
        if request.transactions.len() > MAX_BATCH {
            return Err(AppError::invalid(
                "transactions",
                format!("At most {MAX_BATCH} transactions per request."),
            ));
        }
        let create_customer = request.options.unwrap_or_default().create_customer;
        let mut items = Vec::new();
        for (index, value) in request.transactions.into_iter().enumerate() {
            let prefix = format!("transactions.{index}");
            let item: TxItem = decode(value).map_err(|mut error| {
                error.errors = std::mem::take(&mut error.errors)
                    .into_iter()
                    .map(|(field, messages)| (format!("{prefix}.{field}"), messages))
                    .collect();
                error
            })?;
            if item.options.is_some() {
                v.add(
                    format!("{prefix}.options"),
                    "Put options next to transactions.",
                );
            }
            items.extend(to_new_transaction(
                &mut v,
                &prefix,
                item,
                request.customer.as_ref(),
                create_customer,
                program.kind,
            ));
        }
        items
    } else {
        let mut item: TxItem = decode(Value::Object(body))?;
        let create_customer = item.options.take().unwrap_or_default().create_customer;
        to_new_transaction(&mut v, "", item, None, create_customer, program.kind)
            .into_iter()
            .collect()
    };
    v.finish()?;
    let mut seen = std::collections::HashSet::new();
    for (index, item) in items.iter().enumerate() {
        if !seen.insert(item.key.clone()) {
            return Err(AppError::invalid(
                format!("transactions.{index}.key"),
                "The key is repeated in this batch.",
            ));
        }
    }

    let outcomes = state
        .storage
        .create_transactions(&program, items, Source::Api)
        .await?;
    let any_created = outcomes.iter().any(|o| o.created);
    let records: Vec<TransactionRecord> = outcomes.into_iter().map(|o| o.transaction).collect();
    let objects = transaction_objects(&state, &program, &records).await?;
    let body = if batch {
        Value::Array(objects)
    } else {
        objects.into_iter().next().unwrap_or(Value::Null)
    };
    Ok((status_for(any_created), Json(views::envelope(body))).into_response())
}

async fn show_key(state: &AppState, program: &Program, key: &str) -> Result<Response, AppError> {
    let found = if check_key(key).is_ok() {
        state.storage.transaction(program.id, key).await?
    } else {
        None
    };
    let record = found.ok_or_else(|| AppError::not_found("Transaction"))?;
    Ok(ok(transaction_object(state, program, &record).await?))
}

/// Transaction objects of a list (see [`transaction_object`]).
pub(crate) async fn transaction_objects(
    state: &AppState,
    program: &Program,
    records: &[TransactionRecord],
) -> Result<Vec<Value>, AppError> {
    let mut objects = Vec::with_capacity(records.len());
    for record in records {
        objects.push(transaction_object(state, program, record).await?);
    }
    Ok(objects)
}

/// The transaction object; in affiliate programs with its `partner`, `referral_link_key`,
/// `coupon`, `commissions` and `credit` (the partner's commission).
async fn transaction_object(
    state: &AppState,
    program: &Program,
    record: &TransactionRecord,
) -> Result<Value, AppError> {
    let mut value = views::transaction(record);
    if program.kind == ProgramKind::Affiliate {
        let attribution = state
            .storage
            .transaction_attribution(program.id, &record.key)
            .await?;
        crate::affiliate::views::attribute(&mut value, attribution.as_ref(), true);
    }
    Ok(value)
}

/// `GET /v1/transactions/{key}`.
pub async fn show(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    show_key(&state, &program, &key).await
}

/// `GET /v1/transactions`: `limit`, `page`, `customer` (key), `archived`; with `key` in the
/// body, one transaction.
pub async fn list(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(mut params): Params,
) -> Result<Response, AppError> {
    if params.contains_key("key") {
        let lookup = key_from_body(&mut params)?;
        only_params(&params, &[])?;
        return show_key(&state, &program, lookup.value()).await;
    }
    only_params(
        &params,
        &["limit", "page", "customer", "customer_key", "archived"],
    )?;
    let page = page_param(&params)?;
    let include_archived = bool_param(&params, "archived")?.unwrap_or(false);
    // `customer` as a key, or an object naming the customer by `key` or `id`.
    let customer_lookup = match params.get("customer") {
        Some(Value::Object(customer)) => {
            let mut customer = customer.clone();
            let lookup =
                key_from_body(&mut customer).map_err(|error| prefixed(error, "customer."))?;
            only_params(&customer, &[]).map_err(|error| prefixed(error, "customer."))?;
            Some(lookup)
        }
        _ => match string_param(&params, "customer")? {
            Some(key) => Some(CustomerLookup::Key(key)),
            None => string_param(&params, "customer_key")?.map(CustomerLookup::Key),
        },
    };
    let customer_row_id = match customer_lookup {
        Some(lookup) => {
            let customer = find_customer(&state, &program, &lookup).await?;
            // The pagination links name the customer by key.
            if params.contains_key("customer") {
                params.insert("customer".into(), Value::String(customer.key.clone()));
            }
            Some(customer.row_id)
        }
        None => None,
    };
    let filter = TransactionFilter {
        customer_row_id,
        include_archived,
    };
    let result = state
        .storage
        .list_transactions(program.id, &filter, page)
        .await?;
    let items = transaction_objects(&state, &program, &result.items).await?;
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

async fn refund_key(state: &AppState, program: &Program, key: &str) -> Result<Response, AppError> {
    if check_key(key).is_err() {
        return Err(AppError::not_found("Transaction"));
    }
    state.storage.refund_transaction(program.id, key).await?;
    Ok(deleted())
}

/// `DELETE /v1/transactions/{key}`: refund, reversing the rewards it created.
pub async fn delete(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    refund_key(&state, &program, &key).await
}

/// `DELETE /v1/transactions` with the key in the body (or query string).
pub async fn delete_by_body(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Params(mut body): Params,
) -> Result<Response, AppError> {
    let lookup = key_from_body(&mut body)?;
    only_params(&body, &[])?;
    refund_key(&state, &program, lookup.value()).await
}

async fn set_archived(
    state: &AppState,
    program: &Program,
    key: &str,
    mut body: Map<String, Value>,
    archived: bool,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut body, key);
    only_params(&body, &[])?;
    if check_key(key).is_err() {
        return Err(AppError::not_found("Transaction"));
    }
    let record = state
        .storage
        .set_transaction_archived(program.id, key, archived)
        .await?;
    Ok(ok(transaction_object(state, program, &record).await?))
}

/// `POST /v1/transactions/{key}/archive`.
pub async fn archive(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    set_archived(&state, &program, &key, body, true).await
}

/// `POST /v1/transactions/{key}/revoke-archive`.
pub async fn revoke_archive(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    set_archived(&state, &program, &key, body, false).await
}
