//! Transactions (SQLite; written once in [`crate::storage::shared_sql::transactions`]).

crate::storage::shared_sql::transactions::transactions_sql!(
    super::SqliteStorage,
    sqlx::SqliteConnection,
    sqlx::SqlitePool
);
