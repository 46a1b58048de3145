//! `/v1/transactions`: rewards, idempotency (also under concurrent duplicates), batches,
//! refunds, archive, and validation.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::{Backend, TestApp, backend_test, error_fields};
use serde_json::{Value, json};

fn rules(value: Value) -> collector::rewards::RewardRules {
    serde_json::from_value(value).expect("reward rules")
}

backend_test!(a_referred_sale_rewards_the_referrer);
async fn a_referred_sale_rewards_the_referrer(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        rules(json!({"referrer": {"type": "percent", "value": 12.5}})),
    )
    .await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    let answer = app.sale("bob", "invoice_123", json!(99.99)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let data = &answer.body["data"];
    assert_eq!(data["key"], "invoice_123");
    assert_eq!(data["action"], "sale");
    assert_eq!(data["amount"], 99.99);
    assert_eq!(data["amount_units"], "usd");
    assert_eq!(data["is_currency"], true);
    assert_eq!(data["customer"]["key"], "alice", "customer is the referrer");
    assert_eq!(data["referred_customer"]["key"], "bob");
    assert_eq!(data["credit"], 12.5); // 12.49875 rounds half up to 12.50
    let rewards = data["rewards"].as_array().unwrap();
    assert_eq!(rewards.len(), 1);
    assert_eq!(rewards[0]["customer"]["key"], "alice");
    assert_eq!(rewards[0]["recipient"], "referrer");
    assert_eq!(rewards[0]["status"], "credited");
    assert_eq!(app.balance_minor("alice", "usd").await, 1_250);

    // A sale of a customer nobody referred rewards no one.
    let solo = app.sale("alice", "invoice_124", json!(50)).await;
    assert_eq!(solo.status, StatusCode::CREATED);
    assert_eq!(solo.body["data"]["rewards"], json!([]));
    assert_eq!(solo.body["data"]["customer"], json!(null));
}

backend_test!(repeating_a_post_returns_the_original_and_never_rewards_twice);
async fn repeating_a_post_returns_the_original_and_never_rewards_twice(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        rules(json!({"referrer": {"type": "fixed", "value": 5}})),
    )
    .await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    let first = app.sale("bob", "order_1", json!(10)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = app.sale("bob", "order_1", json!(999)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, first.body);
    assert_eq!(app.balance_minor("alice", "usd").await, 500);
}

backend_test!(concurrent_duplicate_posts_reward_once);
async fn concurrent_duplicate_posts_reward_once(backend: Backend) {
    let app = Arc::new(
        TestApp::with_rewards(
            backend,
            rules(json!({"referrer": {"type": "percent", "value": 10}})),
        )
        .await,
    );
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.sale("bob", "dup_1", json!(100)).await
        }));
    }
    let mut created = 0;
    let mut bodies = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        match answer.status {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}: {:?}", answer.body),
        }
        bodies.push(answer.body["data"].clone());
    }
    assert_eq!(created, 1);
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(app.balance_minor("alice", "usd").await, 1_000);
    let list = app.api(Method::GET, "/v1/transactions", None).await;
    assert_eq!(list.body["meta"]["total"], 1);
}

backend_test!(
    concurrent_sales_of_one_buyer_keep_the_sales_limit,
    multi_thread
);
/// Concurrent sales of one buyer, named by key or by id, see each other's sales: with a limit of
/// one rewarded sale, exactly one of them rewards the referrer.
async fn concurrent_sales_of_one_buyer_keep_the_sales_limit(backend: Backend) {
    let app = Arc::new(
        TestApp::with_rewards(
            backend,
            rules(json!({"referrer": {"type": "percent", "value": 10, "limit_sales": 1}})),
        )
        .await,
    );
    app.customer("alice", None).await;
    let bob_id = app.customer("bob", Some("alice")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tasks = Vec::new();
    for n in 0..16 {
        let app = app.clone();
        let buyer = if n % 4 == 0 {
            json!({"key": "bob"})
        } else {
            json!({"id": bob_id})
        };
        tasks.push(tokio::spawn(async move {
            let body = json!({"customer": buyer, "key": format!("s{n}"), "amount": 100});
            app.api(Method::POST, "/v1/transactions", Some(body)).await
        }));
    }
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    }
    assert_eq!(app.balance_minor("alice", "usd").await, 1_000);
}

