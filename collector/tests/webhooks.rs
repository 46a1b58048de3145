//! Webhooks end to end: a real HTTP receiver on 127.0.0.1 that verifies both signatures, the
//! delivery worker, retries, disabling, replay, the outbox of a rolled-back change, and pending
//! deliveries surviving a SIGKILL of the real binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use collector::Config;
use collector::admin::{self, ProgramSpec};
use collector::model::{CustomerLookup, NewCustomer, NewTransaction, Source};
use collector::pagination::PageRequest;
use collector::program::ProgramKind;
use collector::webhooks::signature::{verify_partnero, verify_standard};
use collector::webhooks::{DeliveryWorker, WorkerSettings};
use common::{Backend, TestApp, TestDb, backend_test, error_fields};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// What the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

/// A webhook receiver: checks both signatures with `secret` (401 when either is wrong), then
/// answers 500 while `fail_next` > 0 or `always_fail` is set, else 204.
#[derive(Default)]
struct Receiver {
    secret: Mutex<Option<String>>,
    got: Mutex<Vec<Received>>,
    verified: AtomicUsize,
    fail_next: AtomicUsize,
    always_fail: AtomicBool,
}

impl Receiver {
    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn set_secret(&self, secret: &str) {
        *self.secret.lock().unwrap() = Some(secret.to_owned());
    }
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    receiver.got.lock().unwrap().push(Received {
        headers: headers.clone(),
        body: body.clone(),
    });
    let secret = receiver.secret.lock().unwrap().clone().unwrap_or_default();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let timestamp: i64 = header("webhook-timestamp").parse().unwrap_or_default();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let valid = verify_partnero(&secret, &body, &header("signature"))
        && verify_standard(
            &secret,
            &header("webhook-id"),
            timestamp,
            &body,
            &header("webhook-signature"),
            now,
            300,
        );
    if !valid {
        return StatusCode::UNAUTHORIZED;
    }
    receiver.verified.fetch_add(1, Ordering::SeqCst);
    let failing = receiver.always_fail.load(Ordering::SeqCst)
        || receiver
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

/// Serves a receiver on the listener; returns its URL.
fn serve_receiver(listener: TcpListener, receiver: Arc<Receiver>) -> String {
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .route("/hooks", axum::routing::post(receive))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

async fn start_receiver() -> (String, Arc<Receiver>) {
    let receiver = Arc::new(Receiver::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    (serve_receiver(listener, receiver.clone()), receiver)
}

/// Worker settings for tests: fast polls and backoff, loopback allowed.
fn fast_worker(disable_after: u32) -> WorkerSettings {
    let mut config = Config::for_tests("sqlite::memory:");
    config.webhook_disable_after = disable_after;
    WorkerSettings::from_config(&config)
}

/// Polls `check` every 25 ms for up to 20 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..800 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Registers a webhook through the API; returns (key, secret).
async fn register(app: &TestApp, url: &str, events: &[&str]) -> (String, String) {
    let answer = app
        .api(
            Method::POST,
            "/v1/webhooks",
            Some(json!({"name": "Backend", "url": url, "events": events})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let data = &answer.body["data"];
    (
        data["key"].as_str().unwrap().to_owned(),
        data["signature"].as_str().unwrap().to_owned(),
    )
}

async fn deliveries(app: &TestApp, key: &str) -> Vec<Value> {
    let answer = app
        .api(Method::GET, &format!("/v1/webhooks/{key}/deliveries"), None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body["data"].as_array().unwrap().clone()
}

fn header(received: &Received, name: &str) -> String {
    received.headers[name].to_str().unwrap().to_owned()
}

backend_test!(webhooks_crud_and_validation);
async fn webhooks_crud_and_validation(backend: Backend) {
    let app = TestApp::with(
        backend,
        |_| {},
        |config| Config {
            allow_private_webhook_urls: false,
            ..config
        },
    )
    .await;
    let (key, secret) = register(
        &app,
        "https://hooks.example.com/in",
        &["customer.created", "reward.created", "customer.created"],
    )
    .await;
    assert!(key.starts_with("wh_"));
    assert!(secret.starts_with("whsec_"));

    let shown = app
        .api(Method::GET, &format!("/v1/webhooks/{key}"), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(
        shown.body["data"]["events"],
        json!(["customer.created", "reward.created"])
    );
    assert_eq!(shown.body["data"]["is_active"], true);

    for (body, field) in [
        (
            json!({"url": "https://h.example.com", "events": ["customer.created"]}),
            "name",
        ),
        (json!({"name": "x", "events": ["customer.created"]}), "url"),
        (
            json!({"name": "x", "url": "https://h.example.com"}),
            "events",
        ),
        (
            json!({"name": "x", "url": "https://h.example.com", "events": []}),
            "events",
        ),
        (
            json!({"name": "x", "url": "https://h.example.com", "events": ["customer.exploded"]}),
            "events.0",
        ),
        (
            json!({"name": "x", "url": "https://h.example.com", "events": ["customer.created", "partner.created"]}),
            "events.1",
        ),
        (
            json!({"name": "x", "url": "ftp://h.example.com", "events": ["customer.created"]}),
            "url",
        ),
        (
            json!({"name": "x", "url": "http://127.0.0.1:9/x", "events": ["customer.created"]}),
            "url",
        ),
        (
            json!({"name": "x", "url": "http://169.254.169.254/", "events": ["customer.created"]}),
            "url",
        ),
        (
            json!({"name": "x", "url": "http://localhost/", "events": ["customer.created"]}),
            "url",
        ),
        (
            json!({"name": "x", "url": "https://h.example.com", "events": ["customer.created"], "secret": "mine"}),
            "secret",
        ),
        (
            json!({"name": "x", "url": "https://h.example.com", "events": "customer.created"}),
            "events",
        ),
    ] {
        let answer = app
            .api(Method::POST, "/v1/webhooks", Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(error_fields(&answer), vec![field.to_owned()], "{body}");
    }

    let updated = app
        .api(
            Method::PUT,
            &format!("/v1/webhooks/{key}"),
            Some(json!({"is_active": false, "events": ["transaction.created"]})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    assert_eq!(updated.body["data"]["is_active"], false);
    assert_eq!(
        updated.body["data"]["events"],
        json!(["transaction.created"])
    );
    assert_eq!(updated.body["data"]["signature"], secret.as_str());

    let listed = app.api(Method::GET, "/v1/webhooks", None).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    // Another program cannot see it.
    let other_key = app.other.api_key.clone();
    let foreign = app
        .api_as(
            Some(&other_key),
            Method::GET,
            &format!("/v1/webhooks/{key}"),
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);

    let removed = app
        .api(Method::DELETE, &format!("/v1/webhooks/{key}"), None)
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    let gone = app
        .api(Method::GET, &format!("/v1/webhooks/{key}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    app.shutdown().await;
}

backend_test!(partner_events_are_accepted_for_affiliate_programs);
async fn partner_events_are_accepted_for_affiliate_programs(backend: Backend) {
    let app = TestApp::with(
        backend,
        |spec| spec.kind = ProgramKind::Affiliate,
        |config| config,
    )
    .await;
    let (_, _) = register(
        &app,
        "https://hooks.example.com/in",
        &["partner.created", "partner.approved", "customer.created"],
    )
    .await;
    app.shutdown().await;
}

backend_test!(signed_deliveries_are_verified_by_the_receiver, multi_thread);
async fn signed_deliveries_are_verified_by_the_receiver(backend: Backend) {
    let rewards =
        serde_json::from_value(json!({"referrer": {"type": "percent", "value": 10}})).unwrap();
    let app = TestApp::with_rewards(backend, rewards).await;
    let (url, receiver) = start_receiver().await;
    let (key, secret) = register(
        &app,
        &url,
        &["customer.created", "transaction.created", "reward.created"],
    )
    .await;
    receiver.set_secret(&secret);
    let worker = DeliveryWorker::spawn(app.storage.clone(), fast_worker(15)).unwrap();

    app.customer("alice", None).await;
    app.customer("bob", Some("alice")).await;
    let sale = app.sale("bob", "order-1", json!(100)).await;
    assert_eq!(sale.status, StatusCode::CREATED, "{:?}", sale.body);

    eventually("four verified deliveries", || async {
        receiver.verified.load(Ordering::SeqCst) == 4
    })
    .await;
    let got = receiver.got();
    assert_eq!(got.len(), 4, "nothing unverified arrived");
    let bodies: Vec<Value> = got
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let mut events: Vec<&str> = bodies
        .iter()
        .map(|b| b["event"].as_str().unwrap())
        .collect();
    events.sort_unstable();
    assert_eq!(
        events,
        [
            "customer.created",
            "customer.created",
            "reward.created",
            "transaction.created"
        ]
    );
    for (received, body) in got.iter().zip(&bodies) {
        assert_eq!(body["webhook_key"], key.as_str());
        assert_eq!(body["url"], url.as_str());
        assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(header(received, "content-type"), "application/json");
        assert!(header(received, "webhook-id").starts_with("msg_"));
        assert!(header(received, "webhook-signature").starts_with("v1,"));
    }
    let reward = bodies
        .iter()
        .find(|b| b["event"] == "reward.created")
        .unwrap();
    assert_eq!(reward["data"]["customer"]["key"], "alice");
    assert_eq!(reward["data"]["amount"], json!(10));
    let bob = bodies
        .iter()
        .find(|b| b["event"] == "customer.created" && b["data"]["key"] == "bob")
        .unwrap();
    assert_eq!(bob["data"]["referring_customer"]["key"], "alice");

    // A tampered body fails verification.
    let first = &got[0];
    let mut tampered = first.body.to_vec();
    tampered.push(b' ');
    assert!(!verify_partnero(
        &secret,
        &tampered,
        &header(first, "signature")
    ));

    // The receiver answered before the worker recorded the answer: wait for the log.
    eventually("the log shows four successes", || async {
        let log = deliveries(&app, &key).await;
        log.len() == 4 && log.iter().all(|entry| entry["status"] == "succeeded")
    })
    .await;
    let log = deliveries(&app, &key).await;
    for entry in &log {
        assert_eq!(entry["status"], "succeeded", "{entry}");
        assert_eq!(entry["attempts"], 1);
        assert_eq!(entry["last_response_code"], 204);
        assert!(entry["delivered_at"].is_string());
    }
    // Browser-reported sign-ups are untrusted and emit nothing.
    let beacon = app
        .beacon(
            "/pub/signups",
            json!({"program": app.pid(), "visitor": common::visitor(), "referral": "alice",
                   "customer": {"key": "mallory", "email": "mallory@example.com"}}),
        )
        .await;
    assert_eq!(beacon.status, StatusCode::NO_CONTENT, "{:?}", beacon.body);
    let mallory = app.api(Method::GET, "/v1/customers/mallory", None).await;
    assert_eq!(mallory.body["data"]["source"], "browser");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(deliveries(&app, &key).await.len(), 4);

    worker.shutdown().await;
    app.shutdown().await;
}

backend_test!(
    a_failing_receiver_is_retried_until_it_succeeds,
    multi_thread
);
async fn a_failing_receiver_is_retried_until_it_succeeds(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (url, receiver) = start_receiver().await;
    let (key, secret) = register(&app, &url, &["customer.created"]).await;
    receiver.set_secret(&secret);
    receiver.fail_next.store(3, Ordering::SeqCst);
    let worker = DeliveryWorker::spawn(app.storage.clone(), fast_worker(15)).unwrap();
    app.customer("alice", None).await;

    eventually("the fourth attempt succeeds", || async {
        deliveries(&app, &key).await[0]["status"] == "succeeded"
    })
    .await;
    let got = receiver.got();
    assert_eq!(got.len(), 4);
    let ids: Vec<String> = got.iter().map(|r| header(r, "webhook-id")).collect();
    assert!(
        ids.iter().all(|id| id == &ids[0]),
        "same webhook-id on retries: {ids:?}"
    );
    assert!(got.iter().all(|r| r.body == got[0].body));
    let entry = &deliveries(&app, &key).await[0];
    assert_eq!(entry["attempts"], 4);
    assert_eq!(entry["id"], ids[0].as_str());
    assert_eq!(entry["last_response_code"], 204);
    let webhook = app
        .api(Method::GET, &format!("/v1/webhooks/{key}"), None)
        .await;
    assert_eq!(webhook.body["data"]["consecutive_failures"], 0);
    assert_eq!(webhook.body["data"]["is_active"], true);
    worker.shutdown().await;
    app.shutdown().await;
}

backend_test!(
    a_webhook_that_keeps_failing_is_disabled_and_can_be_replayed,
    multi_thread
);
async fn a_webhook_that_keeps_failing_is_disabled_and_can_be_replayed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (url, receiver) = start_receiver().await;
    let (key, secret) = register(&app, &url, &["customer.created", "customer.updated"]).await;
    receiver.set_secret(&secret);
    receiver.always_fail.store(true, Ordering::SeqCst);
    let worker = DeliveryWorker::spawn(app.storage.clone(), fast_worker(3)).unwrap();
    app.customer("alice", None).await;

    let path = format!("/v1/webhooks/{key}");
    eventually("the webhook is disabled", || async {
        app.api(Method::GET, &path, None).await.body["data"]["is_active"] == false
    })
    .await;
    let webhook = app.api(Method::GET, &path, None).await.body["data"].clone();
    assert_eq!(webhook["consecutive_failures"], 3);
    let reason = webhook["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("3 consecutive"), "{reason}");
    assert!(reason.contains("HTTP 500"), "{reason}");
    assert!(webhook["disabled_at"].is_string());
    let entry = deliveries(&app, &key).await[0].clone();
    assert_eq!(entry["status"], "pending");
    assert_eq!(entry["attempts"], 3);
    assert_eq!(entry["last_response_code"], 500);
    assert_eq!(entry["last_error"], "The receiver answered HTTP 500.");

    // Disabled: no more attempts, no new deliveries, no replay.
    let update = app
        .api(
            Method::PUT,
            "/v1/customers/alice",
            Some(json!({"name": "Alice B."})),
        )
        .await;
    assert_eq!(update.status, StatusCode::OK, "{:?}", update.body);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.got().len(), 3);
    assert_eq!(deliveries(&app, &key).await.len(), 1);
    let id = entry["id"].as_str().unwrap().to_owned();
    let replay_path = format!("/v1/webhooks/{key}/deliveries/{id}/replay");
    let refused = app.api(Method::POST, &replay_path, None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);

    // The owner fixes the receiver and re-enables: the pending delivery goes out.
    receiver.always_fail.store(false, Ordering::SeqCst);
    let enabled = app
        .api(Method::PUT, &path, Some(json!({"is_active": true})))
        .await;
    assert_eq!(enabled.body["data"]["is_active"], true);
    assert_eq!(enabled.body["data"]["consecutive_failures"], 0);
    assert_eq!(enabled.body["data"]["disabled_reason"], Value::Null);
    eventually("the pending delivery succeeds", || async {
        deliveries(&app, &key).await[0]["status"] == "succeeded"
    })
    .await;

    // Replay: the same webhook-id and body again.
    let replayed = app.api(Method::POST, &replay_path, None).await;
    assert_eq!(replayed.status, StatusCode::OK, "{:?}", replayed.body);
    assert_eq!(replayed.body["data"]["status"], "pending");
    eventually("the replay arrives", || async { receiver.got().len() == 5 }).await;
    let got = receiver.got();
    assert_eq!(header(&got[4], "webhook-id"), id);
    assert_eq!(got[4].body, got[0].body);
    eventually("the replay is recorded", || async {
        let entry = &deliveries(&app, &key).await[0];
        entry["status"] == "succeeded" && entry["attempts"] == 5
    })
    .await;
    let unknown = app
        .api(
            Method::POST,
            &format!("/v1/webhooks/{key}/deliveries/msg_nope/replay"),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    worker.shutdown().await;
    app.shutdown().await;
}

fn new_transaction(key: &str, customer: &str, create: bool) -> NewTransaction {
    NewTransaction {
        key: key.to_owned(),
        action: "sale".to_owned(),
        amount_minor: 10_000,
        amount_units: None,
        is_currency: true,
        customer: CustomerLookup::Key(customer.to_owned()),
        create_customer: create.then(|| NewCustomer {
            email: Some(format!("{customer}@example.com")),
            ..NewCustomer::default()
        }),
        product_id: None,
        product_type: None,
        coupon: None,
        field_prefix: String::new(),
    }
}

backend_test!(a_rolled_back_change_leaves_no_delivery);
async fn a_rolled_back_change_leaves_no_delivery(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (key, _) = register(
        &app,
        "http://127.0.0.1:9/unused",
        &["customer.created", "transaction.created"],
    )
    .await;
    let webhook = app
        .storage
        .webhook(app.program.program.id, &key)
        .await
        .unwrap()
        .unwrap();
    let page = PageRequest::parse(None, None).unwrap();
    // The first item creates a customer and a transaction (writing their outbox rows), the second
    // fails: the whole batch, outbox included, rolls back.
    let failed = app
        .storage
        .create_transactions(
            &app.program.program,
            vec![
                new_transaction("t1", "buyer", true),
                new_transaction("t2", "nobody", false),
            ],
            Source::Api,
        )
        .await;
    assert!(failed.is_err());
    let log = app
        .storage
        .webhook_deliveries(webhook.row_id, page)
        .await
        .unwrap();
    assert_eq!(log.total, 0, "{:?}", log.items);
    assert!(
        app.storage
            .transaction(app.program.program.id, "t1")
            .await
            .unwrap()
            .is_none()
    );

    // The same first item alone commits, with its two deliveries.
    app.storage
        .create_transactions(
            &app.program.program,
            vec![new_transaction("t1", "buyer", true)],
            Source::Api,
        )
        .await
        .unwrap();
    let log = app
        .storage
        .webhook_deliveries(webhook.row_id, page)
        .await
        .unwrap();
    let mut events: Vec<&str> = log.items.iter().map(|d| d.event.as_str()).collect();
    events.sort_unstable();
    assert_eq!(events, ["customer.created", "transaction.created"]);
    app.shutdown().await;
}

/// Starts the binary with fast webhook settings; returns it with its base URL.
fn spawn_collector(database_url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--log-filter",
            "warn",
            "--allow-private-webhook-urls",
            "--webhook-poll-ms",
            "50",
            "--webhook-backoff-base-ms",
            "200",
            "--webhook-disable-after",
            "0",
        ])
        .env("COLLECTOR_DATABASE_URL", database_url)
        .env("COLLECTOR_API_RATE_LIMIT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn collector");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read listening line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, base)
}

backend_test!(pending_deliveries_survive_a_sigkill, multi_thread);
async fn pending_deliveries_survive_a_sigkill(backend: Backend) {
    let db = TestDb::create(backend).await.expect("database");
    let program = {
        let storage = collector::storage::open(&db.url).await.unwrap();
        let spec = ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", common::SHOP_ORIGIN);
        let created = admin::create_program(storage.as_ref(), spec).await.unwrap();
        storage.close().await;
        created
    };
    // The receiver's port is reserved, then released: it is down while the first process runs.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hooks");
    let (mut child, base) = spawn_collector(&db.url);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let auth = format!("Bearer {}", program.api_key);
    let created: Value = http
        .post(format!("{base}/v1/webhooks"))
        .header("authorization", &auth)
        .json(&json!({"name": "Backend", "url": url, "events": ["customer.created"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["data"]["key"].as_str().unwrap().to_owned();
    let secret = created["data"]["signature"].as_str().unwrap().to_owned();
    for name in ["alice", "bob", "carol"] {
        let response = http
            .post(format!("{base}/v1/customers"))
            .header("authorization", &auth)
            .json(&json!({"key": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let log_url = format!("{base}/v1/webhooks/{key}/deliveries");
    eventually("every delivery has failed at least once", || async {
        let log: Value = http
            .get(&log_url)
            .header("authorization", &auth)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let entries = log["data"].as_array().unwrap();
        entries.len() == 3
            && entries
                .iter()
                .all(|e| e["status"] == "pending" && e["last_error"].is_string())
    })
    .await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let receiver = Arc::new(Receiver::default());
    receiver.set_secret(&secret);
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    serve_receiver(listener, receiver.clone());
    let (mut child, base) = spawn_collector(&db.url);
    eventually("the three pending deliveries arrive", || async {
        receiver.verified.load(Ordering::SeqCst) >= 3
    })
    .await;
    let mut customers: Vec<String> = receiver
        .got()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["data"]["key"].as_str().unwrap().to_owned()
        })
        .collect();
    customers.sort_unstable();
    customers.dedup();
    assert_eq!(customers, ["alice", "bob", "carol"]);
    let log_url = format!("{base}/v1/webhooks/{key}/deliveries");
    eventually("the log shows them delivered", || async {
        let log: Value = http
            .get(&log_url)
            .header("authorization", &auth)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "succeeded")
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
}

backend_test!(an_attempt_is_claimed_once_until_its_lease_expires);
async fn an_attempt_is_claimed_once_until_its_lease_expires(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (key, _) = register(&app, "http://127.0.0.1:9/unused", &["customer.created"]).await;
    app.customer("alice", None).await;
    let lease = Duration::from_secs(30);
    let now = time::OffsetDateTime::now_utc();
    let first = app.storage.claim_deliveries(now, lease, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempt, 1);
    // Another process polling at the same time gets nothing.
    let second = app.storage.claim_deliveries(now, lease, 10).await.unwrap();
    assert!(second.is_empty(), "{second:?}");
    // The first process dies; once the lease is over the attempt is made again, same message.
    let later = now + lease + Duration::from_secs(1);
    let retaken = app
        .storage
        .claim_deliveries(later, lease, 10)
        .await
        .unwrap();
    assert_eq!(retaken.len(), 1);
    assert_eq!(retaken[0].attempt, 2);
    assert_eq!(retaken[0].message_id, first[0].message_id);
    // The first worker's late report is ignored; the current one is recorded.
    let outcome = collector::webhooks::AttemptOutcome {
        succeeded: true,
        response_code: Some(200),
        error: None,
        retry_at: None,
        disable_after: 0,
    };
    assert!(
        !app.storage
            .finish_delivery(&first[0], &outcome)
            .await
            .unwrap()
    );
    assert!(
        app.storage
            .finish_delivery(&retaken[0], &outcome)
            .await
            .unwrap()
    );
    let log = deliveries(&app, &key).await;
    assert_eq!(log[0]["status"], "succeeded");
    assert_eq!(log[0]["attempts"], 2);
    assert!(
        app.storage
            .claim_deliveries(later + lease * 2, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    app.shutdown().await;
}

backend_test!(
    private_destinations_are_refused_at_delivery_time,
    multi_thread
);
async fn private_destinations_are_refused_at_delivery_time(backend: Backend) {
    // Saved while the operator allowed private addresses, delivered after they stopped allowing.
    let app = TestApp::new(backend).await;
    let (url, receiver) = start_receiver().await;
    let (key, _) = register(&app, &url, &["customer.created"]).await;
    let mut settings = fast_worker(0);
    settings.allow_private = false;
    let worker = DeliveryWorker::spawn(app.storage.clone(), settings).unwrap();
    app.customer("alice", None).await;
    eventually("the attempt is refused", || async {
        deliveries(&app, &key).await[0]["last_error"] == "The destination is a private address."
    })
    .await;
    assert!(receiver.got().is_empty());
    worker.shutdown().await;
    app.shutdown().await;
}

backend_test!(a_delivery_in_flight_is_not_replayed);
/// While an attempt holds the delivery's lease, a replay is a 409: the attempt's result would
/// otherwise overwrite it. Once the attempt is recorded, the replay goes through.
async fn a_delivery_in_flight_is_not_replayed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (key, _secret) =
        register(&app, "https://hooks.example.com/in", &["customer.created"]).await;
    app.customer("alice", None).await;
    let now = time::OffsetDateTime::now_utc();
    let claimed = app
        .storage
        .claim_deliveries(now, Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let replay_path = format!(
        "/v1/webhooks/{key}/deliveries/{}/replay",
        claimed[0].message_id
    );
    let refused = app.api(Method::POST, &replay_path, None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert_eq!(error_fields(&refused), vec!["delivery"]);
    let outcome = collector::webhooks::AttemptOutcome {
        succeeded: true,
        response_code: Some(200),
        error: None,
        retry_at: None,
        disable_after: 0,
    };
    assert!(
        app.storage
            .finish_delivery(&claimed[0], &outcome)
            .await
            .unwrap()
    );
    let replayed = app.api(Method::POST, &replay_path, None).await;
    assert_eq!(replayed.status, StatusCode::OK, "{:?}", replayed.body);
    assert_eq!(replayed.body["data"]["status"], "pending");
    app.shutdown().await;
}

backend_test!(
    a_program_has_at_most_20_webhooks_also_under_concurrency,
    multi_thread
);
/// 30 concurrent creates: exactly 20 webhooks exist afterwards; the others are a 422 on `url`.
async fn a_program_has_at_most_20_webhooks_also_under_concurrency(backend: Backend) {
    let app = Arc::new(TestApp::new(backend).await);
    let mut tasks = Vec::new();
    for n in 0..30 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"name": format!("hook {n}"), "url": format!("https://hooks.example.com/{n}"),
                              "events": ["customer.created"]});
            app.api(Method::POST, "/v1/webhooks", Some(body)).await
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for task in tasks {
        let answer = task.await.unwrap();
        match answer.status {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(error_fields(&answer), vec!["url"]);
                refused += 1;
            }
            other => panic!("unexpected {other}: {:?}", answer.body),
        }
    }
    assert_eq!((created, refused), (20, 10));
    let listed = app.api(Method::GET, "/v1/webhooks?limit=50", None).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 20);
    assert_eq!(listed.body["meta"]["total"], 20);
}

backend_test!(rewards_are_approved_when_they_enter_the_balance);
async fn rewards_are_approved_when_they_enter_the_balance(backend: Backend) {
    for manual in [false, true] {
        let rewards = serde_json::from_value(
            json!({"referrer": {"type": "fixed", "value": 4}, "manual": manual}),
        )
        .unwrap();
        let app = TestApp::with_rewards(backend, rewards).await;
        let (key, _) = register(
            &app,
            "https://hooks.example.com/in",
            &["reward.created", "reward.approved"],
        )
        .await;
        app.customer("alice", None).await;
        app.customer("bob", Some("alice")).await;
        assert_eq!(
            app.sale("bob", "s1", json!(10)).await.status,
            StatusCode::CREATED
        );
        let granted = deliveries(&app, &key).await;
        let events = |list: &[Value]| -> Vec<String> {
            let mut names: Vec<String> = list
                .iter()
                .map(|d| d["event"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        };
        if manual {
            // Pending until the backend credits it.
            assert_eq!(events(&granted), ["reward.created"]);
            let credit = app
                .api(
                    Method::POST,
                    "/v1/customers/alice/rewards/credit",
                    Some(json!({})),
                )
                .await;
            assert_eq!(credit.status, StatusCode::OK, "{:?}", credit.body);
        }
        let all = deliveries(&app, &key).await;
        assert_eq!(
            events(&all),
            ["reward.approved", "reward.created"],
            "manual: {manual}"
        );
        let approved = all
            .iter()
            .find(|d| d["event"] == "reward.approved")
            .unwrap();
        let payload = &approved["payload"];
        assert_eq!(payload["data"]["status"], "credited", "{approved}");
        assert_eq!(payload["data"]["customer"]["key"], "alice");
        app.shutdown().await;
    }
}
