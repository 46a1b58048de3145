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
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use super::{Storage, StorageError, StorageResult};
use crate::model::{
    Balance, Customer, CustomerFilter, CustomerLookup, CustomerOutcome, CustomerStats,
    CustomerUpdate, NewCustomer, NewTransaction, NewVisit, Paged, Source, TransactionFilter,
    TransactionOutcome, TransactionRecord,
};
use crate::pagination::PageRequest;
use crate::program::{Program, ProgramKind, ProgramSettings};

/// Migrations embedded at compile time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

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

#[async_trait]
impl Storage for SqliteStorage {
    async fn ping(&self) -> StorageResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn close(&self) {
        self.gate.close().await;
        // Fold the WAL back into the main file so the database is a single file at rest.
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }

    async fn ip_salt(&self) -> StorageResult<Vec<u8>> {
        let row = sqlx::query("SELECT value FROM meta WHERE name = 'ip_salt'")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        row.try_get::<Vec<u8>, _>(0).map_err(backend)
    }

    async fn create_program(
        &self,
        public_id: &str,
        kind: ProgramKind,
        settings: &ProgramSettings,
        key_prefix: &str,
        key_hash: &str,
    ) -> StorageResult<Program> {
        programs::create(self, public_id, kind, settings, key_prefix, key_hash).await
    }

    async fn program_by_public_id(&self, public_id: &str) -> StorageResult<Option<Program>> {
        programs::by_public_id(self, public_id).await
    }

    async fn program_by_key_hash(&self, key_hash: &str) -> StorageResult<Option<Program>> {
        programs::by_key_hash(self, key_hash).await
    }

    async fn update_program_settings(
        &self,
        program_id: i64,
        settings: &ProgramSettings,
    ) -> StorageResult<Program> {
        programs::update_settings(self, program_id, settings).await
    }

    async fn add_api_key(
        &self,
        program_id: i64,
        key_prefix: &str,
        key_hash: &str,
    ) -> StorageResult<()> {
        programs::add_key(self, program_id, key_prefix, key_hash).await
    }

    async fn revoke_api_keys(&self, key_hash: &str, key_prefix: &str) -> StorageResult<u64> {
        programs::revoke_keys(self, key_hash, key_prefix).await
    }

    async fn record_visits_signalling(
        &self,
        visits: &[NewVisit],
        written: tokio::sync::oneshot::Sender<()>,
    ) -> StorageResult<Vec<bool>> {
        visits::record(self, visits, written).await
    }

    async fn create_customer(
        &self,
        program: &Program,
        customer: NewCustomer,
        source: Source,
    ) -> StorageResult<CustomerOutcome> {
        let mut tx = self.begin_write().await?;
        let outcome = customers::create(&mut tx, program, customer, source, "").await?;
        tx.commit().await.map_err(backend)?;
        Ok(outcome)
    }

