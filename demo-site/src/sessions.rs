//! Session cookies: a random token in the `demo_session` cookie names a row of `sessions`.

use crate::users::User;
use axum_extra::extract::cookie::{Cookie, SameSite};
use sqlx::SqlitePool;

/// Name of the shop's session cookie.
pub const SESSION_COOKIE: &str = "demo_session";

/// Starts a session for `user_id` and returns the cookie to set.
pub async fn create(db: &SqlitePool, user_id: i64) -> Result<Cookie<'static>, sqlx::Error> {
    let token = uuid::Uuid::new_v4().simple().to_string();
    sqlx::query("INSERT INTO sessions (token, user_id) VALUES (?, ?)")
        .bind(&token)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build())
}

/// The user a session token belongs to.
pub async fn user_for(db: &SqlitePool, token: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as::<_, User>(
        "SELECT u.id, u.customer_key, u.name, u.email, u.referral_link, u.referred_by
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token = ?",
    )
    .bind(token)
    .fetch_optional(db)
    .await
}

/// Ends a session.
pub async fn delete(db: &SqlitePool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token = ?")
        .bind(token)
        .execute(db)
        .await?;
    Ok(())
}

/// The cookie that removes the session cookie from the browser.
pub fn removal() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, "")).path("/").build()
}
