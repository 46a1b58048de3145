//! Clients send a resource's key in the path, in the body, or in both (the official SDKs repeat it
//! in the body of archive and sub-resource calls): every form answers the same object, and a
//! filter object names its customer by `key` or `id`.

mod common;

use axum::http::{Method, StatusCode};
use common::{Backend, TestApp, affiliate_app, backend_test, error_fields};
use serde_json::{Value, json};

async fn call(app: &TestApp, method: Method, uri: &str, body: Value) -> Value {
    let answer = app.api(method, uri, Some(body)).await;
    assert!(
        answer.status == StatusCode::CREATED || answer.status == StatusCode::OK,
        "{uri}: {:?}",
        answer.body
    );
    answer.body["data"].clone()
}

backend_test!(the_key_may_be_repeated_in_the_body);
async fn the_key_may_be_repeated_in_the_body(backend: Backend) {
    let app = affiliate_app(backend).await;
    call(&app, Method::POST, "/v1/partners", json!({"key": "john"})).await;
    let customer = json!({"key": "bob", "partner": {"key": "john"}});
    call(&app, Method::POST, "/v1/customers", customer).await;
    let sale = json!({"customer": {"key": "bob"}, "key": "t1", "amount": 10});
    call(&app, Method::POST, "/v1/transactions", sale).await;

    // One customer, three ways: path, body, path + body; each with its partner.
    let by_path = call(&app, Method::GET, "/v1/customers/bob", json!({})).await;
    let by_body = call(&app, Method::GET, "/v1/customers", json!({"key": "bob"})).await;
    assert_eq!(by_path, by_body);
    assert_eq!(by_body["partner"]["key"], "john");
    let updated = call(
        &app,
        Method::PUT,
        "/v1/customers",
        json!({"key": "bob", "update": {"name": "Bob"}}),
    )
    .await;
    assert_eq!(updated["partner"]["key"], "john", "{updated}");

    // Archive with the key repeated answers the full transaction object.
    let archived = call(
        &app,
        Method::POST,
        "/v1/transactions/t1/archive",
        json!({"key": "t1"}),
    )
    .await;
    assert_eq!(archived["partner"]["key"], "john", "{archived}");
    assert!(archived["commissions"].is_array(), "{archived}");
    let restored = call(
        &app,
        Method::PUT,
        "/v1/transactions/t1/revoke-archive",
        json!({"key": "t1"}),
    )
    .await;
    assert_eq!(restored["archived"], false, "{restored}");

    // Sub-resources and partner actions accept it too.
    for (method, uri, body) in [
        (
            Method::GET,
            "/v1/customers/bob/transactions",
            json!({"key": "bob"}),
        ),
        (
            Method::GET,
            "/v1/customers/bob/referrals",
            json!({"key": "bob"}),
        ),
        (
            Method::POST,
            "/v1/partners/john/archive",
            json!({"key": "john"}),
        ),
        (
            Method::POST,
            "/v1/partners/john/revoke-archive",
            json!({"id": "john"}),
        ),
        (
            Method::GET,
            "/v1/partners/john/commissions",
            json!({"key": "john"}),
        ),
        (
            Method::GET,
            "/v1/partners/john/referral_links",
            json!({"key": "john"}),
        ),
        (
            Method::POST,
            "/v1/partners/john/commissions/pay",
            json!({"key": "john"}),
        ),
        (
            Method::POST,
            "/v1/customers/bob/balance/credit",
            json!({"key": "bob", "amount": 5, "amount_units": "usd", "is_currency": true}),
        ),
    ] {
        call(&app, method, uri, body).await;
    }
    let links = call(
        &app,
        Method::GET,
        "/v1/partners/john/referral_links",
        json!({}),
    )
    .await;
    let link = links[0]["id"].as_str().unwrap().to_owned();
    let shown = call(
        &app,
        Method::GET,
        &format!("/v1/partner_referral_links/{link}"),
        json!({"id": link}),
    )
    .await;
    assert_eq!(shown["id"], link.as_str());

    // A different key in the body is still refused.
    let other = app
        .api(
            Method::POST,
            "/v1/transactions/t1/archive",
            Some(json!({"key": "t2"})),
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&other), vec!["key"]);
    app.shutdown().await;
}

