//! Referral links of partners (`/v1/partner_referral_links`) and customers
//! (`/v1/customer_referral_links`), link domains, and short links (`/go/{code}`) with their
//! click counting.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{
    BROWSER_UA, Backend, SHOP_ORIGIN, TestApp, affiliate_app, backend_test, error_fields,
    other_affiliate, visitor,
};
use serde_json::{Value, json};

async fn partner(app: &TestApp, key: &str) {
    let answer = app
        .api(
            Method::POST,
            "/v1/partners",
            Some(json!({"key": key, "email": format!("{key}@example.com")})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
}

async fn link(app: &TestApp, body: Value) -> common::Answer {
    app.api(Method::POST, "/v1/partner_referral_links", Some(body))
        .await
}

/// `GET /go/{code}` with a user agent.
async fn go(app: &TestApp, code: &str, user_agent: &str) -> common::Answer {
    app.send(
        Request::builder()
            .uri(format!("/go/{code}"))
            .header("user-agent", user_agent)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// A tracker visit beacon for `key` with a user agent.
async fn tracker_visit(app: &TestApp, key: &str, user_agent: &str) {
    let answer = app
        .beacon_with(
            "/pub/visits",
            json!({"program": app.pid(), "key": key, "visitor": visitor(),
                   "url": format!("{SHOP_ORIGIN}/?ref={key}")}),
            &[("origin", SHOP_ORIGIN), ("user-agent", user_agent)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
}

backend_test!(partner_links_are_created_changed_listed_and_deleted);
async fn partner_links_are_created_changed_listed_and_deleted(backend: Backend) {
    let app = affiliate_app(backend).await;
    partner(&app, "john").await;

    // Seed shape: 201 with Partnero's fields.
    let answer = link(&app, json!({"partner": {"key": "john"}, "key": "ref_456"})).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let data = &answer.body["data"];
    assert_eq!(data["id"], "ref_456");
    assert_eq!(data["key"], "ref_456");
    assert_eq!(data["url"], "http://shop.test:3000/?ref=ref_456");
    assert_eq!(data["default"], false);
    assert_eq!(data["is_additional"], false);
    assert_eq!(data["direct_tracking"], false);
    assert_eq!(data["direct_tracking_redirect"], false);
    assert_eq!(data["direct_tracking_redirect_url"], Value::Null);
    assert_eq!(data["partner"]["key"], "john");
    let code = data["short_code"].as_str().unwrap();
    assert!(
        data["short_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/go/{code}")),
        "{data}"
    );

    // By e-mail, on an additional domain, with a destination, label and UTM parameters.
    let domains = app
        .api(Method::GET, "/v1/partner_referral_links:domains", None)
        .await;
    assert_eq!(domains.status, StatusCode::OK);
    assert_eq!(
        domains.body["data"],
        json!([
            {"id": null, "domain": "shop.test:3000", "url": "http://shop.test:3000?ref=", "is_additional": false},
            {"id": "eu.shop.test:3000", "domain": "eu.shop.test:3000", "url": "http://eu.shop.test:3000?ref=", "is_additional": true}
        ])
    );
    let campaign = link(
        &app,
        json!({"partner": {"email": "john@example.com"}, "key": "summer",
               "domain_id": "eu.shop.test:3000", "is_additional": true, "label": "Summer",
               "utm": {"source": "partner", "campaign": "summer 24"}}),
    )
    .await;
    assert_eq!(campaign.status, StatusCode::CREATED, "{:?}", campaign.body);
    assert_eq!(
        campaign.body["data"]["url"],
        "http://eu.shop.test:3000/?ref=summer&utm_source=partner&utm_campaign=summer%2024"
    );
    assert_eq!(campaign.body["data"]["is_additional"], true);
    let promo = link(
        &app,
        json!({"partner_key": "john", "destination_url": "http://shop.test:3000/pricing",
               "label": "Promo page"}),
    )
    .await;
    assert_eq!(promo.status, StatusCode::CREATED, "{:?}", promo.body);
    assert!(
        promo.body["data"]["key"]
            .as_str()
            .unwrap()
            .starts_with("lnk_")
    );
    assert!(
        promo.body["data"]["url"]
            .as_str()
            .unwrap()
            .starts_with("http://shop.test:3000/pricing?ref=lnk_")
    );

    // Update: wrapped or flat; the key can change; clearing with null.
    let changed = app
        .api(
            Method::PUT,
            "/v1/partner_referral_links/summer",
            Some(json!({"update": {"label": "Summer sale", "key": "summer25", "domain_id": null}})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["data"]["key"], "summer25");
    assert_eq!(changed.body["data"]["label"], "Summer sale");
    assert_eq!(changed.body["data"]["is_additional"], false);
    assert_eq!(
        changed.body["data"]["url"],
        "http://shop.test:3000/?ref=summer25&utm_source=partner&utm_campaign=summer%2024"
    );
    let flat = app
        .api(
            Method::PUT,
            "/v1/partner_referral_links/summer",
            Some(json!({"utm": {}})),
        )
        .await;
    assert_eq!(
        flat.body["data"]["url"],
        "http://shop.test:3000/?ref=summer25"
    );

    // Lists: the partner's links (default first), all links, search.
    let mine = app
        .api(Method::GET, "/v1/partners/john/referral_links", None)
        .await;
    let keys: Vec<&str> = mine.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys[0], "john");
    assert_eq!(keys.len(), 4);
    let all = app
        .api(Method::GET, "/v1/partner_referral_links?limit=2", None)
        .await;
    assert_eq!(all.body["meta"]["total"], 4);
    let found = app
        .api(
            Method::GET,
            "/v1/partner_referral_links:search?query=promo",
            None,
        )
        .await;
    assert_eq!(found.body["meta"]["total"], 1);

    // Delete: the default link stays; others go and their key is free again.
    let default = app
        .api(Method::DELETE, "/v1/partner_referral_links/john", None)
        .await;
    assert_eq!(error_fields(&default), vec!["id"]);
    let gone = app
        .api(Method::DELETE, "/v1/partner_referral_links/ref_456", None)
        .await;
    assert_eq!(gone.body, json!({"status": 1}));
    assert_eq!(
        app.api(Method::GET, "/v1/partner_referral_links/ref_456", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        go(&app, code, BROWSER_UA).await.status,
        StatusCode::NOT_FOUND
    );
    let again = link(&app, json!({"partner": {"id": "john"}, "key": "ref_456"})).await;
    assert_eq!(again.status, StatusCode::CREATED);
    app.shutdown().await;
}

backend_test!(partner_link_validation_errors_name_the_field);
async fn partner_link_validation_errors_name_the_field(backend: Backend) {
    let app = affiliate_app(backend).await;
    partner(&app, "john").await;
    let john = json!({"key": "john"});
    let cases = [
        (json!({"key": "k1"}), "partner.key"),
        (json!({"partner": {}, "key": "k1"}), "partner.key"),
        (
            json!({"partner": {"key": "ghost"}, "key": "k1"}),
            "partner.key",
        ),
        (
            json!({"partner": {"email": "ghost@example.com"}, "key": "k1"}),
            "partner.email",
        ),
        (
            json!({"partner": {"key": "john", "x": 1}, "key": "k1"}),
            "partner.x",
        ),
        (json!({"partner": john, "key": "a b"}), "key"),
        (json!({"partner": john, "key": "x".repeat(65)}), "key"),
        (
            json!({"partner": john, "key": "k1", "domain_id": "eu.shop.test:3000"}),
            "is_additional",
        ),
        (
            json!({"partner": john, "key": "k1", "domain_id": "nope.test", "is_additional": true}),
            "domain_id",
        ),
        (
            json!({"partner": john, "key": "k1", "is_additional": true}),
            "domain_id",
        ),
        (
            json!({"partner": john, "key": "k1", "destination_url": "https://evil.test/"}),
            "destination_url",
        ),
        // A browser goes to evil.test (`\` ends the host): no open redirect through /go/.
        (
            json!({"partner": john, "key": "k1", "destination_url": "https://evil.test\\@shop.test:3000/"}),
            "destination_url",
        ),
        (
            json!({"partner": john, "key": "k1", "utm": {"source": "a\u{1}"}}),
            "utm.source",
        ),
        (
            json!({"partner": john, "key": "k1", "utm": {"colour": "red"}}),
            "utm.colour",
        ),
        (
            json!({"partner": john, "key": "k1", "customer": {"key": "x"}}),
            "customer",
        ),
        (json!({"partner": john, "key": "k1", "colour": 1}), "colour"),
    ];
    for (body, field) in cases {
        let answer = link(&app, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    // Keys are unique per program across owners (the partner's default link included).
    let taken = link(&app, json!({"partner": john, "key": "john"})).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(error_fields(&taken), vec!["key"]);
    let partner_over_link = app
        .api(Method::POST, "/v1/partners", Some(json!({"key": "k2"})))
        .await;
    assert_eq!(partner_over_link.status, StatusCode::CREATED);
    assert_eq!(
        link(&app, json!({"partner": john, "key": "k2"}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let bad_update = app
        .api(
            Method::PUT,
            "/v1/partner_referral_links/john",
            Some(json!({"update": {"key": "other"}})),
        )
        .await;
    assert_eq!(error_fields(&bad_update), vec!["key"]);
    let bad_range = app
        .api(
            Method::GET,
            "/v1/partner_referral_links/john?from=2025-13-01",
            None,
        )
        .await;
    assert_eq!(error_fields(&bad_range), vec!["from"]);
    for (query, field) in [
        ("to=9999-12-31", "to"),
        ("from=2025-05-09&to=2025-05-01", "from"),
        ("from=2020-01-01&to=2025-01-01", "from"),
        ("colour=red", "colour"),
    ] {
        let answer = app
            .api(
                Method::GET,
                &format!("/v1/partner_referral_links/john?{query}"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{query}");
    }
    let non_ascii = link(
        &app,
        json!({"partner": {"key": "john"}, "destination_url": "http://shop.test:3000/caf\u{e9}"}),
    )
    .await;
    assert_eq!(error_fields(&non_ascii), vec!["destination_url"]);
    for body in [json!({"update": 5}), json!({"key": 5}), json!({"utm": "x"})] {
        let answer = app
            .api(
                Method::PUT,
                "/v1/partner_referral_links/john",
                Some(body.clone()),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    app.shutdown().await;
}

backend_test!(partner_links_are_invisible_to_other_programs);
async fn partner_links_are_invisible_to_other_programs(backend: Backend) {
    let app = affiliate_app(backend).await;
    partner(&app, "john").await;
    let other = other_affiliate(&app).await;
    for (method, uri) in [
        (Method::GET, "/v1/partner_referral_links/john"),
        (Method::PUT, "/v1/partner_referral_links/john"),
        (Method::DELETE, "/v1/partner_referral_links/john"),
    ] {
        let body = (method == Method::PUT).then(|| json!({"label": "x"}));
        let answer = app.api_as(Some(&other), method.clone(), uri, body).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {uri}");
    }
    let create = app
        .api_as(
            Some(&other),
            Method::POST,
            "/v1/partner_referral_links",
            Some(json!({"partner": {"key": "john"}, "key": "x1"})),
        )
        .await;
    assert_eq!(error_fields(&create), vec!["partner.key"]);
    let list = app
        .api_as(
            Some(&other),
            Method::GET,
            "/v1/partner_referral_links",
            None,
        )
        .await;
    assert_eq!(list.body["meta"]["total"], 0);
    // A refer-a-friend program has no partner links.
    let refer = app
        .api_as(
            Some(&app.other.api_key),
            Method::GET,
            "/v1/partner_referral_links:domains",
            None,
        )
        .await;
    assert_eq!(refer.status, StatusCode::FORBIDDEN);
    app.shutdown().await;
}

backend_test!(short_links_redirect_and_count_one_click_per_landing);
async fn short_links_redirect_and_count_one_click_per_landing(backend: Backend) {
    let app = affiliate_app(backend).await;
    partner(&app, "john").await;
    let created = link(
        &app,
        json!({"partner": {"key": "john"}, "key": "promo",
               "destination_url": "http://shop.test:3000/pricing", "utm": {"source": "newsletter"}}),
    )
    .await;
    let code = created.body["data"]["short_code"]
        .as_str()
        .unwrap()
        .to_owned();

    let answer = go(&app, &code, BROWSER_UA).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(
        answer.headers["location"],
        "http://shop.test:3000/pricing?ref=promo&utm_source=newsletter"
    );
    assert_eq!(answer.headers["cache-control"], "no-store");
    // The tracker on the landing page reports the same click: merged, not counted again.
    tracker_visit(&app, "promo", BROWSER_UA).await;
    // Bots and HEAD requests are redirected but not counted.
    let bot = go(&app, &code, "Mozilla/5.0 (compatible; Googlebot/2.1)").await;
    assert_eq!(bot.status, StatusCode::FOUND);
    let head = app
        .send(
            Request::builder()
                .method(Method::HEAD)
                .uri(format!("/go/{code}"))
                .header("user-agent", BROWSER_UA)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(head.status, StatusCode::FOUND);
    let shown = app
        .api(Method::GET, "/v1/partner_referral_links/promo", None)
        .await;
    assert_eq!(shown.body["data"]["clicks"], 1, "{:?}", shown.body);
    assert_eq!(shown.body["data"]["unique_clicks"], 1);

    // A second click of the same browser is a click, not a unique one; another browser's
    // tracker-only visit counts on its own.
    assert_eq!(go(&app, &code, BROWSER_UA).await.status, StatusCode::FOUND);
    tracker_visit(&app, "promo", "Mozilla/5.0 (Macintosh) Safari/605.1.15").await;
    let shown = app
        .api(Method::GET, "/v1/partner_referral_links/promo", None)
        .await;
    assert_eq!(shown.body["data"]["clicks"], 3);
    assert_eq!(shown.body["data"]["unique_clicks"], 2);
    let today = shown.body["data"]["daily"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(today["clicks"], 3);
    assert_eq!(shown.body["data"]["daily"].as_array().unwrap().len(), 30);
    let partner = app.api(Method::GET, "/v1/partners/john", None).await;
    assert_eq!(partner.body["data"]["stats"]["clicks"], 3);

    // Unknown and malformed codes.
    for code in ["zzzzzzzz", "%3Cscript%3E", "0"] {
        let answer = go(&app, code, BROWSER_UA).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{code}");
        assert_eq!(answer.headers["content-type"], "application/json");
    }
    app.shutdown().await;
}

backend_test!(customer_links_are_added_to_refer_a_friend_customers);
async fn customer_links_are_added_to_refer_a_friend_customers(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    let answer = app
        .api(
            Method::POST,
            "/v1/customer_referral_links",
            Some(json!({"customer": {"key": "alice"}, "key": "alice-blog", "label": "Blog"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    assert_eq!(
        answer.body["data"]["url"],
        "http://shop.test:3000/?ref=alice-blog"
    );
    assert_eq!(answer.body["data"]["customer"]["key"], "alice");
    assert_eq!(answer.body["data"]["partner"], Value::Null);

    // Listed with the customer's own links.
    let links = app
        .api(Method::GET, "/v1/customers/alice/referral_links", None)
        .await;
    let keys: Vec<&str> = links.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["alice", "alice-blog"]);

    // A friend whose cookie holds the link key is referred by alice, and counts as its lead.
    let bob = app.customer("bob", Some("alice-blog")).await;
    assert_eq!(bob["referring_customer"]["key"], "alice");
    let shown = app
        .api(Method::GET, "/v1/customer_referral_links/alice-blog", None)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["data"]["leads"], 1);
    assert_eq!(
        app.sale("bob", "t1", json!(20)).await.status,
        StatusCode::CREATED
    );
    let shown = app
        .api(Method::GET, "/v1/customer_referral_links/alice-blog", None)
        .await;
    assert_eq!(shown.body["data"]["conversions"], 1);
    assert_eq!(shown.body["data"]["revenue"][0]["amount"], 20);

    // Clicks on added links count in the customer's stats (a short-link click and the tracker
    // visit it lands on count once).
    tracker_visit(&app, "alice", "Mozilla/5.0 (one)").await;
    tracker_visit(&app, "alice-blog", "Mozilla/5.0 (two)").await;
    let code = shown.body["data"]["short_code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        go(&app, &code, "Mozilla/5.0 (three)").await.status,
        StatusCode::FOUND
    );
    tracker_visit(&app, "alice-blog", "Mozilla/5.0 (three)").await;
    let stats = app
        .api(Method::GET, "/v1/customers/alice/stats", None)
        .await;
    assert_eq!(stats.body["data"]["clicks"], 3, "{:?}", stats.body);

    // Update, list, delete; validation; keys never shadow customer keys.
    let changed = app
        .api(
            Method::PUT,
            "/v1/customer_referral_links/alice-blog",
            Some(json!({"label": "My blog"})),
        )
        .await;
    assert_eq!(changed.body["data"]["label"], "My blog");
    let list = app
        .api(Method::GET, "/v1/customer_referral_links", None)
        .await;
    assert_eq!(list.body["meta"]["total"], 1);
    for (body, field, status) in [
        (
            json!({"key": "x1"}),
            "customer.key",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"customer": {"key": "ghost"}, "key": "x1"}),
            "customer.key",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"customer": {"key": "alice"}, "partner": {"key": "x"}}),
            "partner",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"customer": {"key": "alice"}, "key": "bob"}),
            "key",
            StatusCode::CONFLICT,
        ),
        (
            json!({"customer": {"key": "alice"}, "key": "alice-blog"}),
            "key",
            StatusCode::CONFLICT,
        ),
    ] {
        let answer = app
            .api(
                Method::POST,
                "/v1/customer_referral_links",
                Some(body.clone()),
            )
            .await;
        assert_eq!(answer.status, status, "{body}: {:?}", answer.body);
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    let other = app
        .api_as(
            Some(&app.other.api_key),
            Method::GET,
            "/v1/customer_referral_links/alice-blog",
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let gone = app
        .api(
            Method::DELETE,
            "/v1/customer_referral_links/alice-blog",
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    let links = app
        .api(Method::GET, "/v1/customers/alice/referral_links", None)
        .await;
    assert_eq!(links.body["data"].as_array().unwrap().len(), 1);
    // A deleted customer's links go with them: their short link no longer redirects.
    let kept = app
        .api(
            Method::POST,
            "/v1/customer_referral_links",
            Some(json!({"customer": {"key": "alice"}, "key": "alice-news"})),
        )
        .await;
    assert_eq!(kept.status, StatusCode::CREATED, "{:?}", kept.body);
    let kept_code = kept.body["data"]["short_code"].as_str().unwrap().to_owned();
    assert_eq!(
        go(&app, &kept_code, "Mozilla/5.0 (four)").await.status,
        StatusCode::FOUND
    );
    let deleted = app.api(Method::DELETE, "/v1/customers/alice", None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.body);
    assert_eq!(
        go(&app, &kept_code, "Mozilla/5.0 (five)").await.status,
        StatusCode::NOT_FOUND
    );
    // Affiliate programs use partner links instead.
    let affiliate = affiliate_app(backend).await;
    let refused = affiliate
        .api(Method::GET, "/v1/customer_referral_links", None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    affiliate.shutdown().await;
    app.shutdown().await;
}

backend_test!(link_domains_are_settings_and_their_pages_may_report_visits);
async fn link_domains_are_settings_and_their_pages_may_report_visits(backend: Backend) {
    let app = affiliate_app(backend).await;
    for (body, field) in [
        (
            json!({"link_domains": ["ftp://promo.test"]}),
            "link_domains.0",
        ),
        (
            json!({"link_domains": ["https://promo.test/path"]}),
            "link_domains.0",
        ),
        (
            json!({"link_domains": "https://promo.test"}),
            "link_domains",
        ),
    ] {
        let answer = app
            .api(Method::PUT, "/v1/settings", Some(body.clone()))
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    let set = app
        .api(
            Method::PUT,
            "/v1/settings",
            Some(json!({"update": {"link_domains": ["https://promo.test/", "http://eu.shop.test:3000"]}})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    assert_eq!(
        set.body["data"]["link_domains"],
        json!(["https://promo.test", "http://eu.shop.test:3000"])
    );
    let domains = app
        .api(Method::GET, "/v1/partner_referral_links:domains", None)
        .await;
    let ids: Vec<Value> = domains.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [Value::Null, json!("promo.test"), json!("eu.shop.test:3000")]
    );
    // A link on the new domain; its landing page may report the visit.
    partner(&app, "john").await;
    let created = link(
        &app,
        json!({"partner": {"key": "john"}, "key": "promo", "domain_id": "promo.test", "is_additional": true}),
    )
    .await;
    assert_eq!(created.body["data"]["url"], "https://promo.test/?ref=promo");
    let visit = app
        .beacon_with(
            "/pub/visits",
            json!({"program": app.pid(), "key": "promo", "visitor": visitor(),
                   "url": "https://promo.test/?ref=promo"}),
            &[("origin", "https://promo.test")],
        )
        .await;
    assert_eq!(visit.status, StatusCode::NO_CONTENT, "{:?}", visit.body);
    let shown = app
        .api(Method::GET, "/v1/partner_referral_links/promo", None)
        .await;
    assert_eq!(shown.body["data"]["clicks"], 1);
    app.shutdown().await;
}
