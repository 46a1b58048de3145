//! `/v1/customers` and its sub-resources.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{Backend, TestApp, backend_test, error_fields};
use serde_json::json;

backend_test!(create_returns_the_partnero_customer_object);
async fn create_returns_the_partnero_customer_object(backend: Backend) {
    let app = TestApp::new(backend).await;
    let answer = app
        .api(
            Method::POST,
            "/v1/customers",
            Some(
                json!({"key": "customer_123", "email": "alice@example.com", "name": "Alice",
                        "metadata": {"date_of_birth": "1990-02-28"}}),
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(answer.body["status"], 1);
    let data = &answer.body["data"];
    assert_eq!(data["id"], "customer_123");
    assert_eq!(data["key"], "customer_123");
    assert_eq!(data["email"], "alice@example.com");
    assert_eq!(data["surname"], json!(null));
    assert_eq!(data["status"], "active");
    assert_eq!(data["approved"], true);
    assert_eq!(data["referring_customer"], json!(null));
    assert_eq!(data["referrals_count"], 0);
    assert_eq!(
        data["referral_link"],
        "http://shop.test:3000/?ref=customer_123"
    );
    assert_eq!(
        data["referral_links"],
        json!(["http://shop.test:3000/?ref=customer_123"])
    );
    assert_eq!(data["metadata"]["date_of_birth"], "1990-02-28");
    let created_at = data["created_at"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 27,
        "{created_at}"
    );

    // Generated key when absent.
    let generated = app
        .api(
            Method::POST,
            "/v1/customers",
            Some(json!({"email": "g@example.com"})),
        )
        .await;
    assert_eq!(generated.status, StatusCode::CREATED);
    assert!(
        generated.body["data"]["key"]
            .as_str()
            .unwrap()
            .starts_with("cus_")
    );
}

backend_test!(referred_customers_link_to_their_referrer);
async fn referred_customers_link_to_their_referrer(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let bob = app.customer("bob", Some("alice")).await;
    assert_eq!(bob["referring_customer"]["key"], "alice");
    let by_id = app
        .api(
            Method::POST,
            "/v1/customers",
            Some(json!({"key": "carol", "referring_customer": {"id": "alice"}})),
        )
        .await;
    assert_eq!(by_id.status, StatusCode::CREATED);
    let alice = app.api(Method::GET, "/v1/customers/alice", None).await;
    assert_eq!(alice.body["data"]["referrals_count"], 2);

    let unknown = app
        .api(
            Method::POST,
            "/v1/customers",
            Some(json!({"key": "dave", "referring_customer": {"key": "ghost"}})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&unknown), vec!["referring_customer.key"]);
    let empty = app
        .api(
            Method::POST,
            "/v1/customers",
            Some(json!({"key": "dave", "referring_customer": {}})),
        )
        .await;
    assert_eq!(error_fields(&empty), vec!["referring_customer.key"]);
    let own = app
        .api(
            Method::POST,
            "/v1/customers",
            Some(json!({"key": "erin", "referring_customer": {"key": "erin"}})),
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing half-created by the failures.
    assert_eq!(
        app.api(Method::GET, "/v1/customers/dave", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let referrals = app
        .api(Method::GET, "/v1/customers/alice/referrals", None)
        .await;
    assert_eq!(referrals.status, StatusCode::OK);
    let keys: Vec<_> = referrals.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].clone())
        .collect();
    assert_eq!(keys, vec![json!("bob"), json!("carol")]);
    assert_eq!(referrals.body["meta"]["total"], 2);
}

backend_test!(create_validates_every_field);
async fn create_validates_every_field(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let duplicate = app
        .api(Method::POST, "/v1/customers", Some(json!({"key": "alice"})))
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(error_fields(&duplicate), vec!["key"]);

    let cases = [
        (json!({"key": "a b"}), "key"),
        (json!({"key": 5.5}), "key"),
        (json!({"key": true}), "key"),
        (json!({"email": "not-an-email"}), "email"),
        (json!({"name": ["x"]}), "name"),
        (
            json!({"metadata": {"date_of_birth": "1990-13-01"}}),
            "metadata.date_of_birth",
        ),
        (json!({"metadata": {"shoe_size": 44}}), "metadata.shoe_size"),
        (json!({"favourite_colour": "blue"}), "favourite_colour"),
        (json!({"referring_customer": "alice"}), "referring_customer"),
    ];
    for (body, field) in cases {
        let answer = app
            .api(Method::POST, "/v1/customers", Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    let malformed = app
        .send(
            Request::post("/v1/customers")
                .header("authorization", format!("Bearer {}", app.program.api_key))
                .body(Body::from("{\"key\": \"x\""))
                .unwrap(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let not_object = app
        .api(Method::POST, "/v1/customers", Some(json!([1, 2])))
        .await;
    assert_eq!(not_object.status, StatusCode::UNPROCESSABLE_ENTITY);
}

backend_test!(read_update_delete_with_key_in_path_or_body);
async fn read_update_delete_with_key_in_path_or_body(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let got = app
        .api(Method::GET, "/v1/customers/alice", Some(json!({})))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    // Key in a JSON body sent with GET.
    let got_by_body = app
        .api(Method::GET, "/v1/customers", Some(json!({"key": "alice"})))
        .await;
    assert_eq!(got_by_body.status, StatusCode::OK);
    assert_eq!(got_by_body.body["data"]["key"], "alice");

    let wrapped = app
        .api(
            Method::PUT,
            "/v1/customers/alice",
            Some(json!({"update": {"name": "Alicia", "surname": "Smith"}})),
        )
        .await;
    assert_eq!(wrapped.status, StatusCode::OK, "{:?}", wrapped.body);
    assert_eq!(wrapped.body["data"]["name"], "Alicia");
    let flat = app
        .api(
            Method::PUT,
            "/v1/customers/alice",
            Some(json!({"email": "new@example.com"})),
        )
        .await;
    assert_eq!(flat.body["data"]["email"], "new@example.com");
    assert_eq!(flat.body["data"]["surname"], "Smith");
    let in_body = app
        .api(
            Method::PUT,
            "/v1/customers",
            Some(json!({"key": "alice", "update": {"metadata": {"date_of_birth": "2000-01-01"}}})),
        )
        .await;
    assert_eq!(in_body.status, StatusCode::OK, "{:?}", in_body.body);
    assert_eq!(
        in_body.body["data"]["metadata"]["date_of_birth"],
        "2000-01-01"
    );

    let bad = app
        .api(
            Method::PUT,
            "/v1/customers/alice",
            Some(json!({"update": {"email": "broken"}})),
        )
        .await;
    assert_eq!(error_fields(&bad), vec!["update.email"]);
    let unknown_field = app
        .api(
            Method::PUT,
            "/v1/customers/alice",
            Some(json!({"update": {"colour": "red"}})),
        )
        .await;
    assert_eq!(error_fields(&unknown_field), vec!["update.colour"]);
    let no_key = app
        .api(
            Method::PUT,
            "/v1/customers",
            Some(json!({"update": {"name": "x"}})),
        )
        .await;
    assert_eq!(error_fields(&no_key), vec!["key"]);
    let missing = app
        .api(
            Method::PUT,
            "/v1/customers/ghost",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let deleted = app
        .api(Method::DELETE, "/v1/customers/alice", Some(json!({})))
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body, json!({"status": 1}));
    assert_eq!(
        app.api(Method::GET, "/v1/customers/alice", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(Method::DELETE, "/v1/customers/alice", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    app.customer("bob", None).await;
    let by_body = app
        .api(Method::DELETE, "/v1/customers", Some(json!({"key": "bob"})))
        .await;
    assert_eq!(by_body.status, StatusCode::OK);
    // A deleted key can be used again.
    app.customer("bob", None).await;
}

backend_test!(list_paginates_and_filters);
async fn list_paginates_and_filters(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    for index in 0..4 {
        app.customer(&format!("friend{index}"), Some("alice")).await;
    }
    let page = app
        .api(Method::GET, "/v1/customers?limit=2&page=2", None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["status"], 1);
    let keys: Vec<_> = page.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].clone())
        .collect();
    assert_eq!(keys, vec![json!("friend1"), json!("friend2")]);
    assert_eq!(page.body["meta"]["current_page"], 2);
    assert_eq!(page.body["meta"]["per_page"], 2);
    assert_eq!(page.body["meta"]["from"], 3);
    assert_eq!(page.body["meta"]["to"], 4);
    assert_eq!(page.body["meta"]["total"], 5);
    let next = page.body["links"]["next"].as_str().unwrap();
    assert!(next.ends_with("/v1/customers?limit=2&page=3"), "{next}");
    let last = app
        .api(Method::GET, "/v1/customers?limit=2&page=3", None)
        .await;
    assert_eq!(last.body["links"]["next"], json!(null));

    // Parameters in a JSON body on GET.
    let body_params = app
        .api(
            Method::GET,
            "/v1/customers",
            Some(json!({"limit": 1, "refer_status": "non_referred"})),
        )
        .await;
    assert_eq!(body_params.status, StatusCode::OK, "{:?}", body_params.body);
    assert_eq!(body_params.body["data"][0]["key"], "alice");
    assert_eq!(body_params.body["meta"]["total"], 1);
    let referred = app
        .api(Method::GET, "/v1/customers?refer_status=referred", None)
        .await;
    assert_eq!(referred.body["meta"]["total"], 4);

    // The links page through the same filtered list, whether the filter came in the query
    // string or in a body.
    for (uri, body) in [
        ("/v1/customers?refer_status=referred&limit=3", None),
        (
            "/v1/customers",
            Some(json!({"refer_status": "referred", "limit": 3})),
        ),
        ("/v1/customers:search?query=friend&limit=3", None),
    ] {
        let first = app.api(Method::GET, uri, body).await;
        assert_eq!(first.status, StatusCode::OK, "{uri}: {:?}", first.body);
        let next = first.body["links"]["next"].as_str().unwrap();
        let next = &next[next.find("/v1/").unwrap()..];
        let second = app.api(Method::GET, next, None).await;
        assert_eq!(second.status, StatusCode::OK, "{next}: {:?}", second.body);
        assert_eq!(second.body["meta"]["total"], 4, "{next}");
        assert_eq!(second.body["data"][0]["key"], "friend3", "{next}");
        assert_eq!(second.body["links"]["next"], json!(null), "{next}");
    }

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=251", "limit"),
        ("limit=abc", "limit"),
        ("page=0", "page"),
        ("page=-3", "page"),
        ("refer_status=maybe", "refer_status"),
        ("sort=name", "sort"),
    ] {
        let answer = app
            .api(Method::GET, &format!("/v1/customers?{query}"), None)
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{query}");
    }
}

backend_test!(search_finds_by_email_key_or_name);
async fn search_finds_by_email_key_or_name(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    app.customer("bob", None).await;
    let found = app
        .api(
            Method::GET,
            "/v1/customers:search?query=bob%40example",
            None,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    assert_eq!(found.body["meta"]["total"], 1);
    assert_eq!(found.body["data"][0]["key"], "bob");
    let wildcard = app
        .api(Method::GET, "/v1/customers:search?query=%25", None)
        .await;
    assert_eq!(
        wildcard.body["meta"]["total"], 0,
        "LIKE wildcards are escaped"
    );
    let by_body = app
        .api(
            Method::GET,
            "/v1/customers:search",
            Some(json!({"search": "ALI"})),
        )
        .await;
    assert_eq!(by_body.body["data"][0]["key"], "alice");
    let missing = app.api(Method::GET, "/v1/customers:search", None).await;
    assert_eq!(error_fields(&missing), vec!["query"]);
}

backend_test!(stats_balance_credit_and_links);
async fn stats_balance_credit_and_links(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        serde_json::from_value(json!({"referrer": {"type": "fixed", "value": 2.5}})).unwrap(),
    )
    .await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    app.customer("carol", Some("alice")).await;
    assert_eq!(
        app.sale("bob", "inv_1", json!(100)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.sale("bob", "inv_2", json!(20.5)).await.status,
        StatusCode::CREATED
    );

    let stats = app
        .api(Method::GET, "/v1/customers/alice/stats", None)
        .await;
    assert_eq!(stats.status, StatusCode::OK);
    let data = &stats.body["data"];
    assert_eq!(data["signups"], 2);
    assert_eq!(data["paying_referrals"], 1);
    assert_eq!(
        data["revenue"],
        json!([{"amount": 120.5, "amount_units": "usd", "is_currency": true}])
    );
    assert_eq!(
        data["rewards"],
        json!([{"amount": 5, "amount_units": "usd", "is_currency": true}])
    );
    assert_eq!(data["referral_link"], "http://shop.test:3000/?ref=alice");
    assert!(
        data["social_sharing"]["twitter"]
            .as_str()
            .unwrap()
            .contains("ref%3Dalice")
    );

    let credit = app
        .api(
            Method::POST,
            "/v1/customers/alice/balance/credit",
            Some(json!({"amount": 10, "is_currency": true, "amount_units": "USD"})),
        )
        .await;
    assert_eq!(credit.status, StatusCode::OK, "{:?}", credit.body);
    assert_eq!(app.balance_minor("alice", "usd").await, 1_500);
    let points = app
        .api(
            Method::POST,
            "/v1/customers/alice/balance/credit",
            Some(json!({"amount": "3.25", "is_currency": false, "amount_units": "points"})),
        )
        .await;
    assert_eq!(points.status, StatusCode::OK);
    let balance = app
        .api(Method::GET, "/v1/customers/alice/balance", None)
        .await;
    assert_eq!(
        balance.body["data"]["balance"],
        json!([{"amount": 3.25, "amount_units": "points", "is_currency": false},
               {"amount": 15, "amount_units": "usd", "is_currency": true}])
    );

    for (body, field) in [
        (
            json!({"amount": -1, "is_currency": true, "amount_units": "usd"}),
            "amount",
        ),
        (
            json!({"amount": 0, "is_currency": true, "amount_units": "usd"}),
            "amount",
        ),
        (
            json!({"amount": 1.001, "is_currency": true, "amount_units": "usd"}),
            "amount",
        ),
        (
            json!({"amount": "lots", "is_currency": true, "amount_units": "usd"}),
            "amount",
        ),
        (json!({"amount": 1, "is_currency": true}), "amount_units"),
        (
            json!({"amount": 1, "is_currency": "yes", "amount_units": "usd"}),
            "is_currency",
        ),
        (
            json!({"amount": 1, "is_currency": true, "amount_units": "u s d"}),
            "amount_units",
        ),
    ] {
        let answer = app
            .api(
                Method::POST,
                "/v1/customers/alice/balance/credit",
                Some(body.clone()),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    assert_eq!(
        app.balance_minor("alice", "usd").await,
        1_500,
        "failed credits change nothing"
    );
    let ghost = app
        .api(
            Method::POST,
            "/v1/customers/ghost/balance/credit",
            Some(json!({"amount": 1, "is_currency": true, "amount_units": "usd"})),
        )
        .await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND);

    let links = app
        .api(Method::GET, "/v1/customers/alice/referral_links", None)
        .await;
    assert_eq!(
        links.body["data"][0]["url"],
        "http://shop.test:3000/?ref=alice"
    );
    assert_eq!(links.body["data"][0]["default"], true);

    let bob_transactions = app
        .api(Method::GET, "/v1/customers/bob/transactions", None)
        .await;
    assert_eq!(bob_transactions.body["meta"]["total"], 2);
}

backend_test!(link_format_and_subdomain_links_follow_settings);
async fn link_format_and_subdomain_links_follow_settings(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let changed = app
        .api(
            Method::PUT,
            "/v1/settings",
            Some(json!({"url_format": "link", "link_param": "go", "subdomain_links": true})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let alice = app.api(Method::GET, "/v1/customers/alice", None).await;
    assert_eq!(
        alice.body["data"]["referral_link"],
        "http://shop.test:3000/go/alice"
    );
    assert_eq!(
        alice.body["data"]["referral_links"],
        json!([
            "http://shop.test:3000/go/alice",
            "http://alice.shop.test:3000/"
        ])
    );
}

backend_test!(subdomain_format_renders_subdomain_links_and_turns_them_on);
async fn subdomain_format_renders_subdomain_links_and_turns_them_on(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    app.customer("u_42", None).await;
    let changed = app
        .api(
            Method::PUT,
            "/v1/settings",
            Some(json!({"url_format": "subdomain", "subdomain_links": false})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["data"]["url_format"], "subdomain");
    let alice = app.api(Method::GET, "/v1/customers/alice", None).await;
    assert_eq!(
        alice.body["data"]["referral_link"],
        "http://alice.shop.test:3000/"
    );
    assert_eq!(
        alice.body["data"]["referral_links"],
        json!(["http://alice.shop.test:3000/"])
    );
    // A key that is not a DNS label falls back to the query form.
    let other = app.api(Method::GET, "/v1/customers/u_42", None).await;
    assert_eq!(
        other.body["data"]["referral_link"],
        "http://shop.test:3000/?ref=u_42"
    );
    // The tracker is told to accept subdomain links and to read the query as well.
    let document = app
        .send(
            axum::http::Request::get(format!("/pub/programs/{}", app.pid()))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(document.body["url_format"], "query");
    assert_eq!(document.body["subdomain_links"], true);
    let wrong = app
        .api(
            Method::PUT,
            "/v1/settings",
            Some(json!({"url_format": "hostname"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body["errors"]["url_format"].is_array(),
        "{:?}",
        wrong.body
    );
}

backend_test!(nul_characters_are_a_422_naming_where_they_are);
/// U+0000 in a path, a query string or a body is refused with a 422 that names where it is, on
/// every backend (PostgreSQL cannot compare or store it), and the API keeps working.
async fn nul_characters_are_a_422_naming_where_they_are(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let cases = [
        (Method::GET, "/v1/customers/ali%00ce", None, "path"),
        (Method::DELETE, "/v1/customers/%00", None, "path"),
        (Method::GET, "/v1/customers:search?query=%00", None, "query"),
        (
            Method::GET,
            "/v1/customers?limit=10&refer_status=%00",
            None,
            "query",
        ),
        (
            Method::POST,
            "/v1/customers",
            Some(json!({"key": "bob", "name": "Bo\u{0}b"})),
            "name",
        ),
        (
            Method::GET,
            "/v1/customers:search",
            Some(json!({"query": "al\u{0}"})),
            "query",
        ),
        (
            Method::POST,
            "/v1/transactions",
            Some(
                json!({"transactions": [{"key": "t\u{0}", "amount": 1, "customer": {"key": "alice"}}]}),
            ),
            "transactions.0.key",
        ),
    ];
    for (method, uri, body, field) in cases {
        let answer = app.api(method.clone(), uri, body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {uri}: {:?}",
            answer.body
        );
        assert_eq!(error_fields(&answer), vec![field], "{method} {uri}");
    }
    let found = app
        .api(Method::GET, "/v1/customers:search?query=ali", None)
        .await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    assert_eq!(found.body["data"][0]["key"], "alice");
}
