//! The PostgreSQL backend for several collector instances on one database; owns its migrations
//! in `migrations/postgres/`.
//!
//! Every write runs in one `READ COMMITTED` transaction. Writes that must happen once per key
//! (transactions, customers, unique clicks) first take transaction-scoped advisory locks on that
//! key (see [`locks`]), so concurrent duplicates on any instance queue up and then see each
//! other's committed rows; unique indexes stay as the last line of defence.

mod affiliate;
mod customers;
mod ledger;
mod locks;
mod programs;
mod rows;
mod transactions;
mod visits;
mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, Row};

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
    ..sqlx::migrate!("migrations/postgres")
};

/// The session-level advisory lock held while migrating (any constant shared by all instances).
const MIGRATION_LOCK: i64 = 0x636f_6c6c_6563_746f; // "collecto"

/// Connections per instance unless `DATABASE_MAX_CONNECTIONS` says otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// PostgreSQL-backed storage.
#[derive(Debug, Clone)]
pub struct PostgresStorage {
    pool: PgPool,
}

/// Maps any sqlx error to a backend error.
pub(crate) fn backend(error: sqlx::Error) -> StorageError {
    StorageError::Backend(anyhow::Error::new(error))
}

/// Whether the error is a UNIQUE constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The pool size: `DATABASE_MAX_CONNECTIONS` when set to a positive number.
fn max_connections() -> anyhow::Result<u32> {
    match std::env::var("DATABASE_MAX_CONNECTIONS") {
        Err(_) => Ok(DEFAULT_MAX_CONNECTIONS),
        Ok(text) => match text.trim().parse::<u32>() {
            Ok(size) if size > 0 => Ok(size),
            _ => anyhow::bail!("DATABASE_MAX_CONNECTIONS must be a positive integer, got {text:?}"),
        },
    }
}

impl PostgresStorage {
    /// Connects to the database at `url` and runs the migrations under an advisory lock.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid PostgreSQL URL {:?}", super::redacted(url)))?
            .application_name("collector");
        let pool = PgPoolOptions::new()
            .max_connections(max_connections()?)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .with_context(|| {
                format!(
                    "cannot connect to PostgreSQL database {:?}",
                    super::redacted(url)
                )
            })?;
        migrate(&pool).await?;
        let storage = Self { pool };
        storage.ensure_salt().await?;
        Ok(storage)
    }

    /// Begins a write transaction.
    pub(crate) async fn begin_write(
        &self,
    ) -> StorageResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.pool.begin().await.map_err(backend)
    }

    /// Begins a write holding the advisory locks of `keys` until it ends.
    pub(crate) async fn begin_write_locked(
        &self,
        keys: &[crate::storage::key_locks::KeyLock<'_>],
    ) -> StorageResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        use crate::storage::key_locks::KeyLock;
        let ids: Vec<i64> = keys
            .iter()
            .map(|key| match *key {
                KeyLock::Customer(program, key) => locks::customer(program, key),
                KeyLock::Transaction(program, key) => locks::transaction(program, key),
                KeyLock::Click(program, key, visitor) => locks::click(program, key, visitor),
            })
            .collect();
        match locks::begin_statement(&ids) {
            // `BEGIN` and the locks in one round trip.
            Some(begin) => self
                .pool
                .begin_with(sqlx::AssertSqlSafe(begin))
                .await
                .map_err(backend),
            None => self.begin_write().await,
        }
    }

    /// [`PostgresStorage::begin_write_locked`]; a write of one statement needs nothing else here.
    pub(crate) async fn begin_statement_locked(
        &self,
        keys: &[crate::storage::key_locks::KeyLock<'_>],
    ) -> StorageResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.begin_write_locked(keys).await
    }

    async fn ensure_salt(&self) -> anyhow::Result<()> {
        let mut salt = [0u8; 32];
        rand::fill(&mut salt);
        sqlx::query(
            "INSERT INTO meta (name, value) VALUES ('ip_salt', $1) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&salt[..])
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Records the current checksum for migrations applied with their first text (see
/// [`crate::storage::migration_policy`]).
async fn update_edited_checksums(conn: &mut sqlx::PgConnection) -> sqlx::Result<()> {
    let migrated: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await?;
    if !migrated {
        return Ok(());
    }
    let edited = crate::storage::migration_policy::POSTGRES_EDITED;
    for (version, earlier, current) in
        crate::storage::migration_policy::checksum_updates(&MIGRATOR, edited)
    {
        sqlx::query(
            "UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2 AND checksum = $3",
        )
        .bind(current)
        .bind(version)
        .bind(earlier)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Runs the migrations on one connection holding a session advisory lock, so instances that
/// start together migrate one after the other (the later ones find nothing left to do).
async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.context("connecting to migrate")?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await
        .context("taking the migration lock")?;
    let outcome = match update_edited_checksums(&mut conn).await {
        Ok(()) => MIGRATOR
            .run(&mut *conn)
            .await
            .context("running PostgreSQL migrations"),
        Err(error) => Err(error).context("updating the checksums of edited migrations"),
    };
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await;
    if unlocked.is_err() {
        // Never hand a connection that may still hold the lock back to the pool.
        let _ = conn.detach().close().await;
    }
    outcome?;
    unlocked.context("releasing the migration lock")?;
    Ok(())
}

crate::storage::shared_sql::storage_impl::storage_impl!(PostgresStorage, {
    async fn close(&self) {
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
