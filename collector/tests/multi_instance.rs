//! Several stateless collector instances on one PostgreSQL database: they migrate together on
//! start, never store a transaction or its rewards twice under concurrent duplicate POSTs, count
//! every visit (and each unique click once), and deliver each webhook message exactly once.
//!
//! PostgreSQL only: this is the deployment the PostgreSQL backend exists for. Skipped (with a
//! notice) without `TEST_DATABASE_URL`, failed under `CI=true`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use collector::admin::{self, ProgramSpec};
use collector::model::{CustomerLookup, NewCustomer, Source};
use collector::program::ProgramKind;
use collector::webhooks::{EventType, NewWebhook};
use serde_json::{Value, json};

mod common;
use common::process::CollectorProcess;
use common::{Backend, TestDb};

const ORIGIN: &str = "http://shop.test:3000";
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// Duplicate transaction keys sent, each POSTed twice to each instance at once.
const TRANSACTION_KEYS: usize = 25;
/// Distinct visitors, each sending the same visit to both instances at once.
const VISITORS: usize = 60;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// A webhook receiver on 127.0.0.1 that records every `webhook-id` it is sent.
async fn start_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let received = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap| {
            let log = log.clone();
            async move {
                // Slow enough that both instances' workers are busy at the same time.
                tokio::time::sleep(Duration::from_millis(5)).await;
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                log.lock().unwrap().push(id);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_store_everything_exactly_once() {
    let Some(db) = TestDb::create(Backend::Postgres).await else {
        return;
    };
    let (hook_url, received) = start_receiver().await;

    // Both instances start at once on the empty database: migrations take turns.
    let env = [
        ("COLLECTOR_ALLOW_PRIVATE_WEBHOOK_URLS", "true"),
        ("COLLECTOR_WEBHOOK_POLL_MS", "20"),
        ("COLLECTOR_PROGRAM_CACHE_MS", "0"),
    ];
    let (first, second) = {
        let (url_a, url_b) = (db.url.clone(), db.url.clone());
        let a = std::thread::spawn(move || CollectorProcess::spawn(&url_a, &env));
        let b = std::thread::spawn(move || CollectorProcess::spawn(&url_b, &env));
        (a.join().expect("first"), b.join().expect("second"))
    };
    let bases = [first.base.clone(), second.base.clone()];
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .expect("migrations directory")
        .count() as i64;
    assert_eq!(
        db.count("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .await,
        migrations,
        "each migration applied once"
    );

    let program = {
        let storage = collector::storage::open(&db.url).await.unwrap();
        let mut spec = ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", ORIGIN);
        spec.rewards =
            serde_json::from_value(json!({"referrer": {"type": "percent", "value": 10}})).unwrap();
        let created = admin::create_program(storage.as_ref(), spec).await.unwrap();
        storage.close().await;
        created
    };
    let http = client();
    let auth = format!("Bearer {}", program.api_key);
    let webhook = http
        .post(format!("{}/v1/webhooks", bases[0]))
        .header("authorization", &auth)
        .json(&json!({"name": "Shop backend", "url": hook_url,
                      "events": ["customer.created", "transaction.created", "reward.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status(), 201, "{:?}", webhook.text().await);
    for (base, body) in [
        (
            &bases[0],
            json!({"key": "alice", "email": "alice@example.com"}),
        ),
        (
            &bases[1],
            json!({"key": "bob", "referring_customer": {"key": "alice"}}),
        ),
    ] {
        let response = http
            .post(format!("{base}/v1/customers"))
            .header("authorization", &auth)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }

    // Every transaction key POSTed four times at once, twice to each instance.
    let mut posts = Vec::new();
    for index in 0..TRANSACTION_KEYS {
        for copy in 0..4 {
            let (http, auth) = (http.clone(), auth.clone());
            let base = bases[copy % 2].clone();
            posts.push(tokio::spawn(async move {
                let key = format!("order_{index}");
                let body = json!({"customer": {"key": "bob"}, "key": key, "amount": 12.34,
                                  "action": "sale"});
                let response = http
                    .post(format!("{base}/v1/transactions"))
                    .header("authorization", &auth)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                (key, status, body)
            }));
        }
    }
    // Every visitor's click sent to both instances at once.
    let mut visits = Vec::new();
    for _ in 0..VISITORS {
        let visitor = uuid::Uuid::new_v4().to_string();
        for base in &bases {
            let (http, base, pid, visitor) = (
                http.clone(),
                base.clone(),
                program.public_id.clone(),
                visitor.clone(),
            );
            visits.push(tokio::spawn(async move {
                let body = json!({"program": pid, "key": "alice", "visitor": visitor,
                                  "url": format!("{ORIGIN}/?ref=alice"), "format": "query"});
                http.post(format!("{base}/pub/visits"))
                    .header("origin", ORIGIN)
                    .header("user-agent", UA)
                    .header("content-type", "text/plain;charset=UTF-8")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
    }

    let mut created_per_key: HashMap<String, usize> = HashMap::new();
    for post in posts {
        let (key, status, body) = post.await.unwrap();
        assert!(
            status == 200 || status == 201,
            "{key}: status {status}: {body}"
        );
        assert_eq!(body["data"]["key"], key.as_str());
        assert_eq!(
            body["data"]["rewards"].as_array().map(Vec::len),
            Some(1),
            "{key}: every answer shows the one reward: {body}"
        );
        *created_per_key.entry(key).or_default() += usize::from(status == 201);
    }
    assert_eq!(created_per_key.len(), TRANSACTION_KEYS);
    assert!(
        created_per_key.values().all(|created| *created == 1),
        "exactly one 201 per key: {created_per_key:?}"
    );
    for visit in visits {
        assert_eq!(visit.await.unwrap(), 204);
    }

    // The database holds each transaction and its reward once, and every visit.
    let keys = TRANSACTION_KEYS as i64;
    assert_eq!(db.count("SELECT COUNT(*) FROM transactions").await, keys);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM rewards WHERE transaction_id IS NOT NULL")
            .await,
        keys
    );
    assert_eq!(
        db.count("SELECT COALESCE(SUM(amount_minor), 0)::BIGINT FROM balance_entries")
            .await,
        keys * 123,
        "10% of 12.34 per sale, exact in cents"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM visits").await,
        2 * VISITORS as i64,
        "all visits counted"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM visits WHERE is_unique")
            .await,
        VISITORS as i64,
        "one unique click per visitor"
    );
    let stats: Value = http
        .get(format!("{}/v1/customers/alice/stats", bases[1]))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["data"]["clicks"], 2 * VISITORS, "{stats}");

    // Webhooks: two customers, every sale and every reward, each delivered by one instance once.
    let expected = 2 + 2 * TRANSACTION_KEYS;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pending = db
            .count("SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'succeeded'")
            .await;
        if pending == 0 && received.lock().unwrap().len() >= expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries still pending: {pending}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Give a double delivery, if there were one, the time to arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = received.lock().unwrap().clone();
    let distinct: HashSet<&String> = received.iter().collect();
    assert_eq!(
        db.count("SELECT COUNT(*) FROM webhook_deliveries").await,
        expected as i64
    );
    assert_eq!(distinct.len(), expected, "every message delivered");
    assert_eq!(received.len(), expected, "no message delivered twice");
    assert_eq!(
        db.count("SELECT COUNT(*) FROM webhook_deliveries WHERE attempts <> 1")
            .await,
        0,
        "one attempt each"
    );
    drop((first, second));
}

/// Claims from two connection pools (as two instances) racing: no delivery is claimed twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_never_share_a_delivery() {
    let Some(db) = TestDb::create(Backend::Postgres).await else {
        return;
    };
    let first = collector::storage::open(&db.url).await.unwrap();
    let second = collector::storage::open(&db.url).await.unwrap();
    let created = admin::create_program(
        first.as_ref(),
        ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", ORIGIN),
    )
    .await
    .unwrap();
    first
        .create_webhook(
            created.program.id,
            &NewWebhook {
                key: "hook".to_owned(),
                name: "Hook".to_owned(),
                url: "http://127.0.0.1:9/unused".to_owned(),
                events: vec![EventType::CustomerCreated],
                secret: "secret".to_owned(),
                is_active: true,
            },
            20,
        )
        .await
        .unwrap();
    const CUSTOMERS: usize = 150;
    for index in 0..CUSTOMERS {
        let customer = NewCustomer {
            key: Some(format!("c{index}")),
            referrer: None::<CustomerLookup>,
            ..NewCustomer::default()
        };
        first
            .create_customer(&created.program, customer, Source::Api)
            .await
            .unwrap();
    }

    let mut claimers = Vec::new();
    for worker in 0..8 {
        let storage = if worker % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claims = storage
                    .claim_deliveries(collector::clock::now(), Duration::from_secs(300), 7)
                    .await
                    .unwrap();
                if claims.is_empty() {
                    return mine;
                }
                mine.extend(claims.into_iter().map(|claim| claim.row_id));
            }
        }));
    }
    let mut claimed = Vec::new();
    for claimer in claimers {
        claimed.extend(claimer.await.unwrap());
    }
    let distinct: HashSet<i64> = claimed.iter().copied().collect();
    assert_eq!(distinct.len(), CUSTOMERS, "every delivery claimed");
    assert_eq!(claimed.len(), CUSTOMERS, "no delivery claimed twice");
    first.close().await;
    second.close().await;
}
