//! Partners, referral links, coupons and commissions: the shared SQL of
//! `storage::affiliate_sql` over this backend's connections.

crate::storage::affiliate_sql::affiliate_backend!(
    super::SqliteStorage,
    sqlx::SqliteConnection,
    sqlx::sqlite::SqliteRow
);
