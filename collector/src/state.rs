//! Shared state handed to every handler.

use std::sync::Arc;

use crate::config::Config;
use crate::program_cache::ProgramCache;
use crate::rate_limit::RateLimiter;
use crate::storage::Storage;
use crate::visit_queue::{self, VisitQueue, VisitWriter};

/// Cheap to clone; everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    /// The storage backend.
    pub storage: Arc<dyn Storage>,
    /// The configuration.
    pub config: Arc<Config>,
    /// Group-commit queue for visits.
    pub visits: VisitQueue,
    /// Rate limits for public endpoints and API keys.
    pub limiter: Arc<RateLimiter>,
    /// Installation salt for IP hashes.
    pub ip_salt: Arc<[u8]>,
    /// Short-lived cache of program lookups.
    pub programs: ProgramCache,
}

impl AppState {
    /// Builds the state and starts the visit writer (shut it down after the server stops).
    pub async fn new(
        storage: Arc<dyn Storage>,
        config: Config,
    ) -> anyhow::Result<(Self, VisitWriter)> {
        let ip_salt: Arc<[u8]> = storage.ip_salt().await?.into();
        let (visits, writer) = visit_queue::spawn(storage.clone(), config.visit_batch_size);
        Ok((
            Self {
                storage,
                programs: ProgramCache::new(std::time::Duration::from_millis(
                    config.program_cache_ms,
                )),
                config: Arc::new(config),
                visits,
                limiter: Arc::new(RateLimiter::default()),
                ip_salt,
            },
            writer,
        ))
    }
}
