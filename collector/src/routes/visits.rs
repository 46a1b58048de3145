//! `POST /pub/visits`: the visit beacon (durable before `204`), with first-party `Set-Cookie`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::public::{self, ClientIp};
use crate::bots;
use crate::client_ip::hash_ip;
use crate::clock;
use crate::domains::{self, is_ip_or_localhost};
use crate::error::{AppError, Validator};
use crate::extract::{JsonBody, decode};
use crate::forwarded;
use crate::model::NewVisit;
use crate::program::{Attribution, Program};
use crate::state::AppState;
use crate::validation::{check_key, check_visitor};
use crate::views;

/// Longest accepted URL.
const MAX_URL: usize = 2048;

/// The beacon body (docs/protocol.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Beacon {
    program: String,
    key: String,
    visitor: String,
    url: String,
    #[serde(default)]
    referrer: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

/// `HEAD /pub/visits`: never counted.
pub async fn head() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Records a visit.
pub async fn record(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let beacon: Beacon = decode(Value::Object(body))?;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok());
    if bots::is_bot(user_agent) || bots::is_prefetch(&headers) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let program = public::program(&state, &beacon.program).await?;
    public::check_origin(&state, &program, &headers)?;
    state
        .limiter
        .check_ip("visits", ip, state.config.visit_rate_limit)?;

    let mut v = Validator::default();
    v.check("key", check_key(&beacon.key));
    let visitor = v.check("visitor", check_visitor(&beacon.visitor));
    // Long landing URLs (ad and UTM parameters) still count: they are stored cut short.
    let url = truncated(beacon.url, MAX_URL);
    if !public::url_on_program_domain(&program, &url) {
        v.add("url", "The url must be a page of the program's website.");
    }
    let referrer = beacon
        .referrer
        .filter(|r| !r.is_empty())
        .map(|r| truncated(r, MAX_URL));
    let format = beacon.format.unwrap_or_else(|| "query".to_owned());
    if !matches!(format.as_str(), "query" | "link" | "subdomain" | "hash") {
        v.add(
            "format",
            "The format must be one of query, link, subdomain, hash.",
        );
    }
    v.finish()?;
    let visitor =
        visitor.ok_or_else(|| AppError::invalid("visitor", "The visitor must be a UUID."))?;

    state
        .visits
        .record(NewVisit {
            program_id: program.id,
            referral_key: beacon.key.clone(),
            visitor,
            format,
            landing_url: url,
            referrer,
            user_agent: user_agent.map(|ua| ua.chars().take(512).collect()),
            ip_hash: hash_ip(&state.ip_salt, ip),
            at: clock::now(),
        })
        .await?;

    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(cookie) = first_party_cookie(&state, &program, &headers, &beacon.key) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn truncated(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The referral cookie, when this request reached the collector on the site's own
/// registrable domain (reverse-proxied path or a subdomain such as `t.shop.com`).
fn first_party_cookie(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    key: &str,
) -> Option<HeaderValue> {
    let header_text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let host = forwarded::host(headers, state.config.trust_proxy)?;
    let host = domains::normalize_host(host);
    let domain = views::program_domains(&program.settings)
        .into_iter()
        .find(|domain| domains::host_matches(&host, domain))?;
    let name = program.kind.cookie_name();
    // First click keeps another key's cookie; the same key's cookie is renewed from the server,
    // which is what gives it its full lifetime in Safari.
    if program.settings.attribution == Attribution::First
        && header_text("cookie").is_some_and(|cookies| {
            cookies.split(';').any(|pair| {
                pair.trim()
                    .split_once('=')
                    .is_some_and(|(n, v)| n == name && !v.is_empty() && v != key)
            })
        })
    {
        return None;
    }
    let secure = state
        .config
        .trust_proxy
        .then(|| forwarded::is_https(headers))
        .flatten()
        .unwrap_or_else(|| {
            state
                .config
                .public_base_url
                .as_deref()
                .is_some_and(|url| url.starts_with("https://"))
        });
    let domain_attribute = if is_ip_or_localhost(&domain) {
        String::new()
    } else {
        format!("; Domain={domain}")
    };
    let cookie = format!(
        "{name}={key}; Max-Age={}; Path=/{domain_attribute}; SameSite=Lax{}",
        program.settings.cookie_time.max_age_secs(),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).ok()
}
