//! The tracker's browser-layer tests (`tracker-wasm/tests/web.rs`) in headless Chromium:
//! `cargo test --target wasm32-unknown-unknown` with wasm-bindgen-test-runner as the runner and
//! chromedriver (`$CHROMEDRIVER`, else Debian's); Chrome's extra arguments (`--no-sandbox`, …) come
//! from `tracker-wasm/webdriver.json`, plus the browser binary when `$CHROMIUM` names one.

use crate::chromium::{self, CHROMIUM_ENV};
use crate::suite::{SuiteOutcome, run_test_command};
use crate::toolchain::{WASM_TARGET, WasmToolchain};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The suite's name in the summary.
const NAME: &str = "tracker wasm (Chromium)";

/// Runs the suite, or reports why it cannot run.
pub fn run(root: &Path) -> SuiteOutcome {
    let Some(toolchain) = WasmToolchain::detect() else {
        return SuiteOutcome::skipped(NAME, "no wasm32 toolchain (run `cargo xtask setup`)");
    };
    let chromedriver = chromium::chromedriver_path();
    if !chromedriver.exists() {
        return SuiteOutcome::skipped(
            NAME,
            "chromedriver is not installed (run `cargo xtask setup`)",
        );
    }
    let started = Instant::now();
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
    if let Some(binary) = chromium::env_override(CHROMIUM_ENV) {
        match webdriver_json_with_binary(root, &binary) {
            Ok(path) => {
                cmd.env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", path);
            }
            Err(e) => return SuiteOutcome::check(NAME, started, Err(e)),
        }
    }
    run_test_command(NAME, cmd)
}

/// Writes `tracker-wasm/webdriver.json` with `goog:chromeOptions.binary` set to `binary` into the
/// target directory, and returns its path (wasm-bindgen-test-runner reads it instead).
fn webdriver_json_with_binary(root: &Path, binary: &Path) -> Result<PathBuf> {
    let source = root.join("tracker-wasm").join("webdriver.json");
    let text = std::fs::read_to_string(&source)
        .with_context(|| format!("reading {}", source.display()))?;
    let mut capabilities: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", source.display()))?;
    let options = capabilities
        .as_object_mut()
        .context("webdriver.json is not a JSON object")?
        .entry("goog:chromeOptions")
        .or_insert_with(|| serde_json::json!({}));
    options
        .as_object_mut()
        .context("goog:chromeOptions is not a JSON object")?
        .insert(
            "binary".into(),
            binary.to_string_lossy().into_owned().into(),
        );
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    std::fs::create_dir_all(&target).with_context(|| format!("creating {}", target.display()))?;
    let path = std::path::absolute(target.join("xtask-webdriver.json"))?;
    std::fs::write(&path, serde_json::to_string_pretty(&capabilities)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
