//! `GET /go/{code}`: a short link. Records the click server-side (same bot and prefetch filter,
//! rate limit and unique-click rule as the tracker's visits; salted IP hash, never the raw IP)
//! and redirects (302) to the link's URL with the referral parameter and UTM parameters.
//!
//! The tracker on the landing page then reports a visit for the same key; counts merge that visit
//! into the click (same key, IP hash and user agent within `short_codes::MERGE_WINDOW_MICROS`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::public::{self, ClientIp};
use crate::affiliate::{link_urls, short_codes};
use crate::bots;
use crate::client_ip::hash_ip;
use crate::clock;
use crate::error::AppError;
use crate::model::NewVisit;
use crate::state::AppState;

/// Longest stored referrer.
const MAX_REFERRER: usize = 2048;

/// Follows a short link.
pub async fn follow(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    method: Method,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    if !short_codes::is_code(&code) {
        return Err(AppError::not_found("Short link"));
    }
    let (public_id, link) = state
        .storage
        .short_link(&code)
        .await?
        .ok_or_else(|| AppError::not_found("Short link"))?;
    let program = public::program(&state, &public_id).await?;
    let target = link_urls::link_url(&program.settings, &link);
    let location = HeaderValue::from_str(&target).map_err(|_| AppError::not_found("Short link"))?;

    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok());
    let counted = method != Method::HEAD
        && !bots::is_bot(user_agent)
        && !bots::is_prefetch(&headers)
        && state
            .limiter
            .check_ip("visits", ip, state.config.visit_rate_limit)
            .is_ok();
    if counted {
        let ip_hash = hash_ip(&state.ip_salt, ip);
        let user_agent: Option<String> = user_agent.map(|ua| ua.chars().take(512).collect());
        let referrer = headers
            .get(header::REFERER)
            .and_then(|value| value.to_str().ok())
            .filter(|text| !text.is_empty() && text.len() <= MAX_REFERRER)
            .map(str::to_owned);
        state
            .visits
            .record(NewVisit {
                program_id: program.id,
                referral_key: link.key.clone(),
                visitor: short_codes::click_visitor(&ip_hash, user_agent.as_deref().unwrap_or("")),
                format: "short".to_owned(),
                landing_url: target.clone(),
                referrer,
                user_agent,
                ip_hash,
                at: clock::now(),
            })
            .await?;
    }
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, location);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
