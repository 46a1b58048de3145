//! `cargo xtask bench`: the benchmarks whose output goes into BENCHMARKS.md.
//!
//! 1. Ingest on SQLite: `cargo bench -p collector --bench ingest`, with 64 and with 256 connections.
//! 2. Ingest on PostgreSQL (256 connections), when `TEST_DATABASE_URL` names a server: a fresh
//!    `collector_bench` database.
//! 3. Tracker load time in headless Chromium: `cargo bench -p e2e --bench tracker_load`.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

fn cargo_bench(root: &Path, package: &str, bench: &str, envs: &[(&str, &str)]) -> Result<()> {
    println!("\n==> cargo bench -p {package} --bench {bench} {envs:?}");
    let status = Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(root)
        .args(["bench", "-p", package, "--bench", bench])
        .envs(envs.iter().copied())
        .status()
        .context("running cargo bench")?;
    if !status.success() {
        bail!("benchmark {bench} failed");
    }
    Ok(())
}

/// Replaces the database name in a PostgreSQL URL (`postgres://user@host:port/name?opts`).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Runs every benchmark; see the module docs.
pub fn run(root: &Path) -> Result<()> {
    // Each acknowledged visit waits for one log sync, so a closed loop's throughput is bounded by
    // connections / sync time: both concurrency levels are reported.
    for connections in ["64", "256"] {
        cargo_bench(
            root,
            "collector",
            "ingest",
            &[("BENCH_CONNECTIONS", connections)],
        )?;
    }
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            for sql in [
                "DROP DATABASE IF EXISTS collector_bench",
                "CREATE DATABASE collector_bench",
            ] {
                let status = Command::new("psql")
                    .args([admin.as_str(), "-q", "-c", sql])
                    .status()
                    .context("running psql")?;
                if !status.success() {
                    bail!("psql failed: {sql}");
                }
            }
            let url = with_database(&admin, "collector_bench");
            cargo_bench(
                root,
                "collector",
                "ingest",
                &[("BENCH_DATABASE_URL", &url), ("BENCH_CONNECTIONS", "256")],
            )?;
        }
        _ => println!(
            "\nnotice: TEST_DATABASE_URL is not set: the PostgreSQL ingest benchmark is skipped"
        ),
    }
    cargo_bench(root, "e2e", "tracker_load", &[])
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "b"),
            "postgres://postgres@127.0.0.1:5432/b"
        );
        assert_eq!(
            with_database("postgres://h/x?sslmode=disable", "b"),
            "postgres://h/b?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:1", "b"), "postgres://h:1/b");
    }
}
