//! `cargo xtask setup`: installs what building and testing need, skipping what is already there.
//!
//! Each step prints what it checks, what it does and how long it took. A step that cannot install its
//! tool prints one line saying what is missing and how to install it by hand, and setup goes on; at
//! the end it names every missing step and fails. Run by `cargo xtask test`, it fails only when a
//! step the test suites need is missing: wasm-pack and the npm tools serve `build-tracker` alone.

use crate::chromium;
use crate::system::{apt_install, copy_into};
use crate::toolchain::{self, DEBIAN_WASM_LIBDIR, WASM_TARGET, WasmToolchain};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Debian packages of the fallback wasm toolchain.
const DEBIAN_WASM_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "lld-22"];

/// One setup step: checks, installs when needed, and says what it did.
type Step = fn(&Path) -> Result<String>;

/// What setup is run for, which decides the missing steps it fails on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `cargo xtask setup`: building the tracker and testing; every step counts.
    Everything,
    /// `cargo xtask test`: only the steps the test suites need count.
    Tests,
}

/// The steps in order: name, whether the test suites need it, and the step.
const STEPS: [(&str, bool, Step); 6] = [
    ("rustfmt + clippy", true, rust_components),
    ("wasm32 target", true, wasm_target),
    ("wasm-bindgen-cli", true, wasm_bindgen_cli),
    ("wasm-pack", false, wasm_pack),
    ("npm tools (js/)", false, npm_tools),
    ("chromium + chromedriver", true, chromium::setup),
];

/// Runs every step, going on after a failure, and names the missing ones at the end. Fails when a
/// step is missing; for [`Purpose::Tests`] only when it is one the test suites need (the others are
/// still reported).
pub fn run(root: &Path, purpose: Purpose) -> Result<()> {
    let started = Instant::now();
    let (mut missing, mut missing_for_build) = (Vec::new(), Vec::new());
    for (name, tests_need, step) in STEPS {
        let step_started = Instant::now();
        println!("[setup] {name}: checking…");
        match step(root) {
            Ok(what) => println!(
                "[setup] {name}: {what} ({:.1}s)",
                step_started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                println!(
                    "[setup] {name}: MISSING — {e:#} ({:.1}s)",
                    step_started.elapsed().as_secs_f64()
                );
                if tests_need || purpose == Purpose::Everything {
                    missing.push(name);
                } else {
                    missing_for_build.push(name);
                }
            }
        }
    }
    println!("[setup] done in {:.1}s", started.elapsed().as_secs_f64());
    if !missing_for_build.is_empty() {
        println!(
            "[setup] missing, needed by `cargo xtask build-tracker` but not by the tests: {}",
            missing_for_build.join(", ")
        );
    }
    if !missing.is_empty() {
        bail!("setup could not install: {}", missing.join(", "));
    }
    Ok(())
}

/// `rustfmt` and `clippy`, which `cargo xtask test` runs (rustup's "minimal" profile has neither).
fn rust_components(_root: &Path) -> Result<String> {
    let runs = |subcommand: &str| {
        Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
            .args([subcommand, "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if runs("fmt") && runs("clippy") {
        return Ok("already installed".into());
    }
    println!("[setup]   rustup component add rustfmt clippy …");
    let added = Command::new("rustup")
        .args(["component", "add", "rustfmt", "clippy"])
        .status()
        .is_ok_and(|s| s.success());
    if !added {
        bail!("`rustup component add rustfmt clippy` failed: install rustfmt and clippy by hand");
    }
    if !(runs("fmt") && runs("clippy")) {
        bail!("rustfmt and clippy were added but `cargo fmt` / `cargo clippy` still do not run");
    }
    Ok("installed with rustup".into())
}

fn wasm_target(_root: &Path) -> Result<String> {
    if toolchain::rustup_has_wasm_target() {
        return Ok("already installed (rustup)".into());
    }
    if toolchain::debian_has_wasm_std() {
        return Ok("already installed (Debian rustc-web fallback)".into());
    }
    println!("[setup]   trying `rustup target add {WASM_TARGET}` (60 s limit)…");
    let rustup_ok = Command::new("timeout")
        .args(["60", "rustup", "target", "add", WASM_TARGET])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if rustup_ok && toolchain::rustup_has_wasm_target() {
        return Ok("installed with rustup".into());
    }
    println!("[setup]   rustup could not add the target; using Debian's rustc-web fallback");
    apt_install(DEBIAN_WASM_PACKAGES).context(
        "install the wasm32 target by hand: `rustup target add wasm32-unknown-unknown`, or \
         `apt-get install rustc-web cargo-web rust-web-src lld-22` and rerun setup",
    )?;
    build_debian_wasm_std()?;
    match WasmToolchain::detect() {
        Some(WasmToolchain::Debian) => {
            Ok("installed (Debian rustc-web, std built for wasm32)".into())
        }
        _ => bail!("the wasm32 std was built but {DEBIAN_WASM_LIBDIR} has no libstd"),
    }
}

/// Builds std for wasm32 once from Debian's `rust-web-src` and copies the rlibs where rustc finds them.
fn build_debian_wasm_std() -> Result<()> {
    let work = std::env::temp_dir().join("xtask-wasm-std");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("src"))?;
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"wasm-std-build\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [lib]\ncrate-type = [\"cdylib\"]\npath = \"src/lib.rs\"\n\n[workspace]\n\n\
         [profile.release]\npanic = \"abort\"\n",
    )?;
    std::fs::write(
        work.join("src/lib.rs"),
        "#[no_mangle]\npub extern \"C\" fn f() {}\n",
    )?;
    println!(
        "[setup]   building std for {WASM_TARGET} from /usr/lib/rustlib/src/rust (a few minutes)…"
    );
    let status = Command::new("/usr/bin/cargo")
        .current_dir(&work)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", "-Cembed-bitcode=yes")
        .env("RUSTC", "/usr/bin/rustc")
        .env_remove("RUSTUP_TOOLCHAIN")
        .args([
            "build",
            "--release",
            "--target",
            WASM_TARGET,
            "-Z",
            "build-std=std,panic_abort",
        ])
        .status()
        .context("running /usr/bin/cargo")?;
    if !status.success() {
        bail!("building std for wasm32 failed");
    }
    let deps = work
        .join("target")
        .join(WASM_TARGET)
        .join("release")
        .join("deps");
    let mut rlibs = Vec::new();
    for entry in std::fs::read_dir(&deps).with_context(|| format!("reading {}", deps.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rlib") {
            rlibs.push(path);
        }
    }
    if rlibs.is_empty() {
        bail!(
            "building std for wasm32 left no rlibs in {}",
            deps.display()
        );
    }
    copy_into(&rlibs, Path::new(DEBIAN_WASM_LIBDIR)).with_context(|| {
        format!(
            "installing the wasm32 std (copy {}/*.rlib into {DEBIAN_WASM_LIBDIR} as root)",
            deps.display()
        )
    })?;
    println!(
        "[setup]   copied {} rlibs into {DEBIAN_WASM_LIBDIR}",
        rlibs.len()
    );
    Ok(())
}

