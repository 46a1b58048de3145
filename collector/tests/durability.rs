//! Kills the real binary with SIGKILL during a mixed load of visits and transactions, restarts it
//! on the same database (SQLite file or PostgreSQL database) and checks that every acknowledged request is stored exactly once.
//! Then stops it with SIGTERM and checks the graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;
use common::{Backend, TestDb, backend_test};

use collector::admin::{self, ProgramSpec};
use collector::program::ProgramKind;
use serde_json::{Value, json};

const ORIGIN: &str = "http://shop.test:3000";
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// Starts the binary and returns it with its base URL (read from its first stdout line).
fn spawn_collector(database_url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--allow-http-origins",
            "--log-filter",
            "warn",
        ])
        .env("COLLECTOR_DATABASE_URL", database_url)
        .env("COLLECTOR_VISIT_RATE_LIMIT", "0")
        .env("COLLECTOR_PUBLIC_RATE_LIMIT", "0")
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

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

backend_test!(
    acknowledged_requests_survive_sigkill_exactly_once,
    multi_thread
);
async fn acknowledged_requests_survive_sigkill_exactly_once(backend: Backend) {
    let db = TestDb::create(backend).await.expect("database");
    let url = db.url.clone();
    let program = {
        let storage = collector::storage::open(&url).await.unwrap();
        let mut spec = ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", ORIGIN);
        spec.rewards =
            serde_json::from_value(json!({"referrer": {"type": "percent", "value": 10}})).unwrap();
        let created = admin::create_program(storage.as_ref(), spec).await.unwrap();
        storage.close().await;
        created
    };
    let (mut child, base) = spawn_collector(&url);
    let http = client();
    let auth = format!("Bearer {}", program.api_key);
    for body in [
        json!({"key": "alice"}),
        json!({"key": "bob", "referring_customer": {"key": "alice"}}),
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

    let acked_visits = Arc::new(Mutex::new(Vec::<String>::new()));
    let acked_transactions = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for worker in 0..8 {
        let (http, base, auth, pid) = (
            http.clone(),
            base.clone(),
            auth.clone(),
            program.public_id.clone(),
        );
        let (acked_visits, acked_transactions, stop) = (
            acked_visits.clone(),
            acked_transactions.clone(),
            stop.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                if i % 2 == 0 {
                    let visitor = uuid::Uuid::new_v4().to_string();
                    let body = json!({"program": pid, "key": "alice", "visitor": visitor,
                                      "url": format!("{ORIGIN}/?ref=alice"), "format": "query"});
                    let sent = http.post(format!("{base}/pub/visits")).header("origin", ORIGIN).header("user-agent", UA)
                        .header("content-type", "text/plain;charset=UTF-8").body(body.to_string()).send().await;
                    match sent {
                        Ok(response) if response.status() == 204 => acked_visits.lock().unwrap().push(visitor),
                        Ok(response) => panic!("visit answered {}", response.status()),
                        Err(_) => break,
                    }
                } else {
                    let key = format!("tx_{worker}_{i}");
                    let body = json!({"customer": {"key": "bob"}, "key": key, "amount": 10, "action": "sale"});
                    let sent = http.post(format!("{base}/v1/transactions")).header("authorization", &auth).json(&body).send().await;
                    match sent {
                        Ok(response) if response.status().is_success() => acked_transactions.lock().unwrap().push(key),
                        Ok(response) => panic!("transaction answered {}", response.status()),
                        Err(_) => break,
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("worker");
    }
    let acked_visits = acked_visits.lock().unwrap().clone();
    let acked_transactions = acked_transactions.lock().unwrap().clone();
    assert!(
        acked_visits.len() > 10 && acked_transactions.len() > 10,
        "load too small: {} visits, {} transactions",
        acked_visits.len(),
        acked_transactions.len()
    );

    // Restart on the same database.
    let (mut child, base) = spawn_collector(&url);
    let mut stored_transactions = Vec::new();
    let mut next = Some(format!("{base}/v1/transactions?limit=250&page=1"));
    while let Some(page_url) = next {
        let page: Value = http
            .get(&page_url)
            .header("authorization", &auth)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["data"].as_array().unwrap() {
            stored_transactions.push(item["key"].as_str().unwrap().to_owned());
            assert_eq!(
                item["rewards"].as_array().unwrap().len(),
                1,
                "one reward per stored sale"
            );
        }
        next = page["links"]["next"].as_str().map(str::to_owned);
    }
    let mut unique = stored_transactions.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        stored_transactions.len(),
        "no duplicate transactions"
    );
    for key in &acked_transactions {
        assert!(
            unique.binary_search(key).is_ok(),
            "acknowledged transaction {key} lost"
        );
    }
    // Rewards are consistent with the stored sales: 10% of 10.00 each.
    let balance: Value = http
        .get(format!("{base}/v1/customers/alice/balance"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let credited = balance["data"]["balance"][0]["amount"]
        .as_f64()
        .unwrap_or(0.0);
    assert_eq!(
        (credited * 100.0).round() as usize,
        stored_transactions.len() * 100
    );

    // Every acknowledged visit is stored exactly once.
    let mut counts = std::collections::HashMap::<String, i64>::new();
    for visitor in db.strings("SELECT visitor FROM visits").await {
        *counts.entry(visitor).or_default() += 1;
    }
    assert!(
        counts.values().all(|count| *count == 1),
        "a visit was stored twice"
    );
    for visitor in &acked_visits {
        assert_eq!(
            counts.get(visitor),
            Some(&1),
            "acknowledged visit {visitor} lost"
        );
    }

    // Graceful stop with SIGTERM: exits cleanly.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .expect("wait");
    assert!(exit.success(), "graceful shutdown exit status {exit:?}");
}
