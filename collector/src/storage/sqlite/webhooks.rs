//! Webhooks, the outbox and deliveries (SQLite; written once in
//! [`crate::storage::shared_sql::webhooks`]).

crate::storage::shared_sql::webhooks::webhooks_sql!(
    super::SqliteStorage,
    sqlx::SqliteConnection,
    sqlx::SqlitePool,
    sqlx::sqlite::SqliteRow,
    ""
);
