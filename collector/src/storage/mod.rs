//! The storage layer: one async, object-safe trait, one module per backend.
//!
//! Every mutation that will later emit a webhook (customer, transaction and reward changes)
//! runs inside a single database transaction of its backend, so an outbox row can join it.

pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{
    Balance, Customer, CustomerFilter, CustomerLookup, CustomerOutcome, CustomerStats,
    CustomerUpdate, NewCustomer, NewTransaction, NewVisit, Paged, Source, TransactionFilter,
    TransactionOutcome, TransactionRecord,
};
use crate::pagination::PageRequest;
use crate::program::{Program, ProgramKind, ProgramSettings};

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The named thing does not exist (in this program).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique key is taken.
    #[error("{field}: {message}")]
    Conflict {
        /// Field path.
        field: String,
        /// Message.
        message: String,
    },
    /// The data refers to something that does not exist or is not allowed.
    #[error("{field}: {message}")]
    Invalid {
        /// Field path.
        field: String,
        /// Message.
        message: String,
    },
    /// The backend failed.
    #[error("storage backend: {0}")]
    Backend(#[from] anyhow::Error),
}

impl StorageError {
    /// An `Invalid` error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StorageError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A `Conflict` error.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        StorageError::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Storage results.
pub type StorageResult<T> = Result<T, StorageError>;

/// Everything the collector keeps.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Checks that the database answers.
    async fn ping(&self) -> StorageResult<()>;
    /// Flushes and closes connections.
    async fn close(&self);
    /// The installation's secret salt for IP hashes (created on first start).
    async fn ip_salt(&self) -> StorageResult<Vec<u8>>;

    /// Creates a program with its first API key (stored hashed).
    async fn create_program(
        &self,
        public_id: &str,
        kind: ProgramKind,
        settings: &ProgramSettings,
        key_prefix: &str,
        key_hash: &str,
    ) -> StorageResult<Program>;
    /// A program by its public id.
    async fn program_by_public_id(&self, public_id: &str) -> StorageResult<Option<Program>>;
    /// The program an unrevoked API key belongs to.
    async fn program_by_key_hash(&self, key_hash: &str) -> StorageResult<Option<Program>>;
    /// Replaces a program's settings.
    async fn update_program_settings(
        &self,
        program_id: i64,
        settings: &ProgramSettings,
    ) -> StorageResult<Program>;
    /// Adds an API key to a program.
    async fn add_api_key(
        &self,
        program_id: i64,
        key_prefix: &str,
        key_hash: &str,
    ) -> StorageResult<()>;
    /// Revokes keys matching a hash or a prefix; returns how many were revoked.
    async fn revoke_api_keys(&self, key_hash: &str, key_prefix: &str) -> StorageResult<u64>;

    /// Durably records visits in one transaction; returns, per visit, whether it was unique.
    async fn record_visits(&self, visits: &[NewVisit]) -> StorageResult<Vec<bool>>;

    /// Creates a customer (API) or records a browser-reported one.
    async fn create_customer(
        &self,
        program: &Program,
        customer: NewCustomer,
        source: Source,
    ) -> StorageResult<CustomerOutcome>;
    /// A customer by key or id.
    async fn customer(
        &self,
        program_id: i64,
        lookup: &CustomerLookup,
    ) -> StorageResult<Option<Customer>>;
    /// A customer by e-mail (case-insensitive, oldest first).
    async fn customer_by_email(
        &self,
        program_id: i64,
        email: &str,
    ) -> StorageResult<Option<Customer>>;
    /// Updates a customer.
    async fn update_customer(
        &self,
        program_id: i64,
        lookup: &CustomerLookup,
        update: &CustomerUpdate,
    ) -> StorageResult<Customer>;
    /// Deletes a customer (their referrals and transactions stay).
    async fn delete_customer(&self, program_id: i64, lookup: &CustomerLookup) -> StorageResult<()>;
    /// Lists customers.
    async fn list_customers(
        &self,
        program_id: i64,
        filter: &CustomerFilter,
        page: PageRequest,
    ) -> StorageResult<Paged<Customer>>;
    /// Referral statistics.
    async fn customer_stats(
        &self,
        program_id: i64,
        customer: &Customer,
    ) -> StorageResult<CustomerStats>;
    /// Balance per unit.
    async fn balance(&self, program_id: i64, customer: &Customer) -> StorageResult<Balance>;
    /// Adds credit to a balance.
    async fn credit_balance(
        &self,
        program_id: i64,
        customer: &Customer,
        amount_minor: i64,
        amount_units: &str,
        is_currency: bool,
    ) -> StorageResult<Balance>;

    /// Records transactions in one database transaction (all or nothing), computing rewards for
    /// API sales. A repeated key returns the original.
    async fn create_transactions(
        &self,
        program: &Program,
        transactions: Vec<NewTransaction>,
        source: Source,
    ) -> StorageResult<Vec<TransactionOutcome>>;
    /// A transaction by key (refunded ones included).
    async fn transaction(
        &self,
        program_id: i64,
        key: &str,
    ) -> StorageResult<Option<TransactionRecord>>;
    /// Lists transactions (refunded ones excluded).
    async fn list_transactions(
        &self,
        program_id: i64,
        filter: &TransactionFilter,
        page: PageRequest,
    ) -> StorageResult<Paged<TransactionRecord>>;
    /// Refunds a transaction: marks it refunded and reverses its rewards.
    async fn refund_transaction(
        &self,
        program_id: i64,
        key: &str,
    ) -> StorageResult<TransactionRecord>;
    /// Archives or restores a transaction.
    async fn set_transaction_archived(
        &self,
        program_id: i64,
        key: &str,
        archived: bool,
    ) -> StorageResult<TransactionRecord>;
}

/// Opens the backend named by the URL scheme and runs its migrations.
pub async fn open(database_url: &str) -> anyhow::Result<Arc<dyn Storage>> {
    if database_url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStorage::open(database_url).await?))
    } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
        anyhow::bail!("the PostgreSQL backend is not available yet; use a sqlite: URL")
    } else {
        anyhow::bail!("unsupported database URL scheme in {database_url:?} (expected sqlite:)")
    }
}
