//! Webhooks, the outbox and deliveries (PostgreSQL; written once in
//! [`crate::storage::shared_sql::webhooks`]).

crate::storage::shared_sql::webhooks::webhooks_sql!(
    super::PostgresStorage,
    sqlx::PgConnection,
    sqlx::PgPool,
    sqlx::postgres::PgRow,
    " FOR UPDATE OF d SKIP LOCKED"
);
