//! The freshness check: the committed `js/dist/` must have been built from the current tracker sources.
//!
//! `build-tracker` records the hash of the tracker sources in `js/dist/manifest.json`; this check hashes
//! the sources again and compares, and verifies that every file the manifest lists is there with its
//! size, next to a precompressed `<name>.gz` that decompresses to exactly that file.

use crate::sources::tracker_sources_hash;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::Path;

/// The parts of `js/dist/manifest.json` the check reads.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub sources_hash: String,
    pub files: Vec<ManifestFile>,
    /// Files loaded on demand (the form chunk).
    #[serde(default)]
    pub lazy: Vec<ManifestFile>,
    /// The loader a first visit downloads (`universal.js`).
    pub loader: String,
    /// The wasm a first visit downloads.
    pub wasm: String,
}

/// One built file as listed in the manifest.
#[derive(Debug, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub bytes: u64,
}

/// Reads `js/dist/manifest.json`.
fn read_manifest(root: &Path) -> Result<Manifest> {
    let manifest_path = root.join("js").join("dist").join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("js/dist/manifest.json is missing: {REBUILD}"))?;
    serde_json::from_str(&text)
        .with_context(|| format!("js/dist/manifest.json is not valid: {REBUILD}"))
}

/// Gzip size (best compression) of a file.
fn gzip_len(path: &Path) -> Result<u64> {
    use std::io::Write;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes)?;
    Ok(gz.finish()?.len() as u64)
}

/// The byte budget check: fails when the committed loader + wasm that a first visit downloads are,
/// gzipped, over [`crate::build_tracker::FIRST_VISIT_GZIP_BUDGET`], or a lazily loaded file (the
/// form chunk) is over [`crate::build_tracker::FORM_CHUNK_GZIP_BUDGET`]. Sizes are measured again,
/// not read from the manifest.
pub fn check_budget(root: &Path) -> Result<()> {
    let manifest = read_manifest(root)?;
    let dist = root.join("js").join("dist");
    let loader = gzip_len(&dist.join(&manifest.loader))?;
    let wasm = gzip_len(&dist.join(&manifest.wasm))?;
    let total = loader + wasm;
    let budget = crate::build_tracker::FIRST_VISIT_GZIP_BUDGET;
    println!(
        "first visit downloads {total} bytes gzip ({} {loader} + {} {wasm}); budget {budget}",
        manifest.loader, manifest.wasm,
    );
    if total > budget {
        bail!("the tracker is over its byte budget: {total} bytes gzip > {budget}");
    }
    let chunk_budget = crate::build_tracker::FORM_CHUNK_GZIP_BUDGET;
    for file in &manifest.lazy {
        let size = gzip_len(&dist.join(&file.name))
            .with_context(|| format!("js/dist/{} is missing: {REBUILD}", file.name))?;
        println!(
            "{} (loaded on demand) is {size} bytes gzip; budget {chunk_budget}",
            file.name
        );
        if size > chunk_budget {
            bail!(
                "the form chunk {} is over its byte budget: {size} bytes gzip > {chunk_budget}",
                file.name
            );
        }
    }
    Ok(())
}

/// The command that makes `js/dist/` fresh again.
const REBUILD: &str = "run `cargo xtask build-tracker` and commit js/dist/";

