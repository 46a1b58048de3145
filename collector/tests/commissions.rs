//! Affiliate attribution and commissions: customers carry a partner (or one of its link keys),
//! API sales earn the partner a commission per the program's rules, coupons attribute sales
//! without a cookie, refunds reverse commissions, and pending commissions are marked paid.

mod common;

use axum::http::{Method, StatusCode};
use common::{Backend, SHOP_ORIGIN, TestApp, affiliate_app, backend_test, error_fields, visitor};
use serde_json::{Value, json};

async fn post(app: &TestApp, uri: &str, body: Value) -> Value {
    let answer = app.api(Method::POST, uri, Some(body)).await;
    assert!(
        answer.status == StatusCode::CREATED || answer.status == StatusCode::OK,
        "{uri}: {:?}",
        answer.body
    );
    answer.body["data"].clone()
}

backend_test!(partners_earn_commissions_on_their_customers_sales);
async fn partners_earn_commissions_on_their_customers_sales(backend: Backend) {
    let app = affiliate_app(backend).await;
    let hook = post(
        &app,
        "/v1/webhooks",
        json!({"name": "h", "url": "https://hooks.example.com/x",
               "events": ["reward.created", "reward.paid"]}),
    )
    .await;
    let hook = hook["key"].as_str().unwrap().to_owned();
    post(
        &app,
        "/v1/partners",
        json!({"key": "john", "email": "john@example.com"}),
    )
    .await;
    post(
        &app,
        "/v1/partner_referral_links",
        json!({"partner": {"key": "john"}, "key": "john-blog"}),
    )
    .await;

    // A click on the link, then a customer whose partnero_partner cookie holds the link key.
    let visit = app
        .beacon(
            "/pub/visits",
            json!({"program": app.pid(), "key": "john-blog", "visitor": visitor(),
                   "url": format!("{SHOP_ORIGIN}/?ref=john-blog")}),
        )
        .await;
    assert_eq!(visit.status, StatusCode::NO_CONTENT);
    let bob = post(
        &app,
        "/v1/customers",
        json!({"key": "bob", "email": "bob@example.com", "partner": {"key": "john-blog"}}),
    )
    .await;
    assert_eq!(bob["partner"]["key"], "john");
    assert_eq!(bob["referral_link_key"], "john-blog");
    // By partner key (default link), id and e-mail.
    let carol = post(
        &app,
        "/v1/customers",
        json!({"key": "carol", "partner": {"key": "john"}}),
    )
    .await;
    assert_eq!(carol["referral_link_key"], "john");
    let dave = post(
        &app,
        "/v1/customers",
        json!({"key": "dave", "partner": {"email": "JOHN@example.com"}}),
    )
    .await;
    assert_eq!(dave["partner"]["key"], "john");
    let shown = app.api(Method::GET, "/v1/customers/bob", None).await;
    assert_eq!(shown.body["data"]["partner"]["key"], "john");

    // 20 % of the first two sales of each customer.
    let sale = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "bob"}, "key": "t1", "amount": 49, "action": "sale"}),
    )
    .await;
    assert_eq!(sale["partner"]["key"], "john");
    assert_eq!(sale["referral_link_key"], "john-blog");
    assert_eq!(sale["credit"], 9.8);
    assert_eq!(sale["commissions"][0]["status"], "pending");
    assert_eq!(sale["commissions"][0]["amount"], 9.8);
    // Idempotent by key: no second commission.
    let again = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "bob"}, "key": "t1", "amount": 49, "action": "sale"}),
    )
    .await;
    assert_eq!(again["commissions"].as_array().unwrap().len(), 1);
    post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "bob"}, "key": "t2", "amount": 10}),
    )
    .await;
    let third = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "bob"}, "key": "t3", "amount": 10}),
    )
    .await;
    assert_eq!(third["commissions"], json!([]), "limit_sales: 2");
    post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "carol"}, "key": "t4", "amount": 100}),
    )
    .await;

    // Browser-reported sales never earn.
    let browser = app
        .beacon(
            "/pub/transactions",
            json!({"program": app.pid(), "visitor": visitor(), "referral": "john-blog",
                   "transaction": {"key": "b1", "amount": 500, "customer": {"key": "bob"}}}),
        )
        .await;
    assert_eq!(browser.status, StatusCode::NO_CONTENT, "{:?}", browser.body);

    // A refund reverses the commission.
    let refund = app.api(Method::DELETE, "/v1/transactions/t2", None).await;
    assert_eq!(refund.status, StatusCode::OK);
    let refunded = app.api(Method::GET, "/v1/transactions/t2", None).await;
    assert_eq!(
        refunded.body["data"]["commissions"][0]["status"],
        "reversed"
    );

    // Partner stats.
    let john = app.api(Method::GET, "/v1/partners/john", None).await;
    let stats = &john.body["data"]["stats"];
    assert_eq!(stats["clicks"], 1);
    assert_eq!(stats["signups"], 3);
    assert_eq!(stats["sales_count"], 3, "{stats}");
    assert_eq!(stats["paid_accounts"], 2);
    assert_eq!(stats["revenue"][0]["amount"], 159);
    assert_eq!(stats["commissions"]["pending"][0]["amount"], 29.8);
    assert_eq!(stats["commissions"]["paid"], json!([]));

    // Link analytics: the blog link has one click, one lead (bob) and bob's sales.
    let blog = app
        .api(Method::GET, "/v1/partner_referral_links/john-blog", None)
        .await;
    let data = &blog.body["data"];
    assert_eq!(data["clicks"], 1);
    assert_eq!(data["leads"], 1);
    assert_eq!(data["conversions"], 2);
    assert_eq!(data["revenue"][0]["amount"], 59);
    let today = data["daily"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(today["leads"], 1);
    assert_eq!(today["conversions"], 2);

    // Pay the pending commissions.
    let paid = post(&app, "/v1/partners/john/commissions/pay", json!({})).await;
    assert_eq!(paid.as_array().unwrap().len(), 2);
    assert!(
        paid.as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "paid")
    );
    let john = app.api(Method::GET, "/v1/partners/john", None).await;
    assert_eq!(
        john.body["data"]["stats"]["commissions"]["paid"][0]["amount"],
        29.8
    );
    assert_eq!(
        john.body["data"]["stats"]["commissions"]["pending"],
        json!([])
    );
    let list = app
        .api(Method::GET, "/v1/partners/john/commissions", None)
        .await;
    assert_eq!(list.body["meta"]["total"], 3);
    let again = post(&app, "/v1/partners/john/commissions/pay", json!({})).await;
    assert_eq!(again, json!([]));

    assert_eq!(
        common::delivered_events(&app, &hook).await,
        [
            "reward.created",
            "reward.created",
            "reward.created",
            "reward.paid",
            "reward.paid"
        ]
    );
    app.shutdown().await;
}

