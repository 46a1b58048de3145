//! Group commit for every SQLite write: one writer connection, one open transaction per group.
//!
//! Each write runs inside a `SAVEPOINT` of the group's transaction while holding the writer; `commit`
//! releases the savepoint and then either commits the whole group (when nobody else is queued for the
//! writer) or hands the writer on and waits until a later writer commits the group. So under load one
//! `fsync` covers many requests, and nobody is answered before its change is durable. A write that is
//! dropped without `commit` (an error path) is rolled back to its savepoint and does not affect the
//! others of its group.
//!
//! A write that changes the database with a single statement ([`WriteGate::begin_statement`], the
//! visit batches) needs no savepoint, which saves two round trips to the connection: SQLite undoes a
//! failed statement by itself. Such a write that is dropped without `commit` abandons its whole
//! group (nobody in the group has been answered yet, and all of them get an error).
//!
//! With a [`WalSyncer`] the `COMMIT` itself does not wait for the disk (`synchronous=NORMAL`): the
//! group is handed to the syncer, which answers it after `fdatasync` of the log, while the writer
//! already runs the next group.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use super::wal_sync::WalSyncer;

/// The writer connection and the group in progress.
#[derive(Default)]
struct Writer {
    conn: Option<PoolConnection<Sqlite>>,
    /// `BEGIN IMMEDIATE` was issued and not yet committed.
    open: bool,
    /// Writes released into the open group, waiting for its `COMMIT`.
    waiting: Vec<oneshot::Sender<Result<(), String>>>,
}

/// Serialises writers and groups their commits.
#[derive(Clone)]
pub(crate) struct WriteGate {
    pool: SqlitePool,
    writer: Arc<Mutex<Writer>>,
    queued: Arc<AtomicUsize>,
    /// Makes committed groups durable; `None` for an in-memory database (nothing to sync).
    syncer: Option<WalSyncer>,
}

/// One write in progress; derefs to the connection. Call [`WriteTx::commit`] to keep it.
pub(crate) struct WriteTx {
    guard: Option<OwnedMutexGuard<Writer>>,
    gate: WriteGate,
    /// The savepoint of this write is open.
    savepoint: bool,
    /// A single-statement write without a savepoint: dropping it abandons the group.
    statement: bool,
}

impl std::fmt::Debug for WriteGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteGate")
            .field("queued", &self.queued.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl WriteGate {
    pub(crate) fn new(pool: SqlitePool, syncer: Option<WalSyncer>) -> Self {
        Self {
            pool,
            writer: Arc::default(),
            queued: Arc::default(),
            syncer,
        }
    }

    /// Waits for the writer and opens a savepoint in the current group.
    ///
    /// Runs in its own task, so a caller that goes away mid-way cannot leave the writer half-set-up:
    /// the write it would have got is dropped, which rolls it back and ends its turn.
    pub(crate) async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let gate = self.clone();
        tokio::spawn(async move { gate.begin_here(false).await })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("write task failed: {e}")))?
    }

    /// [`WriteGate::begin`] for a write that changes the database with one statement (reads
    /// aside): no savepoint (SQLite rolls a failed statement back by itself); dropped without
    /// `commit`, it abandons the whole group.
    pub(crate) async fn begin_statement(&self) -> Result<WriteTx, sqlx::Error> {
        let gate = self.clone();
        tokio::spawn(async move { gate.begin_here(true).await })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("write task failed: {e}")))?
    }

    async fn begin_here(self, statement: bool) -> Result<WriteTx, sqlx::Error> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let guard = self.writer.clone().lock_owned().await;
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let mut write = WriteTx {
            guard: Some(guard),
            gate: self.clone(),
            savepoint: false,
            statement: false,
        };
        let writer = write.guard.as_mut().expect("just set");
        if writer.conn.is_none() {
            writer.conn = Some(self.pool.acquire().await?);
        }
        if !writer.open {
            let conn = writer.conn.as_mut().expect("acquired above");
            sqlx::query("BEGIN IMMEDIATE").execute(&mut **conn).await?;
            writer.open = true;
        }
        if statement {
            write.statement = true;
        } else {
            sqlx::query("SAVEPOINT write").execute(&mut *write).await?;
            write.savepoint = true;
        }
        Ok(write)
    }

    /// Gives the writer connection back to the pool (before the pool closes).
    pub(crate) async fn close(&self) {
        let mut writer = self.writer.lock().await;
        if writer.open {
            flush(&mut writer, self.syncer.as_ref()).await;
        }
        writer.conn = None;
    }
}

