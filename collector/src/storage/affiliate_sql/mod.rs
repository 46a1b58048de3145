//! The SQL of [`super::affiliate::AffiliateStorage`], written once for both backends.
//!
//! The statements use `$N` placeholders, which SQLite and PostgreSQL both accept, and only
//! portable SQL (sums cast to `BIGINT`, `COUNT(*) FILTER`, `LOWER(..) LIKE`). The macro
//! [`affiliate_backend`] expands the same functions over each backend's connection and row types,
//! inside the backend's module (it uses that module's `backend`, `is_unique_violation`,
//! `webhooks::Outbox` and `begin_write`). One file per part: [`common`], [`partners`], [`links`],
//! [`coupons`], [`commissions`], [`attribution`].

/// Counts a visit unless it is a tracker visit that lands a short-link click of the same browser
/// (same key, IP hash and user agent, within `short_codes::MERGE_WINDOW_MICROS`); append to a
/// `WHERE` over `visits v`.
macro_rules! not_merged {
    () => {
        " AND NOT (v.format <> 'short' AND EXISTS (
             SELECT 1 FROM visits g
             WHERE g.program_id = v.program_id AND g.referral_key = v.referral_key
               AND g.format = 'short' AND g.ip_hash = v.ip_hash AND g.user_agent = v.user_agent
               AND g.created_at <= v.created_at AND g.created_at >= v.created_at - 600000000)) "
    };
}
pub(crate) use not_merged;

pub(crate) mod attribution;
pub(crate) mod commissions;
pub(crate) mod common;
pub(crate) mod coupons;
pub(crate) mod links;
pub(crate) mod partners;

/// Expands the affiliate storage for one backend: `affiliate_backend!(Storage, Connection, Row)`.
macro_rules! affiliate_backend {
    ($storage:ty, $conn:ty, $row:ty) => {
        crate::storage::affiliate_sql::common::common_sql!($storage, $conn, $row);
        crate::storage::affiliate_sql::partners::partners_sql!($storage, $conn, $row);
        crate::storage::affiliate_sql::links::links_sql!($storage, $conn, $row);
        crate::storage::affiliate_sql::coupons::coupons_sql!($storage, $conn, $row);
        crate::storage::affiliate_sql::commissions::commissions_sql!($storage, $conn, $row);
        crate::storage::affiliate_sql::attribution::attribution_sql!($storage, $conn, $row);
    };
}
pub(crate) use affiliate_backend;
