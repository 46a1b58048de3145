//! Visits (PostgreSQL; written once in [`crate::storage::shared_sql::visits`]).

use sqlx::{Postgres, Transaction};

crate::storage::shared_sql::visits::visits_sql!(super::PostgresStorage, sqlx::Postgres);

/// One `INSERT .. SELECT .. RETURNING` per batch of distinct visitors: one round trip less, and
/// the server sends the returned rows in one go.
const ONE_STATEMENT: bool = true;

/// The batch as one array parameter per column, so the statement's text is the same whatever the
/// batch's size and stays prepared on each connection.
fn push_batch(query: &mut QueryBuilder<Postgres>, visits: &[NewVisit]) {
    fn column<'a, T>(visits: &'a [NewVisit], f: impl Fn(&'a NewVisit) -> T) -> Vec<T> {
        visits.iter().map(f).collect()
    }
    query.push("SELECT * FROM UNNEST(");
    query.push_bind(column(visits, |v| v.program_id));
    query.push("::int8[], ");
    query.push_bind(column(visits, |v| v.referral_key.as_str()));
    query.push("::text[], ");
    query.push_bind(column(visits, |v| v.visitor.as_str()));
    query.push("::text[], ");
    query.push_bind(column(visits, |v| v.format.as_str()));
    query.push("::text[], ");
    query.push_bind(column(visits, |v| v.landing_url.as_str()));
    query.push("::text[], ");
    query.push_bind(column(visits, |v| v.referrer.as_deref()));
    query.push("::text[], ");
    query.push_bind(column(visits, |v| v.user_agent.as_deref()));
    query.push("::text[], ");
    query.push_bind(column(visits, |v| v.ip_hash.as_str()));
    query.push("::text[], ");
    query.push_bind(column(visits, |v| clock::to_micros(v.at)));
    query.push("::int8[])");
}

/// Commits a batch; `written` goes out first, so the next batch starts on another connection while
/// this one commits.
async fn commit_batch(
    tx: Transaction<'static, Postgres>,
    written: oneshot::Sender<()>,
) -> StorageResult<()> {
    let _ = written.send(());
    tx.commit().await.map_err(backend)
}
