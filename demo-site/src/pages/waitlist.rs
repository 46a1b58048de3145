//! The beta waitlist: an ordinary form posted to the shop's backend, with the tracker's no-code sign-up
//! capture (`po('integration', 'universal', null)`) reading name and e-mail from its submit event.

use crate::current_user::CurrentUser;
use crate::error::AppError;
use crate::pages::layout::page;
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

/// The waitlist form's fields.
#[derive(Debug, Deserialize)]
pub struct WaitlistForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// `GET /waitlist`.
pub async fn show(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Markup {
    let body = html! {
        form.card id="waitlist-form" method="post" action="/waitlist" {
            p { "Be the first to try our new features." }
            label { "Name " input type="text" name="name" id="waitlist-name" required; }
            label { "E-mail " input type="email" name="email" id="waitlist-email" required; }
            button type="submit" id="waitlist-submit" { "Join the waitlist" }
        }
        script { (PreEscaped("po('integration', 'universal', null);")) }
    };
    page(&state.site, user.as_ref(), "Beta waitlist", body)
}

/// `POST /waitlist`: stores the entry in the shop's own database.
pub async fn submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(form): Form<WaitlistForm>,
) -> Result<Markup, AppError> {
    let name = form.name.trim();
    let email = form.email.trim();
    if name.is_empty() || name.chars().count() > 100 || !email.contains('@') || email.len() > 254 {
        return Err(AppError::Invalid(
            "please enter your name and a valid e-mail address".into(),
        ));
    }
    sqlx::query("INSERT INTO waitlist (name, email) VALUES (?, ?)")
        .bind(name)
        .bind(email)
        .execute(&state.db)
        .await?;
    let body =
        html! { p.notice id="waitlist-thanks" { "Thanks " (name) ", you are on the list." } };
    Ok(page(&state.site, user.as_ref(), "Beta waitlist", body))
}