backend_test!(reward_limits_signup_reward_and_friend_reward);
async fn reward_limits_signup_reward_and_friend_reward(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        rules(json!({
            "referrer": {"type": "percent", "value": 10, "limit_sales": 2},
            "referrer_signup": {"amount": 3},
            "referred": {"type": "fixed", "value": 7, "limit_sales": 1},
        })),
    )
    .await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    assert_eq!(
        app.balance_minor("alice", "usd").await,
        300,
        "sign-up reward"
    );
    let first = app.sale("bob", "s1", json!(100)).await;
    let recipients: Vec<_> = first.body["data"]["rewards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["recipient"].clone())
        .collect();
    assert_eq!(recipients, vec![json!("referrer"), json!("referred")]);
    app.sale("bob", "s2", json!(100)).await;
    let third = app.sale("bob", "s3", json!(100)).await;
    assert_eq!(
        third.body["data"]["rewards"],
        json!([]),
        "limit of 2 sales reached"
    );
    assert_eq!(app.balance_minor("alice", "usd").await, 300 + 1_000 + 1_000);
    assert_eq!(app.balance_minor("bob", "usd").await, 700);
    // Non-sale actions are recorded without rewards.
    let other = app
        .api(Method::POST, "/v1/transactions", Some(json!({"customer": {"key": "bob"}, "key": "r1", "amount": 5, "action": "renewal_fee"})))
        .await;
    assert_eq!(other.status, StatusCode::CREATED);
    assert_eq!(other.body["data"]["rewards"], json!([]));
}

