//! Durability for committed write groups, outside the writer lock.
//!
//! The database runs in WAL mode with `synchronous=NORMAL`: a `COMMIT` appends the group's frames
//! to the `-wal` file without waiting for the disk, and SQLite still syncs the main file before each
//! checkpoint lets the log be reused. Before anybody in a committed group is answered, this syncer
//! calls `fdatasync` on the `-wal` file, which makes that commit (and every earlier one) durable
//! against power loss, exactly as `synchronous=FULL` would. Because the sync runs here and not under
//! the writer lock, the next group executes while the previous one is being synced, and one sync
//! covers every group committed before it started.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use tokio::sync::{mpsc, oneshot};

/// The writes of one committed group, answered once the group is on disk.
pub(crate) type Waiters = Vec<oneshot::Sender<Result<(), String>>>;

/// Hands committed groups to the sync task.
#[derive(Debug, Clone)]
pub(crate) struct WalSyncer {
    groups: mpsc::UnboundedSender<Waiters>,
}

impl WalSyncer {
    /// Starts the sync task for the database file at `database` (its log is `<database>-wal`).
    ///
    /// Syncs the database's directory once first, so the log file's directory entry is durable.
    pub(crate) fn start(database: &Path) -> io::Result<Self> {
        if let Some(dir) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let database = database.to_path_buf();
        let (groups, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(receiver, wal, database));
        Ok(Self { groups })
    }

    /// Answers `waiters` once everything committed so far is on disk.
    pub(crate) fn after_sync(&self, waiters: Waiters) {
        if let Err(mpsc::error::SendError(waiters)) = self.groups.send(waiters) {
            for done in waiters {
                let _ = done.send(Err("the database is closing".to_owned()));
            }
        }
    }
}

async fn run(mut receiver: mpsc::UnboundedReceiver<Waiters>, wal: PathBuf, database: PathBuf) {
    while let Some(mut waiting) = receiver.recv().await {
        // Everything queued now was committed before this sync starts, so one sync covers it all.
        while let Ok(more) = receiver.try_recv() {
            waiting.extend(more);
        }
        let (wal, database) = (wal.clone(), database.clone());
        let result = tokio::task::spawn_blocking(move || sync_log(&wal, &database))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| format!("syncing the database log: {e}")));
        if let Err(error) = &result {
            tracing::error!(%error, "committed writes could not be made durable");
        }
        for done in waiting {
            let _ = done.send(result.clone());
        }
    }
}

/// `fdatasync` of the log; when the log is gone (the last connection checkpointed it into the main
/// file and removed it), of the main file instead.
fn sync_log(wal: &Path, database: &Path) -> io::Result<()> {
    match File::open(wal) {
        Ok(file) => file.sync_data(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => File::open(database)?.sync_data(),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every group is answered after a sync; a missing log falls back to the main file.
    #[tokio::test]
    async fn answers_groups_after_syncing() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("d.db");
        std::fs::write(&db, b"x").unwrap();
        let syncer = WalSyncer::start(&db).unwrap();
        let mut answers = Vec::new();
        for _ in 0..3 {
            let (done, answer) = oneshot::channel();
            syncer.after_sync(vec![done]);
            answers.push(answer);
        }
        std::fs::write(dir.path().join("d.db-wal"), b"frames").unwrap();
        let (done, answer) = oneshot::channel();
        syncer.after_sync(vec![done]);
        answers.push(answer);
        for answer in answers {
            assert_eq!(answer.await.unwrap(), Ok(()));
        }
        std::fs::remove_file(&db).unwrap();
        std::fs::remove_file(dir.path().join("d.db-wal")).unwrap();
        let (done, answer) = oneshot::channel();
        syncer.after_sync(vec![done]);
        assert!(
            answer.await.unwrap().is_err(),
            "nothing to sync is an error"
        );
    }
}
