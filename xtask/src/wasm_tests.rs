//! The tracker's browser-layer tests (`tracker-wasm/tests/web.rs`) in headless Chromium:
//! `cargo test --target wasm32-unknown-unknown` with wasm-bindgen-test-runner as the runner and
//! the system chromedriver; Chrome's extra arguments (`--no-sandbox`, …) come from
//! `tracker-wasm/webdriver.json`.

use crate::suite::{SuiteOutcome, run_test_command};
use crate::toolchain::{WASM_TARGET, WasmToolchain};
use std::path::Path;

/// The suite's name in the summary.
const NAME: &str = "tracker wasm (Chromium)";
/// Where Debian installs chromedriver.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Runs the suite, or reports why it cannot run.
pub fn run(root: &Path) -> SuiteOutcome {
    let Some(toolchain) = WasmToolchain::detect() else {
        return SuiteOutcome::skipped(NAME, "no wasm32 toolchain (run `cargo xtask setup`)");
    };
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
    if !Path::new(&chromedriver).exists() {
        return SuiteOutcome::skipped(
            NAME,
            "chromedriver is not installed (run `cargo xtask setup`)",
        );
    }
    let mut cmd = toolchain.cargo();
    cmd.current_dir(root)
        .args([
            "test",
            "-p",
            "tracker-wasm",
            "--target",
            WASM_TARGET,
            "--test",
            "web",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", chromedriver)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .env_remove("GECKODRIVER")
        .env_remove("SAFARIDRIVER");
    run_test_command(NAME, cmd)
}
