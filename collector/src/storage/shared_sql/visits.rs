//! Visits, written once for both backends: one transaction per batch; uniqueness per visitor,
//! key and 24 h (`storage::unique_clicks`), decided while holding the batch's click locks.
//!
//! A batch costs a few statements whatever its size: one lookup of the latest unique click of every
//! (program, key, visitor) in the batch, then multi-row inserts. A batch that fits one insert changes
//! the database with that one statement, so on SQLite it needs no savepoint. Where the backend's
//! `ONE_STATEMENT` says so (PostgreSQL, where a round trip costs more than returning every row), a
//! batch whose visits all have a different (program, key, visitor) is instead a single
//! `INSERT .. SELECT` that decides each visit with a correlated lookup of the stored unique clicks.
//!
//! [`visits_sql`] expands `record` inside each backend's `visits` module; the backend's
//! `commit_batch` decides when the next batch may start (SQLite: once the writer is free;
//! PostgreSQL: before the commit, on another connection), and its `push_batch` writes the batch's
//! rows as a table (`p, k, v, f, l, r, a, h, t`: program, key, visitor, format, landing URL,
//! referrer, user agent, IP hash, time).

/// Expands the visit functions for one backend: `visits_sql!(Storage, Database)`.
macro_rules! visits_sql {
    ($storage:ty, $db:ty) => {
        use std::collections::HashMap;

        use sqlx::{QueryBuilder, Row};
        use tokio::sync::oneshot;

        use super::backend;
        use crate::storage::key_locks::KeyLock;
        use crate::clock;
        use crate::model::NewVisit;
        use crate::storage::{StorageResult, unique_clicks};

        /// Rows per statement: 10 bound values a row stay far below SQLite's 32,766 and PostgreSQL's
        /// 65,535 parameters.
        const ROWS_PER_INSERT: usize = 1000;

        /// Records a batch; `written` is sent as soon as the next batch may start (see `commit_batch`).
        pub(super) async fn record(
            storage: &$storage,
            visits: &[NewVisit],
            written: oneshot::Sender<()>,
        ) -> StorageResult<Vec<bool>> {
            if visits.is_empty() {
                return Ok(Vec::new());
            }
            // Writers deciding uniqueness for the same visitor and key take turns (across instances).
            let locks: Vec<KeyLock<'_>> = visits
                .iter()
                .map(|v| KeyLock::Click(v.program_id, &v.referral_key, &v.visitor))
                .collect();
            let one_insert = visits.len() <= ROWS_PER_INSERT;
            if one_insert && ONE_STATEMENT && unique_clicks::all_distinct(visits) {
                let mut tx = storage.begin_statement_locked(&locks).await?;
                let unique = insert_deciding(&mut tx, visits).await?;
                commit_batch(tx, written).await?;
                return Ok(unique);
            }
            // Only the insert changes anything: with a single insert, the write is one statement.
            let mut tx = if one_insert {
                storage.begin_statement_locked(&locks).await?
            } else {
                storage.begin_write_locked(&locks).await?
            };

            // The newest unique click already stored for each (program, key, visitor) of the batch.
            let mut latest_unique: HashMap<unique_clicks::ClickKey, i64> = HashMap::new();
            let oldest = unique_clicks::window_start(visits);
            for chunk in visits.chunks(ROWS_PER_INSERT) {
                let mut query: QueryBuilder<$db> = QueryBuilder::new("WITH batch(p, k, v) AS (");
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
                let mut query: QueryBuilder<$db> = QueryBuilder::new(
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
            commit_batch(tx, written).await?;
            Ok(unique)
        }

        /// Inserts visits of pairwise different (program, key, visitor) in one statement, each
        /// unique unless a unique click of its own is stored within the window before it (or after
        /// it); returns the flags in the order of `visits`.
        async fn insert_deciding(
            conn: &mut <$db as sqlx::Database>::Connection,
            visits: &[NewVisit],
        ) -> StorageResult<Vec<bool>> {
            let mut query: QueryBuilder<$db> = QueryBuilder::new(
                "WITH batch(p, k, v, f, l, r, a, h, t) AS (",
            );
            push_batch(&mut query, visits);
            query.push(format!(
                ") INSERT INTO visits (program_id, referral_key, visitor, is_unique, format,
                                       landing_url, referrer, user_agent, ip_hash, created_at)
                   SELECT p, k, v, NOT EXISTS (
                            SELECT 1 FROM visits s
                            WHERE s.program_id = batch.p AND s.referral_key = batch.k
                              AND s.visitor = batch.v AND s.is_unique
                              AND s.created_at > batch.t - {}),
                          f, l, r, a, h, t
                   FROM batch
                   RETURNING program_id, referral_key, visitor, is_unique",
                unique_clicks::UNIQUE_WINDOW_MICROS
            ));
            let rows = query.build().fetch_all(&mut *conn).await.map_err(backend)?;
            // The rows come back in no particular order; each (program, key, visitor) is distinct.
            let mut flags: HashMap<(i64, &str, &str), bool> = HashMap::with_capacity(rows.len());
            for row in &rows {
                flags.insert((row.get(0), row.get(1), row.get(2)), row.get(3));
            }
            visits
                .iter()
                .map(|v| {
                    flags
                        .get(&(v.program_id, v.referral_key.as_str(), v.visitor.as_str()))
                        .copied()
                        .ok_or_else(|| {
                            crate::storage::StorageError::Backend(anyhow::anyhow!(
                                "a recorded visit is missing from the insert's result"
                            ))
                        })
                })
                .collect()
        }
    };
}
pub(crate) use visits_sql;
