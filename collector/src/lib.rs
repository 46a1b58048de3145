//! The collector: public ingest endpoints for the tracker and the Partnero-compatible REST API.
//!
//! [`start`] opens storage, runs migrations, binds and serves; [`app`] builds the router.

pub mod admin;
pub mod affiliate;
mod app;
pub mod bots;
pub mod cli;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod domains;
pub mod error;
pub mod extract;
pub mod forwarded;
pub mod ids;
pub mod lenient_key;
pub mod links;
pub mod model;
pub mod money;
pub mod pagination;
pub mod program;
pub mod program_cache;
pub mod rate_limit;
pub mod rewards;
pub mod routes;
pub mod settings;
pub mod state;
pub mod storage;
pub mod validation;
pub mod views;
pub mod visit_queue;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use app::{BODY_LIMIT, app};
pub use config::Config;
pub use state::AppState;
pub use storage::Storage;

/// A running collector.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    public_base_url: Option<String>,
    storage: Arc<dyn Storage>,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    writer: visit_queue::VisitWriter,
    webhooks: webhooks::DeliveryWorker,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Opens storage (running migrations), binds the listener and serves in the background.
/// Returns once the socket is listening.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let storage = storage::open(&config.database_url).await?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let public_base_url = config.public_base_url.clone();
    let webhook_settings = webhooks::WorkerSettings::from_config(&config);
    let (state, writer) = AppState::new(storage.clone(), config).await?;
    let webhooks = webhooks::DeliveryWorker::spawn(storage.clone(), webhook_settings)?;
    let router = app(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });
    tracing::info!(%addr, "collector listening");
    Ok(Running {
        addr,
        public_base_url,
        storage,
        stop,
        server,
        writer,
        webhooks,
    })
}

impl Running {
    /// `http://127.0.0.1:PORT`, or the configured public base URL.
    pub fn base_url(&self) -> String {
        match &self.public_base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

    /// The storage backend (for tests and bootstrap code).
    pub fn storage(&self) -> Arc<dyn Storage> {
        self.storage.clone()
    }

    /// Graceful stop: no new connections, in-flight requests finish, queued visits are
    /// committed, webhook attempts in flight are recorded, then the database is closed.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        let served = self.server.await.context("server task panicked")?;
        self.writer.shutdown().await;
        self.webhooks.shutdown().await;
        self.storage.close().await;
        served.context("server error")?;
        tracing::info!("collector stopped");
        Ok(())
    }
}