/// Fails, naming the command to run, when `js/dist/` does not match the tracker sources under `root`.
pub fn check(root: &Path) -> Result<()> {
    let dist = root.join("js").join("dist");
    let manifest = read_manifest(root)?;
    let current = tracker_sources_hash(root)?;
    if manifest.sources_hash != current {
        bail!(
            "js/dist/ is stale: the tracker sources (tracker-wasm/, js/) changed since it was built \
             (built from {}, sources now {}); {REBUILD}",
            short(&manifest.sources_hash),
            short(&current)
        );
    }
    for file in manifest.files.iter().chain(&manifest.lazy) {
        let bytes = std::fs::read(dist.join(&file.name))
            .with_context(|| format!("js/dist/{} is missing: {REBUILD}", file.name))?;
        if bytes.len() as u64 != file.bytes {
            bail!(
                "js/dist/{} has {} bytes but the manifest says {}: {REBUILD}",
                file.name,
                bytes.len(),
                file.bytes
            );
        }
        let gz = std::fs::read(dist.join(format!("{}.gz", file.name)))
            .with_context(|| format!("js/dist/{}.gz is missing: {REBUILD}", file.name))?;
        let mut unpacked = Vec::new();
        let decoded =
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unpacked);
        if decoded.is_err() || unpacked != bytes {
            bail!(
                "js/dist/{0}.gz does not decompress to js/dist/{0}: {REBUILD}",
                file.name
            );
        }
    }
    println!("js/dist/ is fresh (sources {})", short(&current));
    Ok(())
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::PathBuf;

    /// A throw-away workspace with a tiny tracker source tree and a dist built "from" it.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("xtask-fresh-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("tracker-wasm/src")).unwrap();
            fs::create_dir_all(dir.join("js/dist")).unwrap();
            fs::write(dir.join("tracker-wasm/src/lib.rs"), "pub fn key() {}\n").unwrap();
            fs::write(dir.join("js/loader.js"), "console.log(1)\n").unwrap();
            Scratch(dir)
        }

        /// Writes dist files and a manifest carrying the current sources hash (what build-tracker does).
        fn build(&self) {
            let dist = self.0.join("js/dist");
            for name in ["universal.js", "form.js"] {
                fs::write(dist.join(name), "x").unwrap();
                let gz = crate::build_tracker::serving_gzip(b"x").unwrap();
                fs::write(dist.join(format!("{name}.gz")), gz).unwrap();
            }
            let manifest = serde_json::json!({
                "sources_hash": tracker_sources_hash(&self.0).unwrap(),
                "files": [{"name": "universal.js", "bytes": 1, "gzip_bytes": 21}],
                "lazy": [{"name": "form.js", "bytes": 1, "gzip_bytes": 21}],
                "loader": "universal.js",
                "wasm": "universal.js",
            });
            fs::write(dist.join("manifest.json"), manifest.to_string()).unwrap();
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn fresh_build_passes() {
        let s = Scratch::new("pass");
        s.build();
        check(&s.0).unwrap();
    }

    #[test]
    fn changed_tracker_source_without_rebuild_fails() {
        let s = Scratch::new("src");
        s.build();
        fs::write(
            s.0.join("tracker-wasm/src/lib.rs"),
            "pub fn key() { /* changed */ }\n",
        )
        .unwrap();
        let err = format!("{:#}", check(&s.0).unwrap_err());
        assert!(err.contains("stale"), "{err}");
        assert!(err.contains("cargo xtask build-tracker"), "{err}");
        s.build();
        check(&s.0).unwrap();
    }

    #[test]
    fn new_loader_file_without_rebuild_fails() {
        let s = Scratch::new("new");
        s.build();
        fs::write(s.0.join("js/extra.js"), "1").unwrap();
        assert!(check(&s.0).is_err());
    }

    #[test]
    fn edited_dist_file_fails_and_build_output_dirs_are_ignored() {
        let s = Scratch::new("dist");
        s.build();
        fs::create_dir_all(s.0.join("js/node_modules/x")).unwrap();
        fs::write(s.0.join("js/node_modules/x/index.js"), "1").unwrap();
        fs::create_dir_all(s.0.join("tracker-wasm/target")).unwrap();
        fs::write(s.0.join("tracker-wasm/target/junk"), "1").unwrap();
        check(&s.0).unwrap();
        fs::write(s.0.join("js/dist/universal.js"), "edited by hand").unwrap();
        let err = format!("{:#}", check(&s.0).unwrap_err());
        assert!(err.contains("universal.js"), "{err}");
    }

    #[test]
    fn served_gzip_must_match_its_file() {
        let s = Scratch::new("gz");
        s.build();
        check(&s.0).unwrap();
        // Same length, other content: the precompressed copy is stale.
        fs::write(s.0.join("js/dist/universal.js"), "y").unwrap();
        let err = format!("{:#}", check(&s.0).unwrap_err());
        assert!(err.contains("universal.js.gz does not decompress"), "{err}");
        s.build();
        fs::remove_file(s.0.join("js/dist/universal.js.gz")).unwrap();
        let err = format!("{:#}", check(&s.0).unwrap_err());
        assert!(err.contains("universal.js.gz is missing"), "{err}");
    }

    /// `len` incompressible bytes.
    fn noise(len: usize) -> Vec<u8> {
        let mut x: u32 = 12345;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    #[test]
    fn budget_is_measured_from_the_files() {
        let s = Scratch::new("budget");
        s.build();
        check_budget(&s.0).unwrap();
        // Incompressible bytes well over the budget, whatever the manifest says.
        fs::write(s.0.join("js/dist/universal.js"), noise(40_000)).unwrap();
        let err = format!("{:#}", check_budget(&s.0).unwrap_err());
        assert!(err.contains("over its byte budget"), "{err}");
    }

    /// The lazily loaded form chunk has its own budget (4,096 bytes gzip), also checked on the
    /// committed files: a chunk of 5,000 incompressible bytes fails, one of 3,000 passes.
    #[test]
    fn form_chunk_budget_is_checked() {
        let s = Scratch::new("chunk");
        s.build();
        fs::write(s.0.join("js/dist/form.js"), noise(3_000)).unwrap();
        check_budget(&s.0).unwrap();
        fs::write(s.0.join("js/dist/form.js"), noise(5_000)).unwrap();
        let err = format!("{:#}", check_budget(&s.0).unwrap_err());
        assert!(err.contains("form chunk form.js is over"), "{err}");
    }

    /// Documentation, tests and proptest's saved cases cannot change the built assets: editing
    /// them leaves `js/dist/` fresh. A source change next to them still makes it stale.
    #[test]
    fn docs_and_tests_are_not_sources() {
        let s = Scratch::new("docs");
        for dir in ["js/src", "tracker-wasm/tests", "tracker-wasm/src/web/tests"] {
            fs::create_dir_all(s.0.join(dir)).unwrap();
        }
        let others = [
            "js/README.md",
            "tracker-wasm/README.md",
            "tracker-wasm/tests/web.rs",
            "tracker-wasm/tests/props.proptest-regressions",
            "tracker-wasm/src/web/tests/helper.js",
            "tracker-wasm/src/notes.md",
        ];
        for file in others {
            fs::write(s.0.join(file), "1").unwrap();
        }
        s.build();
        for file in others {
            fs::write(s.0.join(file), "edited").unwrap();
            check(&s.0).unwrap_or_else(|e| panic!("{file}: {e:#}"));
        }
        fs::write(s.0.join("js/src/loader.js"), "edited").unwrap();
        assert!(check(&s.0).is_err());
    }

    #[test]
    fn missing_manifest_names_the_command() {
        let s = Scratch::new("none");
        let err = format!("{:#}", check(&s.0).unwrap_err());
        assert!(err.contains("cargo xtask build-tracker"), "{err}");
    }

    /// The real repository: copying its tracker sources and committed dist, the check passes; after one
    /// tracker source file changes, it fails.
    #[test]
    fn real_tracker_sources_change_is_detected() {
        let root = crate::workspace_root();
        if !root.join("js/dist/manifest.json").exists() {
            panic!("js/dist/manifest.json is missing: {REBUILD}");
        }
        let s = Scratch::new("real");
        let _ = fs::remove_dir_all(s.0.join("tracker-wasm"));
        let _ = fs::remove_dir_all(s.0.join("js"));
        for rel in crate::sources::tracker_source_files(&root).unwrap() {
            let to = s.0.join(&rel);
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(root.join(&rel), to).unwrap();
        }
        copy_dir(&root.join("js/dist"), &s.0.join("js/dist"));
        check(&s.0).expect("the committed js/dist/ is fresh");
        let lib = s.0.join("tracker-wasm/src/lib.rs");
        let mut text = fs::read_to_string(&lib).unwrap();
        text.push_str("\n// a change without a rebuild\n");
        fs::write(&lib, text).unwrap();
        assert!(check(&s.0).is_err());
    }

    /// The committed `js/dist/` is within both budgets (what `cargo xtask test` checks).
    #[test]
    fn the_committed_tracker_is_within_its_budgets() {
        check_budget(&crate::workspace_root()).unwrap();
    }

    fn copy_dir(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }
}
