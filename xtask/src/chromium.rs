//! The browser the suites drive: the executables named by `CHROMIUM` and `CHROMEDRIVER`, else
//! Debian's `chromium` and `chromium-driver` packages.

use crate::setup::version_of;
use crate::system::apt_install;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Names the Chromium (or Chrome) executable, as the end-to-end suites read it.
pub const CHROMIUM_ENV: &str = "CHROMIUM";
/// Names the chromedriver executable, as the suites read it.
pub const CHROMEDRIVER_ENV: &str = "CHROMEDRIVER";
/// Debian's Chromium.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver.
pub const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The value of `name` when it is set and not empty.
pub fn env_override(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The browser: `$CHROMIUM`, else Debian's.
pub fn chromium_path() -> PathBuf {
    env_override(CHROMIUM_ENV).unwrap_or_else(|| DEFAULT_CHROMIUM.into())
}

/// The driver: `$CHROMEDRIVER`, else Debian's.
pub fn chromedriver_path() -> PathBuf {
    env_override(CHROMEDRIVER_ENV).unwrap_or_else(|| DEFAULT_CHROMEDRIVER.into())
}

/// What Ubuntu users do instead of `apt-get install chromium` (a snap wrapper there).
const UBUNTU_ADVICE: &str = "on Ubuntu, apt's chromium is a snap wrapper that does not run in \
     containers: install Google Chrome (or Chrome for Testing) and the chromedriver of the same \
     version, set CHROMIUM and CHROMEDRIVER to their paths, and rerun setup";

/// The setup step: nothing to do when the browser and the driver the suites will use both run;
/// otherwise installs Debian's `chromium` and `chromium-driver`.
pub fn setup(_root: &Path) -> Result<String> {
    let (browser, driver) = (chromium_path(), chromedriver_path());
    if let (Some(b), Some(d)) = (runs(&browser), runs(&driver)) {
        let from =
            if env_override(CHROMIUM_ENV).is_some() && env_override(CHROMEDRIVER_ENV).is_some() {
                "from CHROMIUM/CHROMEDRIVER"
            } else {
                "already installed"
            };
        let name = |v: &str| v.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        return Ok(format!("{from} ({}, {})", name(&b), name(&d)));
    }
    for (name, path) in [(CHROMIUM_ENV, &browser), (CHROMEDRIVER_ENV, &driver)] {
        if env_override(name).is_some() && runs(path).is_none() {
            bail!(
                "{name}={} does not run (`--version` failed): point it at a working executable or unset it",
                path.display()
            );
        }
    }
    let installed = apt_install(&["chromium", "chromium-driver"]);
    if is_ubuntu() {
        let debian = Path::new(DEFAULT_CHROMIUM);
        if is_snap_wrapper(debian) || runs(debian).is_none() {
            bail!("{UBUNTU_ADVICE}");
        }
    }
    installed.context("install them by hand: apt-get install chromium chromium-driver")?;
    for path in [&browser, &driver] {
        if runs(path).is_none() {
            bail!(
                "{} does not run after installing chromium and chromium-driver (`--version` failed)",
                path.display()
            );
        }
    }
    Ok("installed with apt-get".into())
}

/// `path --version`, when the executable runs.
fn runs(path: &Path) -> Option<String> {
    version_of(path.to_str()?)
}

/// True on Ubuntu (`ID=ubuntu` in `/etc/os-release`).
fn is_ubuntu() -> bool {
    std::fs::read_to_string("/etc/os-release").is_ok_and(|text| {
        text.lines().any(|line| {
            line.trim()
                .strip_prefix("ID=")
                .map(|id| id.trim_matches('"'))
                == Some("ubuntu")
        })
    })
}

/// True when `path` leads into `/snap/` or is a small script that hands over to a snap.
fn is_snap_wrapper(path: &Path) -> bool {
    if std::fs::canonicalize(path).is_ok_and(|real| real.starts_with("/snap")) {
        return true;
    }
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() < 64 * 1024);
    small
        && std::fs::read(path).is_ok_and(|bytes| {
            let text = String::from_utf8_lossy(&bytes);
            text.contains("/snap/") || text.contains("snap install") || text.contains("snapd")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snap_wrappers_are_told_apart_from_debian_scripts() {
        let dir = std::env::temp_dir().join(format!("xtask-snap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let snap = dir.join("chromium-snap");
        std::fs::write(&snap, "#!/bin/sh\nexec /snap/bin/chromium \"$@\"\n").unwrap();
        let debian = dir.join("chromium-debian");
        std::fs::write(
            &debian,
            "#!/bin/sh\nexec /usr/lib/chromium/chromium \"$@\"\n",
        )
        .unwrap();
        assert!(is_snap_wrapper(&snap));
        assert!(!is_snap_wrapper(&debian));
        assert!(!is_snap_wrapper(&dir.join("missing")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
