//! HTTP handlers, one file per resource, and the helpers they share.

pub mod assets;
pub mod browser_signups;
pub mod browser_transactions;
pub mod coupons;
pub mod customer_resources;
pub mod customers;
pub mod health;
pub mod key_in_body;
pub mod meta;
pub mod openapi;
pub mod partners;
pub mod public;
pub mod referral_form;
pub mod referral_links;
pub mod settings;
pub mod short_links;
pub mod transactions;
pub mod visits;
pub mod webhooks;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::AppError;
use crate::forwarded;
use crate::model::{Customer, CustomerLookup};
use crate::program::Program;
use crate::state::AppState;
use crate::validation::check_key;

/// `201 {"data": ..., "status": 1}`.
pub(crate) fn created(data: Value) -> Response {
    (StatusCode::CREATED, Json(crate::views::envelope(data))).into_response()
}

/// `200 {"data": ..., "status": 1}`.
pub(crate) fn ok(data: Value) -> Response {
    Json(crate::views::envelope(data)).into_response()
}

/// `200 {"status": 1}` (deletes).
pub(crate) fn deleted() -> Response {
    Json(json!({ "status": 1 })).into_response()
}

/// Takes the resource key from the body (`key`, else `id`) for routes without a path key.
pub(crate) fn key_from_body(body: &mut Map<String, Value>) -> Result<CustomerLookup, AppError> {
    // Integer keys and ids (`"key": 42`) are read as their text, as in request bodies.
    for name in ["key", "id"] {
        if let Some(text) = body.get(name).and_then(crate::lenient_key::text_of) {
            body.insert(name.to_owned(), Value::String(text));
        }
    }
    let lookup = match (body.remove("key"), body.remove("id")) {
        (Some(Value::String(key)), _) => CustomerLookup::Key(key),
        (None | Some(Value::Null), Some(Value::String(id))) => CustomerLookup::Id(id),
        (Some(Value::Null) | None, None | Some(Value::Null)) => {
            return Err(AppError::invalid("key", "The key field is required."));
        }
        (Some(_), _) => return Err(AppError::invalid("key", "The key must be a string.")),
        (_, Some(_)) => return Err(AppError::invalid("id", "The id must be a string.")),
    };
    let field = match lookup {
        CustomerLookup::Key(_) => "key",
        CustomerLookup::Id(_) => "id",
    };
    check_key(lookup.value()).map_err(|message| AppError::invalid(field, message))?;
    Ok(lookup)
}

/// Finds a customer of the program by key, falling back to id; 404 otherwise.
pub(crate) async fn find_customer(
    state: &AppState,
    program: &Program,
    lookup: &CustomerLookup,
) -> Result<Customer, AppError> {
    if check_key(lookup.value()).is_err() {
        return Err(AppError::not_found("Customer"));
    }
    if let Some(customer) = state.storage.customer(program.id, lookup).await? {
        return Ok(customer);
    }
    if let CustomerLookup::Key(text) = lookup
        && let Some(customer) = state
            .storage
            .customer(program.id, &CustomerLookup::Id(text.clone()))
            .await?
    {
        return Ok(customer);
    }
    Err(AppError::not_found("Customer"))
}

/// The absolute URL of a request path, for pagination links.
pub(crate) fn absolute_url(state: &AppState, headers: &HeaderMap, path: &str) -> String {
    let base = match &state.config.public_base_url {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => {
            let trust_proxy = state.config.trust_proxy;
            let host = forwarded::host(headers, trust_proxy)
                .filter(|host| {
                    host.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                    })
                })
                .map(str::to_owned)
                .unwrap_or_else(|| state.config.bind.to_string());
            let https = trust_proxy && forwarded::is_https(headers) == Some(true);
            format!("{}://{host}", if https { "https" } else { "http" })
        }
    };
    format!("{base}{path}")
}

/// Accepts the resource's own key repeated in the body or query (clients send it both in the path
/// and in the body): a `key` or `id` equal to the path's is dropped; any other stays and is
/// refused by the handler's parameter check.
pub(crate) fn drop_repeated_path_key(params: &mut Map<String, Value>, path_key: &str) {
    for name in ["key", "id"] {
        let repeated = params.get(name).and_then(crate::lenient_key::text_of);
        if repeated.as_deref() == Some(path_key) {
            params.remove(name);
        }
    }
}

/// Rejects parameters other than the allowed ones (422 naming the first unknown one).
pub(crate) fn only_params(params: &Map<String, Value>, allowed: &[&str]) -> Result<(), AppError> {
    match params.keys().find(|name| !allowed.contains(&name.as_str())) {
        Some(name) => Err(AppError::invalid(
            name.clone(),
            format!("The {name} parameter is not allowed."),
        )),
        None => Ok(()),
    }
}

/// A string parameter (strings only; numbers are rendered as text).
pub(crate) fn string_param(
    params: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, AppError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(AppError::invalid(
            name,
            format!("The {name} parameter must be a string."),
        )),
    }
}

/// A boolean parameter (`true`/`false`/`1`/`0`).
pub(crate) fn bool_param(
    params: &Map<String, Value>,
    name: &str,
) -> Result<Option<bool>, AppError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(Value::String(text)) if matches!(text.as_str(), "true" | "1") => Ok(Some(true)),
        Some(Value::String(text)) if matches!(text.as_str(), "false" | "0") => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Some(false)),
        Some(_) => Err(AppError::invalid(
            name,
            format!("The {name} parameter must be true or false."),
        )),
    }
}

/// Parses `limit`/`page`.
pub(crate) fn page_param(
    params: &Map<String, Value>,
) -> Result<crate::pagination::PageRequest, AppError> {
    crate::pagination::PageRequest::parse(params.get("limit"), params.get("page"))
        .map_err(|(field, message)| AppError::invalid(field, message))
}

/// Prefixes the field names of a decoding error (`update.` for wrapped update bodies).
pub(crate) fn prefixed(mut error: AppError, prefix: &str) -> AppError {
    if !prefix.is_empty() {
        error.errors = std::mem::take(&mut error.errors)
            .into_iter()
            .map(|(field, messages)| (format!("{prefix}{field}"), messages))
            .collect();
    }
    error
}

/// The text of a `:search` request: `query` (or `search`, `email`, `key`), 1-255 characters;
/// only those and `limit`/`page` are allowed.
pub(crate) fn search_text(params: &Map<String, Value>) -> Result<String, AppError> {
    only_params(
        params,
        &["query", "search", "email", "key", "limit", "page"],
    )?;
    let mut search = None;
    for name in ["query", "search", "email", "key"] {
        if let Some(text) = string_param(params, name)? {
            search = Some((name, text));
            break;
        }
    }
    let Some((name, text)) = search else {
        return Err(AppError::invalid(
            "query",
            "The query parameter is required.",
        ));
    };
    let text = text.trim().to_owned();
    if text.is_empty() || text.chars().count() > 255 {
        return Err(AppError::invalid(
            name,
            format!("The {name} must be 1-255 characters."),
        ));
    }
    Ok(text)
}

/// `200` with one page of a list, its `links` and `meta` built from the request path and its
/// filters (`params`).
pub(crate) fn page_json(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    params: &Map<String, Value>,
    items: Vec<Value>,
    total: i64,
    page: crate::pagination::PageRequest,
) -> Response {
    let url = absolute_url(state, headers, path);
    Json(crate::pagination::paginated(
        items, total, page, &url, params,
    ))
    .into_response()
}
