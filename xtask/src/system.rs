//! Commands that change the system: run directly when setup runs as root, else through `sudo -n`
//! (which fails instead of asking for a password).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// True when this process runs as root.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `program` as root: itself when we are root, else `sudo -n program`.
fn as_root(program: &str) -> Command {
    if is_root() {
        Command::new(program)
    } else {
        let mut cmd = Command::new("sudo");
        cmd.args(["-n", program]);
        cmd
    }
}

/// `apt-get install -y` the packages (as root, or through sudo when it needs no password).
pub fn apt_install(packages: &[&str]) -> Result<()> {
    let apt = |args: &[&str]| -> Result<bool> {
        let mut cmd = as_root("apt-get");
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        Ok(cmd.status().context("running apt-get")?.success())
    };
    println!("[setup]   apt-get install {} …", packages.join(" "));
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend_from_slice(packages);
    if apt(&install)? {
        return Ok(());
    }
    if !apt(&["update"])? || !apt(&install)? {
        bail!("apt-get install {} failed", packages.join(" "));
    }
    Ok(())
}

/// Copies `files` into the system directory `dir`, creating it (as root, or through sudo when it
/// needs no password).
pub fn copy_into(files: &[PathBuf], dir: &Path) -> Result<()> {
    if is_root() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for file in files {
            let name = file.file_name().context("a file without a name")?;
            std::fs::copy(file, dir.join(name))
                .with_context(|| format!("copying {} into {}", file.display(), dir.display()))?;
        }
        return Ok(());
    }
    let ran = |cmd: &mut Command| cmd.status().is_ok_and(|s| s.success());
    if !ran(as_root("mkdir").arg("-p").arg(dir)) || !ran(as_root("cp").args(files).arg(dir)) {
        bail!(
            "could not write {}: it needs root and `sudo -n` failed (no sudo, or it asks for a \
             password); rerun setup as root or after `sudo -v`",
            dir.display()
        );
    }
    Ok(())
}
