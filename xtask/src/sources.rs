//! The tracker's source set and its content hash, shared by `build-tracker` (which records it in
//! `js/dist/manifest.json`) and the freshness check in `test` (which compares against it).

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Directories (relative to the workspace root) whose files make up the tracker's sources.
const SOURCE_DIRS: &[&str] = &["tracker-wasm", "js"];

/// Directory names never part of the source set: build output, installed packages and tests
/// (the browser tests, property tests: nothing the built assets are made from).
const SKIPPED_DIRS: &[&str] = &["target", "pkg", "node_modules", "dist", ".git", "tests"];

/// File name endings never part of the source set: documentation and proptest's saved failure
/// cases, which cannot change the built assets.
const SKIPPED_SUFFIXES: &[&str] = &[".md", ".proptest-regressions"];

/// Every tracker source file, relative to `root`, sorted, with `/` separators: the files under
/// `tracker-wasm/` and `js/` that can change the built assets (not build output, installed
/// packages, tests or documentation).
pub fn tracker_source_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        collect(root, &root.join(dir), &mut files)?;
    }
    files.sort();
    Ok(files)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if !SKIPPED_DIRS.iter().any(|s| name == *s) {
                collect(root, &path, out)?;
            }
        } else if file_type.is_file()
            && !SKIPPED_SUFFIXES
                .iter()
                .any(|suffix| name.to_string_lossy().ends_with(suffix))
        {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

/// SHA-256 (hex) over the relative path and contents of every tracker source file.
pub fn tracker_sources_hash(root: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    for rel in tracker_source_files(root)? {
        let text = rel.to_string_lossy().replace('\\', "/");
        let bytes =
            std::fs::read(root.join(&rel)).with_context(|| format!("reading {}", rel.display()))?;
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hex::encode(hasher.finalize()))
}
