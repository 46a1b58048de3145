//! Running one end-to-end test: it gets a [`Ctx`] to start the shop and open browsers; whatever happens
//! (error or panic), every browser and server is shut down, and on failure the artifacts are saved under
//! `test-output/<test name>/` before the test fails.

use crate::artifacts;
use crate::browser::Browser;
use crate::chromedriver::ChromeDriver;
use crate::shop::Shop;
use anyhow::{Context, Result, anyhow};
use demo_site::DemoProgramOptions;
use futures_util::FutureExt;
use std::future::Future;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::sync::Mutex;

/// Serialises scenarios within one test binary.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What a test body can use. Clones share the same test.
#[derive(Clone)]
pub struct Ctx {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    driver: ChromeDriver,
    browsers: Mutex<Vec<(Browser, TempDir)>>,
    shops: Mutex<Vec<Arc<Shop>>>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

impl Ctx {
    /// The test's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Opens a new browser session (fresh profile, no cookies) labelled `label` in artifacts.
    pub async fn browser(&self, label: &str) -> Result<Browser> {
        let profile = tempfile::Builder::new().prefix("e2e-chromium-").tempdir()?;
        let browser = Browser::launch(&self.inner.driver, label, profile.path()).await?;
        self.inner
            .browsers
            .lock()
            .await
            .push((browser.clone(), profile));
        Ok(browser)
    }

    /// Starts the demo shop and its collector on free ports, as `http://shop.test:PORT`, with a demo
    /// program created with `options`.
    pub async fn shop(&self, options: DemoProgramOptions) -> Result<Arc<Shop>> {
        let shop = Arc::new(Shop::start(options).await?);
        self.inner.shops.lock().await.push(shop.clone());
        Ok(shop)
    }
}

/// Runs `body` as the test `name` on its own Tokio runtime; panics (failing the test) with the error
/// when `body` fails or panics, after saving the artifacts.
pub fn run<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    if let Err(error) = run_catching(name, body) {
        panic!(
            "{name} failed: {error:#}\n(artifacts, if any: {})",
            artifacts::test_dir(name).display()
        );
    }
}

/// Like [`run`], but returns the failure (after saving the artifacts) instead of panicking.
pub fn run_catching<F, Fut>(name: &str, body: F) -> Result<()>
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    crate::init_logging();
    // Chromium is heavy on a small machine: one scenario at a time per test binary unless
    // E2E_PARALLEL=1 (ports and directories are unique either way).
    let _turn = (std::env::var_os("E2E_PARALLEL").is_none_or(|v| v != "1")).then(|| {
        ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_async(name, body))
}

async fn run_async<F, Fut>(name: &str, body: F) -> Result<()>
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    artifacts::clear(name);
    let driver = ChromeDriver::spawn().await?;
    let ctx = Ctx {
        inner: Arc::new(Inner {
            name: name.to_string(),
            driver,
            browsers: Mutex::new(Vec::new()),
            shops: Mutex::new(Vec::new()),
        }),
    };
    // Run in place (the body need not be `Send`), turning a panic into a failure.
    let outcome = match std::panic::AssertUnwindSafe(body(ctx.clone()))
        .catch_unwind()
        .await
    {
        Ok(result) => result,
        Err(panic) => Err(anyhow!("the test panicked: {}", panic_message(panic))),
    };
    if let Err(error) = &outcome {
        let dir = artifacts::test_dir(name);
        if let Err(save_error) = save_artifacts(&ctx, &dir, error).await {
            eprintln!("{name}: could not save the failure artifacts: {save_error:#}");
        }
    }
    teardown(ctx).await;
    outcome
}

async fn save_artifacts(ctx: &Ctx, dir: &std::path::Path, error: &anyhow::Error) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join("error.txt"), format!("{error:?}\n"))?;
    for (browser, _) in ctx.inner.browsers.lock().await.iter() {
        artifacts::save_browser(dir, browser).await?;
    }
    for shop in ctx.inner.shops.lock().await.iter() {
        artifacts::save_data_dir(dir, shop.data_dir())?;
    }
    Ok(())
}

async fn teardown(ctx: Ctx) {
    let browsers: Vec<_> = ctx.inner.browsers.lock().await.drain(..).collect();
    for (browser, profile) in browsers {
        let _ = browser.close().await;
        drop(profile);
    }
    let shops: Vec<_> = ctx.inner.shops.lock().await.drain(..).collect();
    for shop in shops {
        match Arc::try_unwrap(shop) {
            Ok(shop) => shop.shutdown().await,
            Err(_) => eprintln!(
                "{}: a shop handle outlived the test body; it is dropped instead",
                ctx.name()
            ),
        }
    }
    if let Ok(inner) = Arc::try_unwrap(ctx.inner) {
        inner.driver.stop().await;
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-string panic payload)".to_string())
}
