//! The `collector` binary.

use anyhow::Context;
use clap::Parser;
use collector::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.config.log_filter)
        .with_context(|| format!("invalid --log-filter {:?}", cli.config.log_filter))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
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
    tracing::info!("shutting down (a second signal stops at once)");
    // The handlers above replaced the default ones, so a second signal must end the process here.
    tokio::spawn(async {
        shutdown_signal().await;
        eprintln!("second signal: stopping without finishing the shutdown");
        std::process::exit(130);
    });
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
