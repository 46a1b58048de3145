//! Transactions (PostgreSQL; written once in [`crate::storage::shared_sql::transactions`]).

crate::storage::shared_sql::transactions::transactions_sql!(
    super::PostgresStorage,
    sqlx::PgConnection,
    sqlx::PgPool
);
