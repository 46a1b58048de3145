//! Serving the shop on a bound listener, with graceful shutdown.

use crate::app::app;
use crate::state::AppState;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The running shop server.
#[derive(Debug)]
pub struct ShopServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl ShopServer {
    /// Starts serving `state` on `listener` in a background task.
    pub fn spawn(listener: TcpListener, state: AppState) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app(state))
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(ShopServer {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// Stops accepting connections and waits for open requests to finish.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await??;
        Ok(())
    }
}
