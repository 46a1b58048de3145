//! Hostile input to every route, on both backends: whatever the body, path or query string, the
//! answer is never a 5xx, and every error has the API's JSON shape (`application/json`, a
//! `message`). For each route the plausible body of the authentication tests is taken apart: each
//! field (and each field of a nested object) in turn gets each of a list of hostile values, and every
//! field at once gets each value; then raw bodies that are not JSON objects, hostile path parameters
//! and query strings. The public endpoints get the same treatment with a browser's headers.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use collector::routes::openapi::API_ROUTES;
use common::routes::{body_for, concrete};
use common::{Answer, BROWSER_UA, Backend, SHOP_ORIGIN, TestApp, affiliate_app, backend_test};
use serde_json::{Map, Value, json};

/// Values that are wrong for most fields in some way.
fn hostile_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(0),
        json!(1.5),
        json!(1e308),
        json!(-1e308),
        json!(18_446_744_073_709_551_615_u64),
        json!(-9_223_372_036_854_775_808_i64),
        json!(""),
        json!(" "),
        json!("x"),
        json!("\u{1}\u{7f}"),
        json!("a\u{0}b"),
        json!("'; DROP TABLE customers; --"),
        json!("%00"),
        json!("𝄞 émoji 😀"),
        json!("9".repeat(400)),
        json!("1e2147483647"),
        json!("2026-13-45T25:61:61Z"),
        json!("javascript:alert(1)"),
        json!([]),
        json!([null, 1, "x"]),
        json!({}),
        json!({"key": {"key": [[]]}}),
    ]
}

/// Field names the routes read, set on every body at once.
const FIELDS: &[&str] = &[
    "key",
    "id",
    "email",
    "name",
    "amount",
    "amount_units",
    "is_currency",
    "transactions",
    "customer",
    "referring_customer",
    "referral",
    "tags",
    "limit",
    "page",
    "refer_status",
    "query",
    "update",
    "options",
    "rewards",
    "url",
    "events",
    "currency",
    "action",
    "status",
    "program",
    "visitor",
    "format",
    "referrer",
    "partner",
    "code",
    "discount_type",
    "discount_value",
    "label",
    "destination",
    "utm",
    "website",
    "cookie_time",
    "param_aliases",
    "created_at",
    "metadata",
    "product_type",
    "unit",
];

/// Bodies that are not a JSON object.
fn raw_bodies() -> Vec<Vec<u8>> {
    let mut deep = "[".repeat(10_000).into_bytes();
    deep.extend("]".repeat(10_000).bytes());
    vec![
        b"{".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"\"text\"".to_vec(),
        b"{\"key\": \"a\", \"key\": 1}".to_vec(),
        b"{\"key\": \"\\ud800\"}".to_vec(),
        vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
        deep,
        vec![b' '; 70 * 1024],
    ]
}

/// Path parameters and query strings that no route expects.
const PATH_VALUES: &[&str] = &[
    "%00",
    "..",
    "%2F",
    "%FF",
    "%F0%9F%98%80",
    "a%20b",
    "-1",
    "99999999999999999999999",
];
const QUERIES: &[&str] = &[
    "?limit=-1",
    "?limit=abc&page=0",
    "?page=99999999999999999999",
    "?limit=1e3&page=1.5",
    "?query=%FF%FE",
    "?refer_status=%27&limit=100000",
    "?limit&page&&=",
];

/// The body with `value` at `path` (a top-level field, or `field.inner`).
fn with_value(body: &Value, path: &[&str], value: &Value) -> Value {
    let mut body = body.clone();
    let mut target = &mut body;
    for (i, part) in path.iter().enumerate() {
        if i + 1 == path.len() {
            target[*part] = value.clone();
        } else {
            target = &mut target[*part];
        }
    }
    body
}

/// The field paths of a body: its fields and the fields of its object fields.
fn field_paths(body: &Value) -> Vec<Vec<&str>> {
    let mut paths = Vec::new();
    if let Some(object) = body.as_object() {
        for (name, value) in object {
            paths.push(vec![name.as_str()]);
            if let Some(inner) = value.as_object() {
                for inner_name in inner.keys() {
                    paths.push(vec![name.as_str(), inner_name.as_str()]);
                }
            }
        }
    }
    paths
}

fn check(answer: &Answer, what: &str) {
    assert!(
        answer.status.as_u16() < 500,
        "{what}: {} {:?}",
        answer.status,
        String::from_utf8_lossy(&answer.raw)
    );
    if answer.status.is_client_error() {
        // The JSON error shape (`error_fields` asserts it).
        common::error_fields(answer);
    }
}

