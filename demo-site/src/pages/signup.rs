//! Sign-up: creates the shop user and, exactly as the refer-a-friend guide says, the customer in the
//! referral program, with `referring_customer` taken from the `partnero_referral` cookie.

use crate::current_user::CurrentUser;
use crate::error::AppError;
use crate::pages::layout::page;
use crate::partnero::NewCustomer;
use crate::referral_cookie::ReferralCookie;
use crate::sessions;
use crate::state::AppState;
use crate::users::{self, User};
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maud::{Markup, html};
use serde::Deserialize;

/// The sign-up form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// `GET /signup`.
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
) -> Markup {
    form_page(&state, user.as_ref(), &jar, &SignupForm::default(), None)
}

/// `POST /signup`: stores the user, creates the customer in the referral API, starts a session.
pub async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<SignupForm>,
) -> Result<Response, AppError> {
    let name = form.name.trim();
    let email = form.email.trim().to_ascii_lowercase();
    if let Err(problem) = validate(name, &email) {
        return Ok(invalid(&state, &jar, &form, problem));
    }
    if users::find_by_email(&state.db, &email).await?.is_some() {
        let problem = "An account with this e-mail address already exists. Log in instead.";
        return Ok(invalid(&state, &jar, &form, problem));
    }
    let key = users::new_customer_key(name);
    let user = match users::insert(&state.db, &key, name, &email).await {
        Ok(user) => user,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let problem = "An account with this e-mail address already exists. Log in instead.";
            return Ok(invalid(&state, &jar, &form, problem));
        }
        Err(e) => return Err(e.into()),
    };
    let cookies = (
        ReferralCookie::from_jar(&jar),
        ReferralCookie::partner_from_jar(&jar),
    );
    register_customer(&state, &user, cookies).await?;
    let session = sessions::create(&state.db, user.id).await?;
    Ok((jar.add(session), Redirect::to("/referrals")).into_response())
}

/// The usable key of a referral cookie (not garbage, not the user's own key).
fn usable_key(user: &User, cookie: ReferralCookie) -> Option<String> {
    match cookie {
        ReferralCookie::Absent => None,
        ReferralCookie::Key(key) if key == user.customer_key => None,
        ReferralCookie::Key(key) => Some(key),
        ReferralCookie::Garbage(value) => {
            tracing::warn!(user = %user.customer_key, cookie = %value, "ignoring a malformed referral cookie");
            None
        }
    }
}

/// Creates the customer in the referral API, referred by the `partnero_referral` cookie's customer
/// (refer-a-friend) or the `partnero_partner` cookie's partner (affiliate). A garbage or unknown
/// key never blocks the sign-up: the customer is then created without it and the problem is logged.
async fn register_customer(
    state: &AppState,
    user: &User,
    (referral, partner): (ReferralCookie, ReferralCookie),
) -> Result<(), AppError> {
    let referrer = usable_key(user, referral);
    let partner = usable_key(user, partner);
    let mut customer = NewCustomer {
        key: &user.customer_key,
        email: &user.email,
        name: &user.name,
        referring_customer_key: referrer.as_deref(),
        partner_key: partner.as_deref(),
    };
    let created = match state.api.create_customer(&customer).await {
        Ok(created) => created,
        Err(e)
            if (referrer.is_some() || partner.is_some())
                && (e.is_about_referrer() || e.status().is_some_and(|s| s == 404 || s == 422)) =>
        {
            tracing::warn!(
                user = %user.customer_key,
                referrer = referrer.as_deref().unwrap_or_default(),
                error = %e,
                "the referral key was refused; creating the customer without a referrer"
            );
            customer.referring_customer_key = None;
            customer.partner_key = None;
            state.api.create_customer(&customer).await?
        }
        Err(e) => return Err(e.into()),
    };
    let referred_by = customer.referring_customer_key;
    users::set_referral(
        &state.db,
        user.id,
        created.referral_link.as_deref(),
        referred_by,
    )
    .await?;
    Ok(())
}

fn validate(name: &str, email: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.chars().count() > 100 {
        return Err("Please enter your name (at most 100 characters).");
    }
    let looks_like_email = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace);
    if !looks_like_email {
        return Err("Please enter a valid e-mail address.");
    }
    Ok(())
}

fn invalid(state: &AppState, jar: &CookieJar, form: &SignupForm, problem: &str) -> Response {
    let markup = form_page(state, None, jar, form, Some(problem));
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, markup).into_response()
}

fn form_page(
    state: &AppState,
    user: Option<&User>,
    jar: &CookieJar,
    form: &SignupForm,
    problem: Option<&str>,
) -> Markup {
    let referral = ReferralCookie::from_jar(jar);
    let body = html! {
        @if let Some(user) = user {
            p.notice { "You are already signed in as " (user.name) ". " a href="/referrals" { "See your referrals" } }
        }
        @if let ReferralCookie::Key(key) = &referral {
            p.notice id="referral-notice" { "You were invited by " code id="referrer-key" { (key) } "." }
        }
        @if let Some(problem) = problem {
            p.error id="signup-error" { (problem) }
        }
        form.card id="signup-form" method="post" action="/signup" {
            label { "Name " input type="text" name="name" id="signup-name" required value=(form.name); }
            label { "E-mail " input type="email" name="email" id="signup-email" required value=(form.email); }
            button type="submit" id="signup-submit" { "Sign up" }
        }
    };
    page(&state.site, user, "Create your account", body)
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn validates_name_and_email() {
        assert!(validate("Alice", "alice@example.com").is_ok());
        assert!(validate("", "alice@example.com").is_err());
        assert!(validate("Alice", "alice").is_err());
        assert!(validate("Alice", "alice@localhost").is_err());
        assert!(validate("Alice", "a b@example.com").is_err());
        assert!(validate(&"x".repeat(101), "alice@example.com").is_err());
    }
}