/// Commits the open group and answers everybody in it (through the syncer, when there is one).
async fn flush(writer: &mut Writer, syncer: Option<&WalSyncer>) {
    let result = match writer.conn.as_mut() {
        Some(conn) => sqlx::query("COMMIT")
            .execute(&mut **conn)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        None => Err("the writer connection is gone".to_owned()),
    };
    if result.is_err() {
        // Leave no half-open transaction behind; the connection is replaced on the next write.
        if let Some(conn) = writer.conn.as_mut() {
            let _ = sqlx::query("ROLLBACK").execute(&mut **conn).await;
        }
        writer.conn = None;
    }
    writer.open = false;
    let waiting = std::mem::take(&mut writer.waiting);
    match (result, syncer) {
        (Ok(()), Some(syncer)) => syncer.after_sync(waiting),
        (result, _) => {
            for done in waiting {
                let _ = done.send(result.clone());
            }
        }
    }
}

impl WriteTx {
    /// Keeps this write: returns once the group holding it is committed (durable).
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.commit_inner(None).await
    }

    /// [`WriteTx::commit`] that sends on `written` as soon as the writer is free for the next write,
    /// before this one is durable.
    pub(crate) async fn commit_signalling(
        self,
        written: oneshot::Sender<()>,
    ) -> Result<(), sqlx::Error> {
        self.commit_inner(Some(written)).await
    }

    async fn commit_inner(self, written: Option<oneshot::Sender<()>>) -> Result<(), sqlx::Error> {
        // In its own task, so the group is committed and answered even if the caller goes away.
        tokio::spawn(self.commit_here(written))
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("write task failed: {e}")))?
    }

    async fn commit_here(
        mut self,
        written: Option<oneshot::Sender<()>>,
    ) -> Result<(), sqlx::Error> {
        if self.savepoint {
            sqlx::query("RELEASE SAVEPOINT write")
                .execute(&mut *self)
                .await?;
            self.savepoint = false;
        }
        self.statement = false;
        let mut guard = self.guard.take().expect("a live write");
        let (done, committed) = oneshot::channel();
        guard.waiting.push(done);
        finish(guard, &self.gate).await;
        if let Some(written) = written {
            let _ = written.send(());
        }
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(cause)) => Err(sqlx::Error::Protocol(format!("commit failed: {cause}"))),
            Err(_) => Err(sqlx::Error::PoolClosed),
        }
    }
}

