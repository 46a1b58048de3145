//! The harness itself: a failing test leaves its artifacts behind, and a missing chromedriver is a
//! clear failure, never a silent pass.

use anyhow::{Result, bail, ensure};
use e2e::DemoProgramOptions;
use e2e::artifacts;
use e2e::chromedriver::check_chromedriver;
use e2e::scenario::run_catching;

#[test]
fn a_failing_test_saves_screenshot_and_html() -> Result<()> {
    let name = "harness_deliberate_failure";
    let outcome = run_catching(name, |ctx| async move {
        let shop = ctx.shop(DemoProgramOptions::default()).await?;
        let browser = ctx.browser("visitor").await?;
        browser.goto(&shop.url("/pricing")).await?;
        browser.wait_for("h1").await?;
        bail!("deliberate failure")
    });
    let dir = artifacts::test_dir(name);
    let error = match outcome {
        Ok(()) => bail!("the failing body was reported as a success"),
        Err(error) => error,
    };
    ensure!(
        format!("{error:#}").contains("deliberate failure"),
        "{error:#}"
    );
    let png = std::fs::read(dir.join("visitor.png"))?;
    ensure!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    let html = std::fs::read_to_string(dir.join("visitor.html"))?;
    ensure!(
        html.contains("Pricing") && html.contains("po('program'"),
        "saved HTML: {html:.200}"
    );
    ensure!(std::fs::read_to_string(dir.join("error.txt"))?.contains("deliberate failure"));
    ensure!(
        dir.join("data").join("collector.db").is_file(),
        "the databases were not saved"
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn a_panicking_test_is_reported_as_a_failure() {
    let outcome = run_catching("harness_deliberate_panic", |_ctx| async move {
        let nothing: Option<()> = std::env::var_os("E2E_HARNESS_NEVER_SET").map(|_| ());
        nothing.unwrap_or_else(|| panic!("deliberate panic"));
        Ok(())
    });
    let _ = std::fs::remove_dir_all(artifacts::test_dir("harness_deliberate_panic"));
    let message = outcome.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(
        message.contains("panicked: deliberate panic"),
        "a panicking body must fail the test: {message:?}"
    );
}

#[test]
fn a_missing_chromedriver_is_a_clear_error() {
    let error = check_chromedriver("/nonexistent/chromedriver".into()).err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("chromedriver was not found at /nonexistent/chromedriver"),
        "{message}"
    );
}