backend_test!(the_customer_filter_names_a_customer_by_key_or_id);
async fn the_customer_filter_names_a_customer_by_key_or_id(backend: Backend) {
    let app = TestApp::new(backend).await;
    for (key, id) in [("bob", "cus_bob"), ("eve", "cus_eve")] {
        call(
            &app,
            Method::POST,
            "/v1/customers",
            json!({"key": key, "id": id}),
        )
        .await;
        for n in 0..2 {
            let sale = json!({"customer": {"key": key}, "key": format!("{key}{n}"), "amount": 1});
            call(&app, Method::POST, "/v1/transactions", sale).await;
        }
    }
    for filter in [json!({"key": "bob"}), json!({"id": "cus_bob"})] {
        let answer = app
            .api(
                Method::GET,
                "/v1/transactions",
                Some(json!({"customer": filter, "limit": 1})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        assert_eq!(answer.body["meta"]["total"], 2, "{:?}", answer.body);
        let next = answer.body["links"]["next"].as_str().unwrap();
        assert!(next.contains("customer=bob"), "{next}");
    }
    for (filter, field) in [
        (json!({}), "customer.key"),
        (json!({"name": "Bob"}), "customer.key"),
        (json!({"key": "bob", "name": "Bob"}), "customer.name"),
    ] {
        let answer = app
            .api(
                Method::GET,
                "/v1/transactions",
                Some(json!({"customer": filter})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{filter}");
        assert_eq!(error_fields(&answer), vec![field], "{filter}");
    }
    app.shutdown().await;
}

backend_test!(collections_take_the_item_name_in_the_body);
async fn collections_take_the_item_name_in_the_body(backend: Backend) {
    let app = affiliate_app(backend).await;
    call(&app, Method::POST, "/v1/partners", json!({"key": "john"})).await;
    let hook =
        json!({"name": "A", "url": "https://hooks.example.com/a", "events": ["customer.created"]});
    let hook = call(&app, Method::POST, "/v1/webhooks", hook).await;
    let hook_key = hook["key"].as_str().unwrap().to_owned();
    let coupon = json!({"code": "JOHN20", "partner": {"key": "john"}, "discount_type": "percentage", "discount_value": 20});
    let coupon_answer = app.api(Method::POST, "/v1/coupons", Some(coupon)).await;
    assert_eq!(
        coupon_answer.status,
        StatusCode::CREATED,
        "{:?}",
        coupon_answer.body
    );
    let link = json!({"partner": {"key": "john"}, "key": "john-blog"});
    let link = call(&app, Method::POST, "/v1/partner_referral_links", link).await;
    let link_id = link["id"].as_str().unwrap().to_owned();

    // GET with the name in the body or the query string: the one item, as by path.
    let by_path = call(
        &app,
        Method::GET,
        &format!("/v1/webhooks/{hook_key}"),
        json!({}),
    )
    .await;
    let by_body = call(&app, Method::GET, "/v1/webhooks", json!({"key": hook_key})).await;
    assert_eq!(by_path, by_body);
    let by_query = call(&app, Method::GET, "/v1/coupons?code=JOHN20", json!({})).await;
    assert_eq!(by_query["code"], "JOHN20", "{by_query}");

    // PUT and DELETE on the collection, as the official clients send them.
    let renamed = call(
        &app,
        Method::PUT,
        "/v1/webhooks",
        json!({"key": hook_key, "name": "Renamed"}),
    )
    .await;
    assert_eq!(renamed["name"], "Renamed");
    let relabelled = call(
        &app,
        Method::PUT,
        "/v1/partner_referral_links",
        json!({"id": link_id, "update": {"label": "Blog"}}),
    )
    .await;
    assert_eq!(relabelled["label"], "Blog", "{relabelled}");
    let coupon_update = json!({"code": "JOHN20", "discount_value": 25});
    call(&app, Method::PUT, "/v1/coupons", coupon_update).await;
    for (uri, body) in [
        ("/v1/coupons", json!({"code": "JOHN20"})),
        ("/v1/partner_referral_links", json!({"id": link_id})),
        ("/v1/webhooks", json!({"key": hook_key})),
    ] {
        let answer = app.api(Method::DELETE, uri, Some(body)).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {:?}", answer.body);
    }
    let gone = app.api(Method::GET, "/v1/coupons/JOHN20", None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    // Without an API key, every form of the request is a 401 first.
    for (method, uri, body) in [
        (Method::DELETE, "/v1/coupons", json!({"code": ""})),
        (Method::PUT, "/v1/webhooks", json!({})),
        (
            Method::DELETE,
            "/v1/partner_referral_links",
            json!({"id": "a/b"}),
        ),
        (Method::GET, "/v1/webhooks?key=", json!({})),
    ] {
        let answer = app.api_as(None, method, uri, Some(body)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
    // Without a name: a 422 naming the field; an unknown name: 404; lists still list.
    let unnamed = app
        .api(Method::DELETE, "/v1/webhooks", Some(json!({})))
        .await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&unnamed), vec!["key"]);
    let unknown = app
        .api(Method::PUT, "/v1/coupons", Some(json!({"code": "NOPE"})))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{:?}", unknown.body);
    let listed = app
        .api(Method::GET, "/v1/partner_referral_links", None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(
        listed.body["meta"]["total"].is_number(),
        "{:?}",
        listed.body
    );
    app.shutdown().await;
}

backend_test!(webhooks_are_listed_a_page_at_a_time);
async fn webhooks_are_listed_a_page_at_a_time(backend: Backend) {
    let app = TestApp::new(backend).await;
    for n in 0..3 {
        let hook = json!({"name": format!("H{n}"), "url": "https://hooks.example.com/a",
                          "events": ["customer.created"]});
        call(&app, Method::POST, "/v1/webhooks", hook).await;
    }
    let first = app
        .api(Method::GET, "/v1/webhooks?limit=2&page=1", None)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(first.body["meta"]["total"], 3);
    let next = first.body["links"]["next"].as_str().unwrap();
    let next = &next[next.find("/v1/").unwrap()..];
    let second = app.api(Method::GET, next, None).await;
    let names: Vec<&str> = second.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hook| hook["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["H2"]);
    app.shutdown().await;
}

backend_test!(partners_are_named_by_query_string_or_email);
async fn partners_are_named_by_query_string_or_email(backend: Backend) {
    let app = affiliate_app(backend).await;
    for key in ["john", "jane", "jim"] {
        let partner = json!({"key": key, "email": format!("{key}@example.com")});
        call(&app, Method::POST, "/v1/partners", partner).await;
    }
    // As the PHP client sends them: the key in the query string, or the partner's e-mail.
    let renamed = call(
        &app,
        Method::PUT,
        "/v1/partners",
        json!({"email": "JANE@example.com", "update": {"name": "Jane"}}),
    )
    .await;
    assert_eq!(
        (renamed["key"].as_str(), renamed["name"].as_str()),
        (Some("jane"), Some("Jane"))
    );
    let deleted = app.api(Method::DELETE, "/v1/partners?key=john", None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.body);
    let by_email = app
        .api(
            Method::DELETE,
            "/v1/partners",
            Some(json!({"email": "jim@example.com"})),
        )
        .await;
    assert_eq!(by_email.status, StatusCode::OK, "{:?}", by_email.body);
    for key in ["john", "jim"] {
        let gone = app
            .api(Method::GET, &format!("/v1/partners/{key}"), None)
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }
    let unknown = app
        .api(
            Method::DELETE,
            "/v1/partners",
            Some(json!({"email": "nobody@example.com"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // Customers and transactions take the key from the query string too.
    call(&app, Method::POST, "/v1/customers", json!({"key": "bob"})).await;
    let gone = app.api(Method::DELETE, "/v1/customers?key=bob", None).await;
    assert_eq!(gone.status, StatusCode::OK, "{:?}", gone.body);
    app.shutdown().await;
}

backend_test!(integer_keys_are_read_as_text);
async fn integer_keys_are_read_as_text(backend: Backend) {
    let rewards =
        serde_json::from_value(json!({"referrer": {"type": "percent", "value": 10}})).unwrap();
    let app = TestApp::with_rewards(backend, rewards).await;
    // Backends often pass database ids: `key: user.id`.
    let referrer = call(
        &app,
        Method::POST,
        "/v1/customers",
        json!({"key": 41, "id": 1041}),
    )
    .await;
    assert_eq!(
        (referrer["key"].as_str(), referrer["id"].as_str()),
        (Some("41"), Some("1041"))
    );
    let friend = json!({"key": 42, "referring_customer": {"key": 41}});
    let friend = call(&app, Method::POST, "/v1/customers", friend).await;
    assert_eq!(friend["referring_customer"]["key"], "41", "{friend}");
    let sale = json!({"key": 9001, "amount": 100, "customer": {"key": 42}, "product_id": 7});
    let sale = call(&app, Method::POST, "/v1/transactions", sale).await;
    assert_eq!(sale["key"], "9001", "{sale}");
    assert_eq!(sale["rewards"][0]["customer"]["key"], "41", "{sale}");
    let by_text = call(&app, Method::GET, "/v1/customers", json!({"key": 42})).await;
    assert_eq!(by_text["key"], "42");
    let archived = json!({"key": 9001});
    let archived = call(
        &app,
        Method::POST,
        "/v1/transactions/9001/archive",
        archived,
    )
    .await;
    assert_eq!(archived["archived"], true, "{archived}");
    // Other types are still refused, naming the field.
    let answer = app
        .api(Method::POST, "/v1/customers", Some(json!({"key": 4.2})))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&answer), vec!["key"]);
    app.shutdown().await;
}

backend_test!(a_partner_named_in_the_body_is_the_one_acted_on);
async fn a_partner_named_in_the_body_is_the_one_acted_on(backend: Backend) {
    let app = affiliate_app(backend).await;
    // One partner's id is another partner's key.
    let first = json!({"id": "john", "key": "bkey", "email": "b@example.com"});
    call(&app, Method::POST, "/v1/partners", first).await;
    let second = json!({"id": "a1", "key": "john", "email": "a@example.com"});
    call(&app, Method::POST, "/v1/partners", second).await;
    let renamed = call(
        &app,
        Method::PUT,
        "/v1/partners",
        json!({"id": "a1", "update": {"name": "Ann"}}),
    )
    .await;
    assert_eq!(renamed["id"], "a1", "{renamed}");
    let gone = app
        .api(
            Method::DELETE,
            "/v1/partners",
            Some(json!({"email": "a@example.com"})),
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    let kept = app.api(Method::GET, "/v1/partners/bkey", None).await;
    assert_eq!(kept.status, StatusCode::OK, "the other partner stays");
    assert_eq!(kept.body["data"]["name"], Value::Null);
    // An e-mail shared by two partners names neither.
    for key in ["p1", "p2"] {
        let partner = json!({"key": key, "email": "Shared@example.com"});
        call(&app, Method::POST, "/v1/partners", partner).await;
    }
    let ambiguous = app
        .api(
            Method::DELETE,
            "/v1/partners",
            Some(json!({"email": "shared@example.com"})),
        )
        .await;
    assert_eq!(
        ambiguous.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        ambiguous.body
    );
    assert_eq!(error_fields(&ambiguous), vec!["email"]);
    for key in ["p1", "p2"] {
        let partner = app
            .api(Method::GET, &format!("/v1/partners/{key}"), None)
            .await;
        assert_eq!(partner.status, StatusCode::OK);
    }
    app.shutdown().await;
}
