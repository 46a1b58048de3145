//! The storage layer: one async, object-safe trait, one module per backend.
//!
//! Each backend module owns its connection handling, migrations and write path (SQLite: one
//! group-committing writer; PostgreSQL: a pool and advisory locks) and its visit batches. The SQL of
//! programs, customers, transactions, rewards, webhooks (`shared_sql`) and of the affiliate side
//! (`affiliate_sql`) is written once with `$N` placeholders and expanded inside each backend.
//!
//! Every mutation that will later emit a webhook (customer, transaction and reward changes)
//! runs inside a single database transaction of its backend, so an outbox row can join it.

pub mod affiliate;
mod affiliate_sql;
mod key_locks;
mod migration_policy;
pub mod postgres;
mod shared_sql;
pub mod sqlite;
pub mod unique_clicks;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::model::{
    Balance, Customer, CustomerFilter, CustomerLookup, CustomerOutcome, CustomerStats,
    CustomerUpdate, NewCustomer, NewTransaction, NewVisit, Paged, Source, TransactionFilter,
    TransactionOutcome, TransactionRecord,
};
use crate::pagination::PageRequest;
use crate::program::{Program, ProgramKind, ProgramSettings};
use crate::webhooks::{
    AttemptOutcome, ClaimedDelivery, Delivery, NewWebhook, Webhook, WebhookUpdate,
};

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
pub trait Storage: affiliate::AffiliateStorage + Send + Sync + 'static {
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
    async fn record_visits(&self, visits: &[NewVisit]) -> StorageResult<Vec<bool>> {
        let (written, _) = tokio::sync::oneshot::channel();
        self.record_visits_signalling(visits, written).await
    }
    /// [`Storage::record_visits`] that also sends on `written` as soon as the rows are written
    /// and the next batch may start, before the commit is durable (it returns once it is).
    async fn record_visits_signalling(
        &self,
        visits: &[NewVisit],
        written: tokio::sync::oneshot::Sender<()>,
    ) -> StorageResult<Vec<bool>>;

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
    /// Credits pending rewards of a customer (programs in manual mode): all of them, or those of
    /// `ids`, which must all be pending rewards of this customer (else nothing is credited).
    async fn credit_pending_rewards(
        &self,
        program_id: i64,
        customer: &Customer,
        ids: Option<&[i64]>,
    ) -> StorageResult<Balance>;
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

    // Webhooks (see `crate::webhooks`). Besides these methods, every backend writes the outbox:
    // inside the database transaction of each change below it inserts one pending delivery per
    // active webhook of the program subscribed to the event, with the payload frozen by
    // `webhooks::event::payload` and a new `webhooks::event::message_id`, so a rolled-back change
    // leaves no delivery. Events: `customer.created` (API create, or a browser-reported customer
    // confirmed through the API; also buyers created with a transaction), `customer.updated`,
    // `customer.deleted` (data: the customer before deletion), `transaction.created` (API only),
    // `transaction.updated` (archive/restore), `transaction.deleted` (refund), `reward.created`
    // (every reward row, and every partner commission), and from `affiliate::AffiliateStorage`
    // `partner.created|updated|archived|deleted` and `reward.paid`. Browser-reported records emit
    // nothing.

    /// Creates a webhook unless the program already has `max` (an `Invalid` on `url`, decided in
    /// the same transaction, so concurrent creates cannot pass it together); a taken key is a
    /// `Conflict` on `key`.
    async fn create_webhook(
        &self,
        program_id: i64,
        webhook: &NewWebhook,
        max: usize,
    ) -> StorageResult<Webhook>;
    /// The program's webhooks, oldest first.
    async fn webhooks(&self, program_id: i64) -> StorageResult<Vec<Webhook>>;
    /// A webhook of the program by key.
    async fn webhook(&self, program_id: i64, key: &str) -> StorageResult<Option<Webhook>>;
    /// Changes a webhook. Setting `is_active` to true also resets `consecutive_failures` and
    /// clears `disabled_reason`/`disabled_at`; setting it to false clears nothing.
    async fn update_webhook(
        &self,
        program_id: i64,
        key: &str,
        update: &WebhookUpdate,
    ) -> StorageResult<Webhook>;
    /// Deletes a webhook and its delivery log (pending deliveries are dropped).
    async fn delete_webhook(&self, program_id: i64, key: &str) -> StorageResult<()>;
    /// A webhook's deliveries, newest first.
    async fn webhook_deliveries(
        &self,
        webhook_row_id: i64,
        page: PageRequest,
    ) -> StorageResult<Paged<Delivery>>;
    /// Sends a delivery again with the same message id and payload: status `pending`, due now,
    /// a new retry round (`round_start` = `attempts`); `attempts` keeps counting. A conflict on
    /// `delivery` while an attempt holds the lease (its result would overwrite the replay);
    /// `NotFound("Delivery")` when the id is not one of this webhook's.
    async fn replay_delivery(
        &self,
        webhook_row_id: i64,
        message_id: &str,
    ) -> StorageResult<Delivery>;
    /// Atomically claims up to `limit` deliveries that are pending, due (`next_attempt_at <= now`),
    /// not leased (`locked_until` null or past) and whose webhook is active, oldest due first:
    /// sets `locked_until = now + lease`, increments `attempts` and sets `last_attempt_at = now`.
    /// Two processes never claim the same attempt (SQLite: one write transaction; PostgreSQL:
    /// `FOR UPDATE SKIP LOCKED`).
    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> StorageResult<Vec<ClaimedDelivery>>;
    /// Records the outcome of a claimed attempt, only if the delivery's `attempts` still equals
    /// `claim.attempt` (returns false otherwise: the lease was lost and a later attempt owns it).
    /// Success: status `succeeded`, `delivered_at`, lease cleared, webhook failures reset to 0.
    /// Failure: `last_status_code`/`last_error` set, lease cleared, status `pending` with
    /// `next_attempt_at = retry_at` or `failed` when `retry_at` is None; the webhook's
    /// `consecutive_failures` grows by one and, once it reaches `disable_after` (> 0), the webhook
    /// is deactivated with `disabled_at` and a `disabled_reason` naming the count and last error.
    async fn finish_delivery(
        &self,
        claim: &ClaimedDelivery,
        outcome: &AttemptOutcome,
    ) -> StorageResult<bool>;
}