/// Ends one writer's turn: commit the group now unless another writer is queued to continue it.
/// A writer that queues after the check finds the group committed and starts a new one; one that
/// queued before it continues the group and commits it when its own turn ends.
async fn finish(mut guard: OwnedMutexGuard<Writer>, gate: &WriteGate) {
    if gate.queued.load(Ordering::SeqCst) == 0 && guard.open {
        flush(&mut guard, gate.syncer.as_ref()).await;
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        let gate = self.gate.clone();
        let savepoint = self.savepoint;
        let statement = self.statement;
        // Not committed: undo this write only, then end the turn (which may commit earlier writes).
        tokio::spawn(async move {
            let undone = match guard.conn.as_mut() {
                // Its statement may have succeeded: only abandoning the group undoes it.
                Some(_) if statement => false,
                Some(conn) if savepoint => sqlx::query("ROLLBACK TO SAVEPOINT write")
                    .execute(&mut **conn)
                    .await
                    .and(
                        sqlx::query("RELEASE SAVEPOINT write")
                            .execute(&mut **conn)
                            .await,
                    )
                    .is_ok(),
                _ => true,
            };
            if !undone {
                // The connection is in an unknown state: abandon the whole group (nobody in it
                // has been answered yet) and start afresh with a new connection.
                if let Some(conn) = guard.conn.as_mut() {
                    let _ = sqlx::query("ROLLBACK").execute(&mut **conn).await;
                }
                guard.open = false;
                guard.conn = None;
                for done in guard.waiting.drain(..) {
                    let _ = done.send(Err("the write group was rolled back".to_owned()));
                }
            }
            finish(guard, &gate).await;
        });
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        self.guard
            .as_ref()
            .and_then(|g| g.conn.as_deref())
            .expect("a live write has the connection")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.guard
            .as_mut()
            .and_then(|g| g.conn.as_deref_mut())
            .expect("a live write has the connection")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
    use std::str::FromStr;

    async fn gate(synced_outside: bool) -> (tempfile::TempDir, SqlitePool, WriteGate) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("g.db");
        let url = format!("sqlite://{}", file.display());
        let options = SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER PRIMARY KEY, n INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        let syncer = synced_outside.then(|| WalSyncer::start(&file).unwrap());
        let gate = WriteGate::new(pool.clone(), syncer);
        (dir, pool, gate)
    }

    /// Concurrent writes share commits; a failed write (unique violation) or an abandoned one undoes
    /// only itself; every write whose commit returned Ok is stored, and nothing else.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn failed_and_abandoned_writes_do_not_affect_their_group() {
        for synced_outside in [false, true] {
            groups_keep_exactly_the_committed_writes(synced_outside).await;
        }
    }

    /// With a syncer, `commit` (and `commit_signalling`) report the outcome of the log sync: here
    /// the files are gone, so the sync fails and so does the commit, although `written` was sent.
    #[tokio::test]
    async fn commit_waits_for_the_log_sync() {
        let (dir, _pool, gate) = gate(true).await;
        let mut w = gate.begin().await.unwrap();
        sqlx::query("INSERT INTO t (x, n) VALUES (1, 1)")
            .execute(&mut *w)
            .await
            .unwrap();
        w.commit().await.unwrap();
        for file in ["g.db", "g.db-wal"] {
            std::fs::remove_file(dir.path().join(file)).unwrap();
        }
        let mut w = gate.begin().await.unwrap();
        sqlx::query("INSERT INTO t (x, n) VALUES (2, 2)")
            .execute(&mut *w)
            .await
            .unwrap();
        let (written, was_written) = oneshot::channel();
        let error = w.commit_signalling(written).await.unwrap_err();
        assert!(
            error.to_string().contains("syncing the database log"),
            "{error}"
        );
        assert!(was_written.await.is_ok());
    }

    /// A write of one statement has no savepoint: committed, it is kept; dropped after its
    /// statement ran, it abandons its group, so none of it is stored and the next write starts a
    /// new group.
    #[tokio::test]
    async fn dropped_statement_writes_abandon_their_group() {
        let (_dir, pool, gate) = gate(true).await;
        for (x, keep) in [(1_i64, true), (2, false), (3, true)] {
            let mut w = gate.begin_statement().await.unwrap();
            sqlx::query("INSERT INTO t (x, n) VALUES (?, ?)")
                .bind(x)
                .bind(x)
                .execute(&mut *w)
                .await
                .unwrap();
            if keep {
                w.commit().await.unwrap();
            } else {
                drop(w);
            }
        }
        gate.close().await;
        let stored: Vec<i64> = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(stored, [1, 3]);
    }

    async fn groups_keep_exactly_the_committed_writes(synced_outside: bool) {
        let (_dir, pool, gate) = gate(synced_outside).await;
        let mut tasks = Vec::new();
        for i in 0..200_i64 {
            let gate = gate.clone();
            tasks.push(tokio::spawn(async move {
                let mut w = gate.begin().await.unwrap();
                sqlx::query("INSERT INTO t (x, n) VALUES (?, ?)")
                    .bind(i % 100)
                    .bind(i)
                    .execute(&mut *w)
                    .await?;
                if i % 7 == 0 {
                    // Abandoned after writing: must be rolled back.
                    drop(w);
                    return Ok::<Option<i64>, sqlx::Error>(None);
                }
                w.commit().await?;
                Ok(Some(i))
            }));
        }
        let mut committed = Vec::new();
        for t in tasks {
            if let Ok(Some(i)) = t.await.unwrap() {
                committed.push(i);
            }
        }
        gate.close().await;
        let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT x, n FROM t ORDER BY x")
            .fetch_all(&pool)
            .await
            .unwrap();
        let mut stored: Vec<i64> = rows.iter().map(|(_, n)| *n).collect();
        stored.sort_unstable();
        committed.sort_unstable();
        assert_eq!(stored, committed);
        assert!(rows.iter().all(|(x, n)| n % 100 == *x && n % 7 != 0));
        assert!(committed.len() >= 80, "{}", committed.len());
    }
}
