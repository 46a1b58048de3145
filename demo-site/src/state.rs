//! State shared by every shop handler.

use crate::partnero::PartneroClient;
use crate::snippet::Snippet;
use sqlx::SqlitePool;
use std::sync::Arc;

/// The shop's database, its referral API client, and what pages need to know about the site.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: SqlitePool,
    pub api: PartneroClient,
    pub site: Arc<SiteInfo>,
}

/// Facts about the running shop that pages render.
#[derive(Debug)]
pub struct SiteInfo {
    /// The shop's public URL, e.g. `http://shop.test:8080`.
    pub shop_url: String,
    /// The tracking snippet for every page's `<head>`.
    pub snippet: Snippet,
}
