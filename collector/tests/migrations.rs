//! Upgrades and rollbacks of the schema on both backends: a database migrated with the first text
//! of migration 3 starts and ends with today's schema, and a database migrated by a newer build
//! (an applied migration this build does not know) still starts.

mod common;
use common::{Backend, TestDb, backend_test};

/// The checksum of migration 3's first text, as a SQL literal of each backend.
fn first_0003_checksum(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "UPDATE _sqlx_migrations SET checksum = X'434f2736548ff0c5431e2485079078632e1397b95a720aa0f96163786f01603a90c3d6093bebf46bb7753566aa986432' WHERE version = 3"
        }
        Backend::Postgres => {
            "UPDATE _sqlx_migrations SET checksum = '\\xbf37bcb71b4e3ffbe82a3982f81c6845d1e579b7b72b9d8fd98abfbc2b683d78c41b7134714d890929ca2b1ec3866a64'::bytea WHERE version = 3"
        }
    }
}

/// The definition of the short-click index, as the backend reports it.
async fn short_index(db: &TestDb) -> String {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT sql FROM sqlite_master WHERE name = 'visits_short'",
        Backend::Postgres => "SELECT indexdef FROM pg_indexes WHERE indexname = 'visits_short'",
    };
    db.strings(sql).await.concat()
}

/// Opens the database (running the migrations) and closes it again.
async fn open_and_close(db: &TestDb) {
    let storage = collector::storage::open(&db.url)
        .await
        .expect("the database opens");
    storage.close().await;
}

backend_test!(a_database_from_the_first_0003_is_upgraded);
async fn a_database_from_the_first_0003_is_upgraded(backend: Backend) {
    let db = TestDb::create(backend).await.expect("configured backend");
    open_and_close(&db).await;
    // Put the database back into the state the first text of 0003 left: a full index, its
    // checksum, and no migration 4.
    db.execute(first_0003_checksum(backend)).await;
    db.execute("DELETE FROM _sqlx_migrations WHERE version = 4")
        .await;
    db.execute("DROP INDEX visits_short").await;
    db.execute(
        "CREATE INDEX visits_short ON visits (program_id, referral_key, ip_hash, created_at)",
    )
    .await;
    assert!(!short_index(&db).await.to_lowercase().contains("where"));

    let storage = collector::storage::open(&db.url)
        .await
        .expect("a database migrated with the first 0003 starts");
    storage.close().await;
    let index = short_index(&db).await.to_lowercase();
    assert!(
        index.contains("where") && index.contains("short"),
        "{index}"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM _sqlx_migrations WHERE version = 4")
            .await,
        1
    );
    // And it starts again with nothing left to do.
    open_and_close(&db).await;
}

backend_test!(an_older_build_starts_after_a_newer_one_migrated);
async fn an_older_build_starts_after_a_newer_one_migrated(backend: Backend) {
    let db = TestDb::create(backend).await.expect("configured backend");
    open_and_close(&db).await;
    let newer = match backend {
        Backend::Sqlite => {
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'from a newer build', 1, X'00', 1)"
        }
        Backend::Postgres => {
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'from a newer build', true, '\\x00'::bytea, 1)"
        }
    };
    db.execute(newer).await;
    // An applied migration from a newer build is ignored.
    open_and_close(&db).await;
}

/// A changed migration that is not a known edit still stops the start (the checks stay on).
#[tokio::test]
async fn an_unknown_edit_is_still_refused() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    open_and_close(&db).await;
    db.execute("UPDATE _sqlx_migrations SET checksum = X'00' WHERE version = 2")
        .await;
    let error = collector::storage::open(&db.url).await.err().unwrap();
    assert!(format!("{error:#}").contains("migration"), "{error:#}");
}
