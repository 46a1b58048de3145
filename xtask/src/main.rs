//! `cargo xtask <command>`: the project's build and test automation.
//!
//! - `setup`: install what building and testing need (idempotent).
//! - `build-tracker`: build the WebAssembly tracker and the loader into `js/dist/`.
//! - `check-fresh`: fail when `js/dist/` does not match the tracker sources.
//! - `bench`: the benchmarks reported in BENCHMARKS.md.
//! - `test`: setup, then every check and test suite, ending with one summary line per suite.

mod bench;
mod build_tracker;
mod chromium;
mod freshness;
mod setup;
mod sources;
mod suite;
mod system;
mod test_all;
mod toolchain;
mod wasm_tests;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "xtask",
    about = "Build and test automation for the referral tracker"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install rustfmt, clippy, the wasm toolchain, wasm-bindgen-cli, wasm-pack, npm tools and Chromium.
    Setup,
    /// Build the tracker (wasm + loader) into js/dist/ and check its byte budget.
    BuildTracker,
    /// Fail when js/dist/ was not rebuilt after a tracker source changed.
    CheckFresh,
    /// Run the benchmarks (ingest on SQLite and PostgreSQL, tracker load time in Chromium).
    Bench,
    /// Run setup and then every test suite; prints one summary line per suite.
    Test {
        /// Skip `setup` (for when it already ran).
        #[arg(long)]
        no_setup: bool,
    },
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    match cli.command {
        Command::Setup => setup::run(&root, setup::Purpose::Everything),
        Command::BuildTracker => build_tracker::run(&root),
        Command::CheckFresh => freshness::check(&root),
        Command::Bench => bench::run(&root),
        Command::Test { no_setup } => test_all::run(&root, !no_setup),
    }
}
