//! The whole router, built in one place, with its middleware stack.

use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::error::AppError;
use crate::extract::body_too_large;
use crate::routes::key_in_body::collection;
use crate::routes::{
    assets, browser_signups, browser_transactions, coupons, customer_resources, customers, health,
    meta, openapi, partners, public, referral_form, referral_links, settings, short_links,
    transactions, visits, webhooks,
};
use crate::state::AppState;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 64 * 1024;

// Item routes that collections also reach with the item named in the body (`key_in_body`).
fn partner_link() -> MethodRouter<AppState> {
    get(referral_links::partner::show)
        .put(referral_links::partner::update)
        .delete(referral_links::partner::delete)
}

fn customer_link() -> MethodRouter<AppState> {
    get(referral_links::customer::show)
        .put(referral_links::customer::update)
        .delete(referral_links::customer::delete)
}

fn coupon() -> MethodRouter<AppState> {
    get(coupons::show)
        .put(coupons::update)
        .delete(coupons::delete)
}

fn webhook() -> MethodRouter<AppState> {
    get(webhooks::show)
        .put(webhooks::update)
        .delete(webhooks::delete)
}

/// Builds the application router.
pub fn app(state: AppState) -> Router {
    let timeout = state.config.request_timeout();

    let api = Router::new()
        .route("/v1/test", get(meta::test))
        .route("/v1/openapi.json", get(openapi::document))
        .route("/v1/settings", get(settings::show).put(settings::update))
        .route(
            "/v1/customers",
            get(customers::list)
                .post(customers::create)
                .put(customers::update_by_body)
                .delete(customers::delete_by_body),
        )
        .route("/v1/customers:search", get(customers::search))
        .route(
            "/v1/customers/{key}",
            get(customers::show)
                .put(customers::update)
                .delete(customers::delete),
        )
        .route("/v1/customers/{key}/stats", get(customer_resources::stats))
        .route(
            "/v1/customers/{key}/balance",
            get(customer_resources::balance),
        )
        .route(
            "/v1/customers/{key}/rewards/credit",
            post(customer_resources::credit_rewards),
        )
        .route(
            "/v1/customers/{key}/balance/credit",
            post(customer_resources::credit),
        )
        .route(
            "/v1/customers/{key}/referrals",
            get(customer_resources::referrals),
        )
        .route(
            "/v1/customers/{key}/transactions",
            get(customer_resources::transactions),
        )
        .route(
            "/v1/customers/{key}/referral_links",
            get(customer_resources::referral_links),
        )
        .route(
            "/v1/transactions",
            get(transactions::list)
                .post(transactions::create)
                .delete(transactions::delete_by_body),
        )
        .route(
            "/v1/transactions/{key}",
            get(transactions::show).delete(transactions::delete),
        )
        .route(
            "/v1/transactions/{key}/archive",
            post(transactions::archive).put(transactions::archive),
        )
        .route(
            "/v1/transactions/{key}/revoke-archive",
            post(transactions::revoke_archive).put(transactions::revoke_archive),
        )
        .route(
            "/v1/partners",
            get(partners::list)
                .post(partners::create)
                .put(partners::update_by_body)
                .delete(partners::delete_by_body),
        )
        .route("/v1/partners:search", get(partners::search))
        .route(
            "/v1/partners/{id}",
            get(partners::show)
                .put(partners::update)
                .delete(partners::delete),
        )
        .route(
            "/v1/partners/{id}/archive",
            post(partners::archive).put(partners::archive),
        )
        .route(
            "/v1/partners/{id}/revoke-archive",
            post(partners::revoke_archive).put(partners::revoke_archive),
        )
        .route(
            "/v1/partners/{id}/referral_links",
            get(partners::referral_links),
        )
        .route("/v1/partners/{id}/commissions", get(partners::commissions))
        .route(
            "/v1/partners/{id}/commissions/pay",
            post(partners::pay_commissions),
        )
        .route(
            "/v1/partner_referral_links",
            collection(
                "/v1/partner_referral_links",
                "id",
                get(referral_links::partner::list).post(referral_links::partner::create),
                partner_link(),
            ),
        )
        .route(
            "/v1/partner_referral_links:search",
            get(referral_links::partner::search),
        )
        .route(
            "/v1/partner_referral_links:domains",
            get(referral_links::domains),
        )
        .route("/v1/partner_referral_links/{id}", partner_link())
        .route(
            "/v1/customer_referral_links",
            collection(
                "/v1/customer_referral_links",
                "id",
                get(referral_links::customer::list).post(referral_links::customer::create),
                customer_link(),
            ),
        )
        .route(
            "/v1/customer_referral_links:search",
            get(referral_links::customer::search),
        )
        .route("/v1/customer_referral_links/{id}", customer_link())
        .route(
            "/v1/coupons",
            collection(
                "/v1/coupons",
                "code",
                get(coupons::list).post(coupons::create),
                coupon(),
            ),
        )
        .route("/v1/coupons/{code}", coupon())
        .route(
            "/v1/webhooks",
            collection(
                "/v1/webhooks",
                "key",
                get(webhooks::list).post(webhooks::create),
                webhook(),
            ),
        )
        .route("/v1/webhooks/{key}", webhook())
        .route("/v1/webhooks/{key}/deliveries", get(webhooks::deliveries))
        .route(
            "/v1/webhooks/{key}/deliveries/{id}/replay",
            post(webhooks::replay),
        );

    // Browser beacons: the handler checks the Origin against the program's domains.
    let beacons = Router::new()
        .route("/pub/visits", post(visits::record).head(visits::head))
        .route("/pub/signups", post(browser_signups::record))
        .route("/pub/transactions", post(browser_transactions::record))
        .route("/pub/referral-links", post(referral_form::referral_link))
        .layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::mirror_request())
                .allow_credentials(true)
                .allow_methods([Method::POST])
                .allow_headers([header::CONTENT_TYPE])
                .max_age(Duration::from_secs(600)),
        );

    // Cacheable documents any page may fetch.
    let open = Router::new()
        .route("/pub/programs/{public_id}", get(public::program_settings))
        .route("/js/{*path}", get(assets::serve))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD])
                .expose_headers([header::ETAG]),
        );

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/go/{code}", get(short_links::follow))
        .route("/readyz", get(health::readyz))
        .merge(api)
        .merge(beacons)
        .merge(open)
        .fallback(|| async { AppError::not_found("Route") })
        .with_state(state)
        .layer(middleware::from_fn(refuse_encoded_nul))
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request| {
                            let route = request
                                .extensions()
                                .get::<MatchedPath>()
                                .map(MatchedPath::as_str)
                                .unwrap_or("(unmatched)");
                            tracing::info_span!("request", method = %request.method(), route)
                        })
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(CompressionLayer::new())
                .layer(middleware::map_response(json_errors))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    timeout,
                ))
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT)),
        )
}

