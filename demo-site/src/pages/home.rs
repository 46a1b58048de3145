//! The landing page, also served for path referral links (`/aff/KEY`) and subdomain links.

use crate::current_user::CurrentUser;
use crate::pages::layout::page;
use crate::state::AppState;
use axum::extract::State;
use maud::{Markup, html};

/// `GET /` and `GET /aff/{key}`: the landing page. The tracker reads the referral key from the URL.
pub async fn show(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Markup {
    let body = html! {
        div.card {
            p id="landing" { "Everything you need to sell online: a shop, payments and happy customers." }
            p { "Friends who send you here earn a reward when you buy a plan." }
            p {
                a href="/signup" { button type="button" id="cta-signup" { "Create your account" } }
                " or see the " a href="/pricing" { "pricing" } "."
            }
        }
    };
    page(
        &state.site,
        user.as_ref(),
        "Sell online, the easy way",
        body,
    )
}