    async fn customer(
        &self,
        program_id: i64,
        lookup: &CustomerLookup,
    ) -> StorageResult<Option<Customer>> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        customers::find(&mut conn, program_id, lookup).await
    }

    async fn customer_by_email(
        &self,
        program_id: i64,
        email: &str,
    ) -> StorageResult<Option<Customer>> {
        customers::by_email(&self.pool, program_id, email).await
    }

    async fn update_customer(
        &self,
        program_id: i64,
        lookup: &CustomerLookup,
        update: &CustomerUpdate,
    ) -> StorageResult<Customer> {
        customers::update(self, program_id, lookup, update).await
    }

    async fn delete_customer(&self, program_id: i64, lookup: &CustomerLookup) -> StorageResult<()> {
        customers::delete(self, program_id, lookup).await
    }

    async fn list_customers(
        &self,
        program_id: i64,
        filter: &CustomerFilter,
        page: PageRequest,
    ) -> StorageResult<Paged<Customer>> {
        customers::list(&self.pool, program_id, filter, page).await
    }

    async fn customer_stats(
        &self,
        program_id: i64,
        customer: &Customer,
    ) -> StorageResult<CustomerStats> {
        customers::stats(&self.pool, program_id, customer).await
    }

    async fn balance(&self, program_id: i64, customer: &Customer) -> StorageResult<Balance> {
        customers::balance(&self.pool, program_id, customer.row_id).await
    }

    async fn credit_balance(
        &self,
        program_id: i64,
        customer: &Customer,
        amount_minor: i64,
        amount_units: &str,
        is_currency: bool,
    ) -> StorageResult<Balance> {
        customers::credit(
            self,
            program_id,
            customer,
            amount_minor,
            amount_units,
            is_currency,
        )
        .await
    }

    async fn create_transactions(
        &self,
        program: &Program,
        transactions: Vec<NewTransaction>,
        source: Source,
    ) -> StorageResult<Vec<TransactionOutcome>> {
        transactions::create_batch(self, program, transactions, source).await
    }

    async fn transaction(
        &self,
        program_id: i64,
        key: &str,
    ) -> StorageResult<Option<TransactionRecord>> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        transactions::find(&mut conn, program_id, key).await
    }

    async fn list_transactions(
        &self,
        program_id: i64,
        filter: &TransactionFilter,
        page: PageRequest,
    ) -> StorageResult<Paged<TransactionRecord>> {
        transactions::list(&self.pool, program_id, filter, page).await
    }

    async fn refund_transaction(
        &self,
        program_id: i64,
        key: &str,
    ) -> StorageResult<TransactionRecord> {
        transactions::refund(self, program_id, key).await
    }

    async fn set_transaction_archived(
        &self,
        program_id: i64,
        key: &str,
        archived: bool,
    ) -> StorageResult<TransactionRecord> {
        transactions::set_archived(self, program_id, key, archived).await
    }

    async fn create_webhook(
        &self,
        program_id: i64,
        webhook: &crate::webhooks::NewWebhook,
    ) -> StorageResult<crate::webhooks::Webhook> {
        webhooks::create(self, program_id, webhook).await
    }

    async fn webhooks(&self, program_id: i64) -> StorageResult<Vec<crate::webhooks::Webhook>> {
        webhooks::list(&self.pool, program_id).await
    }

    async fn webhook(
        &self,
        program_id: i64,
        key: &str,
    ) -> StorageResult<Option<crate::webhooks::Webhook>> {
        webhooks::by_key(&self.pool, program_id, key).await
    }

    async fn update_webhook(
        &self,
        program_id: i64,
        key: &str,
        update: &crate::webhooks::WebhookUpdate,
    ) -> StorageResult<crate::webhooks::Webhook> {
        webhooks::update(self, program_id, key, update).await
    }

    async fn delete_webhook(&self, program_id: i64, key: &str) -> StorageResult<()> {
        webhooks::delete(self, program_id, key).await
    }

    async fn webhook_deliveries(
        &self,
        webhook_row_id: i64,
        page: PageRequest,
    ) -> StorageResult<Paged<crate::webhooks::Delivery>> {
        webhooks::deliveries(&self.pool, webhook_row_id, page).await
    }

    async fn replay_delivery(
        &self,
        webhook_row_id: i64,
        message_id: &str,
    ) -> StorageResult<crate::webhooks::Delivery> {
        webhooks::replay(self, webhook_row_id, message_id).await
    }

    async fn claim_deliveries(
        &self,
        now: time::OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> StorageResult<Vec<crate::webhooks::ClaimedDelivery>> {
        webhooks::claim(self, now, lease, limit).await
    }

    async fn finish_delivery(
        &self,
        claim: &crate::webhooks::ClaimedDelivery,
        outcome: &crate::webhooks::AttemptOutcome,
    ) -> StorageResult<bool> {
        webhooks::finish(self, claim, outcome).await
    }
}