/// Sends `body` (raw bytes) with the program's key, or as a browser beacon when `beacon`.
async fn send_raw(
    app: &TestApp,
    method: &Method,
    uri: &str,
    body: Vec<u8>,
    beacon: bool,
) -> Answer {
    let mut request = Request::builder().method(method.clone()).uri(uri);
    request = if beacon {
        request
            .header("origin", SHOP_ORIGIN)
            .header("user-agent", BROWSER_UA)
            .header("content-type", "text/plain;charset=UTF-8")
    } else {
        request
            .header("authorization", format!("Bearer {}", app.program.api_key))
            .header("content-type", "application/json")
    };
    app.send(request.body(Body::from(body)).expect("request"))
        .await
}

async fn send(app: &TestApp, method: &Method, uri: &str, body: &Value, beacon: bool) -> Answer {
    send_raw(app, method, uri, body.to_string().into_bytes(), beacon).await
}

/// Every kind of hostile input to one route, starting from a plausible `base` body.
async fn attack(app: &TestApp, method: &Method, uri: &str, base: &Value, beacon: bool) {
    let values = hostile_values();
    for path in field_paths(base) {
        for value in &values {
            let body = with_value(base, &path, value);
            let answer = send(app, method, uri, &body, beacon).await;
            check(
                &answer,
                &format!("{method} {uri} {} = {value}", path.join(".")),
            );
        }
    }
    for value in &values {
        let mut body = Map::new();
        for field in FIELDS {
            body.insert((*field).to_owned(), value.clone());
        }
        let answer = send(app, method, uri, &Value::Object(body), beacon).await;
        check(&answer, &format!("{method} {uri} every field = {value}"));
    }
    for raw in raw_bodies() {
        let len = raw.len();
        let answer = send_raw(app, method, uri, raw, beacon).await;
        check(&answer, &format!("{method} {uri} raw body of {len} bytes"));
    }
}

/// The private API: every route of the table, its body, path parameters and query strings.
async fn attack_private_api(app: &TestApp) {
    for (method, path, _) in API_ROUTES {
        let method: Method = method.parse().unwrap();
        let uri = concrete(path);
        let base = body_for(method.as_str(), path).unwrap_or_else(|| json!({"key": "alice"}));
        attack(app, &method, &uri, &base, false).await;
        if path.contains('{') {
            for value in PATH_VALUES {
                let uri = path
                    .replace("{key}", value)
                    .replace("{id}", value)
                    .replace("{code}", value);
                let answer = send(app, &method, &uri, &base, false).await;
                check(&answer, &format!("{method} {uri}"));
            }
        }
        for query in QUERIES {
            let uri = format!("{}{query}", uri.split('?').next().unwrap_or(&uri));
            let answer = send(app, &method, &uri, &base, false).await;
            check(&answer, &format!("{method} {uri}"));
        }
    }
}

backend_test!(no_body_path_or_query_makes_a_private_route_fail);
async fn no_body_path_or_query_makes_a_private_route_fail(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    app.sale("alice", "t1", json!(10)).await;
    attack_private_api(&app).await;
    // The service still answers normally afterwards.
    let test = app.api(Method::GET, "/v1/test", None).await;
    assert_eq!(test.status, 200, "{:?}", test.body);
    let created = app
        .api(Method::POST, "/v1/customers", Some(json!({"key": "after"})))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
}

backend_test!(no_body_path_or_query_makes_an_affiliate_route_fail);
async fn no_body_path_or_query_makes_an_affiliate_route_fail(backend: Backend) {
    let app = affiliate_app(backend).await;
    let created = app
        .api(Method::POST, "/v1/partners", Some(json!({"key": "alice"})))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    attack_private_api(&app).await;
}

backend_test!(no_beacon_makes_a_public_endpoint_fail);
async fn no_beacon_makes_a_public_endpoint_fail(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let pid = app.pid();
    let visitor = common::visitor();
    let endpoints = [
        (
            "/pub/visits",
            json!({"program": pid, "key": "alice", "visitor": visitor,
                   "url": format!("{SHOP_ORIGIN}/?ref=alice"), "referrer": "https://news.example/",
                   "format": "query"}),
        ),
        (
            "/pub/signups",
            json!({"program": pid, "visitor": visitor, "referral": "alice",
                   "customer": {"key": "bob", "email": "bob@example.com", "name": "Bob", "tags": ["a"]}}),
        ),
        (
            "/pub/transactions",
            json!({"program": pid, "visitor": visitor, "referral": "alice",
                   "transaction": {"key": "b1", "amount": 5, "customer": {"key": "bob"}},
                   "options": {"create_customer": true}}),
        ),
        (
            "/pub/referral-links",
            json!({"program": pid, "email": "alice@example.com", "name": "Alice"}),
        ),
    ];
    for (uri, base) in &endpoints {
        attack(&app, &Method::POST, uri, base, true).await;
    }
    for value in PATH_VALUES.iter().chain(&["ZZZZZZZZ"]) {
        for uri in [
            format!("/pub/programs/{value}"),
            format!("/go/{value}"),
            format!("/js/{value}"),
        ] {
            let answer = send_raw(&app, &Method::GET, &uri, Vec::new(), true).await;
            check(&answer, &format!("GET {uri}"));
        }
    }
}
