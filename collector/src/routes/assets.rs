//! `GET /js/{*path}`: the tracker assets embedded from `js/dist/` at compile time.
//!
//! Each asset has a precompressed `<name>.gz` next to it (built once with zopfli by
//! `cargo xtask build-tracker`): a browser that accepts gzip gets those bytes with
//! `Content-Encoding: gzip`, so nothing is compressed per request and what a first visit downloads
//! is exactly what the build measured. The `.gz` files are not addressable on their own.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

include!(concat!(env!("OUT_DIR"), "/embedded_assets.rs"));

/// The names of the embedded assets (their precompressed copies aside).
pub fn embedded_names() -> impl Iterator<Item = &'static str> {
    EMBEDDED
        .iter()
        .map(|(name, _, _)| *name)
        .filter(|name| !name.ends_with(".gz"))
}

/// The embedded file called exactly `name`: (ETag, contents).
fn embedded(name: &str) -> Option<(&'static str, &'static [u8])> {
    EMBEDDED
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, etag, bytes)| (*etag, *bytes))
}

/// Whether an `Accept-Encoding` header value accepts gzip (`gzip`, `x-gzip` or `*`, with a
/// non-zero quality).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default();
        let zero = parts.any(|p| {
            p.strip_prefix("q=")
                .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        !zero
            && (coding.eq_ignore_ascii_case("gzip")
                || coding.eq_ignore_ascii_case("x-gzip")
                || coding == "*")
    })
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

/// Serves one embedded file (its gzip copy when the browser accepts it), answering `304` to a
/// matching `If-None-Match`.
pub async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let name = path.as_str();
    let Some((identity_etag, identity)) = embedded(name).filter(|_| !name.ends_with(".gz")) else {
        return Err(AppError::not_found("Asset"));
    };
    let compressed = embedded(&format!("{name}.gz"));
    let gzip_wanted = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .is_some_and(accepts_gzip);
    let (etag, bytes, encoded) = match compressed {
        Some((etag, bytes)) if gzip_wanted => (etag, bytes, true),
        _ => (identity_etag, identity, false),
    };
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == etag)
        });
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            )],
            bytes,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(name)),
    );
    if compressed.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if encoded && !not_modified {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
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

    #[test]
    fn gzip_acceptance() {
        for yes in [
            "gzip",
            "gzip, deflate, br, zstd",
            "br;q=1, GZIP;q=0.5",
            "x-gzip",
            "*",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in [
            "",
            "identity",
            "br",
            "gzip;q=0",
            "gzip; q=0.0, br",
            "gzipper",
        ] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }
}
