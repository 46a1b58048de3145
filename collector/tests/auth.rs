//! Table-driven authentication: every `/v1` route with no key, a wrong key, a revoked key
//! and another program's key.

mod common;

use axum::http::{Method, StatusCode};
use collector::routes::openapi::API_ROUTES;
use common::{Backend, TestApp, backend_test};
use serde_json::{Value, json};

/// A plausible body for a route, so that only authentication can fail.
fn body_for(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("POST", "/v1/customers") => Some(json!({"key": "zed"})),
        ("PUT", "/v1/customers") => Some(json!({"key": "alice", "update": {"name": "x"}})),
        ("DELETE", "/v1/customers") => Some(json!({"key": "alice"})),
        ("PUT", "/v1/customers/{key}") => Some(json!({"name": "x"})),
        ("POST", "/v1/customers/{key}/balance/credit") => {
            Some(json!({"amount": 1, "amount_units": "usd", "is_currency": true}))
        }
        ("POST", "/v1/transactions") => {
            Some(json!({"customer": {"key": "alice"}, "key": "t_new", "amount": 1}))
        }
        ("DELETE", "/v1/transactions") => Some(json!({"key": "t1"})),
        ("PUT", "/v1/settings") => Some(json!({"name": "Renamed"})),
        ("POST", "/v1/webhooks") => Some(
            json!({"name": "x", "url": "https://hooks.example.com/x", "events": ["customer.created"]}),
        ),
        _ => None,
    }
}

fn concrete(path: &str) -> String {
    let path = path.replace(
        "{key}",
        if path.starts_with("/v1/transactions") {
            "t1"
        } else {
            "alice"
        },
    );
    if path == "/v1/customers:search" {
        format!("{path}?query=alice")
    } else {
        path
    }
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
        let leaked = answer.raw.windows(5).any(|w| w == b"alice")
            && !(*method == "POST" && *path == "/v1/customers");
        assert!(
            !leaked,
            "{method} {uri} leaked data to another program: {:?}",
            answer.body
        );
        match (*method, *path) {
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
