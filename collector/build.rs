//! Embeds the tracker assets from `js/dist/` into the binary (an empty table when the directory
//! does not exist yet), so `cargo run -p collector` works without a wasm toolchain.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn collect(dir: &Path, base: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(&path, base, files);
        } else if path.is_file() {
            let relative = path
                .strip_prefix(base)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or(name);
            files.push((relative, path));
        }
    }
}

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let js_dir = manifest_dir.join("../js");
    let dist = js_dir.join("dist");
    println!("cargo:rerun-if-changed=build.rs");
    if dist.is_dir() {
        println!("cargo:rerun-if-changed={}", dist.display());
    } else {
        println!("cargo:rerun-if-changed={}", js_dir.display());
    }

    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    let mut table = String::from(
        "/// Embedded `js/dist/` files: (path relative to dist, strong ETag, contents).\n\
         pub static EMBEDDED: &[(&str, &str, &[u8])] = &[\n",
    );
    for (name, path) in files {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let etag = hex::encode(&Sha256::digest(&bytes)[..12]);
        let absolute = path.canonicalize().unwrap_or(path);
        writeln!(
            table,
            "    ({name:?}, \"\\\"{etag}\\\"\", include_bytes!({:?})),",
            absolute.display().to_string()
        )
        .expect("write to string");
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded_assets.rs");
    std::fs::write(out, table).expect("write embedded_assets.rs");
}
