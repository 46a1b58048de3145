//! What a failing test leaves behind under `test-output/<test name>/`: a screenshot, the HTML and the
//! cookies of every open browser, and a copy of the demo's data directory.

use crate::browser::Browser;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// `test-output/` at the workspace root.
pub fn output_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("test-output")
}

/// The artifact directory of one test (emptied at the start of each run of that test).
pub fn test_dir(test_name: &str) -> PathBuf {
    let safe: String = test_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    output_root().join(safe)
}

/// Removes the artifacts of an earlier run of this test.
pub fn clear(test_name: &str) {
    let _ = std::fs::remove_dir_all(test_dir(test_name));
}

/// Saves `<label>.png`, `<label>.html`, `<label>.url.txt` and `<label>.cookies.txt` for a browser.
pub async fn save_browser(dir: &Path, browser: &Browser) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let label = &browser.label;
    let url = browser
        .current_url()
        .await
        .unwrap_or_else(|e| format!("(unknown: {e:#})"));
    std::fs::write(dir.join(format!("{label}.url.txt")), &url)?;
    match browser.client.screenshot().await {
        Ok(png) => std::fs::write(dir.join(format!("{label}.png")), png)?,
        Err(e) => std::fs::write(dir.join(format!("{label}.png.error.txt")), e.to_string())?,
    }
    match browser.client.source().await {
        Ok(html) => std::fs::write(dir.join(format!("{label}.html")), html)?,
        Err(e) => std::fs::write(dir.join(format!("{label}.html.error.txt")), e.to_string())?,
    }
    let cookies = match browser.client.get_all_cookies().await {
        Ok(cookies) => cookies
            .iter()
            .map(|c| format!("{c:?}\n"))
            .collect::<String>(),
        Err(e) => format!("(could not read cookies: {e})"),
    };
    std::fs::write(dir.join(format!("{label}.cookies.txt")), cookies)?;
    Ok(())
}

/// Copies the files of `data_dir` (the SQLite databases) into `dir/data/`.
pub fn save_data_dir(dir: &Path, data_dir: &Path) -> Result<()> {
    let target = dir.join("data");
    std::fs::create_dir_all(&target)?;
    for entry in std::fs::read_dir(data_dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), target.join(entry.file_name()))?;
        }
    }
    Ok(())
}
