//! The unique-click rule through the storage on both backends: batches whose visits are all of
//! different (program, key, visitor) may be decided in one statement (PostgreSQL), any other batch
//! by a lookup and then inserts; both must agree, across batches, commit groups and a restart.

mod common;
use common::{Backend, TestDb, backend_test};

use collector::admin::{self, ProgramSpec};
use collector::model::NewVisit;
use collector::program::ProgramKind;
use time::{Duration, OffsetDateTime};

fn visit(program_id: i64, key: &str, visitor: &str, at: OffsetDateTime) -> NewVisit {
    NewVisit {
        program_id,
        referral_key: key.to_owned(),
        visitor: visitor.to_owned(),
        format: "query".to_owned(),
        landing_url: "http://shop.test:3000/?ref=k".to_owned(),
        referrer: None,
        user_agent: None,
        ip_hash: "h".to_owned(),
        at,
    }
}

backend_test!(single_statement_and_lookup_batches_agree);
async fn single_statement_and_lookup_batches_agree(backend: Backend) {
    let db = TestDb::create(backend).await.expect("configured backend");
    let storage = collector::storage::open(&db.url).await.unwrap();
    let spec = ProgramSpec::new(ProgramKind::ReferAFriend, "Shop", "http://shop.test:3000");
    let a = admin::create_program(&*storage, spec)
        .await
        .unwrap()
        .program
        .id;
    let b = admin::create_program(
        &*storage,
        ProgramSpec::new(ProgramKind::ReferAFriend, "B", "http://b.test"),
    )
    .await
    .unwrap()
    .program
    .id;
    let t = collector::clock::now() - Duration::hours(30);

    // All distinct (one statement): the same key and visitor in two programs are two clicks.
    let flags = storage
        .record_visits(&[
            visit(a, "k", "v1", t),
            visit(b, "k", "v1", t),
            visit(a, "k", "v2", t),
        ])
        .await
        .unwrap();
    assert_eq!(flags, [true, true, true]);
    // One statement again, seeing the stored clicks: within 24 h only the new visitor is unique.
    let flags = storage
        .record_visits(&[
            visit(a, "k", "v1", t + Duration::hours(1)),
            visit(a, "k", "v3", t + Duration::hours(1)),
            visit(b, "j", "v1", t + Duration::hours(1)),
        ])
        .await
        .unwrap();
    assert_eq!(flags, [false, true, true]);
    // Duplicates in the batch (lookup, then inserts) after the stored ones expired.
    let flags = storage
        .record_visits(&[
            visit(a, "k", "v1", t + Duration::hours(25)),
            visit(a, "k", "v1", t + Duration::hours(25) + Duration::minutes(1)),
            visit(a, "k", "v3", t + Duration::hours(24)),
        ])
        .await
        .unwrap();
    assert_eq!(flags, [true, false, false]);
    // Many concurrent single-visit batches of one visitor and key: exactly one is unique,
    // whatever the batches' commit groups.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let storage = storage.clone();
        tasks.push(tokio::spawn(async move {
            storage
                .record_visits(&[visit(a, "burst", "v9", t + Duration::seconds(i))])
                .await
                .unwrap()[0]
        }));
    }
    let mut unique = 0;
    for task in tasks {
        unique += usize::from(task.await.unwrap());
    }
    assert_eq!(unique, 1);
    storage.close().await;

    // After a restart the stored clicks still decide.
    let storage = collector::storage::open(&db.url).await.unwrap();
    let flags = storage
        .record_visits(&[
            visit(a, "k", "v1", t + Duration::hours(26)),
            visit(a, "burst", "v9", t + Duration::hours(1)),
            visit(a, "burst", "v8", t + Duration::hours(1)),
        ])
        .await
        .unwrap();
    assert_eq!(flags, [false, false, true]);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM visits WHERE is_unique")
            .await,
        // 3 + 2 + 1 + 1 (burst) + 1 (v8)
        8
    );
    storage.close().await;
}
