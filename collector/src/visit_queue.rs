//! Group commit for visits: handlers queue a visit with a oneshot, one writer task cuts the queue
//! into batches, each recorded in a single database transaction and acknowledged once durable.
//! The next batch is cut as soon as the previous one is written, so it is written while the
//! previous one is still being made durable, and it holds every visit that arrived meanwhile.

use std::sync::Arc;

use tokio::sync::{Notify, Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::AppError;
use crate::model::NewVisit;
use crate::storage::Storage;

/// Queued visits waiting for the writer.
const QUEUE_CAPACITY: usize = 16_384;

/// Written batches that may wait for durability at the same time.
const BATCHES_IN_FLIGHT: u32 = 16;

struct Job {
    visit: NewVisit,
    done: oneshot::Sender<Result<bool, String>>,
}

/// The handlers' side: queue a visit and wait until it is durable.
#[derive(Clone)]
pub struct VisitQueue {
    jobs: mpsc::Sender<Job>,
}

/// The writer task; shut it down after the server stopped accepting requests.
pub struct VisitWriter {
    handle: JoinHandle<()>,
    shutdown: Arc<Notify>,
}

/// Starts the writer task.
pub fn spawn(storage: Arc<dyn Storage>, max_batch: usize) -> (VisitQueue, VisitWriter) {
    let (jobs, receiver) = mpsc::channel(QUEUE_CAPACITY);
    let shutdown = Arc::new(Notify::new());
    let handle = tokio::spawn(run(storage, receiver, max_batch.max(1), shutdown.clone()));
    (VisitQueue { jobs }, VisitWriter { handle, shutdown })
}

impl VisitQueue {
    /// Records a visit; returns whether it was a unique click, once it is committed.
    pub async fn record(&self, visit: NewVisit) -> Result<bool, AppError> {
        let (done, committed) = oneshot::channel();
        self.jobs
            .send(Job { visit, done })
            .await
            .map_err(|_| AppError::unavailable("The collector is shutting down."))?;
        match committed.await {
            Ok(Ok(unique)) => Ok(unique),
            Ok(Err(cause)) => Err(AppError::internal(cause)),
            Err(_) => Err(AppError::unavailable("The collector is shutting down.")),
        }
    }
}

impl VisitWriter {
    /// Stops accepting visits, commits everything already queued and waits for the task.
    pub async fn shutdown(self) {
        self.shutdown.notify_one();
        if let Err(error) = self.handle.await {
            tracing::error!(%error, "visit writer task failed");
        }
    }
}

async fn run(
    storage: Arc<dyn Storage>,
    mut receiver: mpsc::Receiver<Job>,
    max_batch: usize,
    shutdown: Arc<Notify>,
) {
    let in_flight = Arc::new(Semaphore::new(BATCHES_IN_FLIGHT as usize));
    let mut closing = false;
    loop {
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            break;
        };
        let first = if closing {
            receiver.recv().await
        } else {
            tokio::select! {
                job = receiver.recv() => job,
                () = shutdown.notified() => {
                    // New sends fail from now on; what is queued is still drained below.
                    receiver.close();
                    closing = true;
                    continue;
                }
            }
        };
        let Some(first) = first else { break };
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let storage = storage.clone();
        let (written, next) = oneshot::channel();
        tokio::spawn(async move {
            record_batch(&*storage, batch, written).await;
            drop(permit);
        });
        // Visits that arrive while this batch is written join the next one.
        let _ = next.await;
    }
    // Wait for the batches still in flight.
    let _ = in_flight.acquire_many(BATCHES_IN_FLIGHT).await;
    tracing::debug!("visit writer stopped");
}

/// Records one batch and answers each of its visits.
async fn record_batch(storage: &dyn Storage, batch: Vec<Job>, written: oneshot::Sender<()>) {
    let (visits, waiters): (Vec<NewVisit>, Vec<_>) =
        batch.into_iter().map(|job| (job.visit, job.done)).unzip();
    match storage.record_visits_signalling(&visits, written).await {
        Ok(unique) => {
            for (done, unique) in waiters.into_iter().zip(unique) {
                let _ = done.send(Ok(unique));
            }
        }
        Err(error) => {
            tracing::error!(%error, count = visits.len(), "committing visits failed");
            for done in waiters {
                let _ = done.send(Err(error.to_string()));
            }
        }
    }
}
