//! Row mapping for the SQLite modules (written once in [`crate::storage::shared_sql::rows`]).

pub(super) use crate::storage::shared_sql::rows::{
    customer_select, reward_select, transaction_select,
};

crate::storage::shared_sql::rows::row_mapping!(sqlx::sqlite::SqliteRow);
