//! Shared test harness: a router over a real database (a SQLite file in a temp dir, or a fresh
//! PostgreSQL database), driven with `oneshot`. Tests run on both backends via [`backend_test!`].
#![allow(dead_code, unused_imports)]

pub mod database;
pub mod process;
pub mod routes;

pub(crate) use database::backend_test;
pub use database::{Backend, TestDb, postgres_admin_url};

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use collector::admin::{self, CreatedProgram, ProgramSpec};
use collector::program::ProgramKind;
use collector::rewards::RewardRules;
use collector::visit_queue::VisitWriter;
use collector::{AppState, Config, Storage};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// The origin of the test shop.
pub const SHOP_ORIGIN: &str = "http://shop.test:3000";
/// A desktop browser user agent.
pub const BROWSER_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// One collector under test.
pub struct TestApp {
    pub router: Router,
    pub storage: Arc<dyn Storage>,
    pub program: CreatedProgram,
    pub other: CreatedProgram,
    pub db_url: String,
    writer: Option<VisitWriter>,
    /// The database; dropped (and for PostgreSQL, removed) after everything else.
    pub db: TestDb,
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl TestApp {
    /// A collector with one refer-a-friend program (`http://shop.test:3000`) and another program.
    pub async fn new(backend: Backend) -> Self {
        Self::with(backend, |_| {}, |config| config).await
    }

    /// A collector whose main program uses these reward rules.
    pub async fn with_rewards(backend: Backend, rewards: RewardRules) -> Self {
        Self::with(backend, move |spec| spec.rewards = rewards, |config| config).await
    }

    /// A collector with a customised program spec and config.
    pub async fn with(
        backend: Backend,
        customise: impl FnOnce(&mut ProgramSpec),
        configure: impl FnOnce(Config) -> Config,
    ) -> Self {
        let db = TestDb::create(backend)
            .await
            .expect("the backend_test! macro skips unconfigured backends");
        let url = db.url.clone();
        let config = configure(Config::for_tests(&url));
        let storage = collector::storage::open(&url).await.expect("open storage");
        let mut spec = ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", SHOP_ORIGIN);
        customise(&mut spec);
        let program = admin::create_program(storage.as_ref(), spec)
            .await
            .expect("create program");
        let other = admin::create_program(
            storage.as_ref(),
            ProgramSpec::new(ProgramKind::ReferAFriend, "Other", "https://other.test"),
        )
        .await
        .expect("create other program");
        let (state, writer) = AppState::new(storage.clone(), config).await.expect("state");
        Self {
            router: collector::app(state),
            storage,
            program,
            other,
            db_url: url,
            writer: Some(writer),
            db,
        }
    }

    /// Sends a request.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let raw = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            raw,
        }
    }

    /// A private-API request with the given key (None: no Authorization header).
    pub async fn api_as(
        &self,
        key: Option<&str>,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(key) = key {
            builder = builder.header("authorization", format!("Bearer {key}"));
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        self.send(request).await
    }

    /// A private-API request with the main program's key.
    pub async fn api(&self, method: Method, uri: &str, body: Option<Value>) -> Answer {
        let key = self.program.api_key.clone();
        self.api_as(Some(&key), method, uri, body).await
    }

    /// A browser beacon (`text/plain` JSON) from the shop's origin.
    pub async fn beacon(&self, uri: &str, body: Value) -> Answer {
        self.beacon_with(uri, body, &[("origin", SHOP_ORIGIN)])
            .await
    }

    /// A browser beacon with explicit headers (a browser user agent is added unless given).
    pub async fn beacon_with(&self, uri: &str, body: Value, headers: &[(&str, &str)]) -> Answer {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("content-type", "text/plain;charset=UTF-8");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("user-agent"))
        {
            builder = builder.header("user-agent", BROWSER_UA);
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.send(builder.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    /// The main program's public id.
    pub fn pid(&self) -> String {
        self.program.public_id.clone()
    }

    /// Creates a customer through the API and asserts 201.
    pub async fn customer(&self, key: &str, referrer: Option<&str>) -> Value {
        let mut body =
            serde_json::json!({ "key": key, "email": format!("{key}@example.com"), "name": key });
        if let Some(referrer) = referrer {
            body["referring_customer"] = serde_json::json!({ "key": referrer });
        }
        let answer = self.api(Method::POST, "/v1/customers", Some(body)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        answer.body["data"].clone()
    }

    /// Posts a sale and returns the answer.
    pub async fn sale(&self, customer: &str, key: &str, amount: Value) -> Answer {
        self.api(
            Method::POST,
            "/v1/transactions",
            Some(serde_json::json!({"customer": {"key": customer}, "key": key, "amount": amount, "action": "sale"})),
        )
        .await
    }

    /// The customer's balance in the given unit (hundredths), 0 when absent.
    pub async fn balance_minor(&self, customer: &str, unit: &str) -> i64 {
        let answer = self
            .api(
                Method::GET,
                &format!("/v1/customers/{customer}/balance"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        answer.body["data"]["balance"]
            .as_array()
            .expect("balance array")
            .iter()
            .find(|line| line["amount_units"] == unit)
            .map(|line| (line["amount"].as_f64().expect("number") * 100.0).round() as i64)
            .unwrap_or(0)
    }

    /// Stops the visit writer (flushing queued visits).
    pub async fn shutdown(mut self) {
        drop(self.router);
        if let Some(writer) = self.writer.take() {
            writer.shutdown().await;
        }
        self.storage.close().await;
    }
}

/// A fresh visitor id.
pub fn visitor() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Asserts the error shape and returns the field names.
pub fn error_fields(answer: &Answer) -> Vec<String> {
    assert_eq!(
        answer
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap()),
        Some("application/json"),
        "error content type for {:?}",
        answer.body
    );
    assert!(
        answer.body["message"].is_string(),
        "message in {:?}",
        answer.body
    );
    answer.body["errors"]
        .as_object()
        .map(|errors| errors.keys().cloned().collect())
        .unwrap_or_default()
}

/// A collector whose main program is an affiliate program (20 % commission on the first two
/// sales of each customer, an additional link domain `http://eu.shop.test:3000`).
pub async fn affiliate_app(backend: Backend) -> TestApp {
    TestApp::with(
        backend,
        |spec| {
            spec.kind = ProgramKind::Affiliate;
            spec.link_domains = vec!["http://eu.shop.test:3000".to_owned()];
            spec.rewards = RewardRules {
                referrer: Some(collector::rewards::SaleReward {
                    kind: collector::rewards::RewardKind::Percent,
                    value: 2_000,
                    limit_sales: Some(2),
                    limit_months: None,
                }),
                ..RewardRules::default()
            };
        },
        |config| config,
    )
    .await
}

/// Creates another affiliate program in the same database and returns its API key.
pub async fn other_affiliate(app: &TestApp) -> String {
    admin::create_program(
        app.storage.as_ref(),
        ProgramSpec::new(
            ProgramKind::Affiliate,
            "Elsewhere",
            "https://elsewhere.test",
        ),
    )
    .await
    .expect("create program")
    .api_key
}

/// The events of a webhook's deliveries, oldest first.
pub async fn delivered_events(app: &TestApp, webhook_key: &str) -> Vec<String> {
    let uri = format!("/v1/webhooks/{webhook_key}/deliveries?limit=100");
    let log = app.api(Method::GET, &uri, None).await;
    let mut events: Vec<String> = log.body["data"]
        .as_array()
        .expect("delivery list")
        .iter()
        .map(|delivery| delivery["event"].as_str().unwrap_or_default().to_owned())
        .collect();
    events.reverse();
    events
}
