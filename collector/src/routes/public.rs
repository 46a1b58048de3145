//! Shared checks of the public (browser-facing) endpoints, and the program settings document.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::client_ip::client_ip;
use crate::domains::{self, parse_origin};
use crate::error::AppError;
use crate::program::Program;
use crate::state::AppState;
use crate::views;

/// The caller's IP address (see `--trust-proxy`).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, state.config.trust_proxy)))
    }
}

/// Loads a program by public id; 404 for unknown or malformed ids.
pub async fn program(state: &AppState, public_id: &str) -> Result<Program, AppError> {
    if !crate::ids::is_program_public_id(public_id) {
        return Err(AppError::not_found("Program").with_field("program", "Unknown program."));
    }
    state
        .programs
        .by_public_id(&*state.storage, public_id)
        .await?
        .map(|program| (*program).clone())
        .ok_or_else(|| AppError::not_found("Program").with_field("program", "Unknown program."))
}

/// 403 unless the `Origin` header is one of the program's sites.
pub fn check_origin(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
) -> Result<(), AppError> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            AppError::forbidden("The Origin header is required.").with_field("origin", "Missing.")
        })?;
    let domains = views::program_domains(&program.settings);
    let website_is_http =
        parse_origin(&program.settings.website).is_some_and(|(scheme, _, _)| scheme == "http");
    if domains::origin_allowed(
        origin,
        &domains,
        website_is_http,
        state.config.allow_http_origins,
    ) {
        Ok(())
    } else {
        Err(
            AppError::forbidden("This origin may not report to this program.").with_field(
                "origin",
                format!("{origin} is not one of the program's domains."),
            ),
        )
    }
}

/// Whether a URL (e.g. the landing page) is on one of the program's domains.
pub fn url_on_program_domain(program: &Program, url: &str) -> bool {
    parse_origin(url).is_some_and(|(_, host, _)| {
        views::program_domains(&program.settings)
            .iter()
            .any(|domain| domains::host_matches(&host, domain))
    })
}

/// `GET /pub/programs/{public_id}`: the tracker settings, cacheable, with an ETag.
pub async fn program_settings(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let program = program(&state, &public_id).await?;
    let body = serde_json::to_vec(&views::public_settings(&program)).map_err(AppError::internal)?;
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == etag)
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    };
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    Ok(response)
}
