//! Ingest benchmark: the collector's visit ingest and `POST /v1/transactions`, against a bare axum handler
//! that answers 204, all driven by the same keep-alive load generator over 127.0.0.1 in one run.
//!
//! `cargo bench -p collector --bench ingest` (or `cargo xtask bench`). Environment:
//! - `BENCH_SECONDS` (default 10): length of each measured phase;
//! - `BENCH_CONNECTIONS` (default 64): concurrent keep-alive connections;
//! - `BENCH_DATABASE_URL`: run against this database instead of a fresh SQLite file (e.g. a
//!   `postgres://` URL; the database must be empty or dedicated to the benchmark).
//!
//! After the visit phases it checks that every visit acknowledged with a 204 is stored (durability).

#[path = "loadgen.rs"]
mod loadgen;

use bytes::Bytes;
use collector::admin::{self, ProgramSpec};
use collector::program::ProgramKind;
use http_body_util::Full;
use hyper::Request;
use loadgen::{MakeRequest, RunStats, closed_loop, open_loop};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

const SITE: &str = "http://bench.test";
const REFERRERS: u64 = 100;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A bare axum server answering 204 to `POST /pub/visits`: the ceiling the collector is compared to.
async fn start_bare() -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/pub/visits",
        axum::routing::post(|_body: Bytes| async { axum::http::StatusCode::NO_CONTENT }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

fn visit_request(program: Arc<str>) -> MakeRequest {
    Arc::new(move |n| {
        let body = format!(
            r#"{{"program":"{program}","key":"ref_{}","visitor":"{}","url":"{SITE}/?ref=ref_{}","referrer":"","format":"query"}}"#,
            n % REFERRERS,
            uuid_for(n),
            n % REFERRERS
        );
        Request::post("/pub/visits")
            .header("host", "collector.bench.test")
            .header("origin", SITE)
            .header("content-type", "text/plain;charset=UTF-8")
            .header(
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36",
            )
            .body(Full::new(Bytes::from(body)))
            .expect("valid request")
    })
}

/// A deterministic, well-formed UUID v4 per request number (each request is a new visitor).
fn uuid_for(n: u64) -> String {
    let hex = format!("{:032x}", (u128::from(n) << 64) | 0x9e37_79b9_7f4a_7c15);
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn transaction_request(api_key: Arc<str>, run: u64) -> MakeRequest {
    Arc::new(move |n| {
        let body = format!(
            r#"{{"customer":{{"key":"friend_{}"}},"key":"bench_{run}_{n}","amount":100,"action":"sale"}}"#,
            n % REFERRERS
        );
        Request::post("/v1/transactions")
            .header("host", "collector.bench.test")
            .header("authorization", format!("Bearer {api_key}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("valid request")
    })
}

fn report(label: &str, s: &RunStats) {
    println!(
        "{label:<44} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  cpu {:>5.1} µs/req  ok {:>7}  errors {}{}",
        s.rate(),
        s.percentile_ms(50.0),
        s.percentile_ms(99.0),
        s.cpu_us_per_request(),
        s.ok,
        s.errors,
        if s.sample_errors.is_empty() {
            String::new()
        } else {
            format!("  e.g. {:?}", s.sample_errors)
        }
    );
}

/// Creates the referrers and the referred friends the transactions are recorded for.
async fn seed_customers(base: &str, api_key: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    for i in 0..REFERRERS {
        for body in [
            serde_json::json!({"key": format!("ref_{i}"), "email": format!("ref{i}@bench.test")}),
            serde_json::json!({"key": format!("friend_{i}"), "email": format!("friend{i}@bench.test"),
                               "referring_customer": {"key": format!("ref_{i}")}}),
        ] {
            let resp = http
                .post(format!("{base}/v1/customers"))
                .bearer_auth(api_key)
                .json(&body)
                .send()
                .await?;
            anyhow::ensure!(
                resp.status().is_success(),
                "seeding customers: {}",
                resp.text().await?
            );
        }
    }
    Ok(())
}

/// Sum of the clicks the API reports for every referrer: what is durably stored.
async fn stored_clicks(base: &str, api_key: &str) -> anyhow::Result<u64> {
    let http = reqwest::Client::new();
    let mut total = 0;
    for i in 0..REFERRERS {
        let stats: serde_json::Value = http
            .get(format!("{base}/v1/customers/ref_{i}/stats"))
            .bearer_auth(api_key)
            .send()
            .await?
            .json()
            .await?;
        total += stats["data"]["clicks"].as_u64().unwrap_or(0);
    }
    Ok(total)
}

fn main() -> anyhow::Result<()> {
    let seconds = env_u64("BENCH_SECONDS", 10);
    let connections = env_u64("BENCH_CONNECTIONS", 64) as usize;
    let duration = Duration::from_secs(seconds);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let dir = tempfile::tempdir()?;
        let database_url = std::env::var("BENCH_DATABASE_URL")
            .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
        let backend = database_url.split(':').next().unwrap_or("?").to_string();
        let mut config = collector::Config::for_tests(&database_url);
        // As in production: program and API-key lookups cached (tests turn the cache off).
        config.program_cache_ms = 5000;
        let running = collector::start(config).await?;
        let base = running.base_url();
        let created = admin::create_program(
            &*running.storage(),
            ProgramSpec::new(ProgramKind::ReferAFriend, "Bench", SITE),
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the program: {e:?}"))?;
        seed_customers(&base, &created.api_key).await?;
        let bare = start_bare().await?;
        let program: Arc<str> = created.public_id.clone().into();
        let api_key: Arc<str> = created.api_key.clone().into();

        println!(
            "ingest benchmark: backend {backend}, {connections} connections, {seconds}s per phase, {} cores",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        );
        let warm = Duration::from_secs(1);
        closed_loop(bare, connections, warm, visit_request(program.clone())).await?;
        let bare_max = closed_loop(bare, connections, duration, visit_request(program.clone())).await?;
        report("bare axum 204 handler, max", &bare_max);

        let visits_warm =
            closed_loop(running.addr, connections, warm, visit_request(program.clone())).await?;
        let visits_max =
            closed_loop(running.addr, connections, duration, visit_request(program.clone())).await?;
        report("visit ingest, max", &visits_max);
        let half = visits_max.rate() / 2.0;
        let visits_half =
            open_loop(running.addr, connections, half, duration, visit_request(program.clone())).await?;
        report(&format!("visit ingest at half max ({half:.0}/s)"), &visits_half);
        let bare_half = open_loop(bare, connections, half, duration, visit_request(program.clone())).await?;
        report(&format!("bare handler at the same rate ({half:.0}/s)"), &bare_half);

        let ratio = visits_max.rate() / bare_max.rate().max(1e-9) * 100.0;
        println!("visit ingest throughput = {ratio:.0}% of the bare handler (target >= 60%)");

        let acknowledged = visits_warm.ok + visits_max.ok + visits_half.ok;
        let stored = stored_clicks(&base, &created.api_key).await?;
        println!(
            "durability: {stored} visits stored, {acknowledged} acknowledged with 204: {}",
            if stored == acknowledged { "every acknowledged visit is stored exactly once" } else { "MISMATCH" }
        );

        closed_loop(running.addr, connections, warm, transaction_request(api_key.clone(), 0)).await?;
        let tx = closed_loop(running.addr, connections, duration, transaction_request(api_key, 1)).await?;
        report("POST /v1/transactions (rewards computed)", &tx);
        println!("transactions: {:.0}/s (target >= 2000/s)", tx.rate());

        running.shutdown().await?;
        anyhow::ensure!(stored == acknowledged, "stored visits do not match the acknowledged ones");
        Ok(())
    })
}
