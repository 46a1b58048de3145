//! The system under test: the demo shop and its in-process collector, on free loopback ports, reached by
//! the browser as `http://shop.test:PORT` (and `http://KEY.shop.test:PORT`).

use crate::api::Api;
use anyhow::Result;
use demo_site::{DemoConfig, DemoProgramOptions};
use std::path::Path;
use tempfile::TempDir;

/// The shop's registrable domain in the tests; Chromium resolves it (and its subdomains) to 127.0.0.1.
pub const SHOP_HOST: &str = "shop.test";

/// A running demo shop + collector with a fresh data directory.
#[derive(Debug)]
pub struct Shop {
    running: demo_site::Running,
    /// The collector's REST API with the demo program's key.
    pub api: Api,
    data_dir: TempDir,
}

impl Shop {
    /// Starts everything with a new program created with `options`.
    pub async fn start(options: DemoProgramOptions) -> Result<Self> {
        let data_dir = tempfile::Builder::new().prefix("e2e-shop-").tempdir()?;
        let mut config = DemoConfig::for_tests(SHOP_HOST, data_dir.path());
        config.program = options;
        let running = demo_site::start(config).await?;
        let api = Api::new(&running.collector().base_url(), &running.program.api_key);
        Ok(Shop {
            running,
            api,
            data_dir,
        })
    }

    /// `http://shop.test:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.shop_url)
    }

    /// `http://{subdomain}.shop.test:PORT{path}`.
    pub fn subdomain_url(&self, subdomain: &str, path: &str) -> String {
        format!("{}{path}", self.running.shop_subdomain_url(subdomain))
    }

    /// The shop's port.
    pub fn port(&self) -> u16 {
        self.running.shop_addr.port()
    }

    /// The demo program's public id.
    pub fn program_id(&self) -> &str {
        &self.running.program.public_id
    }

    /// The running demo.
    pub fn running(&self) -> &demo_site::Running {
        &self.running
    }

    /// Where the SQLite files live.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Stops the shop and the collector (the data directory is removed afterwards).
    pub async fn shutdown(self) {
        if let Err(e) = self.running.shutdown().await {
            eprintln!("stopping the demo: {e:#}");
        }
        drop(self.data_dir);
    }
}
