//! `cargo xtask build-tracker`: builds the WebAssembly tracker and its loader into `js/dist/`.
//!
//! 1. `wasm-pack build` (profile `wasm-release`, feature `slim`, `--target web`, no wasm-opt of its own);
//! 2. binaryen's `wasm-opt -Oz` (after `--flatten --rereloop`) from `js/node_modules` (npm `binaryen`);
//! 3. the wasm named by its content hash (`tracker.<hash8>.wasm`, served immutable);
//! 4. esbuild bundles `js/src/loader.js` with the tracker's JavaScript (`tracker-wasm/src/web/`)
//!    into one minified IIFE, `universal.js`, with the hashed wasm name substituted in (the wasm
//!    imports nothing and exports numbers only: the wasm-bindgen JavaScript glue is not needed);
//! 5. each file also gets a precompressed `<name>.gz` (zopfli) that the collector serves to
//!    browsers accepting gzip;
//! 6. `manifest.json` lists every file with its raw, gzip -9 and served size and the tracker
//!    sources hash;
//! 7. fails when what a first visit downloads (loader + wasm) exceeds the gzip budget, or the form
//!    chunk its own (measured at gzip -9, which is larger than what is served); the freshness
//!    check measures the committed files against the same two budgets.
//!
//! Same sources and tools give byte-identical output.

use crate::sources::tracker_sources_hash;
use crate::toolchain::WasmToolchain;
use anyhow::{Context, Result, bail, ensure};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The hard budget, enforced by `build-tracker` and CI: gzip bytes of everything a first visit
/// downloads (the loader and the wasm).
pub const FIRST_VISIT_GZIP_BUDGET: u64 = 8192;
/// What we aim for.
pub const FIRST_VISIT_GZIP_TARGET: u64 = 5120;
/// Budget of the lazily loaded form chunk (gzip).
pub const FORM_CHUNK_GZIP_BUDGET: u64 = 4096;
/// The loader's file name (the snippet's script URL ends with `/js/universal.js`).
pub const LOADER: &str = "universal.js";
/// Set to `1` to write `js/dist/` even when the budget is exceeded (the command still fails).
pub const ALLOW_OVER_BUDGET_ENV: &str = "TRACKER_ALLOW_OVER_BUDGET";
/// The placeholder in `js/src/loader.js` replaced by the hashed wasm file name.
const WASM_PLACEHOLDER: &str = "__TRACKER_WASM__";
/// The placeholder in `js/src/loader.js` replaced by the hashed form chunk name.
const FORM_PLACEHOLDER: &str = "__TRACKER_FORM__";

/// One built file in the manifest.
#[derive(Debug, Serialize)]
pub struct BuiltFile {
    pub name: String,
    pub bytes: u64,
    /// Gzip at level 9: what the budget is checked against.
    pub gzip_bytes: u64,
    /// The precompressed `<name>.gz` the collector serves to browsers that accept gzip.
    pub served_gzip_bytes: u64,
}

/// `js/dist/manifest.json`.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub files: Vec<BuiltFile>,
    pub first_visit_gzip_total: u64,
    /// Loaded only when a page shows the refer-a-friend form.
    pub lazy: Vec<BuiltFile>,
    pub sources_hash: String,
    pub wasm: String,
    pub loader: String,
    pub form: String,
}

