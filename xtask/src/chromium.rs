//! The browser the suites drive: the executables named by `CHROMIUM` and `CHROMEDRIVER`, else
//! Debian's `chromium` and `chromium-driver` packages.

use std::path::PathBuf;

/// Names the Chromium (or Chrome) executable, as the end-to-end suites read it.
pub const CHROMIUM_ENV: &str = "CHROMIUM";
/// Names the chromedriver executable, as the suites read it.
pub const CHROMEDRIVER_ENV: &str = "CHROMEDRIVER";
/// Debian's chromedriver.
pub const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The value of `name` when it is set and not empty.
pub fn env_override(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The driver: `$CHROMEDRIVER`, else Debian's.
pub fn chromedriver_path() -> PathBuf {
    env_override(CHROMEDRIVER_ENV).unwrap_or_else(|| DEFAULT_CHROMEDRIVER.into())
}
