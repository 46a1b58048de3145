//! Visit batches straight through the storage, without HTTP: the cost of recording a batch (wall
//! time and process CPU time per visit) for a few batch sizes, with several writers at once so
//! commit groups form as they do under load. Much less sensitive to other work on the machine than
//! the closed-loop `ingest` benchmark, so it is the one to compare two builds with.
//!
//! `cargo bench -p collector --bench visit_batches`. Environment: `BENCH_BATCHES` (default 400,
//! per writer and size), `BENCH_WRITERS` (default 4), `BENCH_DATABASE_URL` (as for `ingest`).

#[path = "loadgen.rs"]
#[allow(dead_code)]
mod loadgen;

use std::sync::Arc;
use std::time::Instant;

use collector::admin::{self, ProgramSpec};
use collector::model::NewVisit;
use collector::program::ProgramKind;
use collector::storage::Storage;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn visit(program_id: i64, n: u64) -> NewVisit {
    NewVisit {
        program_id,
        referral_key: format!("ref_{}", n % 100),
        visitor: format!("{:032x}", (u128::from(n) << 64) | 0x9e37_79b9_7f4a_7c15),
        format: "query".to_owned(),
        landing_url: format!("http://bench.test/?ref=ref_{}", n % 100),
        referrer: None,
        user_agent: Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
                .to_owned(),
        ),
        ip_hash: "0f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b5a6978".to_owned(),
        at: collector::clock::now(),
    }
}

fn main() -> anyhow::Result<()> {
    let batches = env_u64("BENCH_BATCHES", 400);
    let writers = env_u64("BENCH_WRITERS", 4);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let dir = tempfile::tempdir()?;
        let url = std::env::var("BENCH_DATABASE_URL")
            .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
        let storage: Arc<dyn Storage> = collector::storage::open(&url).await?;
        let program = admin::create_program(
            &*storage,
            ProgramSpec::new(ProgramKind::ReferAFriend, "Bench", "http://bench.test"),
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the program: {e:?}"))?
        .program
        .id;
        println!(
            "visit batches: backend {}, {writers} writers, {batches} batches per writer and size",
            url.split(':').next().unwrap_or("?")
        );
        let mut next = 0u64;
        for size in [1u64, 8, 64, 256] {
            let cpu = loadgen::process_cpu();
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..writers {
                let storage = storage.clone();
                let first = next;
                next += batches * size;
                tasks.push(tokio::spawn(async move {
                    for b in 0..batches {
                        let visits: Vec<NewVisit> = (0..size)
                            .map(|i| visit(program, first + b * size + i))
                            .collect();
                        storage.record_visits(&visits).await?;
                    }
                    Ok::<(), anyhow::Error>(())
                }));
            }
            for task in tasks {
                task.await??;
            }
            let visits = (writers * batches * size) as f64;
            let wall = started.elapsed().as_secs_f64();
            let cpu = loadgen::process_cpu().saturating_sub(cpu).as_secs_f64();
            println!(
                "batch size {size:>4}: {:>8.0} visits/s  wall {:>7.1} µs/batch  cpu {:>6.1} µs/visit",
                visits / wall,
                wall * 1e6 / (writers * batches) as f64,
                cpu * 1e6 / visits
            );
        }
        storage.close().await;
        Ok(())
    })
}
