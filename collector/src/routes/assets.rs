//! `GET /js/{*path}`: the tracker assets embedded from `js/dist/` at compile time.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

include!(concat!(env!("OUT_DIR"), "/embedded_assets.rs"));

/// The file names and ETags of the embedded assets.
pub fn embedded_names() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(name, _, _)| *name)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether the name carries a content hash (`tracker.3f9a1c2b.wasm`, `x-3f9a1c2b.js`).
pub fn is_hashed(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    stem.rsplit(['.', '-', '_']).next().is_some_and(|part| {
        part.len() >= 8 && part != stem && part.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn cache_control(name: &str) -> &'static str {
    if is_hashed(name) {
        "public, max-age=31536000, immutable"
    } else if name == "manifest.json" {
        "public, max-age=60"
    } else {
        "public, max-age=300"
    }
}

/// Serves one embedded file, answering `304` to a matching `If-None-Match`.
pub async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let Some((name, etag, bytes)) = EMBEDDED.iter().find(|(name, _, _)| *name == path) else {
        return Err(AppError::not_found("Asset"));
    };
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == *etag)
        });
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            )],
            *bytes,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(name)),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("tracker.3f9a1c2b.wasm"));
        assert!(is_hashed("tracker-3f9a1c2b77.js"));
        assert!(!is_hashed("universal.js"));
        assert!(!is_hashed("manifest.json"));
        assert!(!is_hashed("deadbeefcafe.js"));
        assert_eq!(cache_control("universal.js"), "public, max-age=300");
        assert_eq!(content_type("a.wasm"), "application/wasm");
    }
}
