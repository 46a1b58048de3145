//! The end-to-end harness: headless Chromium (through chromedriver and WebDriver) against the real
//! collector and the demo shop, all on 127.0.0.1, with real subdomains of `shop.test`.
//!
//! Each test calls [`scenario::run`] with its name and body; the body starts the shop and opens
//! browsers through the [`scenario::Ctx`]. On failure the harness saves screenshots, HTML, cookies and
//! the databases under `test-output/<test name>/`.

pub mod api;
pub mod artifacts;
pub mod browser;
pub mod chromedriver;
pub mod flows;
pub mod pages;
pub mod scenario;
pub mod shop;

pub use browser::Browser;
pub use demo_site::{Attribution, DemoProgramOptions, ProgramType, UrlFormat};
pub use scenario::{Ctx, run};
pub use shop::Shop;

/// The referral cookie of refer-a-friend programs.
pub const REFERRAL_COOKIE: &str = "partnero_referral";
/// The referral cookie of affiliate programs (holds the partner's link key).
pub const PARTNER_COOKIE: &str = "partnero_partner";

/// Sends the harness's and the servers' logs to the test output (`RUST_LOG`, default warnings).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}
