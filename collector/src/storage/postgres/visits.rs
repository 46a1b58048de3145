//! Visits: one transaction per batch; uniqueness per visitor, key and 24 h, decided under an
//! advisory lock per (program, key, visitor) so instances never both count the same click.
//!
//! A batch costs a few statements whatever its size: one lookup of the latest unique click of every
//! (program, key, visitor) in the batch, then multi-row inserts.

use std::collections::HashMap;

use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use tokio::sync::oneshot;

use super::{backend, locks};
use crate::clock;
use crate::model::NewVisit;
use crate::storage::{StorageResult, unique_clicks};

/// Rows per statement: 10 bound values a row stays far below PostgreSQL's 65,535 parameters.
const ROWS_PER_INSERT: usize = 1000;

/// Records a batch; `written` is sent before the commit, so the next batch can start on another
/// connection while this one commits.
pub(super) async fn record(
    pool: &PgPool,
    visits: &[NewVisit],
    written: oneshot::Sender<()>,
) -> StorageResult<Vec<bool>> {
    if visits.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await.map_err(backend)?;
    // Instances deciding uniqueness for the same visitor and key take turns.
    let lock_ids: Vec<i64> = visits
        .iter()
        .map(|v| locks::click(v.program_id, &v.referral_key, &v.visitor))
        .collect();
    locks::lock(&mut tx, &lock_ids).await?;

    // The newest unique click already stored for each (program, key, visitor) of the batch.
    let mut latest_unique: HashMap<unique_clicks::ClickKey, i64> = HashMap::new();
    let oldest = unique_clicks::window_start(visits);
    for chunk in visits.chunks(ROWS_PER_INSERT) {
        let mut query: QueryBuilder<Postgres> = QueryBuilder::new("WITH batch(p, k, v) AS (");
        query.push_values(chunk, |mut row, visit| {
            row.push_bind(visit.program_id)
                .push_bind(&visit.referral_key)
                .push_bind(&visit.visitor);
        });
        query.push(
            ") SELECT batch.p, batch.k, batch.v, MAX(visits.created_at) FROM batch
               JOIN visits ON visits.program_id = batch.p AND visits.referral_key = batch.k
                AND visits.visitor = batch.v AND visits.is_unique AND visits.created_at > ",
        );
        query.push_bind(oldest);
        query.push(" GROUP BY batch.p, batch.k, batch.v");
        let rows = query.build().fetch_all(&mut *tx).await.map_err(backend)?;
        for row in rows {
            unique_clicks::note_stored(
                &mut latest_unique,
                (row.get(0), row.get(1), row.get(2)),
                row.get(3),
            );
        }
    }

    let unique = unique_clicks::decide(visits, latest_unique);

    for (chunk_index, chunk) in visits.chunks(ROWS_PER_INSERT).enumerate() {
        let mut query: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO visits (program_id, referral_key, visitor, is_unique, format, landing_url,
                                 referrer, user_agent, ip_hash, created_at) ",
        );
        let flags = &unique[chunk_index * ROWS_PER_INSERT..];
        query.push_values(chunk.iter().zip(flags), |mut row, (visit, is_unique)| {
            row.push_bind(visit.program_id)
                .push_bind(&visit.referral_key)
                .push_bind(&visit.visitor)
                .push_bind(*is_unique)
                .push_bind(&visit.format)
                .push_bind(&visit.landing_url)
                .push_bind(&visit.referrer)
                .push_bind(&visit.user_agent)
                .push_bind(&visit.ip_hash)
                .push_bind(clock::to_micros(visit.at));
        });
        query.build().execute(&mut *tx).await.map_err(backend)?;
    }
    let _ = written.send(());
    tx.commit().await.map_err(backend)?;
    Ok(unique)
}
