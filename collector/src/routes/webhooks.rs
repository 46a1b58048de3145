//! `/v1/webhooks`: create, list, read, update and delete webhooks; the delivery log and replay.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{absolute_url, created, deleted, ok, only_params, page_json, page_param};
use crate::clock;
use crate::error::{AppError, Validator};
use crate::extract::{ApiProgram, JsonBody, Params, decode};
use crate::pagination::paginated;
use crate::program::Program;
use crate::state::AppState;
use crate::validation::{check_key, check_text};
use crate::webhooks::destination::check_url;
use crate::webhooks::signature::new_secret;
use crate::webhooks::{Delivery, EventType, NewWebhook, Webhook, WebhookUpdate};

/// Most webhooks one program may register.
const MAX_WEBHOOKS: usize = 20;

/// Body of `POST /v1/webhooks` and `PUT /v1/webhooks/{key}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    is_active: Option<bool>,
}

/// The webhook object; `signature` is the signing secret.
fn webhook_view(webhook: &Webhook) -> Value {
    json!({
        "key": webhook.key,
        "name": webhook.name,
        "url": webhook.url,
        "events": webhook.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        "is_active": webhook.is_active,
        "signature": webhook.secret,
        "consecutive_failures": webhook.consecutive_failures,
        "disabled_reason": webhook.disabled_reason,
        "disabled_at": webhook.disabled_at.map(clock::format_api),
        "created_at": clock::format_api(webhook.created_at),
        "updated_at": clock::format_api(webhook.updated_at),
    })
}

/// One entry of the delivery log.
fn delivery_view(delivery: &Delivery) -> Value {
    json!({
        "id": delivery.id,
        "event": delivery.event.as_str(),
        "status": delivery.status.as_str(),
        "attempts": delivery.attempts,
        "last_response_code": delivery.last_response_code,
        "last_error": delivery.last_error,
        "last_attempt_at": delivery.last_attempt_at.map(clock::format_api),
        "next_attempt_at": delivery.next_attempt_at.map(clock::format_api),
        "delivered_at": delivery.delivered_at.map(clock::format_api),
        "created_at": clock::format_api(delivery.created_at),
        "payload": serde_json::from_str::<Value>(&delivery.payload).unwrap_or(Value::Null),
    })
}

/// Validates the event names against the program type (unknown or unsupported → 422).
fn check_events(v: &mut Validator, program: &Program, names: &[String]) -> Vec<EventType> {
    if names.is_empty() {
        v.add("events", "At least one event is required.");
    }
    let mut events = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let field = format!("events.{index}");
        match EventType::parse(name) {
            None => v.add(field, format!("Unknown event {name:?}.")),
            Some(event) if !event.supported_by(program.kind) => v.add(
                field,
                format!("The {name} event is only available to affiliate programs."),
            ),
            Some(event) if !events.contains(&event) => events.push(event),
            Some(_) => {}
        }
    }
    events
}

impl WebhookFields {
    /// Validates the given fields (all of them required when `creating`).
    fn validate(
        self,
        state: &AppState,
        program: &Program,
        creating: bool,
    ) -> Result<WebhookUpdate, AppError> {
        let mut v = Validator::default();
        if creating {
            for (field, missing) in [
                ("name", self.name.is_none()),
                ("url", self.url.is_none()),
                ("events", self.events.is_none()),
            ] {
                if missing {
                    v.add(field, format!("The {field} field is required."));
                }
            }
        }
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                v.add("name", "The name may not be empty.");
            }
            v.check("name", check_text(name, 255));
        }
        let url = self.url.as_deref().and_then(|url| {
            v.check(
                "url",
                check_url(url, state.config.allow_private_webhook_urls),
            )
        });
        let events = self
            .events
            .as_deref()
            .map(|names| check_events(&mut v, program, names));
        v.finish()?;
        Ok(WebhookUpdate {
            name: self.name.map(|name| name.trim().to_owned()),
            url,
            events,
            is_active: self.is_active,
        })
    }
}

