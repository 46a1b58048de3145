//! Public endpoints: program settings, visits, browser sign-ups and transactions, the
//! refer-a-friend form, assets, health, and request-level errors.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{BROWSER_UA, Backend, SHOP_ORIGIN, TestApp, backend_test, error_fields, visitor};
use serde_json::json;

fn visit(pid: &str, key: &str, visitor: &str) -> serde_json::Value {
    json!({"program": pid, "key": key, "visitor": visitor,
           "url": format!("{SHOP_ORIGIN}/?ref={key}"), "referrer": "https://news.example/", "format": "query"})
}

async fn clicks(app: &TestApp, key: &str) -> (i64, i64) {
    let answer = app
        .api(Method::GET, &format!("/v1/customers/{key}/stats"), None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    (
        answer.body["data"]["clicks"].as_i64().unwrap(),
        answer.body["data"]["unique_clicks"].as_i64().unwrap(),
    )
}

backend_test!(program_settings_are_cacheable_with_etag);
async fn program_settings_are_cacheable_with_etag(backend: Backend) {
    let app = TestApp::new(backend).await;
    let uri = format!("/pub/programs/{}", app.pid());
    let answer = app
        .send(
            Request::get(&uri)
                .header("origin", SHOP_ORIGIN)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(answer.headers["cache-control"], "public, max-age=60");
    assert_eq!(answer.headers["access-control-allow-origin"], "*");
    let body = &answer.body;
    assert_eq!(body["id"], app.pid());
    assert_eq!(body["type"], "referral");
    assert_eq!(body["cookie_time"], 30);
    assert_eq!(body["url_format"], "query");
    assert_eq!(body["query_param"], "ref");
    assert_eq!(body["link_param"], "aff");
    assert_eq!(body["attribution"], "first");
    assert_eq!(body["domains"], json!(["shop.test"]));
    assert_eq!(body["param_aliases"], json!(["ref", "aff", "via"]));
    for flag in [
        "subdomain_links",
        "consent_required",
        "honor_gpc",
        "clean_url",
    ] {
        assert_eq!(body[flag], false, "{flag}");
    }
    let etag = answer.headers["etag"].to_str().unwrap().to_owned();
    let again = app
        .send(
            Request::get(&uri)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.raw.is_empty());

    // A settings change produces a new document and ETag.
    let changed = app
        .api(
            Method::PUT,
            "/v1/settings",
            Some(json!({"cookie_time": "lifetime", "attribution": "last"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let fresh = app
        .send(
            Request::get(&uri)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_eq!(fresh.body["cookie_time"], "lifetime");
    assert_eq!(fresh.body["attribution"], "last");

    for unknown in ["/pub/programs/NOPE1234", "/pub/programs/bad%20id"] {
        let missing = app
            .send(Request::get(unknown).body(Body::empty()).unwrap())
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        error_fields(&missing);
    }
}

backend_test!(parameter_aliases_are_a_program_setting);
/// `PUT /v1/settings` replaces the query parameters the tracker reads besides `query_param`; the
/// tracker's settings document lists them after it.
async fn parameter_aliases_are_a_program_setting(backend: Backend) {
    let app = TestApp::new(backend).await;
    let changed = app
        .api(
            Method::PUT,
            "/v1/settings",
            Some(json!({"query_param": "partner", "param_aliases": ["r", "partner", "via"]})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(
        changed.body["data"]["param_aliases"],
        json!(["r", "partner", "via"])
    );
    let document = app
        .send(
            Request::get(format!("/pub/programs/{}", app.pid()))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        document.body["param_aliases"],
        json!(["partner", "r", "via"])
    );
    let refused = app
        .api(
            Method::PUT,
            "/v1/settings",
            Some(json!({"param_aliases": ["ok", "not ok"]})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&refused), vec!["param_aliases.1"]);
    let settings = app.api(Method::GET, "/v1/settings", None).await;
    assert_eq!(
        settings.body["data"]["param_aliases"],
        json!(["r", "partner", "via"])
    );
}

backend_test!(visits_are_stored_and_counted_unique_per_visitor);
async fn visits_are_stored_and_counted_unique_per_visitor(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let pid = app.pid();
    let first_visitor = visitor();
    // The same visitor in every form a UUID may take is still one visitor.
    let same_visitor = [
        first_visitor.clone(),
        first_visitor.clone(),
        first_visitor.to_uppercase(),
        format!("{{{first_visitor}}}"),
        format!("urn:uuid:{first_visitor}"),
        first_visitor.replace('-', ""),
    ];
    for form in &same_visitor {
        let answer = app.beacon("/pub/visits", visit(&pid, "alice", form)).await;
        assert_eq!(
            answer.status,
            StatusCode::NO_CONTENT,
            "{form}: {:?}",
            answer.body
        );
    }
    let answer = app
        .beacon("/pub/visits", visit(&pid, "alice", &visitor()))
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(clicks(&app, "alice").await, (7, 2));
}

backend_test!(bots_head_and_prefetch_are_not_counted);
async fn bots_head_and_prefetch_are_not_counted(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let pid = app.pid();
    let bot = app
        .beacon_with(
            "/pub/visits",
            visit(&pid, "alice", &visitor()),
            &[
                ("origin", SHOP_ORIGIN),
                (
                    "user-agent",
                    "Googlebot/2.1 (+http://www.google.com/bot.html)",
                ),
            ],
        )
        .await;
    assert_eq!(bot.status, StatusCode::NO_CONTENT);
    let prefetch = app
        .beacon_with(
            "/pub/visits",
            visit(&pid, "alice", &visitor()),
            &[("origin", SHOP_ORIGIN), ("sec-purpose", "prefetch")],
        )
        .await;
    assert_eq!(prefetch.status, StatusCode::NO_CONTENT);
    let head = app
        .send(
            Request::head("/pub/visits")
                .header("user-agent", BROWSER_UA)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(head.status, StatusCode::NO_CONTENT);
    assert_eq!(clicks(&app, "alice").await, (0, 0));
}

backend_test!(visits_validate_origin_program_and_fields);
async fn visits_validate_origin_program_and_fields(backend: Backend) {
    let app = TestApp::new(backend).await;
    let pid = app.pid();
    let good = visit(&pid, "alice", &visitor());

    let no_origin = app.beacon_with("/pub/visits", good.clone(), &[]).await;
    assert_eq!(no_origin.status, StatusCode::FORBIDDEN);
    assert_eq!(error_fields(&no_origin), vec!["origin"]);
    for origin in ["https://evil.test", "http://shop.test.evil.com", "null"] {
        let answer = app
            .beacon_with("/pub/visits", good.clone(), &[("origin", origin)])
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{origin}");
    }
    // Subdomains of the program's domain are the same site.
    let sub = app
        .beacon_with(
            "/pub/visits",
            good.clone(),
            &[("origin", "http://alice.shop.test:3000")],
        )
        .await;
    assert_eq!(sub.status, StatusCode::NO_CONTENT);

    let mut unknown_program = good.clone();
    unknown_program["program"] = json!("ZZZZZZZZ");
    assert_eq!(
        app.beacon("/pub/visits", unknown_program).await.status,
        StatusCode::NOT_FOUND
    );

    let cases = [
        ("key", json!("<script>")),
        ("key", json!("")),
        ("visitor", json!("not-a-uuid")),
        ("url", json!("https://evil.test/?ref=alice")),
        ("format", json!("carrier-pigeon")),
        // PostgreSQL cannot store U+0000: refused up front, so a batch never fails on it.
        ("url", json!(format!("{SHOP_ORIGIN}/?ref=alice\u{0}"))),
        ("referrer", json!("https://news.example/\u{0}")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value;
        let answer = app.beacon("/pub/visits", body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {:?}",
            answer.body
        );
        assert!(
            error_fields(&answer).contains(&field.to_owned()),
            "{field}: {:?}",
            answer.body
        );
    }
    let mut wrong_type = good.clone();
    wrong_type["key"] = json!(42);
    let answer = app.beacon("/pub/visits", wrong_type).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&answer), vec!["key"]);
    let mut extra = good.clone();
    extra["surprise"] = json!(1);
    let answer = app.beacon("/pub/visits", extra).await;
    assert_eq!(error_fields(&answer), vec!["surprise"]);
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("visitor");
    let answer = app.beacon("/pub/visits", missing).await;
    assert_eq!(error_fields(&answer), vec!["visitor"]);

    let malformed = app
        .send(
            Request::post("/pub/visits")
                .header("origin", SHOP_ORIGIN)
                .header("user-agent", BROWSER_UA)
                .body(Body::from("{\"program\":"))
                .unwrap(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&malformed), vec!["body"]);
}

backend_test!(first_party_requests_get_the_referral_cookie);
async fn first_party_requests_get_the_referral_cookie(backend: Backend) {
    let app = TestApp::new(backend).await;
    let pid = app.pid();
    let body = visit(&pid, "alice", &visitor());
    // Reached through the site's own domain (reverse proxy / t.shop.test).
    let proxied = app
        .beacon_with(
            "/pub/visits",
            body.clone(),
            &[("origin", SHOP_ORIGIN), ("host", "t.shop.test:3000")],
        )
        .await;
    assert_eq!(proxied.status, StatusCode::NO_CONTENT);
    let cookie = proxied.headers["set-cookie"].to_str().unwrap();
    assert_eq!(
        cookie,
        "partnero_referral=alice; Max-Age=2592000; Path=/; Domain=shop.test; SameSite=Lax"
    );
    // First-click attribution keeps an existing cookie.
    let kept = app
        .beacon_with(
            "/pub/visits",
            body.clone(),
            &[
                ("origin", SHOP_ORIGIN),
                ("host", "shop.test:3000"),
                ("cookie", "partnero_referral=bob"),
            ],
        )
        .await;
    assert_eq!(kept.status, StatusCode::NO_CONTENT);
    assert!(kept.headers.get("set-cookie").is_none());
    // The same key's cookie (the tracker writes it before the beacon) is renewed by the server.
    let renewed = app
        .beacon_with(
            "/pub/visits",
            body.clone(),
            &[
                ("origin", SHOP_ORIGIN),
                ("host", "shop.test:3000"),
                ("cookie", "partnero_session_uuid=x; partnero_referral=alice"),
            ],
        )
        .await;
    assert_eq!(renewed.status, StatusCode::NO_CONTENT);
    assert!(
        renewed.headers["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("partnero_referral=alice; Max-Age=2592000;")
    );
    // A third-party collector host sets nothing.
    let third_party = app
        .beacon_with(
            "/pub/visits",
            body,
            &[("origin", SHOP_ORIGIN), ("host", "collector.example:8080")],
        )
        .await;
    assert_eq!(third_party.status, StatusCode::NO_CONTENT);
    assert!(third_party.headers.get("set-cookie").is_none());
}

backend_test!(last_click_and_lifetime_cookie);
async fn last_click_and_lifetime_cookie(backend: Backend) {
    let app = TestApp::with(
        backend,
        |spec| {
            spec.attribution = collector::program::Attribution::Last;
            spec.cookie_time = collector::program::CookieTime::Lifetime;
        },
        |config| config,
    )
    .await;
    let answer = app
        .beacon_with(
            "/pub/visits",
            visit(&app.pid(), "carol", &visitor()),
            &[
                ("origin", SHOP_ORIGIN),
                ("host", "shop.test:3000"),
                ("cookie", "partnero_referral=bob"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    let cookie = answer.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("partnero_referral=carol; Max-Age=34560000;"),
        "{cookie}"
    );
}

backend_test!(public_endpoints_are_rate_limited);
async fn public_endpoints_are_rate_limited(backend: Backend) {
    let app = TestApp::with(
        backend,
        |_| {},
        |mut config| {
            config.visit_rate_limit = 3;
            config.public_rate_limit = 2;
            config
        },
    )
    .await;
    let pid = app.pid();
    for _ in 0..3 {
        assert_eq!(
            app.beacon("/pub/visits", visit(&pid, "a", &visitor()))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
    }
    let limited = app
        .beacon("/pub/visits", visit(&pid, "a", &visitor()))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
    error_fields(&limited);

    let form = json!({"program": pid, "email": "x@example.com"});
    assert_eq!(
        app.beacon("/pub/referral-links", form.clone()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.beacon("/pub/referral-links", form.clone()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.beacon("/pub/referral-links", form).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

backend_test!(browser_signups_are_stored_as_browser_reported_and_never_rewarded);
async fn browser_signups_are_stored_as_browser_reported_and_never_rewarded(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        serde_json::from_value(json!({
            "referrer_signup": {"amount": 5},
            "referrer": {"type": "percent", "value": 10}
        }))
        .unwrap(),
    )
    .await;
    app.customer("alice", None).await;
    let signup = json!({"program": app.pid(), "visitor": visitor(), "referral": "alice",
                        "customer": {"key": "u_42", "email": "bob@example.com", "name": "Bob", "tags": ["beta"]}});
    let answer = app.beacon("/pub/signups", signup.clone()).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
    // Repeating it changes nothing.
    assert_eq!(
        app.beacon("/pub/signups", signup).await.status,
        StatusCode::NO_CONTENT
    );

    let bob = app.api(Method::GET, "/v1/customers/u_42", None).await;
    assert_eq!(bob.status, StatusCode::OK);
    assert_eq!(bob.body["data"]["source"], "browser");
    assert_eq!(bob.body["data"]["referring_customer"]["key"], "alice");
    assert_eq!(bob.body["data"]["tags"], json!(["beta"]));
    assert_eq!(app.balance_minor("alice", "usd").await, 0);
    let stats = app
        .api(Method::GET, "/v1/customers/alice/stats", None)
        .await;
    assert_eq!(stats.body["data"]["signups"], 0);

    // The backend confirms the customer: the API record takes over and the sign-up rewards.
    let confirmed = app
        .api(
            Method::POST,
            "/v1/customers",
            Some(json!({"key": "u_42", "name": "Robert", "referring_customer": {"key": "alice"}})),
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::CREATED,
        "{:?}",
        confirmed.body
    );
    assert_eq!(confirmed.body["data"]["source"], "api");
    assert_eq!(confirmed.body["data"]["name"], "Robert");
    assert_eq!(confirmed.body["data"]["email"], "bob@example.com");
    assert_eq!(app.balance_minor("alice", "usd").await, 500);

    // A browser's claim alone never makes a referral: confirmed without a referrer, the customer
    // is not referred, and its sales reward nobody (anyone can post a sign-up for a key).
    let claim = json!({"program": app.pid(), "referral": "alice", "customer": {"key": "u_43"}});
    assert_eq!(
        app.beacon("/pub/signups", claim).await.status,
        StatusCode::NO_CONTENT
    );
    let unreferred = app
        .api(Method::POST, "/v1/customers", Some(json!({"key": "u_43"})))
        .await;
    assert_eq!(
        unreferred.status,
        StatusCode::CREATED,
        "{:?}",
        unreferred.body
    );
    assert_eq!(unreferred.body["data"]["referring_customer"], json!(null));
    assert_eq!(
        app.sale("u_43", "t_43", json!(100)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(app.balance_minor("alice", "usd").await, 500);

    // No referral cycles: a browser-reported customer that already referred someone through the
    // API cannot be confirmed as referred by that customer.
    let carol = json!({"program": app.pid(), "customer": {"key": "carol"}});
    assert_eq!(
        app.beacon("/pub/signups", carol).await.status,
        StatusCode::NO_CONTENT
    );
    app.customer("dan", Some("carol")).await;
    let cycle = app
        .api(
            Method::POST,
            "/v1/customers",
            Some(json!({"key": "carol", "referring_customer": {"key": "dan"}})),
        )
        .await;
    assert_eq!(
        cycle.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        cycle.body
    );
    assert_eq!(error_fields(&cycle), vec!["referring_customer.key"]);

    // Validation.
    let bad = app
        .beacon(
            "/pub/signups",
            json!({"program": app.pid(), "customer": {"email": "nope"}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad), vec!["customer.email"]);
    let empty = app
        .beacon(
            "/pub/signups",
            json!({"program": app.pid(), "customer": {}}),
        )
        .await;
    assert_eq!(error_fields(&empty), vec!["customer.key"]);
    let bad_referral = app
        .beacon(
            "/pub/signups",
            json!({"program": app.pid(), "referral": "a b", "customer": {"key": "k"}}),
        )
        .await;
    assert_eq!(error_fields(&bad_referral), vec!["referral"]);
    let forbidden = app
        .beacon_with(
            "/pub/signups",
            json!({"program": app.pid(), "customer": {"key": "k"}}),
            &[("origin", "https://evil.test")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

backend_test!(browser_transactions_never_reward_until_confirmed);
async fn browser_transactions_never_reward_until_confirmed(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        serde_json::from_value(json!({
            "referrer": {"type": "percent", "value": 10}
        }))
        .unwrap(),
    )
    .await;
    app.customer("alice", None).await;
    let body = json!({"program": app.pid(), "visitor": visitor(), "referral": "alice",
        "transaction": {"key": "order_9", "amount": 49.0, "customer": {"key": "u_42", "email": "bob@example.com", "name": "Bob"}},
        "options": {"create_customer": true}});
    let answer = app.beacon("/pub/transactions", body).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
    let stored = app.api(Method::GET, "/v1/transactions/order_9", None).await;
    assert_eq!(stored.status, StatusCode::OK);
    assert_eq!(stored.body["data"]["source"], "browser");
    assert_eq!(stored.body["data"]["rewards"], json!([]));
    assert_eq!(app.balance_minor("alice", "usd").await, 0);
    let stats = app
        .api(Method::GET, "/v1/customers/alice/stats", None)
        .await;
    assert_eq!(stats.body["data"]["revenue"], json!([]));

    // The backend confirms with the same key: now it rewards, once.
    for expected in [StatusCode::CREATED, StatusCode::OK] {
        let confirmed = app.sale("u_42", "order_9", json!(49)).await;
        assert_eq!(confirmed.status, expected, "{:?}", confirmed.body);
        assert_eq!(confirmed.body["data"]["source"], "api");
    }
    assert_eq!(app.balance_minor("alice", "usd").await, 490);

    let bad = app
        .beacon(
            "/pub/transactions",
            json!({"program": app.pid(),
            "transaction": {"key": "o2", "amount": -5, "customer": {"key": "u_42"}}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad), vec!["transaction.amount"]);
    let unknown_customer = app
        .beacon(
            "/pub/transactions",
            json!({"program": app.pid(),
            "transaction": {"key": "o3", "amount": 5, "customer": {"key": "ghost"}}}),
        )
        .await;
    assert_eq!(unknown_customer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&unknown_customer),
        vec!["transaction.customer.key"]
    );
}

backend_test!(referral_form_returns_the_same_link_and_nothing_else);
async fn referral_form_returns_the_same_link_and_nothing_else(backend: Backend) {
    let app = TestApp::new(backend).await;
    let request = json!({"program": app.pid(), "email": "carol@example.com", "name": "Carol"});
    let first = app.beacon("/pub/referral-links", request.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.headers["content-type"], "application/json");
    let link = first.body["data"]["referral_link"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(link.starts_with("http://shop.test:3000/?ref="), "{link}");
    assert_eq!(first.body["data"].as_object().unwrap().len(), 1);
    let second = app.beacon("/pub/referral-links", request).await;
    assert_eq!(second.body, first.body);

    let customer = app
        .api(
            Method::GET,
            "/v1/customers:search?query=carol%40example.com",
            None,
        )
        .await;
    assert_eq!(customer.body["data"][0]["source"], "browser");

    let bad = app
        .beacon(
            "/pub/referral-links",
            json!({"program": app.pid(), "email": "nope"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad), vec!["email"]);

    // CORS preflight for the JSON form.
    let preflight = app
        .send(
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/pub/referral-links")
                .header("origin", SHOP_ORIGIN)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(preflight.status.is_success(), "{:?}", preflight.status);
    assert_eq!(
        preflight.headers["access-control-allow-origin"],
        SHOP_ORIGIN
    );
}

backend_test!(health_assets_and_request_errors);
async fn health_assets_and_request_errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    assert_eq!(
        app.send(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(Request::get("/readyz").body(Body::empty()).unwrap())
            .await
            .status,
        StatusCode::OK
    );

    let missing_asset = app
        .send(Request::get("/js/nope.js").body(Body::empty()).unwrap())
        .await;
    assert_eq!(missing_asset.status, StatusCode::NOT_FOUND);
    error_fields(&missing_asset);
    for name in collector::routes::assets::embedded_names() {
        let answer = app
            .send(
                Request::get(format!("/js/{name}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{name}");
        let cache = answer.headers["cache-control"].to_str().unwrap();
        if collector::routes::assets::is_hashed(name) {
            assert_eq!(cache, "public, max-age=31536000, immutable", "{name}");
        } else if name == "universal.js" {
            assert_eq!(cache, "public, max-age=300");
            assert!(
                answer.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/javascript")
            );
        }
        if name.ends_with(".wasm") {
            assert_eq!(answer.headers["content-type"], "application/wasm");
        }
        let etag = answer.headers["etag"].to_str().unwrap().to_owned();
        let cached = app
            .send(
                Request::get(format!("/js/{name}"))
                    .header("if-none-match", &etag)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(cached.status, StatusCode::NOT_MODIFIED, "{name}");

        // Browsers accepting gzip get the precompressed copy, which decompresses to the file.
        let plain = answer.raw;
        let gzipped = app
            .send(
                Request::get(format!("/js/{name}"))
                    .header("accept-encoding", "gzip, deflate, br, zstd")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(gzipped.status, StatusCode::OK, "{name}");
        if name == "manifest.json" {
            continue; // not precompressed (the compression layer handles it)
        }
        assert_eq!(gzipped.headers["content-encoding"], "gzip", "{name}");
        assert_eq!(gzipped.headers["vary"], "accept-encoding", "{name}");
        assert!(
            gzipped.raw.len() < plain.len(),
            "{name} is smaller compressed"
        );
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&gzipped.raw[..]),
            &mut unpacked,
        )
        .expect("valid gzip");
        assert_eq!(unpacked, plain, "{name}.gz holds the same file");
        let gz_etag = gzipped.headers["etag"].to_str().unwrap().to_owned();
        assert_ne!(
            gz_etag, etag,
            "{name}: each representation has its own ETag"
        );
        let revalidated = app
            .send(
                Request::get(format!("/js/{name}"))
                    .header("accept-encoding", "gzip")
                    .header("if-none-match", &gz_etag)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED, "{name}");
        let refused = app
            .send(
                Request::get(format!("/js/{name}"))
                    .header("accept-encoding", "gzip;q=0")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(!refused.headers.contains_key("content-encoding"), "{name}");
        assert_eq!(refused.raw, plain, "{name}");
        let direct = app
            .send(
                Request::get(format!("/js/{name}.gz"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(
            direct.status,
            StatusCode::NOT_FOUND,
            "{name}.gz is not served by itself"
        );
    }

    let unknown_route = app
        .send(Request::get("/nowhere").body(Body::empty()).unwrap())
        .await;
    assert_eq!(unknown_route.status, StatusCode::NOT_FOUND);
    error_fields(&unknown_route);
    let wrong_method = app
        .send(Request::patch("/pub/visits").body(Body::empty()).unwrap())
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    error_fields(&wrong_method);

    let huge = "x".repeat(70 * 1024);
    let too_large = app
        .send(
            Request::post("/v1/customers")
                .header("authorization", format!("Bearer {}", app.program.api_key))
                .header("content-type", "application/json")
                .body(Body::from(format!("{{\"name\":\"{huge}\"}}")))
                .unwrap(),
        )
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_fields(&too_large), vec!["body"]);
    // Also without a Content-Length (streamed body).
    let stream = futures_stream(70 * 1024);
    let streamed = app
        .send(
            Request::post("/pub/signups")
                .header("origin", SHOP_ORIGIN)
                .body(stream)
                .unwrap(),
        )
        .await;
    assert_eq!(streamed.status, StatusCode::PAYLOAD_TOO_LARGE);
    error_fields(&streamed);
}

/// A body without a known length.
fn futures_stream(len: usize) -> Body {
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = (0..len / 1024)
        .map(|_| Ok(axum::body::Bytes::from(vec![b' '; 1024])))
        .collect();
    Body::from_stream(futures_util::stream::iter(chunks))
}

backend_test!(a_trusted_proxy_is_read_from_its_own_entries);
async fn a_trusted_proxy_is_read_from_its_own_entries(backend: Backend) {
    let app = TestApp::with(
        backend,
        |_| {},
        |mut config| {
            config.trust_proxy = true;
            config.public_rate_limit = 2;
            config
        },
    )
    .await;
    let pid = app.pid();
    let form = json!({"program": pid, "email": "x@example.com"});
    let form_from = |address: String| {
        let form = form.clone();
        let app = &app;
        async move {
            let headers = [
                ("origin", SHOP_ORIGIN),
                ("x-forwarded-for", address.as_str()),
            ];
            app.beacon_with("/pub/referral-links", form, &headers)
                .await
                .status
        }
    };
    let limited = [
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
    ];
    // A client that prepends a new address to X-Forwarded-For each time is still one client:
    // the proxy's own (right-most) entry counts.
    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(form_from(format!("10.9.{i}.1, 203.0.113.7")).await);
    }
    assert_eq!(statuses, limited);
    // Every address of one IPv6 /64 is one client too.
    let mut statuses = Vec::new();
    for i in 1..4 {
        statuses.push(form_from(format!("2001:db8:7:7::{i:x}")).await);
    }
    assert_eq!(statuses, limited);

    // Host and scheme come from the proxy's entries: the cookie is for the site's domain and
    // Secure, whatever the client prepended.
    let answer = app
        .beacon_with(
            "/pub/visits",
            visit(&pid, "alice", &visitor()),
            &[
                ("origin", SHOP_ORIGIN),
                ("host", "collector.internal:8080"),
                ("x-forwarded-host", "evil.example, t.shop.test"),
                ("x-forwarded-proto", "http, https"),
                ("x-forwarded-for", "198.51.100.4"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    let cookie = answer.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("Domain=shop.test") && cookie.ends_with("; Secure"),
        "{cookie}"
    );

    // Generated URLs (pagination links) use the forwarded host and scheme.
    for key in ["p1", "p2"] {
        app.customer(key, None).await;
    }
    let request = Request::get("/v1/customers?limit=1")
        .header("authorization", format!("Bearer {}", app.program.api_key))
        .header("host", "collector.internal:8080")
        .header("x-forwarded-host", "t.shop.test")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    let page = app.send(request).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    let next = page.body["links"]["next"].as_str().unwrap();
    assert!(
        next.starts_with("https://t.shop.test/v1/customers?"),
        "{next}"
    );
}

backend_test!(long_landing_urls_are_stored_cut_short);
async fn long_landing_urls_are_stored_cut_short(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let mut body = visit(&app.pid(), "alice", &visitor());
    let long = format!("{SHOP_ORIGIN}/?ref=alice&utm_content={}é", "x".repeat(3000));
    body["url"] = json!(long);
    body["referrer"] = json!(format!("https://news.example/{}", "é".repeat(2000)));
    let answer = app.beacon("/pub/visits", body).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
    assert_eq!(clicks(&app, "alice").await, (1, 1));
    let lengths = app
        .db
        .count("SELECT CAST(MAX(LENGTH(landing_url)) AS BIGINT) FROM visits")
        .await;
    assert!((2000..=2048).contains(&lengths), "{lengths}");
}

backend_test!(a_program_may_keep_the_id_of_its_snippet);
async fn a_program_may_keep_the_id_of_its_snippet(backend: Backend) {
    let app = TestApp::new(backend).await;
    let spec = collector::admin::ProgramSpec::new(
        collector::program::ProgramKind::ReferAFriend,
        "Moved",
        "https://moved.test",
    );
    let id = "Mv_0123456789-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX";
    assert_eq!(id.len(), 64);
    collector::admin::create_program_with_id(&*app.storage, spec, Some(id))
        .await
        .unwrap();
    let answer = app
        .send(
            Request::get(format!("/pub/programs/{id}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let too_long = format!("/pub/programs/{id}x");
    let answer = app
        .send(Request::get(too_long).body(Body::empty()).unwrap())
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}
