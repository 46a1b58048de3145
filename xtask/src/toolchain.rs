//! Which Rust toolchain builds the wasm32 tracker: rustup's (when it has the `wasm32-unknown-unknown`
//! target) or Debian's `rustc-web`/`cargo-web` with a wasm32 std built once from source (the fallback for
//! machines where rustup cannot download the target). Host builds always stay on the default toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The wasm32 target triple.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Where the Debian fallback keeps its wasm32 standard library.
pub const DEBIAN_WASM_LIBDIR: &str = "/usr/lib/rustlib/wasm32-unknown-unknown/lib";

/// A toolchain able to compile for wasm32.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WasmToolchain {
    /// rustup's default toolchain has the target installed.
    Rustup,
    /// Debian's `/usr/bin/cargo` + `/usr/bin/rustc` with a wasm32 std in [`DEBIAN_WASM_LIBDIR`].
    Debian,
}

impl WasmToolchain {
    /// Finds a usable toolchain, preferring rustup's.
    pub fn detect() -> Option<Self> {
        if rustup_has_wasm_target() {
            Some(WasmToolchain::Rustup)
        } else if debian_has_wasm_std() {
            Some(WasmToolchain::Debian)
        } else {
            None
        }
    }

    /// Points `cmd` (cargo, wasm-pack, …) at this toolchain.
    pub fn apply(&self, cmd: &mut Command) {
        if *self == WasmToolchain::Debian {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut dirs = vec![PathBuf::from("/usr/bin")];
            dirs.extend(std::env::split_paths(&path));
            if let Ok(joined) = std::env::join_paths(dirs) {
                cmd.env("PATH", joined);
            }
            cmd.env("CARGO", "/usr/bin/cargo")
                .env("RUSTC", "/usr/bin/rustc");
            cmd.env_remove("RUSTUP_TOOLCHAIN");
        }
    }

    /// A `cargo` command for this toolchain.
    pub fn cargo(&self) -> Command {
        let mut cmd = match self {
            WasmToolchain::Rustup => Command::new(std::env::var("CARGO").unwrap_or("cargo".into())),
            WasmToolchain::Debian => Command::new("/usr/bin/cargo"),
        };
        self.apply(&mut cmd);
        cmd
    }
}

/// True when `rustup target list --installed` lists wasm32.
pub fn rustup_has_wasm_target() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| {
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains(WASM_TARGET)
        })
        .unwrap_or(false)
}

/// True when Debian's toolchain is installed and has a wasm32 `libstd`.
pub fn debian_has_wasm_std() -> bool {
    Path::new("/usr/bin/cargo").exists()
        && Path::new("/usr/bin/rustc").exists()
        && std::fs::read_dir(DEBIAN_WASM_LIBDIR)
            .map(|dir| {
                dir.flatten().any(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.starts_with("libstd-") && name.ends_with(".rlib")
                })
            })
            .unwrap_or(false)
}