backend_test!(coupons_attribute_sales_without_a_cookie);
async fn coupons_attribute_sales_without_a_cookie(backend: Backend) {
    let app = affiliate_app(backend).await;
    post(&app, "/v1/partners", json!({"key": "john"})).await;
    post(&app, "/v1/partners", json!({"key": "ann"})).await;
    post(
        &app,
        "/v1/coupons",
        json!({"code": "JOHN20", "partner": {"key": "john"}, "discount_type": "percentage", "discount_value": 20}),
    )
    .await;
    // An unattributed buyer, and one attributed to ann: the coupon wins.
    post(&app, "/v1/customers", json!({"key": "bob"})).await;
    post(
        &app,
        "/v1/customers",
        json!({"key": "eve", "partner": {"key": "ann"}}),
    )
    .await;
    let sale = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "bob"}, "key": "t1", "amount": 50, "coupon": "JOHN20"}),
    )
    .await;
    assert_eq!(sale["partner"]["key"], "john");
    assert_eq!(sale["coupon"], "JOHN20");
    assert_eq!(sale["credit"], 10);
    let other = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "eve"}, "key": "t2", "amount": 50, "coupon": "JOHN20"}),
    )
    .await;
    assert_eq!(other["partner"]["key"], "john");
    assert_eq!(other["referral_link_key"], Value::Null);
    // Without a coupon and without a partner: no attribution.
    let plain = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "bob"}, "key": "t3", "amount": 50}),
    )
    .await;
    assert_eq!(plain["partner"], Value::Null);
    assert_eq!(plain["commissions"], json!([]));
    // Lists carry the attribution too.
    let list = app.api(Method::GET, "/v1/transactions", None).await;
    let partners: Vec<Value> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["partner"]["key"].clone())
        .collect();
    assert_eq!(partners, [json!("john"), json!("john"), Value::Null]);
    let customers = app.api(Method::GET, "/v1/customers", None).await;
    assert_eq!(customers.body["data"][1]["partner"]["key"], "ann");
    // A deleted partner earns nothing more.
    let gone = app.api(Method::DELETE, "/v1/partners/ann", None).await;
    assert_eq!(gone.status, StatusCode::OK);
    let after = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "eve"}, "key": "t4", "amount": 50}),
    )
    .await;
    assert_eq!(after["partner"], Value::Null);
    assert_eq!(after["commissions"], json!([]));

    // Unknown coupon: 422 naming the field, nothing stored (also inside a batch).
    let unknown = app
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"customer": {"key": "bob"}, "key": "t9", "amount": 5, "coupon": "NOPE"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&unknown), vec!["coupon"]);
    let batch = app
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"customer": {"key": "bob"}, "transactions": [
                {"key": "t10", "amount": 5}, {"key": "t11", "amount": 5, "coupon": "NOPE"}]})),
        )
        .await;
    assert_eq!(error_fields(&batch), vec!["transactions.1.coupon"]);
    assert_eq!(
        app.api(Method::GET, "/v1/transactions/t10", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let malformed = app
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"customer": {"key": "bob"}, "key": "t9", "amount": 5, "coupon": "a b"})),
        )
        .await;
    assert_eq!(error_fields(&malformed), vec!["coupon"]);
    app.shutdown().await;
}

