//! The SQLite backend (WAL); owns its migrations in `migrations/sqlite/`.
//!
//! Writes run in `BEGIN IMMEDIATE` transactions so concurrent writers queue on the database
//! lock instead of failing to upgrade a read lock. Nobody is answered before their write is on
//! disk: a database file syncs its log after each commit group in `wal_sync`
//! (`synchronous=NORMAL` plus `fdatasync`, as durable as `synchronous=FULL`, but overlapped with the
//! next group); an in-memory database has nothing to sync.

mod affiliate;
mod customers;
mod ledger;
mod programs;
mod rows;
mod transactions;
mod visits;
mod wal_sync;
mod webhooks;
mod write_gate;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use super::{StorageError, StorageResult};
use crate::model::{
    Balance, Customer, CustomerFilter, CustomerLookup, CustomerOutcome, CustomerStats,
    CustomerUpdate, NewCustomer, NewTransaction, NewVisit, Paged, Source, TransactionFilter,
    TransactionOutcome, TransactionRecord,
};
use crate::pagination::PageRequest;
use crate::program::{Program, ProgramKind, ProgramSettings};

/// Migrations embedded at compile time (policy in [`crate::storage::migration_policy`]).
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate::Migrator {
    ignore_missing: true,
    ..sqlx::migrate!("migrations/sqlite")
};

/// SQLite-backed storage.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    pool: SqlitePool,
    /// Serialises writes and groups their commits.
    gate: write_gate::WriteGate,
}

/// Maps any sqlx error to a backend error.
pub(crate) fn backend(error: sqlx::Error) -> StorageError {
    StorageError::Backend(anyhow::Error::new(error))
}

/// Whether the error is a UNIQUE constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `url` and runs the migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Durability comes from `wal_sync` (below), not from each COMMIT.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        if let Some(parent) = options.get_filename().parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create directory {}", parent.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open SQLite database {url:?}"))?;
        update_edited_checksums(&pool)
            .await
            .context("updating the checksums of edited migrations")?;
        MIGRATOR
            .run(&pool)
            .await
            .context("running SQLite migrations")?;
        let syncer = if in_memory {
            None
        } else {
            let file = options.get_filename();
            Some(
                wal_sync::WalSyncer::start(file)
                    .with_context(|| format!("cannot sync {}", file.display()))?,
            )
        };
        let gate = write_gate::WriteGate::new(pool.clone(), syncer);
        let storage = Self { pool, gate };
        storage.ensure_salt().await?;
        Ok(storage)
    }

    /// Begins a write: waits for the single writer and opens a savepoint in the current commit
    /// group (see [`write_gate`]). `commit` returns once the write is durable.
    pub(crate) async fn begin_write(&self) -> StorageResult<write_gate::WriteTx> {
        self.gate.begin().await.map_err(backend)
    }

    /// [`SqliteStorage::begin_write`]: the single writer already serialises every write, so no
    /// key needs a lock of its own.
    pub(crate) async fn begin_write_locked(
        &self,
        _keys: &[crate::storage::key_locks::KeyLock<'_>],
    ) -> StorageResult<write_gate::WriteTx> {
        self.begin_write().await
    }

    /// [`SqliteStorage::begin_write_locked`] for a write that changes the database with one
    /// statement: no savepoint
    /// (see [`write_gate::WriteGate::begin_statement`]).
    pub(crate) async fn begin_statement_locked(
        &self,
        _keys: &[crate::storage::key_locks::KeyLock<'_>],
    ) -> StorageResult<write_gate::WriteTx> {
        self.gate.begin_statement().await.map_err(backend)
    }

    async fn ensure_salt(&self) -> anyhow::Result<()> {
        let mut salt = [0u8; 32];
        rand::fill(&mut salt);
        // Through the writer, like every write, so it is synced before it is used.
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO meta (name, value) VALUES ('ip_salt', ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&salt[..])
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Records the current checksum for migrations applied with their first text (see
/// [`crate::storage::migration_policy`]).
async fn update_edited_checksums(pool: &SqlitePool) -> sqlx::Result<()> {
    let migrated: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(pool)
    .await?;
    if migrated.is_none() {
        return Ok(());
    }
    let edited = crate::storage::migration_policy::SQLITE_EDITED;
    for (version, earlier, current) in
        crate::storage::migration_policy::checksum_updates(&MIGRATOR, edited)
    {
        sqlx::query("UPDATE _sqlx_migrations SET checksum = ? WHERE version = ? AND checksum = ?")
            .bind(current)
            .bind(version)
            .bind(earlier)
            .execute(pool)
            .await?;
    }
    Ok(())
}

crate::storage::shared_sql::storage_impl::storage_impl!(SqliteStorage, {
    async fn close(&self) {
        self.gate.close().await;
        // Fold the WAL back into the main file so the database is a single file at rest.
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }

    async fn record_visits_signalling(
        &self,
        visits: &[NewVisit],
        written: tokio::sync::oneshot::Sender<()>,
    ) -> StorageResult<Vec<bool>> {
        visits::record(self, visits, written).await
    }
});
