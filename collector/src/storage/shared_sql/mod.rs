//! SQL and row mapping written once for both backends, expanded inside each backend's modules by
//! macros (as [`super::affiliate_sql`] does for the affiliate storage).

pub(crate) mod customers;
pub(crate) mod ledger;
pub(crate) mod programs;
pub(crate) mod rows;
pub(crate) mod storage_impl;
pub(crate) mod transactions;
pub(crate) mod visits;
pub(crate) mod webhooks;