backend_test!(attribution_fields_are_validated_per_program_type);
async fn attribution_fields_are_validated_per_program_type(backend: Backend) {
    let app = affiliate_app(backend).await;
    post(&app, "/v1/partners", json!({"key": "john"})).await;
    for (body, field) in [
        (
            json!({"key": "x", "partner": {"key": "ghost"}}),
            "partner.key",
        ),
        (
            json!({"key": "x", "partner": {"id": "ghost"}}),
            "partner.id",
        ),
        (json!({"key": "x", "partner": {}}), "partner.key"),
        (
            json!({"key": "x", "partner": {"key": "a b"}}),
            "partner.key",
        ),
        (
            json!({"key": "x", "referring_customer": {"key": "john"}}),
            "referring_customer",
        ),
    ] {
        let answer = app
            .api(Method::POST, "/v1/customers", Some(body.clone()))
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    assert_eq!(
        app.api(Method::GET, "/v1/customers/x", None).await.status,
        StatusCode::NOT_FOUND
    );
    // Refer-a-friend programs have neither partners nor coupons.
    let refer = TestApp::new(backend).await;
    refer.customer("alice", None).await;
    let partner = refer
        .api(
            Method::POST,
            "/v1/customers",
            Some(json!({"key": "bob", "partner": {"key": "john"}})),
        )
        .await;
    assert_eq!(error_fields(&partner), vec!["partner"]);
    let coupon = refer
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"customer": {"key": "alice"}, "key": "t1", "amount": 5, "coupon": "X"})),
        )
        .await;
    assert_eq!(error_fields(&coupon), vec!["coupon"]);
    refer.shutdown().await;
    app.shutdown().await;
}

backend_test!(browser_sign_ups_carry_the_partner_until_the_backend_confirms_them);
async fn browser_sign_ups_carry_the_partner_until_the_backend_confirms_them(backend: Backend) {
    let app = affiliate_app(backend).await;
    post(&app, "/v1/partners", json!({"key": "john"})).await;
    post(
        &app,
        "/v1/partner_referral_links",
        json!({"partner": {"key": "john"}, "key": "john-blog"}),
    )
    .await;
    for (key, referral) in [("bob", "john-blog"), ("eve", "ghost")] {
        let signup = app
            .beacon(
                "/pub/signups",
                json!({"program": app.pid(), "visitor": visitor(), "referral": referral,
                       "customer": {"key": key, "email": format!("{key}@example.com")}}),
            )
            .await;
        assert_eq!(signup.status, StatusCode::NO_CONTENT, "{:?}", signup.body);
    }
    // Browser-reported: attributed, but not a sign-up of the partner yet.
    let john = app.api(Method::GET, "/v1/partners/john", None).await;
    assert_eq!(john.body["data"]["stats"]["signups"], 0);
    let bob = app.api(Method::GET, "/v1/customers/bob", None).await;
    assert_eq!(bob.body["data"]["partner"]["key"], "john");
    let eve = app.api(Method::GET, "/v1/customers/eve", None).await;
    assert_eq!(eve.body["data"]["partner"], Value::Null);
    // A browser sale that creates its customer attributes it the same way.
    for (key, referral) in [("dan", "john-blog"), ("fay", "ghost")] {
        let sale = app
            .beacon(
                "/pub/transactions",
                json!({"program": app.pid(), "visitor": visitor(), "referral": referral,
                       "transaction": {"key": format!("{key}-1"), "amount": 5,
                                       "customer": {"key": key}},
                       "options": {"create_customer": true}}),
            )
            .await;
        assert_eq!(sale.status, StatusCode::NO_CONTENT, "{:?}", sale.body);
    }
    let dan = app.api(Method::GET, "/v1/customers/dan", None).await;
    assert_eq!(dan.body["data"]["partner"]["key"], "john", "{:?}", dan.body);
    assert_eq!(dan.body["data"]["referral_link_key"], "john-blog");
    let fay = app.api(Method::GET, "/v1/customers/fay", None).await;
    assert_eq!(fay.body["data"]["partner"], Value::Null, "{:?}", fay.body);
    // The backend confirms bob: the attribution stays.
    let confirmed = post(&app, "/v1/customers", json!({"key": "bob", "name": "Bob"})).await;
    assert_eq!(confirmed["referral_link_key"], "john-blog");
    let john = app.api(Method::GET, "/v1/partners/john", None).await;
    assert_eq!(john.body["data"]["stats"]["signups"], 1);
    app.shutdown().await;
}

