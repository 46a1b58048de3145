//! Table-driven authentication: every `/v1` route with no key, a wrong key, a revoked key
//! and another program's key.

mod common;

use axum::http::{Method, StatusCode};
use collector::routes::openapi::API_ROUTES;
use common::routes::{body_for, concrete};
use common::{Backend, TestApp, backend_test};
use serde_json::json;

/// Whether an answer shows this program's customer `alice`, leaving out the `links` and `meta` of
/// a list, which repeat the request (a search for `alice`).
fn mentions_alice(answer: &common::Answer) -> bool {
    let mut shown = answer.body.clone();
    if let Some(object) = shown.as_object_mut() {
        object.remove("links");
        object.remove("meta");
    }
    shown.to_string().contains("alice")
        || !answer.body.is_object() && answer.raw.windows(5).any(|w| w == b"alice")
}

/// Routes of affiliate programs only (partners, their links, coupons).
fn affiliate_route(path: &str) -> bool {
    path.starts_with("/v1/partner") || path.starts_with("/v1/coupons")
}

/// Lists answer 200 to another program's key (without this program's items).
fn list_route(method: &str, path: &str) -> bool {
    method == "GET"
        && (path.ends_with("s") || path.ends_with(":search"))
        && !path.contains('{')
        && path != "/v1/settings"
}

