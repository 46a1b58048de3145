//! The shop's one error type and how it is shown to the visitor.

use crate::partnero::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Everything a shop handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The visitor sent something unusable (shown back with 422).
    #[error("{0}")]
    Invalid(String),
    /// The page needs a signed-in user.
    #[error("please sign up or log in first")]
    SignInRequired,
    /// The thing asked for does not exist (or is not the visitor's).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The demo's own database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The referral API answered with an error or could not be reached.
    #[error("referral API: {0}")]
    Api(#[from] ApiError),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Api(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let page = crate::pages::layout::error_page(status, &self.to_string());
        (status, page).into_response()
    }
}
