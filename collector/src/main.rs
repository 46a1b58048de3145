//! The `collector` binary.

use clap::Parser;
use collector::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_new(&cli.config.log_filter).unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        None | Some(Command::Serve) => serve(cli.config).await,
        Some(command) => {
            let output = collector::cli::run_admin(&cli.config, command).await?;
            println!("{output}");
            Ok(())
        }
    }
}

async fn serve(config: collector::Config) -> anyhow::Result<()> {
    let running = collector::start(config).await?;
    println!("listening on {}", running.base_url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
