//! Test databases for both backends: a SQLite file in a temp dir, or a PostgreSQL database
//! created on the server named by `TEST_DATABASE_URL` and dropped again when the test ends.

use std::sync::Once;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection};

/// The storage backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// The PostgreSQL admin URL, or `None` (after a one-line notice) when the PostgreSQL variants
/// should be skipped. Under `CI=true` a missing `TEST_DATABASE_URL` fails the test instead.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("CI=true: TEST_DATABASE_URL must be set for the PostgreSQL tests")
        }
        _ => {
            eprintln!("skipping PostgreSQL: TEST_DATABASE_URL is not set");
            None
        }
    }
}

/// Names start with this prefix, then the creation time in Unix seconds.
const NAME_PREFIX: &str = "collector_test_";

/// Stale test databases (left by killed test runs) are dropped after this many seconds.
const STALE_AFTER_SECS: u64 = 3600;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `admin_url` with its database path replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (before_query, query) = match admin_url.split_once('?') {
        Some((head, query)) => (head, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = before_query.find("://").map_or(0, |i| i + 3);
    let host_end = before_query[scheme_end..]
        .find('/')
        .map_or(before_query.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &before_query[..host_end])
}

/// One database, removed on drop.
pub struct TestDb {
    /// What the collector connects to.
    pub url: String,
    /// Which backend this is.
    pub backend: Backend,
    /// The SQLite file's directory.
    _dir: Option<tempfile::TempDir>,
    /// The admin URL and the database name, to drop it.
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A new, empty database; `None` when PostgreSQL is not configured (outside CI).
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("collector.db").display());
                Some(Self {
                    url,
                    backend,
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to TEST_DATABASE_URL: {e}"));
                static CLEAN_STALE: Once = Once::new();
                let mut first = false;
                CLEAN_STALE.call_once(|| first = true);
                if first {
                    drop_stale(&mut admin).await;
                }
                let name = format!(
                    "{NAME_PREFIX}{}_{}",
                    unix_now(),
                    uuid::Uuid::new_v4().simple()
                );
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut admin)
                    .await
                    .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
                let _ = admin.close().await;
                Some(Self {
                    url: with_database(&admin_url, &name),
                    backend,
                    _dir: None,
                    postgres: Some((admin_url, name)),
                })
            }
        }
    }

    /// Runs a query returning one text column; returns every row's value.
    pub async fn strings(&self, sql: &'static str) -> Vec<String> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect");
                let values = sqlx::query_scalar(sql)
                    .fetch_all(&mut conn)
                    .await
                    .expect(sql);
                let _ = conn.close().await;
                values
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.expect("connect");
                let values = sqlx::query_scalar(sql)
                    .fetch_all(&mut conn)
                    .await
                    .expect(sql);
                let _ = conn.close().await;
                values
            }
        }
    }

    /// Runs a statement (test set-up such as backdating rows).
    pub async fn execute(&self, sql: &'static str) {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query(sql).execute(&mut conn).await.expect(sql);
                let _ = conn.close().await;
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.expect("connect");
                sqlx::query(sql).execute(&mut conn).await.expect(sql);
                let _ = conn.close().await;
            }
        }
    }

    /// Runs a `SELECT COUNT(*) ...` (or any single-integer query) on the database.
    pub async fn count(&self, sql: &'static str) -> i64 {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect");
                let value = sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect(sql);
                let _ = conn.close().await;
                value
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.expect("connect");
                let value = sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect(sql);
                let _ = conn.close().await;
                value
            }
        }
    }
}

/// Drops `collector_test_<secs>_*` databases created more than an hour ago.
async fn drop_stale(admin: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'collector\\_test\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    let cutoff = unix_now().saturating_sub(STALE_AFTER_SECS);
    for name in names {
        let created = name
            .strip_prefix(NAME_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|secs| secs < cutoff) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut *admin)
            .await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop may run inside a runtime (or while panicking): use a thread with its own runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .map_err(|e| e.to_string())?;
                let _ = admin.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop a test database: {error}");
        }
    }
}

/// Generates `NAME::sqlite` and `NAME::postgres` tests that call `async fn NAME(backend: Backend)`;
/// `backend_test!(NAME, multi_thread)` runs them on a multi-threaded runtime.
#[allow(unused_macros)]
macro_rules! backend_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::common::postgres_admin_url().is_some() {
                    super::$name($crate::common::Backend::Postgres).await;
                }
            }
        }
    };
    ($name:ident, multi_thread) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if $crate::common::postgres_admin_url().is_some() {
                    super::$name($crate::common::Backend::Postgres).await;
                }
            }
        }
    };
}
pub(crate) use backend_test;
