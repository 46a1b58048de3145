//! `cargo xtask test`: setup, then every check and suite, then one summary line per suite and a final
//! `N passed, N failed` line. Exits non-zero when anything failed.

use crate::suite::{SuiteOutcome, run_test_command};
use anyhow::{Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Where the PostgreSQL suites connect when `CI=true` and `TEST_DATABASE_URL` is unset.
const CI_DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn cargo(root: &Path) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or("cargo".into()));
    cmd.current_dir(root);
    cmd
}

/// True when running in CI (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Runs everything; see the module docs.
pub fn run(root: &Path, with_setup: bool) -> Result<()> {
    let started = Instant::now();
    let mut outcomes = Vec::new();

    if with_setup {
        let t = Instant::now();
        outcomes.push(SuiteOutcome::check(
            "setup",
            t,
            crate::setup::run(root, crate::setup::Purpose::Tests),
        ));
    }

    let t = Instant::now();
    println!("\n==> tracker freshness (js/dist/ vs sources)");
    outcomes.push(SuiteOutcome::check(
        "tracker freshness",
        t,
        crate::freshness::check(root),
    ));

    let t = Instant::now();
    println!("\n==> tracker byte budget (committed js/dist/)");
    outcomes.push(SuiteOutcome::check(
        "tracker byte budget",
        t,
        crate::freshness::check_budget(root),
    ));

    let t = Instant::now();
    println!("\n==> cargo fmt --check");
    let fmt = cargo(root).args(["fmt", "--all", "--", "--check"]).status();
    outcomes.push(SuiteOutcome::check(
        "rustfmt",
        t,
        status_ok(fmt, "cargo fmt --check"),
    ));

    let t = Instant::now();
    println!("\n==> cargo clippy -D warnings");
    let clippy = cargo(root)
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .status();
    outcomes.push(SuiteOutcome::check(
        "clippy",
        t,
        status_ok(clippy, "cargo clippy"),
    ));

    let database_url = postgres_url();
    let mut native = cargo(root);
    native.args(["test", "--no-fail-fast", "--workspace", "--exclude", "e2e"]);
    if let Some(url) = &database_url {
        native.env("TEST_DATABASE_URL", url);
    }
    outcomes.push(run_test_command("native tests", native));

    outcomes.push(crate::wasm_tests::run(root));

    let mut e2e = cargo(root);
    e2e.args(["test", "--no-fail-fast", "-p", "e2e"]);
    outcomes.push(run_test_command("browser end-to-end", e2e));

    print_summary(&outcomes, started);
    let failed: u64 = outcomes.iter().filter(|o| !o.ok()).count() as u64;
    if failed > 0 {
        bail!("{failed} suite(s) failed");
    }
    Ok(())
}

/// The PostgreSQL URL for the suites: `TEST_DATABASE_URL`, or the local server under `CI=true`.
fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if in_ci() => Some(CI_DEFAULT_DATABASE_URL.to_string()),
        _ => {
            println!(
                "notice: TEST_DATABASE_URL is not set, so the PostgreSQL suites are skipped \
                 (set it, e.g. {CI_DEFAULT_DATABASE_URL}, to run them)"
            );
            None
        }
    }
}

fn status_ok(status: std::io::Result<std::process::ExitStatus>, what: &str) -> Result<()> {
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => bail!("{what} failed ({s})"),
        Err(e) => bail!("{what} could not start: {e}"),
    }
}

fn print_summary(outcomes: &[SuiteOutcome], started: Instant) {
    println!("\n==================== summary ====================");
    for o in outcomes {
        println!("{}", o.summary_line());
    }
    let passed: u64 = outcomes.iter().map(|o| o.passed).sum();
    let failed: u64 = outcomes
        .iter()
        .map(|o| o.failed + u64::from(o.failed == 0 && o.error.is_some()))
        .sum();
    let skipped = outcomes.iter().filter(|o| o.skipped.is_some()).count();
    println!("total time {:.0}s", started.elapsed().as_secs_f64());
    println!("{passed} passed, {failed} failed, {skipped} skipped");
}
