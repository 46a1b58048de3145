//! `cargo run -p demo-site`: starts the collector and the demo shop, bootstraps the demo program, prints
//! the URLs to open, and stops gracefully on Ctrl-C / SIGTERM.

use clap::Parser;
use demo_site::{DemoConfig, bootstrap, running};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = DemoConfig::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .init();
    let data_dir = config.data_dir.clone();
    let running = demo_site::start(config).await?;

    println!();
    println!("  Demo shop:        {}", running.shop_url);
    println!("  Collector:        {}", running.collector_url);
    println!("  Program id:       {}", running.program.public_id);
    println!(
        "  API key:          saved in {}",
        bootstrap::program_file(&data_dir).display()
    );
    if let Some(link) = &running.example_referral_link {
        println!("  Referral link:    {link}");
        println!(
            "                    (of the demo referrer; log in as {} to see their rewards)",
            running::DEMO_REFERRER_EMAIL
        );
    }
    println!();
    println!(
        "  Open the referral link in a private window, sign up, buy a plan, then log in as the"
    );
    println!("  referrer and open \"My referrals\". Press Ctrl-C to stop.");
    println!();

    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
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
        () = ctrl_c => {},
        () = terminate => {},
    }
}
