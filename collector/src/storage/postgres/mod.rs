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
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, Row};

use super::{Storage, StorageError, StorageResult};
use crate::model::{
    Balance, Customer, CustomerFilter, CustomerLookup, CustomerOutcome, CustomerStats,
    CustomerUpdate, NewCustomer, NewTransaction, NewVisit, Paged, Source, TransactionFilter,
    TransactionOutcome, TransactionRecord,
};
use crate::pagination::PageRequest;
use crate::program::{Program, ProgramKind, ProgramSettings};

/// Migrations embedded at compile time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

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
            .with_context(|| format!("invalid PostgreSQL URL {url:?}"))?
            .application_name("collector");
        let pool = PgPoolOptions::new()
            .max_connections(max_connections()?)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL database {url:?}"))?;
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
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = keys
            .iter()
            .map(|key| match *key {
                KeyLock::Customer(program, key) => locks::customer(program, key),
                KeyLock::Transaction(program, key) => locks::transaction(program, key),
            })
            .collect();
        locks::lock(&mut tx, &ids).await?;
        Ok(tx)
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

/// Runs the migrations on one connection holding a session advisory lock, so instances that
/// start together migrate one after the other (the later ones find nothing left to do).
async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.context("connecting to migrate")?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await
        .context("taking the migration lock")?;
    let outcome = MIGRATOR.run(&mut *conn).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await;
    if unlocked.is_err() {
        // Never hand a connection that may still hold the lock back to the pool.
        let _ = conn.detach().close().await;
    }
    outcome.context("running PostgreSQL migrations")?;
    unlocked.context("releasing the migration lock")?;
    Ok(())
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn ping(&self) -> StorageResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn close(&self) {
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
        visits::record(&self.pool, visits, written).await
    }

    async fn create_customer(
        &self,
        program: &Program,
        customer: NewCustomer,
        source: Source,
    ) -> StorageResult<CustomerOutcome> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        if let Some(key) = &customer.key {
            locks::lock(&mut tx, &[locks::customer(program.id, key)]).await?;
        }
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