/// Runs the whole build.
pub fn run(root: &Path) -> Result<()> {
    let js = root.join("js");
    let bin = js.join("node_modules").join(".bin");
    let wasm_opt = bin.join("wasm-opt");
    let esbuild = bin.join("esbuild");
    for tool in [&wasm_opt, &esbuild] {
        ensure!(
            tool.exists(),
            "{} is missing: run `npm ci` in js/ (or `cargo xtask setup`)",
            tool.display()
        );
    }

    let toolchain = WasmToolchain::detect().context(
        "no Rust toolchain with the wasm32-unknown-unknown target: run `cargo xtask setup`",
    )?;
    let pkg = root.join("tracker-wasm").join("pkg");
    let mut wasm_pack = Command::new("wasm-pack");
    wasm_pack
        .current_dir(root)
        .args([
            "build",
            "tracker-wasm",
            "--target",
            "web",
            "--mode",
            "no-install",
            "--no-opt",
        ])
        .args([
            "--no-typescript",
            "--no-pack",
            "--out-dir",
            "pkg",
            "--profile",
            "wasm-release",
        ])
        .args(["--", "--features", "slim"])
        // LLVM's inlining threshold: measured on this code, 22 to 25 give the smallest wasm after
        // wasm-opt (70 bytes gzip less than the default; 15 or 35 are larger, 100 and up much
        // larger). Re-measure when the core changes much. Only the tracker's wasm32 build gets it
        // (the wasm tests and the host build keep the defaults; a RUSTFLAGS variable overrides it).
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-Cllvm-args=-inline-threshold=25",
        );
    toolchain.apply(&mut wasm_pack);
    run_tool(
        &mut wasm_pack,
        "wasm-pack (needs wasm-pack and wasm-bindgen on PATH)",
    )?;

    let optimised = pkg.join("tracker.opt.wasm");
    run_tool(
        Command::new(&wasm_opt)
            .arg(pkg.join("tracker_wasm_bg.wasm"))
            // `--flatten --rereloop` before `-Oz` lets it merge more control flow; the low 1 KiB of
            // memory is never used (rustc puts the stack first, from 1 MiB down) and the memory is
            // the wasm's own, so it starts zeroed: wasm-opt may fold addresses and stores of zero.
            .args(["--flatten", "--rereloop", "-Oz", "-Oz", "--converge"])
            .args(["--low-memory-unused", "--zero-filled-memory"])
            .args(["--strip-debug", "--strip-producers"])
            .args([
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
            ])
            .args([
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
            ])
            .arg("-o")
            .arg(&optimised),
        "wasm-opt",
    )?;
    let wasm_bytes = std::fs::read(&optimised).context("reading the optimised wasm")?;
    ensure!(
        import_count(&wasm_bytes)? == 0,
        "the tracker wasm must import nothing (the loader instantiates it with an empty import \
         object, without the wasm-bindgen glue)"
    );
    let wasm_name = format!(
        "tracker.{}.wasm",
        &hex::encode(Sha256::digest(&wasm_bytes))[..8]
    );

    let form_out = pkg.join("form.min.js");
    run_tool(
        Command::new(&esbuild)
            .arg(root.join("tracker-wasm/src/web/form.js"))
            .args([
                "--bundle",
                "--format=esm",
                "--minify",
                "--target=es2020",
                "--charset=utf8",
                "--legal-comments=none",
                "--log-level=warning",
            ])
            .arg(format!("--outfile={}", form_out.display())),
        "esbuild (form chunk)",
    )?;
    let form_bytes = std::fs::read(&form_out).context("reading the form chunk")?;
    let form_name = format!("form.{}.js", &hex::encode(Sha256::digest(&form_bytes))[..8]);

    let bundled = pkg.join("universal.bundle.js");
    run_tool(
        Command::new(&esbuild)
            .arg(js.join("src").join("loader.js"))
            .args([
                "--bundle",
                "--format=iife",
                "--minify",
                "--target=es2020",
                "--charset=utf8",
            ])
            .args([
                "--legal-comments=none",
                "--log-level=warning",
                "--log-override:empty-import-meta=silent",
            ])
            .arg(format!("--outfile={}", bundled.display())),
        "esbuild",
    )?;
    let loader_text = std::fs::read_to_string(&bundled).context("reading the bundled loader")?;
    for placeholder in [WASM_PLACEHOLDER, FORM_PLACEHOLDER] {
        ensure!(
            loader_text.matches(placeholder).count() == 1,
            "the bundled loader must contain {placeholder} exactly once"
        );
    }
    let loader_bytes = loader_text
        .replace(WASM_PLACEHOLDER, &wasm_name)
        .replace(FORM_PLACEHOLDER, &form_name)
        .into_bytes();

    let served = [
        (LOADER, serving_gzip(&loader_bytes)?),
        (wasm_name.as_str(), serving_gzip(&wasm_bytes)?),
        (form_name.as_str(), serving_gzip(&form_bytes)?),
    ];
    let files = vec![
        file_entry(LOADER, &loader_bytes, &served[0].1)?,
        file_entry(&wasm_name, &wasm_bytes, &served[1].1)?,
    ];
    let lazy = vec![file_entry(&form_name, &form_bytes, &served[2].1)?];
    let first_visit_gzip_total: u64 = files.iter().map(|f| f.gzip_bytes).sum();
    let first_visit_served: u64 = files.iter().map(|f| f.served_gzip_bytes).sum();
    for f in files.iter().chain(&lazy) {
        println!(
            "{:<28} {:>7} bytes {:>6} gzip {:>6} served",
            f.name, f.bytes, f.gzip_bytes, f.served_gzip_bytes
        );
    }
    println!(
        "first visit: {first_visit_gzip_total} bytes gzip (budget {FIRST_VISIT_GZIP_BUDGET}, target {FIRST_VISIT_GZIP_TARGET}); served precompressed: {first_visit_served}"
    );
    println!(
        "form chunk (lazy): {} bytes gzip (budget {FORM_CHUNK_GZIP_BUDGET})",
        lazy[0].gzip_bytes
    );
    let over_budget = first_visit_gzip_total > FIRST_VISIT_GZIP_BUDGET
        || lazy[0].gzip_bytes > FORM_CHUNK_GZIP_BUDGET;
    let write_anyway = std::env::var(ALLOW_OVER_BUDGET_ENV).is_ok_and(|v| v == "1");
    if over_budget && !write_anyway {
        bail!(
            "the tracker is too big: a first visit downloads {first_visit_gzip_total} bytes gzip \
             ({} + {}; budget {FIRST_VISIT_GZIP_BUDGET}), the form chunk {} (budget \
             {FORM_CHUNK_GZIP_BUDGET}); js/dist/ was left unchanged ({ALLOW_OVER_BUDGET_ENV}=1 \
             writes it anyway for local testing, and still fails)",
            files[0].name,
            files[1].name,
            lazy[0].gzip_bytes
        );
    }

    let dist = js.join("dist");
    std::fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;
    remove_stale(&dist)?;
    std::fs::write(dist.join(LOADER), &loader_bytes)?;
    std::fs::write(dist.join(&wasm_name), &wasm_bytes)?;
    std::fs::write(dist.join(&form_name), &form_bytes)?;
    for (name, gz) in &served {
        std::fs::write(dist.join(format!("{name}.gz")), gz)?;
    }
    let manifest = Manifest {
        files,
        first_visit_gzip_total,
        lazy,
        sources_hash: tracker_sources_hash(root)?,
        wasm: wasm_name,
        loader: LOADER.into(),
        form: form_name,
    };
    let mut json = serde_json::to_string_pretty(&manifest)?;
    json.push('\n');
    std::fs::write(dist.join("manifest.json"), json)?;
    println!("wrote js/dist/ ({})", manifest.wasm);
    if over_budget {
        bail!(
            "the tracker is too big: a first visit downloads {first_visit_gzip_total} bytes gzip (budget \
             {FIRST_VISIT_GZIP_BUDGET}; form chunk budget {FORM_CHUNK_GZIP_BUDGET}); js/dist/ written \
             because {ALLOW_OVER_BUDGET_ENV}=1"
        );
    }
    Ok(())
}

