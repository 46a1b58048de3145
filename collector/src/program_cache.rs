//! A short-lived in-memory cache of programs, by public id (public endpoints) and by API-key hash
//! (`/v1`), so hot paths do not read the database on every request.
//!
//! Entries live for `--program-cache-ms` (default 5 s). A settings change made through this instance
//! invalidates its entries at once; other instances (and a key revoked from the CLI) see the change
//! within the TTL. A TTL of 0 disables the cache.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::AppError;
use crate::program::Program;
use crate::storage::Storage;

/// Programs by a lookup key, each with the instant its entry expires.
type Entries = RwLock<HashMap<String, (Instant, Arc<Program>)>>;

/// Cached lookups; cheap to clone.
#[derive(Clone)]
pub struct ProgramCache {
    ttl: Duration,
    by_public_id: Arc<Entries>,
    by_key_hash: Arc<Entries>,
}

/// Entries kept at most; past this the map is cleared (a crude but bounded eviction).
const MAX_ENTRIES: usize = 10_000;

fn get(map: &Entries, key: &str) -> Option<Arc<Program>> {
    let map = map.read().ok()?;
    let (expires, program) = map.get(key)?;
    (Instant::now() < *expires).then(|| program.clone())
}

fn put(map: &Entries, key: &str, ttl: Duration, p: &Arc<Program>) {
    if let Ok(mut map) = map.write() {
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key.to_owned(), (Instant::now() + ttl, p.clone()));
    }
}

impl ProgramCache {
    /// A cache whose entries live for `ttl` (zero: no caching).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            by_public_id: Arc::default(),
            by_key_hash: Arc::default(),
        }
    }

    /// The program with this public id, if any.
    pub async fn by_public_id(
        &self,
        storage: &dyn Storage,
        public_id: &str,
    ) -> Result<Option<Arc<Program>>, AppError> {
        if let Some(p) = get(&self.by_public_id, public_id) {
            return Ok(Some(p));
        }
        let Some(program) = storage.program_by_public_id(public_id).await? else {
            return Ok(None);
        };
        let program = Arc::new(program);
        if !self.ttl.is_zero() {
            put(&self.by_public_id, public_id, self.ttl, &program);
        }
        Ok(Some(program))
    }

    /// The program an API key (by its hash) belongs to, if the key is valid.
    pub async fn by_key_hash(
        &self,
        storage: &dyn Storage,
        key_hash: &str,
    ) -> Result<Option<Arc<Program>>, AppError> {
        if let Some(p) = get(&self.by_key_hash, key_hash) {
            return Ok(Some(p));
        }
        let Some(program) = storage.program_by_key_hash(key_hash).await? else {
            return Ok(None);
        };
        let program = Arc::new(program);
        if !self.ttl.is_zero() {
            put(&self.by_key_hash, key_hash, self.ttl, &program);
        }
        Ok(Some(program))
    }

    /// Forgets every entry of the program with this row id (after its settings changed here).
    pub fn invalidate(&self, program_id: i64) {
        for map in [&self.by_public_id, &self.by_key_hash] {
            if let Ok(mut map) = map.write() {
                map.retain(|_, (_, p)| p.id != program_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_expire_and_invalidate() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let storage = crate::storage::open(&url).await.unwrap();
        let created = crate::admin::create_program(
            &*storage,
            crate::admin::ProgramSpec::new(
                crate::program::ProgramKind::ReferAFriend,
                "A",
                "https://a.test",
            ),
        )
        .await
        .unwrap();
        let cache = ProgramCache::new(Duration::from_millis(200));
        let first = cache
            .by_public_id(&*storage, &created.public_id)
            .await
            .unwrap()
            .unwrap();
        let mut changed = first.settings.clone();
        changed.query_param = "via".to_owned();
        storage
            .update_program_settings(first.id, &changed)
            .await
            .unwrap();
        // Still cached: the change was made behind the cache's back.
        let cached = cache
            .by_public_id(&*storage, &created.public_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cached.settings.query_param, "ref");
        cache.invalidate(first.id);
        let fresh = cache
            .by_public_id(&*storage, &created.public_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fresh.settings.query_param, "via");
        changed.query_param = "aff".to_owned();
        storage
            .update_program_settings(first.id, &changed)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        let expired = cache
            .by_public_id(&*storage, &created.public_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(expired.settings.query_param, "aff");
        let none = ProgramCache::new(Duration::ZERO);
        assert!(none.by_key_hash(&*storage, "nope").await.unwrap().is_none());
        assert!(
            none.by_key_hash(&*storage, &crate::extract::hash_api_key(&created.api_key))
                .await
                .unwrap()
                .is_some()
        );
        storage.close().await;
    }
}
