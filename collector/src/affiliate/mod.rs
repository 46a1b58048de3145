//! The affiliate side: partners, referral links (owned by a partner or a customer), link domains,
//! short links, coupons, commissions and link analytics.
//!
//! Everything here is backend-neutral: records, validation, link rendering, commission rules and
//! analytics assembly. The SQL lives in `storage::affiliate_sql`, written once for both backends.

pub mod analytics;
pub mod commissions;
pub mod link_urls;
pub mod model;
pub mod short_codes;
pub mod views;
