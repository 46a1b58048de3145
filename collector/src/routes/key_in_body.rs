//! Collections whose item is named in the body (or query string) instead of the path:
//! `PUT /v1/coupons {"code": "JOHN20", ...}` is answered exactly like
//! `PUT /v1/coupons/JOHN20 {...}`, and so are `DELETE`, and `GET` when the name is given.
//!
//! The request is handed to the item route, with the name moved from the body into the path, so
//! both forms share one handler (authentication, validation and answer included).

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any};
use serde_json::Value;
use tower::ServiceExt;

use crate::error::AppError;
use crate::extract::{ApiProgram, JsonBody, query_pairs};
use crate::lenient_key::text_of;
use crate::links::encode;
use crate::state::AppState;

/// The routes of one collection path: `list` answers it as before; item requests naming the item
/// by `field` go to `item`, mounted at `{path}/{field}`.
pub fn collection(
    path: &'static str,
    field: &'static str,
    list: MethodRouter<AppState>,
    item: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    // Built once; each request only gives them the state.
    let list = Router::new().route(path, list);
    let item = Router::new().route(&format!("{path}/{{{field}}}"), item);
    any(move |State(state): State<AppState>, request: Request| {
        let (list, item) = (list.clone(), item.clone());
        async move {
            match dispatch(&state, path, field, list, item, request).await {
                Ok(response) => response,
                Err(error) => error.into_response(),
            }
        }
    })
}

async fn dispatch(
    state: &AppState,
    path: &'static str,
    field: &'static str,
    list: Router<AppState>,
    item: Router<AppState>,
    request: Request,
) -> Result<Response, AppError> {
    let method = request.method().clone();
    let wants_item = method == Method::PUT || method == Method::DELETE || method == Method::GET;
    if !wants_item {
        return Ok(answer(list, state, request).await);
    }
    let (mut parts, body) = request.into_parts();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let mut object =
        match JsonBody::from_request(Request::from_parts(parts.clone(), body), state).await {
            Ok(JsonBody(object)) => object,
            Err(error) => return Err(authenticated(&mut parts, state, error).await),
        };
    let mut pairs = query_pairs(&query);
    let named = match object.remove(field) {
        Some(Value::Null) | None => pairs
            .iter()
            .position(|(name, _)| name == field)
            .map(|at| pairs.remove(at).1),
        Some(value) => match text_of(&value) {
            Some(name) => Some(name),
            None => {
                let error = AppError::invalid(field, format!("The {field} must be a string."));
                return Err(authenticated(&mut parts, state, error).await);
            }
        },
    };
    let rebuilt_body = Body::from(Value::Object(object).to_string());
    let Some(name) = named else {
        if method == Method::GET {
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            let request = Request::from_parts(parts, rebuilt_body);
            return Ok(answer(list, state, request).await);
        }
        let error = AppError::invalid(
            field,
            format!("The {field} field is required (in the path or the body)."),
        );
        return Err(authenticated(&mut parts, state, error).await);
    };
    if name.is_empty() || name.contains('/') {
        let error = AppError::not_found("Resource");
        return Err(authenticated(&mut parts, state, error).await);
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    let mut target = format!("{path}/{}", encode(&name));
    if !query.is_empty() {
        target.push('?');
        target.push_str(&query.join("&"));
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.uri = match target.parse::<Uri>() {
        Ok(uri) => uri,
        Err(_) => {
            let error = AppError::not_found("Resource");
            return Err(authenticated(&mut parts, state, error).await);
        }
    };
    let request = Request::from_parts(parts, rebuilt_body);
    Ok(answer(item, state, request).await)
}

/// `error`, unless the request is not authenticated: as on every API route, a missing or wrong key
/// is answered first.
async fn authenticated(parts: &mut Parts, state: &AppState, error: AppError) -> AppError {
    match ApiProgram::from_request_parts(parts, state).await {
        Ok(_) => error,
        Err(unauthenticated) => unauthenticated,
    }
}

async fn answer(router: Router<AppState>, state: &AppState, request: Request) -> Response {
    match router.with_state(state.clone()).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
