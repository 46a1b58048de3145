//! The demo shop: a small store that integrates the referral program exactly as the refer-a-friend guide
//! tells a site to (tracking snippet on every page, `POST /v1/customers` at sign-up with the
//! `partnero_referral` cookie, `POST /v1/transactions` at purchase, a "my referrals" page read from the
//! API), plus the in-process collector it talks to.
//!
//! [`start`] runs both on the configured ports and bootstraps the demo program; tests use it with port 0.

pub mod app;
pub mod bootstrap;
pub mod config;
pub mod current_user;
pub mod db;
pub mod error;
pub mod orders;
pub mod pages;
pub mod partnero;
pub mod products;
pub mod referral_cookie;
pub mod running;
pub mod sessions;
pub mod shop_server;
pub mod snippet;
pub mod state;
pub mod users;

pub use config::{Attribution, DemoConfig, DemoProgramOptions, ProgramType, UrlFormat};
pub use running::{Running, start};
