//! Visits: one transaction per batch (group commit); uniqueness per visitor, key and 24 h.
//!
//! A batch costs a few statements whatever its size: one lookup of the latest unique click of every
//! (program, key, visitor) in the batch, then multi-row inserts.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Row, Sqlite};
use tokio::sync::oneshot;

use super::{SqliteStorage, backend};
use crate::clock;
use crate::model::NewVisit;
use crate::storage::{StorageResult, unique_clicks};

/// Rows per statement: 10 bound values a row stays far below SQLite's 32,766 variables.
const ROWS_PER_INSERT: usize = 1000;

/// Records a batch; `written` is sent once the writer is free for the next batch.
pub(super) async fn record(
    storage: &SqliteStorage,
    visits: &[NewVisit],
    written: oneshot::Sender<()>,
) -> StorageResult<Vec<bool>> {
    if visits.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = storage.begin_write().await?;

    // The newest unique click already stored for each (program, key, visitor) of the batch.
    let mut latest_unique: HashMap<unique_clicks::ClickKey, i64> = HashMap::new();
    let oldest = unique_clicks::window_start(visits);
    for chunk in visits.chunks(ROWS_PER_INSERT) {
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new("WITH batch(p, k, v) AS (");
        query.push_values(chunk, |mut row, visit| {
            row.push_bind(visit.program_id)
                .push_bind(&visit.referral_key)
                .push_bind(&visit.visitor);
        });
        query.push(
            ") SELECT batch.p, batch.k, batch.v, MAX(visits.created_at) FROM batch
               JOIN visits ON visits.program_id = batch.p AND visits.referral_key = batch.k
                AND visits.visitor = batch.v AND visits.is_unique = 1 AND visits.created_at > ",
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
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
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
    tx.commit_signalling(written).await.map_err(backend)?;
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use crate::admin::{ProgramSpec, create_program};
    use crate::model::NewVisit;
    use crate::program::ProgramKind;
    use time::Duration;

    fn visit(program_id: i64, key: &str, visitor: &str, at: time::OffsetDateTime) -> NewVisit {
        NewVisit {
            program_id,
            referral_key: key.to_owned(),
            visitor: visitor.to_owned(),
            format: "query".to_owned(),
            landing_url: "https://a.test/?ref=k".to_owned(),
            referrer: None,
            user_agent: None,
            ip_hash: "h".to_owned(),
            at,
        }
    }

    /// Uniqueness holds within one batch, across batches, and expires after 24 h.
    #[tokio::test]
    async fn unique_clicks_within_and_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let storage = crate::storage::open(&url).await.unwrap();
        let spec = ProgramSpec::new(ProgramKind::ReferAFriend, "A", "https://a.test");
        let id = create_program(&*storage, spec).await.unwrap().program.id;
        let t = crate::clock::now() - Duration::hours(30);
        let first = storage
            .record_visits(&[
                visit(id, "k", "v1", t),
                visit(id, "k", "v1", t + Duration::minutes(1)),
                visit(id, "k", "v2", t),
                visit(id, "j", "v1", t),
            ])
            .await
            .unwrap();
        assert_eq!(first, [true, false, true, true]);
        let second = storage
            .record_visits(&[
                visit(id, "k", "v1", t + Duration::hours(23)),
                visit(id, "k", "v1", t + Duration::hours(25)),
                visit(id, "k", "v1", t + Duration::hours(26)),
            ])
            .await
            .unwrap();
        assert_eq!(second, [false, true, false]);
        let large: Vec<NewVisit> = (0..2500)
            .map(|i| {
                visit(
                    id,
                    "big",
                    &format!("v{}", i % 1200),
                    t + Duration::seconds(i),
                )
            })
            .collect();
        let flags = storage.record_visits(&large).await.unwrap();
        assert_eq!(flags.iter().filter(|u| **u).count(), 1200);
        storage.close().await;
    }
}
