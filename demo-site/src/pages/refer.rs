//! The refer-a-friend page: the tracker's no-code embedded form turns a visitor's e-mail address into a
//! personal referral link.

use crate::current_user::CurrentUser;
use crate::pages::layout::page;
use crate::state::AppState;
use axum::extract::State;
use maud::{Markup, html};

/// `GET /refer`.
pub async fn show(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Markup {
    let body = html! {
        div.card {
            p { "Love the shop? Tell your friends. Enter your e-mail address to get your personal link." }
            div data-partnero-form {}
        }
        @if user.is_some() {
            p { "Signed in? Your link and rewards are also on " a href="/referrals" { "My referrals" } "." }
        }
    };
    page(&state.site, user.as_ref(), "Refer a friend", body)
}
