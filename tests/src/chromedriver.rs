//! Spawning `chromedriver` on a free loopback port, one per test.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Where the Debian `chromium-driver` package installs the driver.
const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running chromedriver process, killed when dropped.
#[derive(Debug)]
pub struct ChromeDriver {
    /// The WebDriver endpoint, e.g. `http://127.0.0.1:43121`.
    pub url: String,
    child: Child,
}

/// The chromedriver binary: `$CHROMEDRIVER`, else `/usr/bin/chromedriver`. Fails with instructions when
/// it is missing, so that the browser suites never pass without a browser.
pub fn chromedriver_path() -> Result<PathBuf> {
    let path = std::env::var_os("CHROMEDRIVER")
        .map_or_else(|| PathBuf::from(DEFAULT_CHROMEDRIVER), PathBuf::from);
    check_chromedriver(path)
}

/// Fails with instructions when `path` is not a file.
pub fn check_chromedriver(path: PathBuf) -> Result<PathBuf> {
    if !path.is_file() {
        bail!(
            "chromedriver was not found at {}: the browser end-to-end tests need it. Install Debian's \
             `chromium` and `chromium-driver` packages (`cargo xtask setup` does it) or set CHROMEDRIVER \
             to the driver's path.",
            path.display()
        );
    }
    Ok(path)
}

impl ChromeDriver {
    /// Starts chromedriver on a free port and waits until it accepts sessions.
    pub async fn spawn() -> Result<Self> {
        let path = chromedriver_path()?;
        let mut last_error = None;
        for _ in 0..3 {
            let port = free_port()?;
            let child = Command::new(&path)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .arg("--log-level=WARNING")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("starting {}", path.display()))?;
            let mut driver = ChromeDriver {
                url: format!("http://127.0.0.1:{port}"),
                child,
            };
            match driver.wait_ready(Duration::from_secs(20)).await {
                Ok(()) => return Ok(driver),
                Err(e) => {
                    let _ = driver.child.kill().await;
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("chromedriver did not start")))
    }

    async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let client = reqwest::Client::new();
        let started = Instant::now();
        let status_url = format!("{}/status", self.url);
        loop {
            if let Some(exit) = self.child.try_wait()? {
                bail!("chromedriver exited early ({exit})");
            }
            if let Ok(response) = client.get(&status_url).send().await
                && let Ok(status) = response.json::<serde_json::Value>().await
                && status["value"]["ready"] == serde_json::Value::Bool(true)
            {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!(
                    "chromedriver at {} was not ready within {timeout:?}",
                    self.url
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the driver.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}
