//! Service configuration, read from command-line flags and environment variables.

use std::net::SocketAddr;
use std::time::Duration;

/// How the collector runs: where it listens, where it stores data and how strict it is.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "collector", about = "Referral-tracking collector", version)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "COLLECTOR_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Database URL; the scheme picks the backend (`sqlite:` today).
    #[arg(
        long,
        env = "COLLECTOR_DATABASE_URL",
        default_value = "sqlite://./data/collector.db"
    )]
    pub database_url: String,

    /// Public base URL of this collector (e.g. `https://t.shop.com`), used in generated links.
    #[arg(long, env = "COLLECTOR_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,

    /// Log filter in `tracing_subscriber::EnvFilter` syntax.
    #[arg(
        long,
        env = "COLLECTOR_LOG",
        default_value = "info,tower_http=info,sqlx=warn"
    )]
    pub log_filter: String,

    /// Accept `http://` origins (any port) on the program's domains even when the website is https.
    /// Meant for development and tests; production sites use https.
    #[arg(long, env = "COLLECTOR_ALLOW_HTTP_ORIGINS", default_value_t = false)]
    pub allow_http_origins: bool,

    /// Trust the left-most `X-Forwarded-For` / `X-Forwarded-Proto` / `X-Forwarded-Host` values
    /// (only when the collector sits behind a reverse proxy you control).
    #[arg(long, env = "COLLECTOR_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// Visits accepted per client IP per minute (0 disables the limit).
    #[arg(long, env = "COLLECTOR_VISIT_RATE_LIMIT", default_value_t = 120)]
    pub visit_rate_limit: u32,

    /// Browser sign-ups, transactions and referral-form requests per client IP per minute
    /// (0 disables the limit).
    #[arg(long, env = "COLLECTOR_PUBLIC_RATE_LIMIT", default_value_t = 20)]
    pub public_rate_limit: u32,

    /// Private API requests per API key per minute (0 disables the limit).
    #[arg(long, env = "COLLECTOR_API_RATE_LIMIT", default_value_t = 6000)]
    pub api_rate_limit: u32,

    /// Per-request timeout in seconds.
    #[arg(long, env = "COLLECTOR_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Largest number of visits committed in one database transaction.
    #[arg(long, env = "COLLECTOR_VISIT_BATCH", default_value_t = 512)]
    pub visit_batch_size: usize,
}

impl Config {
    /// A configuration for tests: an ephemeral port on 127.0.0.1, the given database, http origins
    /// allowed and rate limits high enough never to trigger by accident.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.to_owned(),
            public_base_url: None,
            log_filter: "warn".to_owned(),
            allow_http_origins: true,
            trust_proxy: false,
            visit_rate_limit: 0,
            public_rate_limit: 0,
            api_rate_limit: 0,
            request_timeout_secs: 30,
            visit_batch_size: 512,
        }
    }

    /// The per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }
}