/// Refuses a request whose path or query string holds an encoded NUL character (`%00`): no key,
/// id, code or search text contains one, and PostgreSQL cannot compare text that does.
async fn refuse_encoded_nul(request: Request, next: middleware::Next) -> Response {
    let holds_nul = |text: &str| text.as_bytes().windows(3).any(|w| w == b"%00");
    let uri = request.uri();
    let place = if holds_nul(uri.path()) {
        "path"
    } else if uri.query().is_some_and(holds_nul) {
        "query"
    } else {
        return next.run(request).await;
    };
    AppError::invalid(
        place,
        format!("The {place} must not contain NUL characters."),
    )
    .into_response()
}

/// Rewrites error responses produced outside the handlers (body limit, timeout, 405, extractor
/// rejections) into the JSON error shape.
async fn json_errors<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value == "application/json");
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response.map(axum::body::Body::new);
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
        StatusCode::REQUEST_TIMEOUT => AppError::new(status, "The request took too long."),
        StatusCode::METHOD_NOT_ALLOWED => AppError::new(status, "Method not allowed."),
        StatusCode::NOT_FOUND => AppError::new(status, "Not found."),
        other => AppError::new(other, other.canonical_reason().unwrap_or("Error.")),
    };
    let mut rewritten = error.into_response();
    const KEPT: [HeaderName; 2] = [header::ALLOW, header::RETRY_AFTER];
    for name in KEPT {
        if let Some(value) = response.headers().get(&name) {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    for (name, value) in response.headers() {
        if name.as_str().starts_with("access-control-") {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}