backend_test!(months_limit_stops_rewards_for_old_referrals);
async fn months_limit_stops_rewards_for_old_referrals(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        rules(json!({"referrer": {"type": "fixed", "value": 1, "limit_months": 1}})),
    )
    .await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    app.customer("carol", Some("alice")).await;
    assert_eq!(
        app.sale("bob", "fresh", json!(1)).await.body["data"]["rewards"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Carol signed up 40 days ago (40 × 86,400 × 10⁶ µs).
    app.db
        .execute("UPDATE customers SET created_at = created_at - 3456000000000 WHERE key = 'carol'")
        .await;
    assert_eq!(
        app.sale("carol", "late", json!(1)).await.body["data"]["rewards"],
        json!([])
    );
    assert_eq!(app.balance_minor("alice", "usd").await, 100);
}

backend_test!(manual_programs_keep_rewards_pending);
async fn manual_programs_keep_rewards_pending(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        rules(json!({"referrer": {"type": "fixed", "value": 4}, "manual": true})),
    )
    .await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    let sale = app.sale("bob", "m1", json!(10)).await;
    assert_eq!(sale.body["data"]["rewards"][0]["status"], "pending");
    let balance = app
        .api(Method::GET, "/v1/customers/alice/balance", None)
        .await;
    assert_eq!(balance.body["data"]["balance"], json!([]));
    assert_eq!(
        balance.body["data"]["pending"],
        json!([{"amount": 4, "amount_units": "usd", "is_currency": true}])
    );

    // Approving: an id that is not a pending reward of this customer credits nothing.
    let first_reward = sale.body["data"]["rewards"][0]["id"].as_i64().unwrap();
    app.sale("bob", "m2", json!(10)).await;
    let refused = app
        .api(
            Method::POST,
            "/v1/customers/alice/rewards/credit",
            Some(json!({"ids": [first_reward, 999_999]})),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    assert_eq!(error_fields(&refused), vec!["ids.1"]);
    let one = app
        .api(
            Method::POST,
            "/v1/customers/alice/rewards/credit",
            Some(json!({"ids": [first_reward]})),
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{:?}", one.body);
    assert_eq!(
        one.body["data"]["balance"],
        json!([{"amount": 4, "amount_units": "usd", "is_currency": true}])
    );
    assert_eq!(
        one.body["data"]["pending"],
        json!([{"amount": 4, "amount_units": "usd", "is_currency": true}])
    );
    let credited = app.api(Method::GET, "/v1/transactions/m1", None).await;
    assert_eq!(credited.body["data"]["rewards"][0]["status"], "credited");
    // All the rest; then a refund takes back what was credited.
    let all = app
        .api(
            Method::POST,
            "/v1/customers/alice/rewards/credit",
            Some(json!({})),
        )
        .await;
    assert_eq!(all.body["data"]["pending"], json!([]));
    assert_eq!(app.balance_minor("alice", "usd").await, 800);
    let refund = app.api(Method::DELETE, "/v1/transactions/m1", None).await;
    assert_eq!(refund.status, StatusCode::OK, "{:?}", refund.body);
    assert_eq!(app.balance_minor("alice", "usd").await, 400);
    let again = app
        .api(
            Method::POST,
            "/v1/customers/alice/rewards/credit",
            Some(json!({"ids": [first_reward]})),
        )
        .await;
    assert_eq!(error_fields(&again), vec!["ids.0"]);
}

backend_test!(batch_create_and_create_customer_option);
async fn batch_create_and_create_customer_option(backend: Backend) {
    let app = TestApp::with_rewards(
        backend,
        rules(json!({"referrer": {"type": "percent", "value": 10}})),
    )
    .await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    let batch = app
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"customer": {"key": "bob"}, "transactions": [
                {"key": "invoice_123", "amount": 100, "action": "sale"},
                {"key": "invoice_456", "amount": 200, "action": "sale", "amount_units": "EUR"}
            ]})),
        )
        .await;
    assert_eq!(batch.status, StatusCode::CREATED, "{:?}", batch.body);
    assert_eq!(batch.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(app.balance_minor("alice", "usd").await, 1_000);
    assert_eq!(app.balance_minor("alice", "eur").await, 2_000);

    // A failing item fails the whole batch, naming the field.
    let failing = app
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"customer": {"key": "bob"}, "transactions": [
                {"key": "ok_1", "amount": 1},
                {"key": "bad_1", "amount": "NaN"}
            ]})),
        )
        .await;
    assert_eq!(failing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&failing), vec!["transactions.1.amount"]);
    let unknown_customer = app
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"transactions": [
                {"key": "ok_2", "amount": 1, "customer": {"key": "bob"}},
                {"key": "bad_2", "amount": 1, "customer": {"key": "ghost"}}
            ]})),
        )
        .await;
    assert_eq!(unknown_customer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&unknown_customer),
        vec!["transactions.1.customer.key"]
    );
    assert_eq!(
        app.api(Method::GET, "/v1/transactions/ok_2", None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "all or nothing"
    );
    let missing_key = app
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"customer": {"key": "bob"}, "transactions": [{"amount": 1}]})),
        )
        .await;
    assert_eq!(error_fields(&missing_key), vec!["transactions.0.key"]);
    let repeated = app
        .api(Method::POST, "/v1/transactions", Some(json!({"customer": {"key": "bob"}, "transactions": [{"key": "r", "amount": 1}, {"key": "r", "amount": 1}]})))
        .await;
    assert_eq!(error_fields(&repeated), vec!["transactions.1.key"]);

    // create_customer makes the buyer on the fly.
    let created = app
        .api(
            Method::POST,
            "/v1/transactions",
            Some(json!({"customer": {"key": "newbie", "email": "n@example.com", "name": "New"}, "key": "first_order",
                        "amount": 30, "action": "sale", "options": {"create_customer": true}})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let newbie = app.api(Method::GET, "/v1/customers/newbie", None).await;
    assert_eq!(newbie.body["data"]["email"], "n@example.com");
    let without_option = app.sale("stranger", "o_x", json!(1)).await;
    assert_eq!(without_option.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&without_option), vec!["customer.key"]);
}

