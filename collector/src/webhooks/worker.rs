//! The delivery worker: claims due deliveries with a lease, POSTs them signed and records the
//! outcome. Several collector processes may share one database: a claim is one atomic statement,
//! so an attempt is made by exactly one of them; a process that dies mid-attempt leaves a lease
//! that simply expires, and the attempt is made again.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

use super::destination::{GuardedResolver, literal_host_refused};
use super::model::{AttemptOutcome, ClaimedDelivery};
use super::{backoff, signature};
use crate::clock;
use crate::config::Config;
use crate::storage::Storage;

/// Longest error text kept in the delivery log.
const MAX_ERROR_CHARS: usize = 300;

/// How the worker paces and judges deliveries.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Pause between polls when nothing is due.
    pub poll_interval: Duration,
    /// Time the receiver has to answer.
    pub timeout: Duration,
    /// First retry delay; doubles per failure.
    pub backoff_base: Duration,
    /// Attempts per delivery (per replay) before it is marked failed.
    pub max_attempts: u32,
    /// Consecutive failed attempts after which a webhook is disabled (0: never).
    pub disable_after: u32,
    /// Deliver to private and loopback addresses.
    pub allow_private: bool,
    /// Attempts in flight at once.
    pub concurrency: usize,
}

impl WorkerSettings {
    /// The settings from the service configuration.
    pub fn from_config(config: &Config) -> Self {
        Self {
            poll_interval: Duration::from_millis(config.webhook_poll_ms.max(10)),
            timeout: Duration::from_millis(config.webhook_timeout_ms.max(100)),
            backoff_base: Duration::from_millis(config.webhook_backoff_base_ms.max(1)),
            max_attempts: config.webhook_max_attempts.max(1),
            disable_after: config.webhook_disable_after,
            allow_private: config.allow_private_webhook_urls,
            concurrency: 16,
        }
    }

    /// How long a claimed attempt is reserved: long enough for the request and its bookkeeping.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(5)
    }
}

/// The running worker; [`DeliveryWorker::shutdown`] stops it.
pub struct DeliveryWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for DeliveryWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryWorker").finish_non_exhaustive()
    }
}

impl DeliveryWorker {
    /// Starts delivering in the background.
    pub fn spawn(storage: Arc<dyn Storage>, settings: WorkerSettings) -> anyhow::Result<Self> {
        let builder = || {
            reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .dns_resolver(Arc::new(GuardedResolver {
                    allow_private: settings.allow_private,
                }))
                .connect_timeout(settings.timeout)
                .timeout(settings.timeout)
        };
        let client = match builder().build() {
            Ok(client) => client,
            // No system root certificates (a minimal container without ca-certificates): start
            // anyway; https deliveries then fail with a certificate error in the delivery log.
            Err(error) => {
                tracing::warn!(
                    error = %error,
                    "no root certificates found: https webhook deliveries will fail until the \
                     system's CA certificates are installed"
                );
                builder()
                    .tls_certs_only(Vec::<reqwest::Certificate>::new())
                    .build()?
            }
        };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(storage, client, settings, stopped));
        Ok(Self { stop, task })
    }

    /// Stops claiming and waits for the attempts in flight (each bounded by the timeout).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "webhook worker panicked");
        }
    }
}

async fn run(
    storage: Arc<dyn Storage>,
    client: reqwest::Client,
    settings: WorkerSettings,
    mut stopped: watch::Receiver<bool>,
) {
    let settings = Arc::new(settings);
    let mut in_flight = JoinSet::new();
    loop {
        while in_flight.try_join_next().is_some() {}
        let room = settings.concurrency.saturating_sub(in_flight.len());
        let mut claimed_all = false;
        if room > 0 {
            match storage
                .claim_deliveries(clock::now(), settings.lease(), room as u32)
                .await
            {
                Ok(claims) => {
                    claimed_all = claims.len() == room;
                    for claim in claims {
                        in_flight.spawn(attempt(
                            storage.clone(),
                            client.clone(),
                            settings.clone(),
                            claim,
                        ));
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot claim webhook deliveries"),
            }
        }
        let pause = if claimed_all {
            Duration::ZERO
        } else {
            settings.poll_interval
        };
        tokio::select! {
            _ = stopped.changed() => break,
            () = tokio::time::sleep(pause) => {}
        }
        if *stopped.borrow() {
            break;
        }
    }
    while in_flight.join_next().await.is_some() {}
}

/// Makes one attempt and records it.
async fn attempt(
    storage: Arc<dyn Storage>,
    client: reqwest::Client,
    settings: Arc<WorkerSettings>,
    claim: ClaimedDelivery,
) {
    let (succeeded, response_code, error) = send(&client, &settings, &claim).await;
    let retry_at =
        (!succeeded && claim.attempt_in_round < i64::from(settings.max_attempts)).then(|| {
            let failures = u32::try_from(claim.attempt_in_round).unwrap_or(u32::MAX);
            clock::now() + backoff::delay(settings.backoff_base, failures)
        });
    let outcome = AttemptOutcome {
        succeeded,
        response_code,
        error,
        retry_at,
        disable_after: settings.disable_after,
    };
    match storage.finish_delivery(&claim, &outcome).await {
        Ok(true) => tracing::debug!(id = %claim.message_id, succeeded, "webhook attempt recorded"),
        Ok(false) => tracing::warn!(id = %claim.message_id, "webhook attempt outlived its lease"),
        Err(error) => {
            tracing::warn!(id = %claim.message_id, %error, "cannot record webhook attempt")
        }
    }
}

/// POSTs the payload: (2xx?, HTTP status, error text).
async fn send(
    client: &reqwest::Client,
    settings: &WorkerSettings,
    claim: &ClaimedDelivery,
) -> (bool, Option<u16>, Option<String>) {
    let url = match Url::parse(&claim.url) {
        Ok(url) if !literal_host_refused(&url, settings.allow_private) => url,
        Ok(_) => {
            return (
                false,
                None,
                Some("The destination is a private address.".to_owned()),
            );
        }
        Err(_) => {
            return (
                false,
                None,
                Some("The destination URL is invalid.".to_owned()),
            );
        }
    };
    let timestamp = clock::now().unix_timestamp();
    let body = claim.payload.as_bytes();
    let request = client
        .post(url)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(
            USER_AGENT,
            concat!("referral-collector-webhooks/", env!("CARGO_PKG_VERSION")),
        )
        .header(
            "Signature",
            signature::partnero_signature(&claim.secret, body),
        )
        .header("webhook-id", &claim.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature::standard_signature(&claim.secret, &claim.message_id, timestamp, body),
        )
        .body(claim.payload.clone());
    match request.send().await {
        Ok(response) if response.status().is_success() => {
            (true, Some(response.status().as_u16()), None)
        }
        Ok(response) => {
            let status = response.status();
            (
                false,
                Some(status.as_u16()),
                Some(format!("The receiver answered HTTP {}.", status.as_u16())),
            )
        }
        Err(error) => (false, None, Some(describe(&error, settings.timeout))),
    }
}

/// A short, readable reason for a transport failure.
fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("No answer within {} ms.", timeout.as_millis());
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(MAX_ERROR_CHARS).collect()
}
