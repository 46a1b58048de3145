//! `/v1/coupons` in affiliate programs, and sales attributed through a coupon code.

mod common;

use axum::http::{Method, StatusCode};
use common::{Backend, affiliate_app, backend_test, error_fields, other_affiliate};
use serde_json::json;

backend_test!(coupons_are_created_changed_listed_and_deleted);
async fn coupons_are_created_changed_listed_and_deleted(backend: Backend) {
    let app = affiliate_app(backend).await;
    for key in ["john", "ann"] {
        let answer = app
            .api(Method::POST, "/v1/partners", Some(json!({"key": key})))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED);
    }
    let answer = app
        .api(
            Method::POST,
            "/v1/coupons",
            Some(json!({"code": "JOHN20", "partner": {"key": "john"},
                        "discount_type": "percentage", "discount_value": 20})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    assert_eq!(answer.body["data"]["code"], "JOHN20");
    assert_eq!(answer.body["data"]["partner"]["key"], "john");
    assert_eq!(answer.body["data"]["discount_type"], "percentage");
    assert_eq!(answer.body["data"]["discount_value"], 20);
    // Partnero's guide names the fields `coupon_code` and `partner_key`; they work too.
    let aliased = app
        .api(
            Method::POST,
            "/v1/coupons",
            Some(json!({"partner_key": "ann", "coupon_code": "ANN5",
                        "discount_type": "fixed", "discount_value": 5.5})),
        )
        .await;
    assert_eq!(aliased.status, StatusCode::CREATED, "{:?}", aliased.body);
    assert_eq!(aliased.body["data"]["discount_value"], 5.5);

    let changed = app
        .api(
            Method::PUT,
            "/v1/coupons/JOHN20",
            Some(json!({"update": {"discount_value": 25, "partner": {"key": "ann"}}})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["data"]["discount_value"], 25);
    assert_eq!(changed.body["data"]["partner"]["key"], "ann");
    let shown = app.api(Method::GET, "/v1/coupons/JOHN20", None).await;
    assert_eq!(shown.body["data"]["partner"]["key"], "ann");
    let list = app.api(Method::GET, "/v1/coupons", None).await;
    assert_eq!(list.body["meta"]["total"], 2);
    let gone = app.api(Method::DELETE, "/v1/coupons/ANN5", None).await;
    assert_eq!(gone.body, json!({"status": 1}));
    assert_eq!(
        app.api(Method::GET, "/v1/coupons/ANN5", None).await.status,
        StatusCode::NOT_FOUND
    );
    app.shutdown().await;
}

backend_test!(coupon_validation_and_isolation);
async fn coupon_validation_and_isolation(backend: Backend) {
    let app = affiliate_app(backend).await;
    let partner = app
        .api(Method::POST, "/v1/partners", Some(json!({"key": "john"})))
        .await;
    assert_eq!(partner.status, StatusCode::CREATED);
    let ok = json!({"code": "C1", "partner": {"key": "john"}, "discount_type": "fixed", "discount_value": 5});
    let with = |field: &str, value: serde_json::Value| {
        let mut body = ok.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = ok.clone();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases = [
        (without("code"), "code"),
        (without("partner"), "partner.key"),
        (without("discount_type"), "discount_type"),
        (without("discount_value"), "discount_value"),
        (with("code", json!("no spaces")), "code"),
        (with("partner", json!({"key": "ghost"})), "partner.key"),
        (with("discount_type", json!("half")), "discount_type"),
        (with("discount_value", json!(-1)), "discount_value"),
        (with("discount_value", json!("abc")), "discount_value"),
        (with("colour", json!("red")), "colour"),
    ];
    for (body, field) in cases {
        let answer = app
            .api(Method::POST, "/v1/coupons", Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }
    let too_much = app
        .api(
            Method::POST,
            "/v1/coupons",
            Some(json!({"code": "C2", "partner": {"key": "john"}, "discount_type": "percentage", "discount_value": 101})),
        )
        .await;
    assert_eq!(error_fields(&too_much), vec!["discount_value"]);
    assert_eq!(
        app.api(Method::POST, "/v1/coupons", Some(ok.clone()))
            .await
            .status,
        StatusCode::CREATED
    );
    let taken = app.api(Method::POST, "/v1/coupons", Some(ok.clone())).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(error_fields(&taken), vec!["code"]);
    let rename = app
        .api(
            Method::PUT,
            "/v1/coupons/C1",
            Some(json!({"update": {"code": "C9"}})),
        )
        .await;
    assert_eq!(error_fields(&rename), vec!["update.code"]);
    // Turning a fixed discount of 500 into a percentage would make it 500 %.
    let big = json!({"code": "C3", "partner": {"key": "john"}, "discount_type": "fixed", "discount_value": 500});
    assert_eq!(
        app.api(Method::POST, "/v1/coupons", Some(big)).await.status,
        StatusCode::CREATED
    );
    let to_percent = app
        .api(
            Method::PUT,
            "/v1/coupons/C3",
            Some(json!({"discount_type": "percentage"})),
        )
        .await;
    assert_eq!(
        to_percent.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        to_percent.body
    );
    assert_eq!(error_fields(&to_percent), vec!["discount_value"]);
    let with_value = app
        .api(
            Method::PUT,
            "/v1/coupons/C3",
            Some(json!({"discount_type": "percentage", "discount_value": 15})),
        )
        .await;
    assert_eq!(with_value.status, StatusCode::OK, "{:?}", with_value.body);

    // Other programs see nothing.
    let other = other_affiliate(&app).await;
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let body = (method == Method::PUT).then(|| json!({"discount_value": 1}));
        let answer = app
            .api_as(Some(&other), method.clone(), "/v1/coupons/C1", body)
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method}");
    }
    let refer = app
        .api_as(Some(&app.other.api_key), Method::GET, "/v1/coupons", None)
        .await;
    assert_eq!(refer.status, StatusCode::FORBIDDEN);
    app.shutdown().await;
}
