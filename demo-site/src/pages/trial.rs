//! A free-trial page without any backend call: the page reports the sign-up itself with
//! `po('customers', 'signup', …)` and leaves at once for the confirmation (`/trial?started=ID`), as
//! many sign-up pages do. Such browser-reported customers are stored by the collector but never earn
//! the referrer a reward on their own.

use crate::current_user::CurrentUser;
use crate::pages::layout::page;
use crate::state::AppState;
use axum::extract::{Query, State};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

const TRIAL_SCRIPT: &str = r#"
document.getElementById('trial-form').addEventListener('submit', function (event) {
  event.preventDefault();
  var form = event.target;
  var key = 'trial-' + Math.random().toString(36).slice(2, 10);
  po('customers', 'signup', { data: { key: key, email: form.email.value, name: form.name.value } });
  location.assign('/trial?started=' + encodeURIComponent(key));
});
"#;

/// `?started=ID` after a sign-up.
#[derive(Debug, Deserialize)]
pub struct Started {
    started: Option<String>,
}

/// `GET /trial` (the form) and `GET /trial?started=ID` (the confirmation).
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(Started { started }): Query<Started>,
) -> Markup {
    if let Some(id) = started {
        let body = html! {
            p.notice id="trial-result" { "Your trial has started. Trial id: " code id="trial-key" { (id) } }
        };
        return page(&state.site, user.as_ref(), "Free trial", body);
    }
    let body = html! {
        form.card id="trial-form" {
            p { "Try the shop for 14 days. No credit card needed." }
            label { "Name " input type="text" name="name" id="trial-name" required; }
            label { "E-mail " input type="email" name="email" id="trial-email" required; }
            button type="submit" id="trial-submit" { "Start my trial" }
        }
        script { (PreEscaped(TRIAL_SCRIPT)) }
    };
    page(&state.site, user.as_ref(), "Free trial", body)
}
