//! The one error type every handler returns, rendered as
//! `{"message": "...", "errors": {"field": ["..."]}}` with the matching status code.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::storage::StorageError;

/// Per-field error messages, keyed by the dotted field path (`transactions.0.amount`).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// An error answered to the client.
#[derive(Debug)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable summary.
    pub message: String,
    /// Field-level details (may be empty).
    pub errors: FieldErrors,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u64>,
}

impl AppError {
    /// An error with a status and message and no field details.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: FieldErrors::new(),
            retry_after: None,
        }
    }

    /// Adds a message for one field.
    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors
            .entry(field.into())
            .or_default()
            .push(message.into());
        self
    }

    /// 422 for one field; the message doubles as the summary.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message.clone()).with_field(field, message)
    }

    /// 422 built from collected field errors.
    pub fn invalid_fields(errors: FieldErrors) -> Self {
        let message = summary(&errors);
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message,
            errors,
            retry_after: None,
        }
    }

    /// 400 for a body that is not JSON at all.
    pub fn malformed(message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(StatusCode::BAD_REQUEST, message.clone()).with_field("body", message)
    }

    /// 401: missing, unknown or revoked API key.
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthenticated.")
    }

    /// 403 with a reason.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404 for a named thing (`"Customer"` → "Customer not found.").
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{what} not found."))
    }

    /// 409 for one field.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(StatusCode::CONFLICT, message.clone()).with_field(field, message)
    }

    /// 429 with a `Retry-After` hint.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests.");
        error.retry_after = Some(retry_after_secs.max(1));
        error
    }

    /// 503 while shutting down or overloaded.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// 500; the cause is logged, never shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error.")
    }
}

/// The first field message, used as the summary of a 422.
fn summary(errors: &FieldErrors) -> String {
    let first = errors
        .values()
        .flat_map(|messages| messages.iter())
        .next()
        .cloned()
        .unwrap_or_else(|| "The given data was invalid.".to_owned());
    let more: usize = errors
        .values()
        .map(Vec::len)
        .sum::<usize>()
        .saturating_sub(1);
    if more == 0 {
        first
    } else {
        format!(
            "{first} (and {more} more error{})",
            if more == 1 { "" } else { "s" }
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for AppError {}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = if self.errors.is_empty() {
            json!({ "message": self.message })
        } else {
            json!({ "message": self.message, "errors": self.errors })
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound(what) => AppError::not_found(what),
            StorageError::Conflict { field, message } => AppError::conflict(field, message),
            StorageError::Invalid { field, message } => AppError::invalid(field, message),
            StorageError::Backend(cause) => AppError::internal(cause),
        }
    }
}

/// Collects field errors while validating a request.
#[derive(Debug, Default)]
pub struct Validator {
    errors: FieldErrors,
}

impl Validator {
    /// Records a message for a field.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors
            .entry(field.into())
            .or_default()
            .push(message.into());
    }

    /// Records the error of a result and returns its value.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// `Ok` when nothing was recorded, otherwise the 422.
    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_additional_errors() {
        let mut v = Validator::default();
        v.add("a", "A is bad.");
        v.add("b", "B is bad.");
        let error = v.finish().unwrap_err();
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.message, "A is bad. (and 1 more error)");
    }
}