backend_test!(every_private_route_requires_a_valid_key_of_the_program);
async fn every_private_route_requires_a_valid_key_of_the_program(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    assert_eq!(
        app.sale("alice", "t1", json!(10)).await.status,
        StatusCode::CREATED
    );
    let revoked = collector::admin::create_api_key(app.storage.as_ref(), &app.pid())
        .await
        .unwrap();
    collector::admin::revoke_api_key(app.storage.as_ref(), &revoked)
        .await
        .unwrap();
    let other_key = app.other.api_key.clone();

    assert!(API_ROUTES.len() >= 20);
    for (method, path, _) in API_ROUTES {
        let method_value: Method = method.parse().unwrap();
        let uri = concrete(path);
        for (label, key) in [
            ("no key", None),
            (
                "wrong key",
                Some("pk_0000000000000000000000000000000000000000"),
            ),
            ("empty bearer", Some("")),
            ("revoked key", Some(revoked.as_str())),
        ] {
            let answer = app
                .api_as(key, method_value.clone(), &uri, body_for(method, path))
                .await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{label}: {method} {uri}"
            );
            assert_eq!(answer.headers["content-type"], "application/json");
            assert_eq!(answer.body["message"], "Unauthenticated.");
        }

        // Another program's key sees none of this program's data.
        let answer = app
            .api_as(
                Some(&other_key),
                method_value.clone(),
                &uri,
                body_for(method, path),
            )
            .await;
        let leaked = mentions_alice(&answer) && !(*method == "POST" && *path == "/v1/customers");
        assert!(
            !leaked,
            "{method} {uri} leaked data to another program: {:?}",
            answer.body
        );
        match (*method, *path) {
            (_, path) if affiliate_route(path) => {
                assert_eq!(answer.status, StatusCode::FORBIDDEN, "{method} {uri}")
            }
            ("GET", "/v1/customer_referral_links")
            | ("GET", "/v1/customer_referral_links:search") => {
                assert_eq!(answer.status, StatusCode::OK, "{method} {uri}");
                assert_eq!(answer.body["meta"]["total"], 0, "{method} {uri}");
            }
            ("POST", "/v1/customer_referral_links") => assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {uri}: {:?}",
                answer.body
            ),
            ("GET", "/v1/test") | ("GET", "/v1/settings") | ("PUT", "/v1/settings") => {
                assert_eq!(answer.status, StatusCode::OK, "{method} {uri}");
                assert_eq!(
                    answer.body["data"]["id"]
                        .as_str()
                        .or(answer.body["data"]["program"]["id"].as_str()),
                    Some(app.other.public_id.as_str())
                );
            }
            ("GET", "/v1/customers")
            | ("GET", "/v1/customers:search")
            | ("GET", "/v1/transactions")
            | ("GET", "/v1/webhooks") => {
                assert_eq!(answer.status, StatusCode::OK, "{method} {uri}");
                let items = answer.body["data"].as_array().expect("list");
                assert!(
                    items
                        .iter()
                        .all(|item| item["key"] != "alice" && item["key"] != "t1"),
                    "{method} {uri}"
                );
            }
            ("POST", "/v1/customers") | ("POST", "/v1/webhooks") => {
                assert_eq!(answer.status, StatusCode::CREATED, "{method} {uri}")
            }
            ("POST", "/v1/transactions") => {
                assert_eq!(
                    answer.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{method} {uri}: {:?}",
                    answer.body
                );
            }
            _ => assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{method} {uri}: {:?}",
                answer.body
            ),
        }
    }

    // The main program's data is untouched by all of the above.
    let alice = app.api(Method::GET, "/v1/customers/alice", None).await;
    assert_eq!(alice.status, StatusCode::OK);
    assert_eq!(alice.body["data"]["name"], "alice");
    assert_eq!(
        app.api(Method::GET, "/v1/transactions/t1", None)
            .await
            .status,
        StatusCode::OK
    );
    let settings = app.api(Method::GET, "/v1/settings", None).await;
    assert_eq!(settings.body["data"]["name"], "Shop");
    assert_eq!(
        app.api(Method::GET, "/v1/transactions/t_new", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

backend_test!(every_affiliate_route_requires_a_key_of_the_program);
async fn every_affiliate_route_requires_a_key_of_the_program(backend: Backend) {
    let app = common::affiliate_app(backend).await;
    for (uri, body) in [
        (
            "/v1/partners",
            json!({"key": "alice", "email": "alice@example.com"}),
        ),
        (
            "/v1/partner_referral_links",
            json!({"partner": {"key": "alice"}, "key": "alice-blog"}),
        ),
        (
            "/v1/coupons",
            json!({"code": "alice", "partner": {"key": "alice"}, "discount_type": "fixed", "discount_value": 1}),
        ),
    ] {
        let answer = app.api(Method::POST, uri, Some(body)).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{uri}: {:?}",
            answer.body
        );
    }
    let other = common::other_affiliate(&app).await;
    let refer_a_friend = app.other.api_key.clone();

    for (method, path, _) in API_ROUTES
        .iter()
        .filter(|(_, path, _)| affiliate_route(path))
    {
        let method_value: Method = method.parse().unwrap();
        let uri = concrete(path);
        let body = body_for(method, path);
        for key in [None, Some("pk_0000000000000000000000000000000000000000")] {
            let answer = app
                .api_as(key, method_value.clone(), &uri, body.clone())
                .await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        }
        let answer = app
            .api_as(
                Some(&refer_a_friend),
                method_value.clone(),
                &uri,
                body.clone(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{method} {uri}");

        let answer = app
            .api_as(Some(&other), method_value.clone(), &uri, body.clone())
            .await;
        let leaked = mentions_alice(&answer);
        assert!(!leaked, "{method} {uri} leaked: {:?}", answer.body);
        let expected = match (*method, *path) {
            (m, p) if list_route(m, p) => StatusCode::OK,
            ("GET", "/v1/partner_referral_links:domains") => StatusCode::OK,
            ("POST", "/v1/partners") => StatusCode::CREATED,
            ("POST", _) if !path.contains('{') => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::NOT_FOUND,
        };
        assert_eq!(answer.status, expected, "{method} {uri}: {:?}", answer.body);
    }
    // Untouched.
    let alice = app.api(Method::GET, "/v1/partners/alice", None).await;
    assert_eq!(alice.body["data"]["email"], "alice@example.com");
    let links = app
        .api(Method::GET, "/v1/partners/alice/referral_links", None)
        .await;
    assert_eq!(links.body["meta"]["total"], 2);
    assert_eq!(
        app.api(Method::GET, "/v1/coupons/alice", None).await.status,
        StatusCode::OK
    );
    app.shutdown().await;
}

backend_test!(keys_can_be_added_and_revoked_by_prefix);
async fn keys_can_be_added_and_revoked_by_prefix(backend: Backend) {
    let app = TestApp::new(backend).await;
    let key = collector::admin::create_api_key(app.storage.as_ref(), &app.pid())
        .await
        .unwrap();
    assert_eq!(
        app.api_as(Some(&key), Method::GET, "/v1/test", None)
            .await
            .status,
        StatusCode::OK
    );
    let prefix = collector::admin::key_prefix(&key);
    collector::admin::revoke_api_key(app.storage.as_ref(), &prefix)
        .await
        .unwrap();
    assert_eq!(
        app.api_as(Some(&key), Method::GET, "/v1/test", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // The first key still works.
    assert_eq!(
        app.api(Method::GET, "/v1/test", None).await.status,
        StatusCode::OK
    );
    assert!(
        collector::admin::revoke_api_key(app.storage.as_ref(), "pk_nothing")
            .await
            .is_err()
    );
}

backend_test!(api_keys_are_rate_limited);
async fn api_keys_are_rate_limited(backend: Backend) {
    let app = TestApp::with(
        backend,
        |_| {},
        |mut config| {
            config.api_rate_limit = 3;
            config
        },
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.api(Method::GET, "/v1/test", None).await.status,
            StatusCode::OK
        );
    }
    let limited = app.api(Method::GET, "/v1/test", None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["content-type"], "application/json");
}

backend_test!(openapi_document_lists_every_route);
async fn openapi_document_lists_every_route(backend: Backend) {
    let app = TestApp::new(backend).await;
    let answer = app
        .api_as(None, Method::GET, "/v1/openapi.json", None)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["openapi"], "3.1.0");
    for (method, path, _) in API_ROUTES {
        assert!(
            answer.body["paths"][path][method.to_ascii_lowercase()].is_object(),
            "{method} {path}"
        );
    }
}

backend_test!(every_method_answered_on_a_listed_path_is_listed);
/// The route table the tests above walk misses nothing the router answers on its paths: any
/// method that gets past routing (401 without a key, not 405) is in `API_ROUTES`.
async fn every_method_answered_on_a_listed_path_is_listed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut paths: Vec<&str> = API_ROUTES.iter().map(|(_, path, _)| *path).collect();
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        let uri = concrete(path);
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let answer = app
                .api_as(None, method.parse().unwrap(), &uri, body_for(method, path))
                .await;
            let listed = API_ROUTES
                .iter()
                .any(|(m, p, _)| *m == method && *p == path);
            if answer.status == StatusCode::METHOD_NOT_ALLOWED {
                assert!(!listed, "{method} {uri} is listed but answers 405");
            } else {
                assert!(
                    listed,
                    "{method} {uri} answers {} but is not in API_ROUTES",
                    answer.status
                );
            }
        }
    }
}
