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

    /// Database URL; the scheme picks the backend (`sqlite:` or `postgres:`).
    #[arg(
        long,
        env = "COLLECTOR_DATABASE_URL",
        default_value = "sqlite://./data/collector.db"
    )]
    pub database_url: String,

    /// Public base URL of this collector (e.g. `https://t.shop.com`), used in generated links
    /// (short links, pagination) and for `Secure` cookies.
    #[arg(long, env = "COLLECTOR_PUBLIC_BASE_URL", value_parser = parse_public_base_url)]
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

    /// Trust the `X-Forwarded-For` / `X-Forwarded-Proto` / `X-Forwarded-Host` entries written by
    /// the one reverse proxy in front of the collector (the right-most entry of each; anything the
    /// client sent before it is ignored). Only when that proxy is yours.
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

    /// How long program and API-key lookups are cached in memory, in milliseconds (0: no cache).
    /// Settings changed through this instance apply at once; elsewhere within this time.
    #[arg(long, env = "COLLECTOR_PROGRAM_CACHE_MS", default_value_t = 5000)]
    pub program_cache_ms: u64,

    /// Accept webhook destinations on private, loopback and link-local addresses (and deliver
    /// to them). Off by default: webhook URLs must not reach into the operator's network.
    #[arg(
        long,
        env = "COLLECTOR_ALLOW_PRIVATE_WEBHOOK_URLS",
        default_value_t = false
    )]
    pub allow_private_webhook_urls: bool,

    /// How often the webhook worker looks for due deliveries, in milliseconds.
    #[arg(long, env = "COLLECTOR_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,

    /// Time a webhook receiver has to answer, in milliseconds.
    #[arg(long, env = "COLLECTOR_WEBHOOK_TIMEOUT_MS", default_value_t = 5000)]
    pub webhook_timeout_ms: u64,

    /// First webhook retry delay in milliseconds; it doubles per failure (with jitter), so the
    /// default retries over about a day.
    #[arg(
        long,
        env = "COLLECTOR_WEBHOOK_BACKOFF_BASE_MS",
        default_value_t = 60_000
    )]
    pub webhook_backoff_base_ms: u64,

    /// Attempts per webhook delivery before it is marked failed (a replay starts a new round).
    #[arg(long, env = "COLLECTOR_WEBHOOK_MAX_ATTEMPTS", default_value_t = 12)]
    pub webhook_max_attempts: u32,

    /// Consecutive failed attempts after which a webhook is disabled (0: never).
    #[arg(long, env = "COLLECTOR_WEBHOOK_DISABLE_AFTER", default_value_t = 15)]
    pub webhook_disable_after: u32,
}

/// Checks `--public-base-url`: an absolute `http(s)` URL with a host and nothing after the path;
/// returned without its trailing `/`.
fn parse_public_base_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|e| format!("not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must start with http:// or https:// and name a host".to_owned());
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err("must not carry a query, a fragment or credentials".to_owned());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Config {
    /// A configuration for tests: an ephemeral port on 127.0.0.1, the given database, http origins
    /// allowed and rate limits high enough never to trigger by accident; webhooks may target
    /// 127.0.0.1 and are polled and retried quickly (50 ms poll, 200 ms backoff base).
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
            program_cache_ms: 0,
            allow_private_webhook_urls: true,
            webhook_poll_ms: 50,
            webhook_timeout_ms: 5000,
            webhook_backoff_base_ms: 200,
            webhook_max_attempts: 12,
            webhook_disable_after: 15,
        }
    }

    /// The per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn public_base_url_is_checked() {
        assert_eq!(
            parse_public_base_url("https://t.shop.test/").as_deref(),
            Ok("https://t.shop.test")
        );
        assert_eq!(
            parse_public_base_url("http://127.0.0.1:8090/collector/").as_deref(),
            Ok("http://127.0.0.1:8090/collector")
        );
        for bad in [
            "t.shop.test",
            "ftp://t.shop.test",
            "https://t.shop.test/?a=1",
            "https://u:p@t.shop.test",
            "https://:secret@t.shop.test",
            "",
        ] {
            assert!(parse_public_base_url(bad).is_err(), "{bad}");
        }
        let error = Config::try_parse_from(["collector", "--public-base-url", "t.shop.test"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--public-base-url"), "{error}");
    }
}
