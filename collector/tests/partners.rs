//! `/v1/partners` in affiliate programs: CRUD, search, archive, stats, webhooks, validation and
//! isolation between programs.

mod common;

use axum::http::{Method, StatusCode};
use common::{Backend, TestApp, affiliate_app, backend_test, error_fields, other_affiliate};
use serde_json::{Value, json};

async fn create(app: &TestApp, body: Value) -> common::Answer {
    app.api(Method::POST, "/v1/partners", Some(body)).await
}

backend_test!(partners_are_created_read_updated_and_deleted);
async fn partners_are_created_read_updated_and_deleted(backend: Backend) {
    let app = affiliate_app(backend).await;
    let hook = app
        .api(
            Method::POST,
            "/v1/webhooks",
            Some(json!({"name": "h", "url": "https://hooks.example.com/x",
                        "events": ["partner.created", "partner.updated", "partner.archived", "partner.deleted"]})),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{:?}", hook.body);

    let answer = create(
        &app,
        json!({"key": "john", "email": "john@example.com", "name": "John", "surname": "Doe"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let data = &answer.body["data"];
    assert_eq!(data["id"], "john");
    assert_eq!(data["key"], "john");
    assert_eq!(data["status"], "active");
    assert_eq!(data["referral_link"], "http://shop.test:3000/?ref=john");
    assert_eq!(data["code"], "john");
    assert_eq!(data["referral_url"], data["referral_link"]);
    assert_eq!(data["referring_partner"], Value::Null);

    // Referred by another partner (by e-mail), generated key.
    let referred = create(
        &app,
        json!({"email": "ann@example.com", "referring_partner": {"email": "JOHN@example.com"}}),
    )
    .await;
    assert_eq!(referred.status, StatusCode::CREATED, "{:?}", referred.body);
    assert!(
        referred.body["data"]["key"]
            .as_str()
            .unwrap()
            .starts_with("prt_")
    );
    assert_eq!(referred.body["data"]["referring_partner"]["key"], "john");

    // The default link exists and carries the partner key.
    let links = app
        .api(Method::GET, "/v1/partners/john/referral_links", None)
        .await;
    assert_eq!(links.status, StatusCode::OK);
    assert_eq!(links.body["data"][0]["key"], "john");
    assert_eq!(links.body["data"][0]["default"], true);
    assert_eq!(links.body["meta"]["total"], 1);

    // Read with stats.
    let shown = app.api(Method::GET, "/v1/partners/john", None).await;
    assert_eq!(shown.status, StatusCode::OK);
    let stats = &shown.body["data"]["stats"];
    for field in [
        "clicks",
        "unique_clicks",
        "signups",
        "sales_count",
        "paid_accounts",
    ] {
        assert_eq!(stats[field], 0, "{field}");
    }
    assert_eq!(stats["commissions"], json!({"paid": [], "pending": []}));
    let by_body = app
        .api(Method::GET, "/v1/partners", Some(json!({"key": "john"})))
        .await;
    assert_eq!(by_body.body["data"]["key"], "john");

    // Updates: wrapped, flat, key in the body.
    let wrapped = app
        .api(
            Method::PUT,
            "/v1/partners/john",
            Some(json!({"update": {"name": "Johnny"}})),
        )
        .await;
    assert_eq!(wrapped.status, StatusCode::OK, "{:?}", wrapped.body);
    assert_eq!(wrapped.body["data"]["name"], "Johnny");
    let flat = app
        .api(
            Method::PUT,
            "/v1/partners/john",
            Some(json!({"surname": "D."})),
        )
        .await;
    assert_eq!(flat.body["data"]["surname"], "D.");
    let in_body = app
        .api(
            Method::PUT,
            "/v1/partners",
            Some(json!({"key": "john", "update": {"email": "j@example.com"}})),
        )
        .await;
    assert_eq!(in_body.body["data"]["email"], "j@example.com");

    // Archive and restore.
    let archived = app
        .api(Method::POST, "/v1/partners/john/archive", None)
        .await;
    assert_eq!(archived.body["data"]["status"], "archived");
    let restored = app
        .api(Method::POST, "/v1/partners/john/revoke-archive", None)
        .await;
    assert_eq!(restored.body["data"]["status"], "active");

    // List and search.
    let list = app.api(Method::GET, "/v1/partners?limit=1", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["meta"]["total"], 2);
    assert!(
        list.body["links"]["next"]
            .as_str()
            .unwrap()
            .contains("page=2")
    );
    let found = app
        .api(Method::GET, "/v1/partners:search?query=ANN@", None)
        .await;
    assert_eq!(found.body["meta"]["total"], 1);
    assert_eq!(found.body["data"][0]["email"], "ann@example.com");

    // Delete: the key (and its link key) is free again.
    let gone = app.api(Method::DELETE, "/v1/partners/john", None).await;
    assert_eq!(gone.status, StatusCode::OK);
    assert_eq!(gone.body, json!({"status": 1}));
    assert_eq!(
        app.api(Method::GET, "/v1/partners/john", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        create(&app, json!({"key": "john"})).await.status,
        StatusCode::CREATED
    );
    let deleted_by_body = app
        .api(Method::DELETE, "/v1/partners", Some(json!({"key": "john"})))
        .await;
    assert_eq!(deleted_by_body.status, StatusCode::OK);

    // The outbox saw every change.
    let key = hook.body["data"]["key"].as_str().unwrap();
    let events = common::delivered_events(&app, key).await;
    assert_eq!(
        events,
        [
            "partner.created",
            "partner.created",
            "partner.updated",
            "partner.updated",
            "partner.updated",
            "partner.archived",
            "partner.updated",
            "partner.deleted",
            "partner.created",
            "partner.deleted"
        ]
    );
    app.shutdown().await;
}

backend_test!(partner_validation_errors_name_the_field);
async fn partner_validation_errors_name_the_field(backend: Backend) {
    let app = affiliate_app(backend).await;
    assert_eq!(
        create(&app, json!({"key": "john"})).await.status,
        StatusCode::CREATED
    );
    let cases = [
        (json!({"key": "a b"}), "key"),
        (json!({"email": "nope"}), "email"),
        (json!({"name": "x\u{0}"}), "name"),
        (json!({"nickname": "x"}), "nickname"),
        (
            json!({"referring_partner": {"key": "ghost"}}),
            "referring_partner.key",
        ),
        (json!({"referring_partner": {}}), "referring_partner.key"),
        (
            json!({"referring_partner": {"email": "x"}}),
            "referring_partner.email",
        ),
        (
            json!({"key": "me", "referring_partner": {"key": "me"}}),
            "referring_partner.key",
        ),
    ];
    for (body, field) in cases {
        let answer = create(&app, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    let taken = create(&app, json!({"key": "john"})).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(error_fields(&taken), vec!["key"]);
    let bad_status = app
        .api(
            Method::PUT,
            "/v1/partners/john",
            Some(json!({"update": {"status": "gone"}})),
        )
        .await;
    assert_eq!(error_fields(&bad_status), vec!["update.status"]);
    let unknown = app
        .api(
            Method::PUT,
            "/v1/partners/john",
            Some(json!({"update": {"x": 1}})),
        )
        .await;
    assert_eq!(error_fields(&unknown), vec!["update.x"]);
    let bad_page = app.api(Method::GET, "/v1/partners?limit=0", None).await;
    assert_eq!(error_fields(&bad_page), vec!["limit"]);
    let no_query = app.api(Method::GET, "/v1/partners:search", None).await;
    assert_eq!(error_fields(&no_query), vec!["query"]);
    let weird = app
        .api(Method::GET, "/v1/partners/%3Cscript%3E", None)
        .await;
    assert_eq!(weird.status, StatusCode::NOT_FOUND);
    app.shutdown().await;
}

backend_test!(partners_are_invisible_to_other_programs);
async fn partners_are_invisible_to_other_programs(backend: Backend) {
    let app = affiliate_app(backend).await;
    assert_eq!(
        create(&app, json!({"key": "john"})).await.status,
        StatusCode::CREATED
    );
    let other = other_affiliate(&app).await;
    for (method, uri) in [
        (Method::GET, "/v1/partners/john"),
        (Method::PUT, "/v1/partners/john"),
        (Method::DELETE, "/v1/partners/john"),
        (Method::POST, "/v1/partners/john/archive"),
        (Method::GET, "/v1/partners/john/referral_links"),
        (Method::GET, "/v1/partners/john/commissions"),
        (Method::POST, "/v1/partners/john/commissions/pay"),
    ] {
        let body = (method == Method::PUT).then(|| json!({"name": "x"}));
        let answer = app.api_as(Some(&other), method.clone(), uri, body).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {uri}");
    }
    let list = app
        .api_as(Some(&other), Method::GET, "/v1/partners", None)
        .await;
    assert_eq!(list.body["meta"]["total"], 0);
    // The same key is free in the other program.
    let own = app
        .api_as(
            Some(&other),
            Method::POST,
            "/v1/partners",
            Some(json!({"key": "john"})),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED);
    // Refer-a-friend programs have no partners.
    let refer = app
        .api_as(Some(&app.other.api_key), Method::GET, "/v1/partners", None)
        .await;
    assert_eq!(refer.status, StatusCode::FORBIDDEN);
    assert!(
        refer.body["message"]
            .as_str()
            .unwrap()
            .contains("affiliate")
    );
    app.shutdown().await;
}

backend_test!(partners_are_found_by_names_beyond_ascii);
async fn partners_are_found_by_names_beyond_ascii(backend: Backend) {
    let app = affiliate_app(backend).await;
    // Names beyond ASCII are found as written on both backends (PostgreSQL also folds their case).
    let elodie = json!({"key": "p1", "name": "Élodie", "surname": "Ångström"});
    assert_eq!(create(&app, elodie).await.status, StatusCode::CREATED);
    let mut queries = vec!["%C3%89lodie", "LODIE", "%C3%85ngstr%C3%B6m"];
    if backend == Backend::Postgres {
        // PostgreSQL folds the case of every letter; SQLite only of ASCII ones (docs/api.md).
        queries.push("%C3%A9LODIE");
    }
    for query in queries {
        let found = app
            .api(
                Method::GET,
                &format!("/v1/partners:search?query={query}"),
                None,
            )
            .await;
        assert_eq!(found.body["meta"]["total"], 1, "{query}: {:?}", found.body);
        assert_eq!(found.body["data"][0]["key"], "p1");
    }
    app.shutdown().await;
}
