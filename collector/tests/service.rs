//! The service as other crates use it: `collector::start`, real HTTP on 127.0.0.1, graceful
//! shutdown; and the administrative command line of the binary.

use std::process::Command;
use std::time::Duration;

use collector::admin::{self, ProgramSpec};
use collector::program::ProgramKind;
use collector::{Config, start};
use serde_json::json;

mod common;
use common::{Backend, TestDb, backend_test};

const ORIGIN: &str = "http://shop.test:3000";
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

backend_test!(
    start_serves_and_shutdown_flushes_in_flight_visits,
    multi_thread
);
async fn start_serves_and_shutdown_flushes_in_flight_visits(backend: Backend) {
    let db = TestDb::create(backend).await.expect("database");
    let url = db.url.clone();
    let running = start(Config::for_tests(&url)).await.unwrap();
    assert!(running.base_url().starts_with("http://127.0.0.1:"));
    let created = admin::create_program(
        running.storage().as_ref(),
        ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", ORIGIN),
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let health = http
        .get(format!("{}/healthz", running.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["content-type"], "application/json");

    let mut sent = Vec::new();
    for _ in 0..50 {
        let (http, base, pid) = (http.clone(), running.base_url(), created.public_id.clone());
        sent.push(tokio::spawn(async move {
            let body = json!({"program": pid, "key": "alice", "visitor": uuid::Uuid::new_v4().to_string(),
                              "url": format!("{ORIGIN}/"), "format": "query"});
            http.post(format!("{base}/pub/visits"))
                .header("origin", ORIGIN)
                .header("user-agent", UA)
                .body(body.to_string())
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let mut acknowledged = 0;
    for task in sent {
        if task.await.unwrap().is_ok_and(|status| status == 204) {
            acknowledged += 1;
        }
    }
    running.shutdown().await.unwrap();
    assert_eq!(acknowledged, 50);

    assert_eq!(db.count("SELECT COUNT(*) FROM visits").await, 50);
}

backend_test!(cli_creates_programs_and_manages_keys);
async fn cli_creates_programs_and_manages_keys(backend: Backend) {
    let db = TestDb::create(backend).await.expect("database");
    let url = db.url.clone();
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_collector"))
            .args(args)
            .env("COLLECTOR_DATABASE_URL", &url)
            .output()
            .expect("run collector");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run(&[
        "program",
        "create",
        "--type",
        "refer-a-friend",
        "--name",
        "Shop",
        "--website",
        "https://shop.test",
        "--query-param",
        "via",
        "--param-alias",
        "partner",
        "--param-alias",
        "r",
        "--link-domain",
        "https://eu.shop.test/",
        "--cookie-days",
        "lifetime",
        "--rewards",
        r#"{"referrer":{"type":"percent","value":10}}"#,
    ]);
    assert!(ok, "{stderr}");
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|value| value.trim().to_owned())
            .unwrap_or_else(|| panic!("no {name} in {stdout}"))
    };
    let program_id = field("program id:");
    let api_key = field("api key:");
    assert_eq!(program_id.len(), 8);
    assert!(api_key.starts_with("pk_"));

    let (ok, stdout, _) = run(&["key", "create", "--program", &program_id]);
    assert!(ok);
    let second = stdout
        .lines()
        .find_map(|l| l.strip_prefix("api key:"))
        .unwrap()
        .trim()
        .to_owned();
    let (ok, _, _) = run(&["key", "revoke", &second[..11]]);
    assert!(ok);
    let (ok, _, stderr) = run(&["key", "revoke", &second]);
    assert!(!ok, "revoking twice fails: {stderr}");

    let (ok, _, stderr) = run(&[
        "program",
        "create",
        "--type",
        "pyramid",
        "--name",
        "X",
        "--website",
        "https://x.test",
    ]);
    assert!(!ok);
    assert!(stderr.contains("refer-a-friend"), "{stderr}");
    let (ok, _, stderr) = run(&[
        "program",
        "create",
        "--type",
        "affiliate",
        "--name",
        "X",
        "--website",
        "not a url",
    ]);
    assert!(!ok);
    assert!(stderr.contains("website"), "{stderr}");

    // The stored program has the requested settings.
    {
        let storage = collector::storage::open(&url).await.unwrap();
        let program = storage
            .program_by_public_id(&program_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(program.settings.query_param, "via");
        assert_eq!(program.settings.param_aliases, ["partner", "r"]);
        assert_eq!(program.settings.link_domains, ["https://eu.shop.test"]);
        assert_eq!(
            program.settings.cookie_time,
            collector::program::CookieTime::Lifetime
        );
        assert_eq!(
            program.settings.rewards.referrer.as_ref().unwrap().value,
            1_000
        );
        let hash = collector::extract::hash_api_key(&api_key);
        assert!(storage.program_by_key_hash(&hash).await.unwrap().is_some());
        storage.close().await;
    }
}

/// Without system root certificates (a minimal container) the collector still starts; only https
/// webhook deliveries cannot succeed.
#[tokio::test]
async fn starts_without_root_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let nowhere = dir.path().join("no-certs");
    let nowhere = nowhere.to_str().unwrap();
    let collector = common::process::CollectorProcess::spawn(
        &url,
        &[("SSL_CERT_FILE", nowhere), ("SSL_CERT_DIR", nowhere)],
    );
    let health = reqwest::get(format!("{}/healthz", collector.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

/// SIGTERM waits for a webhook attempt in flight; a second signal ends the process at once.
#[tokio::test]
async fn a_second_signal_stops_a_waiting_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let created = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args([
            "program",
            "create",
            "--type",
            "refer-a-friend",
            "--name",
            "Shop",
        ])
        .args(["--website", ORIGIN])
        .env("COLLECTOR_DATABASE_URL", &url)
        .output()
        .unwrap();
    let printed = String::from_utf8(created.stdout).unwrap();
    let api_key = printed
        .lines()
        .find_map(|line| line.strip_prefix("api key:"))
        .unwrap()
        .trim()
        .to_owned();
    // A webhook receiver that accepts the connection and never answers.
    let receiver = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hook_url = format!("http://{}/hook", receiver.local_addr().unwrap());
    let (accepted, connected) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((stream, _)) = receiver.accept() {
            held.push(stream);
            let _ = accepted.send(());
        }
    });
    let mut collector = common::process::CollectorProcess::spawn(
        &url,
        &[
            ("COLLECTOR_ALLOW_PRIVATE_WEBHOOK_URLS", "true"),
            ("COLLECTOR_WEBHOOK_POLL_MS", "50"),
            ("COLLECTOR_WEBHOOK_TIMEOUT_MS", "60000"),
        ],
    );
    let http = reqwest::Client::new();
    let api = |path: &str, body: serde_json::Value| {
        http.post(format!("{}{path}", collector.base))
            .bearer_auth(&api_key)
            .json(&body)
            .send()
    };
    let hook = json!({"name": "slow", "url": hook_url, "events": ["customer.created"]});
    assert_eq!(api("/v1/webhooks", hook).await.unwrap().status(), 201);
    assert_eq!(
        api("/v1/customers", json!({"key": "ann"}))
            .await
            .unwrap()
            .status(),
        201
    );
    connected
        .recv_timeout(Duration::from_secs(10))
        .expect("the delivery reached the receiver");

    let signal = |pid: u32| {
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    signal(collector.pid());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        collector.try_wait().is_none(),
        "the first signal waits for the attempt in flight"
    );
    signal(collector.pid());
    let mut status = None;
    for _ in 0..100 {
        status = collector.try_wait();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status.expect("stopped by the second signal").code(),
        Some(130)
    );
}
