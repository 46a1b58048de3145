//! Rewards and the balance ledger inside an open write transaction (PostgreSQL; written once in
//! [`crate::storage::shared_sql::ledger`]).

crate::storage::shared_sql::ledger::ledger_sql!(sqlx::PgConnection);
