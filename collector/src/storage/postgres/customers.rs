//! Customers, their statistics and balances (PostgreSQL; written once in
//! [`crate::storage::shared_sql::customers`]).

crate::storage::shared_sql::customers::customers_sql!(
    super::PostgresStorage,
    sqlx::PgConnection,
    sqlx::PgPool,
    sqlx::Postgres,
    "lower(c.email) = lower($2)",
    "ILIKE"
);
