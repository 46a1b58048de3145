//! Extractor for the signed-in user, found through the session cookie.

use crate::error::AppError;
use crate::sessions::{self, SESSION_COOKIE};
use crate::state::AppState;
use crate::users::User;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

/// The signed-in user, or `None` for an anonymous visitor.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Option<User>);

impl CurrentUser {
    /// The user, or [`AppError::SignInRequired`].
    pub fn required(self) -> Result<User, AppError> {
        self.0.ok_or(AppError::SignInRequired)
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Ok(CurrentUser(None));
        };
        Ok(CurrentUser(sessions::user_for(&state.db, &token).await?))
    }
}
