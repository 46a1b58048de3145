//! Starting the whole demo (collector in-process + shop) and stopping it.

use crate::bootstrap::{self, DemoProgram};
use crate::config::DemoConfig;
use crate::partnero::{NewCustomer, PartneroClient};
use crate::shop_server::ShopServer;
use crate::snippet::Snippet;
use crate::state::{AppState, SiteInfo};
use crate::{db, users};
use anyhow::{Context, Result};
use clap::Parser;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// E-mail address of the demo referrer created on first start.
pub const DEMO_REFERRER_EMAIL: &str = "alice@example.com";
/// Customer key of the demo referrer.
pub const DEMO_REFERRER_KEY: &str = "alice-demo";

/// The running demo: shop, collector and the demo program.
#[derive(Debug)]
pub struct Running {
    /// The shop as the browser reaches it, e.g. `http://shop.test:41234`.
    pub shop_url: String,
    /// Where the shop listens.
    pub shop_addr: SocketAddr,
    /// The collector as the browser reaches it, e.g. `http://127.0.0.1:41235`.
    pub collector_url: String,
    /// The demo program's credentials.
    pub program: DemoProgram,
    /// The demo referrer's referral link, when the demo referrer exists.
    pub example_referral_link: Option<String>,
    collector: collector::Running,
    shop: ShopServer,
}

impl Running {
    /// The in-process collector.
    pub fn collector(&self) -> &collector::Running {
        &self.collector
    }

    /// `http://{subdomain}.{shop host}:{port}` — how subdomain referral links look.
    pub fn shop_subdomain_url(&self, subdomain: &str) -> String {
        match self.shop_url.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{subdomain}.{rest}"),
            None => format!("{subdomain}.{}", self.shop_url),
        }
    }

    /// Stops the shop, then the collector, letting open requests finish.
    pub async fn shutdown(self) -> Result<()> {
        self.shop.shutdown().await?;
        self.collector.shutdown().await
    }
}

/// Starts the collector (SQLite under the data directory), the shop, and bootstraps the demo program.
pub async fn start(config: DemoConfig) -> Result<Running> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let data_dir = std::fs::canonicalize(&config.data_dir)?;

    let shop_listener = TcpListener::bind(config.shop_addr())
        .await
        .with_context(|| format!("listening on {}", config.shop_addr()))?;
    let shop_addr = shop_listener.local_addr()?;
    let shop_url = format!("http://{}:{}", config.shop_host, shop_addr.port());

    let mut collector_config = collector::Config::try_parse_from(["collector"])
        .context("reading the collector's COLLECTOR_* environment")?;
    collector_config.bind = config.collector_addr();
    collector_config.database_url = format!("sqlite://{}", data_dir.join("collector.db").display());
    collector_config.allow_http_origins = true;
    let collector = collector::start(collector_config)
        .await
        .context("starting the collector")?;
    let collector_url = format!("http://{}:{}", config.collector_host, collector.addr.port());

    let program =
        bootstrap::ensure_program(&collector, &data_dir, &shop_url, &config.program).await?;
    let db = db::open(&data_dir.join("shop.db"))
        .await
        .context("opening the shop database")?;
    let api = PartneroClient::new(&collector.base_url(), &program.api_key);
    let snippet = Snippet::new(&collector_url, &program.public_id)?;
    let example_referral_link = if config.demo_referrer {
        Some(ensure_demo_referrer(&db, &api).await?)
    } else {
        None
    };

    let state = AppState {
        db,
        api,
        site: Arc::new(SiteInfo {
            shop_url: shop_url.clone(),
            snippet,
        }),
    };
    let shop = ShopServer::spawn(shop_listener, state)?;
    tracing::info!(%shop_url, %collector_url, program = %program.public_id, "demo started");
    Ok(Running {
        shop_url,
        shop_addr,
        collector_url,
        program,
        example_referral_link,
        collector,
        shop,
    })
}

/// Creates the demo referrer (shop user + customer) once, and returns their referral link.
async fn ensure_demo_referrer(db: &sqlx::SqlitePool, api: &PartneroClient) -> Result<String> {
    let user = match users::find_by_email(db, DEMO_REFERRER_EMAIL).await? {
        Some(user) => user,
        None => users::insert(db, DEMO_REFERRER_KEY, "Alice", DEMO_REFERRER_EMAIL).await?,
    };
    if api.customer(&user.customer_key).await.is_err() {
        let customer = NewCustomer {
            key: &user.customer_key,
            email: &user.email,
            name: &user.name,
            referring_customer_key: None,
            partner_key: None,
        };
        let created = api
            .create_customer(&customer)
            .await
            .context("creating the demo referrer")?;
        users::set_referral(db, user.id, created.referral_link.as_deref(), None).await?;
    }
    let customer = api
        .customer(&user.customer_key)
        .await
        .context("reading the demo referrer")?;
    Ok(customer
        .get("referral_link")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("(no referral link for {})", user.customer_key)))
}