/// Raw, gzip (level 9, no name, no timestamp: reproducible) and served sizes of one file.
fn file_entry(name: &str, bytes: &[u8], served: &[u8]) -> Result<BuiltFile> {
    Ok(BuiltFile {
        name: name.into(),
        bytes: bytes.len() as u64,
        gzip_bytes: gzip(bytes)?.len() as u64,
        served_gzip_bytes: served.len() as u64,
    })
}

/// The gzip file the collector serves: zopfli's exhaustive deflate search, about 4 % smaller than
/// level 9 and readable by every gzip decoder (compressed once, at build time).
pub fn serving_gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut out,
    )?;
    Ok(out)
}

/// Gzip at the best level, as a server or CDN would serve it.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

/// Deletes what an earlier build wrote (the loader, old hashed wasm files, the manifest).
fn remove_stale(dist: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dist)? {
        let path: PathBuf = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let file = name.strip_suffix(".gz").unwrap_or(name);
        let ours = file == LOADER
            || file == "manifest.json"
            || (file.starts_with("tracker.") && file.ends_with(".wasm"))
            || (file.starts_with("form.") && file.ends_with(".js"));
        if ours {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

/// How many imports a wasm module has.
pub fn import_count(wasm: &[u8]) -> Result<u32> {
    let sections = wasm_sections(wasm)?;
    match sections.iter().find(|(id, _)| *id == 2) {
        Some((_, imports)) => Reader {
            bytes: imports,
            at: 0,
        }
        .leb(),
        None => Ok(0),
    }
}

/// The sections of a wasm module: (id, contents).
fn wasm_sections(wasm: &[u8]) -> Result<Vec<(u8, Vec<u8>)>> {
    ensure!(
        wasm.get(..4) == Some(b"\0asm".as_slice()),
        "not a wasm module"
    );
    let mut reader = Reader { bytes: wasm, at: 8 };
    let mut sections = Vec::new();
    while reader.at < wasm.len() {
        let id = reader.byte()?;
        let len = reader.leb()? as usize;
        let body = wasm
            .get(reader.at..reader.at + len)
            .context("truncated wasm section")?;
        reader.at += len;
        sections.push((id, body.to_vec()));
    }
    Ok(sections)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.at).context("truncated wasm")?;
        self.at += 1;
        Ok(b)
    }

    fn leb(&mut self) -> Result<u32> {
        let (mut value, mut shift) = (0u32, 0);
        loop {
            let b = self.byte()?;
            value |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
            ensure!(shift < 35, "bad LEB128 in wasm");
        }
    }
}

fn run_tool(cmd: &mut Command, what: &str) -> Result<()> {
    println!("==> {cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    ensure!(status.success(), "{what} failed ({status})");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_imports() {
        let empty = b"\0asm\x01\0\0\0";
        assert_eq!(import_count(empty).unwrap(), 0);
        // One function import: type section, then ("a", "b") imported as function type 0.
        let mut one = empty.to_vec();
        one.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        one.extend_from_slice(&[2, 7, 1, 1, b'a', 1, b'b', 0, 0]);
        assert_eq!(import_count(&one).unwrap(), 1);
        assert!(import_count(b"nope").is_err());
    }

    #[test]
    fn gzip_is_deterministic() {
        let data = b"the same bytes give the same gzip".repeat(20);
        assert_eq!(gzip(&data).unwrap(), gzip(&data).unwrap());
        assert!(gzip(&data).unwrap().len() < data.len());
    }
}