/// Opens the backend named by the URL scheme and runs its migrations.
pub async fn open(database_url: &str) -> anyhow::Result<Arc<dyn Storage>> {
    if database_url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStorage::open(database_url).await?))
    } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
        Ok(Arc::new(
            postgres::PostgresStorage::open(database_url).await?,
        ))
    } else {
        anyhow::bail!(
            "unsupported database URL scheme in {:?} (expected sqlite: or postgres:)",
            redacted(database_url)
        )
    }
}

/// A database URL fit for messages and logs: a password, in the user part or as a `password`
/// query parameter, is replaced by `***`.
pub fn redacted(database_url: &str) -> String {
    let parsed = url::Url::parse(database_url).ok();
    let Some(mut url) = parsed.filter(|url| url.has_host() || !database_url.contains('@')) else {
        // Unparseable, or the `@` is not where a URL keeps credentials: keep only what follows
        // the last `@`.
        return match database_url.rsplit_once('@') {
            Some((_, rest)) => format!("***@{rest}"),
            // A `key=value` connection string: hide the value of `password=`.
            None => database_url
                .split(' ')
                .map(|part| match part.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => {
                        format!("{name}=***")
                    }
                    _ => part.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(" "),
        };
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url.query_pairs().any(|(name, _)| name == "password") {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let value = if name == "password" {
                    "***".into()
                } else {
                    value
                };
                (name.into_owned(), value.into_owned())
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::redacted;

    /// Passwords never reach a message; everything else stays readable.
    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redacted("postgres://collector:s3cret@db.internal:5432/collector"),
            "postgres://collector:***@db.internal:5432/collector"
        );
        assert_eq!(
            redacted("postgres://db/collector?user=c&password=s3cret&sslmode=require"),
            "postgres://db/collector?user=c&password=***&sslmode=require"
        );
        assert_eq!(redacted("sqlite://./data/c.db"), "sqlite://./data/c.db");
        assert!(!redacted("pg:/:s3cret@@host").contains("s3cret"));
        assert_eq!(
            redacted("host=db user=c password=s3cret"),
            "host=db user=c password=***"
        );
    }

    /// Startup errors name the database without its password.
    #[tokio::test]
    async fn open_errors_hide_the_password() {
        for url in [
            "postgres://collector:s3cret@127.0.0.1:99999/collector",
            "mysql://collector:s3cret@127.0.0.1/collector",
        ] {
            let error = format!("{:#}", super::open(url).await.err().unwrap());
            assert!(!error.contains("s3cret"), "{error}");
            assert!(error.contains("***"), "{error}");
        }
    }
}
