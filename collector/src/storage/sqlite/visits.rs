//! Visits (SQLite; written once in [`crate::storage::shared_sql::visits`]).

use super::write_gate::WriteTx;

crate::storage::shared_sql::visits::visits_sql!(super::SqliteStorage, sqlx::Sqlite);

/// No single `INSERT .. RETURNING` per batch: SQLite hands each returned row to the async side one
/// by one, which costs more than a lookup that returns only the stored unique clicks (usually none).
const ONE_STATEMENT: bool = false;

/// The batch as a `VALUES` list (SQLite has no array parameters).
fn push_batch(query: &mut QueryBuilder<sqlx::Sqlite>, visits: &[NewVisit]) {
    query.push_values(visits, |mut row, visit| {
        row.push_bind(visit.program_id)
            .push_bind(visit.referral_key.as_str())
            .push_bind(visit.visitor.as_str())
            .push_bind(visit.format.as_str())
            .push_bind(visit.landing_url.as_str())
            .push_bind(visit.referrer.as_deref())
            .push_bind(visit.user_agent.as_deref())
            .push_bind(visit.ip_hash.as_str())
            .push_bind(clock::to_micros(visit.at));
    });
}

/// Commits a batch; `written` goes out as soon as the writer is free for the next one.
async fn commit_batch(tx: WriteTx, written: oneshot::Sender<()>) -> StorageResult<()> {
    tx.commit_signalling(written).await.map_err(backend)
}

#[cfg(test)]
mod tests {
    use crate::admin::{ProgramSpec, create_program};
    use crate::model::NewVisit;
    use crate::program::ProgramKind;
    use time::Duration;

    fn visit(program_id: i64, key: &str, visitor: &str, at: time::OffsetDateTime) -> NewVisit {
        NewVisit {
            program_id,
            referral_key: key.to_owned(),
            visitor: visitor.to_owned(),
            format: "query".to_owned(),
            landing_url: "https://a.test/?ref=k".to_owned(),
            referrer: None,
            user_agent: None,
            ip_hash: "h".to_owned(),
            at,
        }
    }

    /// Uniqueness holds within one batch, across batches, and expires after 24 h.
    #[tokio::test]
    async fn unique_clicks_within_and_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let storage = crate::storage::open(&url).await.unwrap();
        let spec = ProgramSpec::new(ProgramKind::ReferAFriend, "A", "https://a.test");
        let id = create_program(&*storage, spec).await.unwrap().program.id;
        let t = crate::clock::now() - Duration::hours(30);
        let first = storage
            .record_visits(&[
                visit(id, "k", "v1", t),
                visit(id, "k", "v1", t + Duration::minutes(1)),
                visit(id, "k", "v2", t),
                visit(id, "j", "v1", t),
            ])
            .await
            .unwrap();
        assert_eq!(first, [true, false, true, true]);
        let second = storage
            .record_visits(&[
                visit(id, "k", "v1", t + Duration::hours(23)),
                visit(id, "k", "v1", t + Duration::hours(25)),
                visit(id, "k", "v1", t + Duration::hours(26)),
            ])
            .await
            .unwrap();
        assert_eq!(second, [false, true, false]);
        let large: Vec<NewVisit> = (0..2500)
            .map(|i| {
                visit(
                    id,
                    "big",
                    &format!("v{}", i % 1200),
                    t + Duration::seconds(i),
                )
            })
            .collect();
        let flags = storage.record_visits(&large).await.unwrap();
        assert_eq!(flags.iter().filter(|u| **u).count(), 1200);
        storage.close().await;
    }
}
