//! Customers, their statistics and balances (SQLite; written once in
//! [`crate::storage::shared_sql::customers`]).

crate::storage::shared_sql::customers::customers_sql!(
    super::SqliteStorage,
    sqlx::SqliteConnection,
    sqlx::SqlitePool,
    sqlx::Sqlite,
    "c.email = $2 COLLATE NOCASE",
    "LIKE"
);
