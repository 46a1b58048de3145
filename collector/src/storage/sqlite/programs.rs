//! Programs and API keys (SQLite; written once in [`crate::storage::shared_sql::programs`]).

crate::storage::shared_sql::programs::programs_sql!(super::SqliteStorage, sqlx::sqlite::SqliteRow);
