//! One headless Chromium session driven through WebDriver, with the helpers the suites need.

use crate::chromedriver::ChromeDriver;
use anyhow::{Context, Result, anyhow, bail};
use fantoccini::cookies::Cookie;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

/// The Chromium binary of the Debian package.
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long the helpers wait for something to appear.
pub const WAIT: Duration = Duration::from_secs(15);

/// A browser session. Clones share the session.
#[derive(Clone)]
pub struct Browser {
    /// A name for messages and failure artifacts ("referrer", "friend").
    pub label: String,
    /// The WebDriver client.
    pub client: Client,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Chromium's switches: headless as root, nothing fetched from the network, a fresh profile, and every
/// `*.shop.test` name resolved to the loopback address so real subdomains work.
fn chrome_args(profile: &Path) -> Vec<String> {
    vec![
        "--headless".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", profile.display()),
        "--host-resolver-rules=MAP *.shop.test 127.0.0.1,MAP shop.test 127.0.0.1".into(),
    ]
}

impl Browser {
    /// Opens a new Chromium session with its own profile directory `profile`.
    pub async fn launch(driver: &ChromeDriver, label: &str, profile: &Path) -> Result<Self> {
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_string());
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": binary, "args": chrome_args(profile) },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        // chromedriver listens on plain http on 127.0.0.1: no TLS stack needed.
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .with_context(|| format!("starting Chromium ({binary}) through chromedriver"))?;
        Ok(Browser {
            label: label.to_string(),
            client,
        })
    }

    /// Navigates and waits for the page to load.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("[{}] opening {url}", self.label))
    }

    /// The address bar.
    pub async fn current_url(&self) -> Result<String> {
        Ok(self.client.current_url().await?.to_string())
    }

    /// The cookie `name` as WebDriver reports it for the current page, if set.
    pub async fn cookie(&self, name: &str) -> Result<Option<Cookie<'static>>> {
        let cookies = self
            .client
            .get_all_cookies()
            .await
            .context("reading cookies")?;
        Ok(cookies.into_iter().find(|c| c.name() == name))
    }

    /// `document.cookie` of the current page.
    pub async fn document_cookie(&self) -> Result<String> {
        let value = self.eval("return document.cookie;").await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// Waits until the cookie `name` is set (for the current page).
    pub async fn wait_for_cookie(&self, name: &str) -> Result<Cookie<'static>> {
        let label = self.label.clone();
        poll(
            WAIT,
            &format!("[{label}] cookie {name} to be set"),
            || async { self.cookie(name).await },
        )
        .await
    }

    /// Runs a script (`return …;` gives its value).
    pub async fn eval(&self, script: &str) -> Result<Value> {
        self.client
            .execute(script, vec![])
            .await
            .with_context(|| format!("[{}] running script", self.label))
    }

    /// Waits for the element matching `css` and returns its text.
    pub async fn text(&self, css: &str) -> Result<String> {
        let element = self.wait_for(css).await?;
        Ok(element.text().await?)
    }

    /// Waits for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => Ok(element),
            Err(e) => {
                let url = self.url_for_errors().await;
                Err(anyhow!(
                    "[{}] waiting for `{css}` on {url}: {e}",
                    self.label
                ))
            }
        }
    }

    /// Whether an element matching `css` is on the page now.
    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(!self.client.find_all(Locator::Css(css)).await?.is_empty())
    }

    /// Types `text` into the (cleared) input matching `css`.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let input = self.wait_for(css).await?;
        input.clear().await?;
        input
            .send_keys(text)
            .await
            .with_context(|| format!("[{}] typing into `{css}`", self.label))
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) -> Result<()> {
        let element = self.wait_for(css).await?;
        element
            .click()
            .await
            .with_context(|| format!("[{}] clicking `{css}`", self.label))
    }

    /// The `value` attribute/property of the input matching `css`.
    pub async fn value(&self, css: &str) -> Result<String> {
        let element = self.wait_for(css).await?;
        Ok(element.prop("value").await?.unwrap_or_default())
    }

    /// The value of an attribute of the element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        let element = self.wait_for(css).await?;
        Ok(element.attr(name).await?)
    }

    /// The URLs the page has fetched so far (Resource Timing), including beacons.
    pub async fn requested_urls(&self) -> Result<Vec<String>> {
        let value = self
            .eval("return performance.getEntriesByType('resource').map(e => e.name);")
            .await?;
        Ok(value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits until the page has fetched a URL containing `needle` (e.g. the program settings).
    pub async fn wait_for_request(&self, needle: &str) -> Result<String> {
        poll(
            WAIT,
            &format!("[{}] a request to {needle}", self.label),
            || async {
                Ok(self
                    .requested_urls()
                    .await?
                    .into_iter()
                    .find(|url| url.contains(needle)))
            },
        )
        .await
    }

    /// Closes the session (and Chromium).
    pub async fn close(self) -> Result<()> {
        self.client
            .close()
            .await
            .map_err(|e| anyhow!("closing the browser: {e}"))
    }

    async fn url_for_errors(&self) -> String {
        self.client
            .current_url()
            .await
            .map_or_else(|_| "?".to_string(), |u| u.to_string())
    }
}

/// Calls `check` until it returns `Some`, failing after `timeout` with "timed out waiting for `what`".
pub async fn poll<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let started = Instant::now();
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if started.elapsed() > timeout {
            match last_error {
                Some(e) => {
                    bail!("timed out after {timeout:?} waiting for {what} (last error: {e:#})")
                }
                None => bail!("timed out after {timeout:?} waiting for {what}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}
