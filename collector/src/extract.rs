//! Request extractors: lenient JSON bodies (any content type, GET and DELETE included),
//! query+body parameters, typed decoding with field paths, and API-key authentication.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::program::Program;
use crate::state::AppState;

/// The request body as a JSON object (`{}` when empty). Not JSON → 400; not an object → 422.
#[derive(Debug)]
pub struct JsonBody(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    body_too_large()
                } else {
                    AppError::malformed(format!("Could not read the request body: {rejection}"))
                }
            })?;
        parse_object(&bytes).map(JsonBody)
    }
}

/// The 413 error.
pub fn body_too_large() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The request body is too large (limit 64 KiB).",
    )
    .with_field("body", "The request body is too large (limit 64 KiB).")
}

/// Parses bytes into a JSON object.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => match nul_at(&map) {
            // PostgreSQL cannot store or compare text holding U+0000; no field needs one.
            Some(field) => Err(AppError::invalid(
                field.clone(),
                format!("The {field} must not contain NUL characters."),
            )),
            None => Ok(map),
        },
        Ok(_) => Err(AppError::invalid(
            "body",
            "The request body must be a JSON object.",
        )),
        Err(error) => Err(AppError::malformed(format!("Malformed JSON: {error}."))),
    }
}

/// The dotted path (`transactions.0.key`) of the first name or string in `map` that holds a NUL
/// character.
fn nul_at(map: &Map<String, Value>) -> Option<String> {
    fn join(head: &str, rest: String) -> String {
        if rest.is_empty() {
            head.to_owned()
        } else {
            format!("{head}.{rest}")
        }
    }
    fn within(value: &Value) -> Option<String> {
        match value {
            Value::String(text) => text.contains('\0').then(String::new),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| within(item).map(|rest| join(&i.to_string(), rest))),
            Value::Object(map) => nul_at(map),
            _ => None,
        }
    }
    map.iter().find_map(|(name, value)| {
        if name.contains('\0') {
            Some(name.replace('\0', ""))
        } else {
            within(value).map(|rest| join(name, rest))
        }
    })
}

/// Query-string parameters merged with a JSON body (body values win).
#[derive(Debug)]
pub struct Params(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let query = request.uri().query().unwrap_or("").to_owned();
        let JsonBody(body) = JsonBody::from_request(request, state).await?;
        let mut params = Map::new();
        for (name, value) in query_pairs(&query) {
            if name == "v" || name.starts_with('_') {
                continue; // cache busters
            }
            params.insert(name, Value::String(value));
        }
        params.extend(body);
        Ok(Params(params))
    }
}

/// The decoded `name=value` pairs of a query string, in order.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` in a query component.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a JSON value into `T`, naming the offending field (`transactions.0.amount`) on error.
pub fn decode<T: DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = dotted_path(&error.path().to_string());
        let message = error.inner().to_string();
        let join = |name: &str| {
            if path == name || path.ends_with(&format!(".{name}")) {
                path.clone()
            } else if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        if let Some(name) = between(&message, "missing field `", "`") {
            let field = join(name);
            AppError::invalid(&field, format!("The {field} field is required."))
        } else if let Some(name) = between(&message, "unknown field `", "`") {
            let field = join(name);
            AppError::invalid(&field, format!("The {field} field is not allowed."))
        } else {
            let field = if path.is_empty() {
                "body".to_owned()
            } else {
                path.clone()
            };
            AppError::invalid(&field, format!("The {field} field is invalid: {message}."))
        }
    })
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// `a[0].b` → `a.0.b`; `.` (root) → ``.
fn dotted_path(path: &str) -> String {
    if path == "." {
        return String::new();
    }
    path.replace('[', ".")
        .replace(']', "")
        .trim_start_matches('.')
        .to_owned()
}

/// SHA-256 hex of an API key (how keys are stored).
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The program an API request is authorised for (`Authorization: Bearer <key>`).
#[derive(Debug, Clone)]
pub struct ApiProgram(pub Program);

impl FromRequestParts<AppState> for ApiProgram {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .ok_or_else(AppError::unauthenticated)?;
        let key_hash = hash_api_key(key);
        let program = state
            .programs
            .by_key_hash(&*state.storage, &key_hash)
            .await?
            .map(|program| (*program).clone())
            .ok_or_else(AppError::unauthenticated)?;
        state
            .limiter
            .check("api", &key_hash, state.config.api_rate_limit)?;
        Ok(ApiProgram(program))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        key: String,
        amount: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Batch {
        transactions: Vec<Item>,
    }

    /// A NUL character anywhere in the body is a 422 naming where it is.
    #[test]
    fn nul_characters_are_refused_with_their_field() {
        let field = |body: &str| {
            let error = parse_object(body.as_bytes()).unwrap_err();
            assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            error.errors.keys().cloned().collect::<Vec<_>>()
        };
        assert_eq!(field(r#"{"url": "https://a.test/\u0000"}"#), ["url"]);
        assert_eq!(
            field(r#"{"transactions": [{"key": "a"}, {"key": "b\u0000"}]}"#),
            ["transactions.1.key"]
        );
        assert_eq!(
            field(r#"{"customer": {"tags": ["x", "\u0000"]}}"#),
            ["customer.tags.1"]
        );
        assert_eq!(field(r#"{"a\u0000b": 1}"#), ["ab"]);
        assert!(parse_object(br#"{"url": "https://a.test/\u0001", "n": [1, null]}"#).is_ok());
    }

    #[test]
    fn decode_names_fields() {
        let error = decode::<Batch>(
            json!({"transactions": [{"key": "a", "amount": 1}, {"key": "b", "amount": "x"}]}),
        )
        .unwrap_err();
        assert!(
            error.errors.contains_key("transactions.1.amount"),
            "{error:?}"
        );
        let error = decode::<Batch>(json!({"transactions": [{"amount": 1}]})).unwrap_err();
        assert!(error.errors.contains_key("transactions.0.key"), "{error:?}");
        let error = decode::<Batch>(json!({"transactions": [], "extra": 1})).unwrap_err();
        assert!(error.errors.contains_key("extra"), "{error:?}");
    }

    #[test]
    fn parses_bodies() {
        assert!(parse_object(b"").unwrap().is_empty());
        assert_eq!(
            parse_object(b"{nope").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse_object(b"[1]").unwrap_err().status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn decodes_query_components() {
        assert_eq!(percent_decode("a%40b+c"), "a@b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%é%"), "%é%");
    }
}