backend_test!(transaction_validation_names_the_field);
async fn transaction_validation_names_the_field(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("bob", None).await;
    let cases = [
        (
            json!({"customer": {"key": "bob"}, "key": "k", "amount": -1}),
            "amount",
        ),
        (
            json!({"customer": {"key": "bob"}, "key": "k", "amount": 1.005}),
            "amount",
        ),
        (
            json!({"customer": {"key": "bob"}, "key": "k", "amount": "12abc"}),
            "amount",
        ),
        (
            json!({"customer": {"key": "bob"}, "key": "k", "amount": null}),
            "amount",
        ),
        (
            json!({"customer": {"key": "bob"}, "key": "k", "amount": 1e300}),
            "amount",
        ),
        (json!({"customer": {"key": "bob"}, "key": "k"}), "amount"),
        (json!({"customer": {"key": "bob"}, "amount": 1}), "key"),
        (
            json!({"customer": {"key": "bob"}, "key": "k k", "amount": 1}),
            "key",
        ),
        (json!({"key": "k", "amount": 1}), "customer.key"),
        (
            json!({"customer": {}, "key": "k", "amount": 1}),
            "customer.key",
        ),
        (
            json!({"customer": {"key": "bob"}, "key": "k", "amount": 1, "discount": 3}),
            "discount",
        ),
        (
            json!({"customer": {"key": "bob"}, "key": "k", "amount": 1, "amount_units": "$$"}),
            "amount_units",
        ),
        (
            json!({"customer": {"key": "bob"}, "key": "k", "amount": 1, "options": {"create_customer": "yes"}}),
            "options.create_customer",
        ),
        (json!({"transactions": []}), "transactions"),
        (json!({"transactions": "all"}), "transactions"),
    ];
    for (body, field) in cases {
        let answer = app
            .api(Method::POST, "/v1/transactions", Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    // Non-finite numbers are not JSON at all.
    let request = axum::http::Request::post("/v1/transactions")
        .header("authorization", format!("Bearer {}", app.program.api_key))
        .body(axum::body::Body::from(
            r#"{"customer":{"key":"bob"},"key":"k","amount":NaN}"#,
        ))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::BAD_REQUEST);
    let list = app.api(Method::GET, "/v1/transactions", None).await;
    assert_eq!(
        list.body["meta"]["total"], 0,
        "nothing stored by failed requests"
    );
}

backend_test!(refunds_reverse_rewards_and_archive_hides);
async fn refunds_reverse_rewards_and_archive_hides(backend: Backend) {
    let app = TestApp::with_rewards(backend, rules(json!({"referrer": {"type": "percent", "value": 10}, "referred": {"type": "fixed", "value": 1}}))).await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    app.sale("bob", "t1", json!(100)).await;
    app.sale("bob", "t2", json!(50)).await;
    assert_eq!(app.balance_minor("alice", "usd").await, 1_500);
    assert_eq!(app.balance_minor("bob", "usd").await, 200);

    let refunded = app.api(Method::DELETE, "/v1/transactions/t1", None).await;
    assert_eq!(refunded.status, StatusCode::OK);
    assert_eq!(refunded.body, json!({"status": 1}));
    assert_eq!(app.balance_minor("alice", "usd").await, 500);
    assert_eq!(app.balance_minor("bob", "usd").await, 100);
    let t1 = app.api(Method::GET, "/v1/transactions/t1", None).await;
    assert_eq!(t1.body["data"]["refunded"], true);
    assert!(
        t1.body["data"]["rewards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "reversed")
    );
    assert_eq!(
        app.api(Method::DELETE, "/v1/transactions/t1", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let reused = app.sale("bob", "t1", json!(100)).await;
    assert_eq!(reused.status, StatusCode::CONFLICT);
    assert_eq!(app.balance_minor("alice", "usd").await, 500);
    let stats = app
        .api(Method::GET, "/v1/customers/alice/stats", None)
        .await;
    assert_eq!(stats.body["data"]["revenue"][0]["amount"], 50);

    let by_body = app
        .api(
            Method::DELETE,
            "/v1/transactions",
            Some(json!({"key": "t2"})),
        )
        .await;
    assert_eq!(by_body.status, StatusCode::OK);
    assert_eq!(app.balance_minor("alice", "usd").await, 0);

    app.sale("bob", "t3", json!(10)).await;
    let archived = app
        .api(Method::POST, "/v1/transactions/t3/archive", None)
        .await;
    assert_eq!(archived.status, StatusCode::OK);
    assert_eq!(archived.body["data"]["archived"], true);
    assert_eq!(
        app.api(Method::GET, "/v1/transactions", None).await.body["meta"]["total"],
        0
    );
    assert_eq!(
        app.api(Method::GET, "/v1/transactions?archived=true", None)
            .await
            .body["meta"]["total"],
        1
    );
    let restored = app
        .api(Method::POST, "/v1/transactions/t3/revoke-archive", None)
        .await;
    assert_eq!(restored.body["data"]["archived"], false);
    let listed = app
        .api(Method::GET, "/v1/transactions?customer=bob", None)
        .await;
    assert_eq!(listed.body["meta"]["total"], 1);
    assert_eq!(listed.body["data"][0]["key"], "t3");
    let by_body = app
        .api(Method::GET, "/v1/transactions", Some(json!({"key": "t3"})))
        .await;
    assert_eq!(by_body.body["data"]["key"], "t3");
    assert_eq!(
        app.api(Method::POST, "/v1/transactions/nope/archive", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(Method::GET, "/v1/transactions?customer=ghost", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

backend_test!(settings_update_validates_and_applies_reward_rules);
async fn settings_update_validates_and_applies_reward_rules(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    let current = app.api(Method::GET, "/v1/settings", None).await;
    assert_eq!(current.body["data"]["id"], app.pid());
    assert_eq!(current.body["data"]["type"], "referral");
    let updated = app
        .api(
            Method::PUT,
            "/v1/settings",
            Some(json!({"update": {"rewards": {"referrer": {"type": "fixed", "value": 2}}}})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    assert_eq!(updated.body["data"]["rewards"]["referrer"]["value"], 2);
    app.sale("bob", "after_change", json!(10)).await;
    assert_eq!(app.balance_minor("alice", "usd").await, 200);

    for (body, field) in [
        (json!({"cookie_time": 0}), "cookie_time"),
        (json!({"cookie_time": "forever"}), "cookie_time"),
        (json!({"url_format": "hostname"}), "url_format"),
        (json!({"website": "not a url"}), "website"),
        (json!({"query_param": ""}), "query_param"),
        (
            json!({"rewards": {"referrer": {"type": "percent", "value": 150}}}),
            "rewards.referrer.value",
        ),
        (
            json!({"rewards": {"referrer": {"type": "bonus", "value": 1}}}),
            "rewards.referrer.type",
        ),
        (json!({"extra_domains": ["bad domain"]}), "extra_domains.0"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let answer = app
            .api(Method::PUT, "/v1/settings", Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
}

backend_test!(
    concurrent_credits_and_refunds_move_each_reward_once,
    multi_thread
);
/// Manual mode: several credits of the same pending rewards at once put each in the balance once,
/// and a refund racing with a credit leaves the balance as if they had run one after the other.
async fn concurrent_credits_and_refunds_move_each_reward_once(backend: Backend) {
    let app = Arc::new(
        TestApp::with_rewards(
            backend,
            rules(json!({"referrer": {"type": "fixed", "value": 4}, "manual": true})),
        )
        .await,
    );
    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    for key in ["c1", "c2", "c3"] {
        assert_eq!(
            app.sale("bob", key, json!(10)).await.status,
            StatusCode::CREATED
        );
    }
    let credit = |app: Arc<TestApp>| async move {
        app.api(
            Method::POST,
            "/v1/customers/alice/rewards/credit",
            Some(json!({})),
        )
        .await
    };
    let mut tasks = Vec::new();
    for n in 0..12 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            if n == 5 {
                app.api(Method::DELETE, "/v1/transactions/c3", None).await
            } else {
                credit(app).await
            }
        }));
    }
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    }
    // c1 and c2 credited once each; c3 refunded (credited and taken back, or never credited).
    assert_eq!(app.balance_minor("alice", "usd").await, 800);
    let entries = app
        .db
        .count("SELECT COUNT(*) FROM balance_entries WHERE kind = 'reward'")
        .await;
    let reversals = app
        .db
        .count("SELECT COUNT(*) FROM balance_entries WHERE kind = 'reversal'")
        .await;
    assert!(
        (entries, reversals) == (2, 0) || (entries, reversals) == (3, 1),
        "{entries} credits, {reversals} reversals"
    );
}
