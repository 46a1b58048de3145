//! A free-trial page without any backend call: the page reports the sign-up itself with
//! `po('customers', 'signup', …)`. Such browser-reported customers are stored by the collector but never
//! earn the referrer a reward on their own.

use crate::current_user::CurrentUser;
use crate::pages::layout::page;
use crate::state::AppState;
use axum::extract::State;
use maud::{Markup, PreEscaped, html};

const TRIAL_SCRIPT: &str = r#"
document.getElementById('trial-form').addEventListener('submit', function (event) {
  event.preventDefault();
  var form = event.target;
  var key = 'trial-' + Math.random().toString(36).slice(2, 10);
  po('customers', 'signup', { data: { key: key, email: form.email.value, name: form.name.value } });
  var result = document.getElementById('trial-result');
  result.hidden = false;
  document.getElementById('trial-key').textContent = key;
  form.hidden = true;
});
"#;

/// `GET /trial`.
pub async fn show(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Markup {
    let body = html! {
        form.card id="trial-form" {
            p { "Try the shop for 14 days. No credit card needed." }
            label { "Name " input type="text" name="name" id="trial-name" required; }
            label { "E-mail " input type="email" name="email" id="trial-email" required; }
            button type="submit" id="trial-submit" { "Start my trial" }
        }
        p.notice id="trial-result" hidden { "Your trial has started. Trial id: " code id="trial-key" {} }
        script { (PreEscaped(TRIAL_SCRIPT)) }
    };
    page(&state.site, user.as_ref(), "Free trial", body)
}