/// The `wasm-bindgen` version that `Cargo.lock` resolved.
pub fn locked_wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_string());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen entry")
}

/// First line of `program --version`, when the program runs.
pub fn version_of(program: &str) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    })
}

fn cargo_install(args: &[&str]) -> Result<()> {
    println!(
        "[setup]   cargo install {} (a few minutes)…",
        args.join(" ")
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .arg("install")
        .args(args)
        .status()
        .context("running cargo install")?;
    if !status.success() {
        bail!("`cargo install {}` failed", args.join(" "));
    }
    Ok(())
}

fn wasm_bindgen_cli(root: &Path) -> Result<String> {
    let want = locked_wasm_bindgen_version(root)?;
    if let Some(have) = version_of("wasm-bindgen") {
        if have.split_whitespace().nth(1) == Some(want.as_str()) {
            return Ok(format!("already installed ({have})"));
        }
        println!("[setup]   found {have}, need {want}");
    }
    let version = format!("={want}");
    cargo_install(&["--locked", "wasm-bindgen-cli", "--version", &version]).with_context(|| {
        format!("install it by hand: cargo install --locked wasm-bindgen-cli --version ={want}")
    })?;
    Ok(format!("installed wasm-bindgen-cli {want}"))
}

fn wasm_pack(_root: &Path) -> Result<String> {
    if let Some(have) = version_of("wasm-pack") {
        return Ok(format!("already installed ({have})"));
    }
    cargo_install(&["--locked", "wasm-pack"])
        .context("install it by hand: cargo install --locked wasm-pack")?;
    Ok("installed".into())
}

fn npm_tools(root: &Path) -> Result<String> {
    let js = root.join("js");
    let lock = js.join("package-lock.json");
    if !lock.exists() {
        bail!("js/package-lock.json is missing");
    }
    let installed = js.join("node_modules").join(".package-lock.json");
    let up_to_date = match (std::fs::metadata(&installed), std::fs::metadata(&lock)) {
        (Ok(i), Ok(l)) => i.modified()? >= l.modified()?,
        _ => false,
    };
    if up_to_date && js.join("node_modules/.bin/wasm-opt").exists() {
        return Ok("already installed (js/node_modules)".into());
    }
    if version_of("npm").is_none() {
        println!("[setup]   npm is not installed; installing Node.js and npm");
        apt_install(&["nodejs", "npm"])
            .context("install them by hand: apt-get install nodejs npm, then rerun setup")?;
        if version_of("npm").is_none() {
            bail!("npm still does not run after installing nodejs and npm");
        }
    }
    println!("[setup]   npm ci in js/ …");
    let status = Command::new("npm")
        .current_dir(&js)
        .args(["ci", "--no-audit", "--no-fund"])
        .status()
        .context("running npm ci")?;
    if !status.success() {
        bail!("`npm ci` in js/ failed");
    }
    Ok("installed with npm ci".into())
}
