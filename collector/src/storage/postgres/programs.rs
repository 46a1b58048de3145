//! Programs and API keys (PostgreSQL; written once in [`crate::storage::shared_sql::programs`]).

crate::storage::shared_sql::programs::programs_sql!(super::PostgresStorage, sqlx::postgres::PgRow);
