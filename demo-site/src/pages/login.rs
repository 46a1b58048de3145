//! Log in (by e-mail only: this is a demo without passwords) and log out.

use crate::current_user::CurrentUser;
use crate::error::AppError;
use crate::pages::layout::page;
use crate::sessions::{self, SESSION_COOKIE};
use crate::state::AppState;
use crate::users;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maud::{Markup, html};
use serde::Deserialize;

/// The log-in form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
}

/// `GET /login`.
pub async fn show(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Markup {
    form_page(&state, user.as_ref(), "", None)
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_ascii_lowercase();
    let Some(user) = users::find_by_email(&state.db, &email).await? else {
        let markup = form_page(
            &state,
            None,
            &form.email,
            Some("No account uses this e-mail address."),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response());
    };
    let session = sessions::create(&state.db, user.id).await?;
    Ok((jar.add(session), Redirect::to("/referrals")).into_response())
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        sessions::delete(&state.db, &token).await?;
    }
    Ok((jar.remove(sessions::removal()), Redirect::to("/")).into_response())
}

fn form_page(
    state: &AppState,
    user: Option<&users::User>,
    email: &str,
    problem: Option<&str>,
) -> Markup {
    let body = html! {
        @if let Some(problem) = problem { p.error id="login-error" { (problem) } }
        form.card method="post" action="/login" {
            p { "Demo accounts have no password: your e-mail address is enough." }
            label { "E-mail " input type="email" name="email" required value=(email); }
            button type="submit" { "Log in" }
        }
    };
    page(&state.site, user, "Log in", body)
}
