//! The shop's router, built in one place.

use crate::pages::{
    home, login, pricing, purchase, refer, referrals, signup, spa, strict_csp, trial, waitlist,
};
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

/// Every route of the demo shop.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::show))
        .route("/aff/{key}", get(home::show))
        .route("/pricing", get(pricing::show))
        .route("/signup", get(signup::show).post(signup::submit))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/purchase", get(purchase::show).post(purchase::buy))
        .route("/orders/{key}/refund", post(purchase::refund))
        .route("/referrals", get(referrals::show))
        .route("/refer", get(refer::show))
        .route("/waitlist", get(waitlist::show).post(waitlist::submit))
        .route("/trial", get(trial::show))
        .route("/app", get(spa::show))
        .route("/app/{*route}", get(spa::show))
        .route("/strict-csp", get(strict_csp::show))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