/// The webhook of the program with this key; 404 otherwise.
async fn find(state: &AppState, program: &Program, key: &str) -> Result<Webhook, AppError> {
    if check_key(key).is_err() {
        return Err(AppError::not_found("Webhook"));
    }
    state
        .storage
        .webhook(program.id, key)
        .await?
        .ok_or_else(|| AppError::not_found("Webhook"))
}

/// A new webhook key: `wh_` and 16 hex characters.
fn webhook_key() -> String {
    let mut bytes = [0u8; 8];
    rand::fill(&mut bytes);
    format!("wh_{}", hex::encode(bytes))
}

/// `POST /v1/webhooks`: `{name, url, events[], is_active}` → the webhook with its key and
/// signing secret (`signature`).
pub async fn create(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let fields: WebhookFields = decode(Value::Object(body))?;
    let valid = fields.validate(&state, &program, true)?;
    let new = NewWebhook {
        key: webhook_key(),
        name: valid.name.unwrap_or_default(),
        url: valid.url.unwrap_or_default(),
        events: valid.events.unwrap_or_default(),
        secret: new_secret(),
        is_active: valid.is_active.unwrap_or(true),
    };
    let webhook = state
        .storage
        .create_webhook(program.id, &new, MAX_WEBHOOKS)
        .await?;
    Ok(created(webhook_view(&webhook)))
}

/// `GET /v1/webhooks`: the program's webhooks, oldest first (`limit`, `page`; a program has at
/// most [`MAX_WEBHOOKS`], so the page is cut from all of them).
pub async fn list(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(params): Params,
) -> Result<Response, AppError> {
    only_params(&params, &["limit", "page"])?;
    let page = page_param(&params)?;
    let webhooks = state.storage.webhooks(program.id).await?;
    let total = webhooks.len() as i64;
    let items = webhooks
        .iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(page.limit as usize)
        .map(webhook_view)
        .collect();
    Ok(page_json(
        &state,
        &headers,
        uri.path(),
        &params,
        items,
        total,
        page,
    ))
}

/// `GET /v1/webhooks/{key}`.
pub async fn show(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let webhook = find(&state, &program, &key).await?;
    Ok(ok(webhook_view(&webhook)))
}

/// `PUT /v1/webhooks/{key}`: changes the given fields. `is_active: true` re-enables a webhook
/// the collector disabled (and resets its failure count).
pub async fn update(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let webhook = find(&state, &program, &key).await?;
    let fields: WebhookFields = decode(Value::Object(body))?;
    let update = fields.validate(&state, &program, false)?;
    let updated = state
        .storage
        .update_webhook(program.id, &webhook.key, &update)
        .await?;
    Ok(ok(webhook_view(&updated)))
}

/// `DELETE /v1/webhooks/{key}`: removes the webhook and its delivery log.
pub async fn delete(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let webhook = find(&state, &program, &key).await?;
    state
        .storage
        .delete_webhook(program.id, &webhook.key)
        .await?;
    Ok(deleted())
}

/// `GET /v1/webhooks/{key}/deliveries`: the delivery log, newest first (`limit`, `page`).
pub async fn deliveries(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(params): Params,
) -> Result<Response, AppError> {
    only_params(&params, &["limit", "page"])?;
    let page = page_param(&params)?;
    let webhook = find(&state, &program, &key).await?;
    let found = state
        .storage
        .webhook_deliveries(webhook.row_id, page)
        .await?;
    let items = found.items.iter().map(delivery_view).collect();
    let path = absolute_url(&state, &headers, uri.path());
    Ok(axum::Json(paginated(items, found.total, page, &path, &params)).into_response())
}

/// `POST /v1/webhooks/{key}/deliveries/{id}/replay`: sends one delivery again, with the same
/// `webhook-id` and body, as soon as the worker picks it up.
pub async fn replay(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path((key, id)): Path<(String, String)>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let webhook = find(&state, &program, &key).await?;
    if check_key(&id).is_err() {
        return Err(AppError::not_found("Delivery"));
    }
    if !webhook.is_active {
        return Err(AppError::conflict(
            "is_active",
            "The webhook is disabled; enable it (PUT is_active: true) before replaying.",
        ));
    }
    let delivery = state.storage.replay_delivery(webhook.row_id, &id).await?;
    Ok(ok(delivery_view(&delivery)))
}
