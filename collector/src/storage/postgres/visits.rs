//! Visits (PostgreSQL; written once in [`crate::storage::shared_sql::visits`]).

use sqlx::{Postgres, Transaction};

crate::storage::shared_sql::visits::visits_sql!(super::PostgresStorage, sqlx::Postgres);

/// Commits a batch; `written` goes out first, so the next batch starts on another connection while
/// this one commits.
async fn commit_batch(
    tx: Transaction<'static, Postgres>,
    written: oneshot::Sender<()>,
) -> StorageResult<()> {
    let _ = written.send(());
    tx.commit().await.map_err(backend)
}
