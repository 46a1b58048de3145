//! Visits: one transaction per batch (group commit); uniqueness per visitor, key and 24 h.

use super::{SqliteStorage, backend};
use crate::clock;
use crate::model::NewVisit;
use crate::storage::StorageResult;

/// A click counts as unique once per visitor per key within this window.
const UNIQUE_WINDOW_MICROS: i64 = 24 * 3600 * 1_000_000;

pub(super) async fn record(
    storage: &SqliteStorage,
    visits: &[NewVisit],
) -> StorageResult<Vec<bool>> {
    if visits.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = storage.begin_write().await?;
    let mut unique = Vec::with_capacity(visits.len());
    for visit in visits {
        let at = clock::to_micros(visit.at);
        let seen: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM visits WHERE program_id = ? AND referral_key = ? AND visitor = ?
             AND is_unique = 1 AND created_at > ? LIMIT 1",
        )
        .bind(visit.program_id)
        .bind(&visit.referral_key)
        .bind(&visit.visitor)
        .bind(at - UNIQUE_WINDOW_MICROS)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let is_unique = seen.is_none();
        sqlx::query(
            "INSERT INTO visits (program_id, referral_key, visitor, is_unique, format, landing_url,
                                 referrer, user_agent, ip_hash, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(visit.program_id)
        .bind(&visit.referral_key)
        .bind(&visit.visitor)
        .bind(is_unique)
        .bind(&visit.format)
        .bind(&visit.landing_url)
        .bind(&visit.referrer)
        .bind(&visit.user_agent)
        .bind(&visit.ip_hash)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        unique.push(is_unique);
    }
    tx.commit().await.map_err(backend)?;
    Ok(unique)
}
