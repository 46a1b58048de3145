//! The pricing page.

use crate::current_user::CurrentUser;
use crate::pages::layout::{dollars, page};
use crate::products::CATALOGUE;
use crate::state::AppState;
use axum::extract::State;
use maud::{Markup, html};

/// `GET /pricing`.
pub async fn show(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Markup {
    let body = html! {
        @for product in CATALOGUE {
            div.card {
                h2 { (product.name) " — " (dollars(product.price_cents)) }
                p { (product.blurb) }
                a href="/purchase" { "Buy" }
            }
        }
    };
    page(&state.site, user.as_ref(), "Pricing", body)
}