backend_test!(commissions_stop_after_the_months_limit_and_payouts_validate);
async fn commissions_stop_after_the_months_limit_and_payouts_validate(backend: Backend) {
    let app = TestApp::with(
        backend,
        |spec| {
            spec.kind = collector::program::ProgramKind::Affiliate;
            spec.rewards = collector::rewards::RewardRules {
                referrer: Some(collector::rewards::SaleReward {
                    kind: collector::rewards::RewardKind::Fixed,
                    value: 500,
                    limit_sales: None,
                    limit_months: Some(1),
                }),
                ..Default::default()
            };
        },
        |config| config,
    )
    .await;
    post(&app, "/v1/partners", json!({"key": "john"})).await;
    post(
        &app,
        "/v1/customers",
        json!({"key": "old", "partner": {"key": "john"}}),
    )
    .await;
    post(
        &app,
        "/v1/customers",
        json!({"key": "new", "partner": {"key": "john"}}),
    )
    .await;
    // "old" signed up 40 days ago.
    app.db
        .execute("UPDATE customers SET created_at = created_at - 3456000000000 WHERE key = 'old'")
        .await;
    let late = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "old"}, "key": "t1", "amount": 100}),
    )
    .await;
    assert_eq!(late["commissions"], json!([]));
    assert_eq!(late["partner"]["key"], "john");
    let fresh = post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "new"}, "key": "t2", "amount": 100}),
    )
    .await;
    assert_eq!(fresh["credit"], 5, "fixed commission");

    let extra = app
        .api(
            Method::POST,
            "/v1/partners/john/commissions/pay",
            Some(json!({"all": true})),
        )
        .await;
    assert_eq!(error_fields(&extra), vec!["all"]);
    let bad_page = app
        .api(Method::GET, "/v1/partners/john/commissions?page=0", None)
        .await;
    assert_eq!(error_fields(&bad_page), vec!["page"]);
    let unknown = app
        .api(Method::POST, "/v1/partners/ghost/commissions/pay", None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    app.shutdown().await;
}

backend_test!(created_events_carry_the_partner_attribution);
async fn created_events_carry_the_partner_attribution(backend: Backend) {
    let app = affiliate_app(backend).await;
    let hook = post(
        &app,
        "/v1/webhooks",
        json!({"name": "h", "url": "https://hooks.example.com/x",
               "events": ["customer.created", "transaction.created"]}),
    )
    .await;
    let hook = hook["key"].as_str().unwrap().to_owned();
    post(&app, "/v1/partners", json!({"key": "john"})).await;
    post(
        &app,
        "/v1/customers",
        json!({"key": "bob", "partner": {"key": "john"}}),
    )
    .await;
    post(
        &app,
        "/v1/transactions",
        json!({"customer": {"key": "bob"}, "key": "t1", "amount": 10}),
    )
    .await;
    let log = app
        .api(
            Method::GET,
            &format!("/v1/webhooks/{hook}/deliveries"),
            None,
        )
        .await;
    let payloads: Vec<Value> = log.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|d| d["payload"].clone())
        .collect();
    assert_eq!(payloads.len(), 2, "{payloads:?}");
    assert_eq!(payloads[0]["event"], "customer.created");
    assert_eq!(payloads[0]["data"]["partner"]["key"], "john");
    assert_eq!(payloads[0]["data"]["referral_link_key"], "john");
    assert_eq!(payloads[1]["event"], "transaction.created");
    assert_eq!(payloads[1]["data"]["partner"]["key"], "john");
    assert_eq!(payloads[1]["data"]["commissions"][0]["amount"], 2);
    app.shutdown().await;
}
