//! The floor of the tracker load benchmark: what any tracker started by Partnero's snippet needs in
//! this browser, on this machine, at this latency, measured in the same run (as the ingest benchmark
//! measures a bare handler next to the collector).
//!
//! A second server on another loopback port serves the shop's landing page byte for byte, except
//! that its snippet points at this server, and, as the collector would, the tracker's real wasm
//! (precompressed, same headers) and the program's real settings document. Its `universal.js` is
//! the least a tracker can do: start both requests at once, compile the wasm while it streams in,
//! and write the referral cookie when both are there, with no logic at all. The difference between
//! a first visit of the real tracker and of this one is the time the tracker's own work costs.

use anyhow::{Context, Result};
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::net::SocketAddr;
use std::path::Path;
use tokio::net::TcpListener;

/// What the floor server serves: the landing page, the minimal loader, the wasm and the settings.
#[derive(Clone)]
struct Floor {
    page: String,
    loader: String,
    wasm_gz: Vec<u8>,
    settings: String,
}

/// A running floor server: the landing page at `page_url`.
pub struct FloorServer {
    pub page_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FloorServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The precompressed tracker wasm in `dist` (its content-hashed name and the `.gz` bytes).
fn tracker_wasm(dist: &Path) -> Result<(String, Vec<u8>)> {
    for entry in std::fs::read_dir(dist).with_context(|| format!("reading {}", dist.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("tracker.") && name.ends_with(".wasm") {
            let gz = std::fs::read(dist.join(format!("{name}.gz")))?;
            return Ok((name, gz));
        }
    }
    anyhow::bail!("no tracker wasm in {}", dist.display())
}

/// Starts the floor for the shop's landing page at `landing_url` (`http://shop.test:PORT/?..`),
/// whose snippet points at `collector_url`; the program's settings come from `settings_url`.
pub async fn start(
    landing_url: &str,
    collector_url: &str,
    settings_url: &str,
    program: &str,
) -> Result<FloorServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let landing = url::Url::parse(landing_url)?;
    let shop_host = landing
        .host_str()
        .context("landing URL without host")?
        .to_owned();
    let shop_port = landing.port().context("landing URL without port")?;
    // The shop's host name resolves to 127.0.0.1 only in the browser: tell reqwest too.
    let client = reqwest::Client::builder()
        .resolve(&shop_host, SocketAddr::from(([127, 0, 0, 1], shop_port)))
        .build()?;
    let page = client
        .get(landing_url)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let settings = client
        .get(settings_url)
        .header(header::ORIGIN, landing.origin().ascii_serialization())
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let base = format!("http://127.0.0.1:{}", addr.port());
    anyhow::ensure!(
        page.contains(collector_url),
        "the landing page has no snippet for {collector_url}"
    );
    let page = page.replace(collector_url, &base);
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../js/dist");
    let (wasm_name, wasm_gz) = tracker_wasm(&dist)?;
    let loader = format!(
        "(function(){{var b='{base}';Promise.all([\
         WebAssembly.instantiateStreaming(fetch(b+'/js/{wasm_name}'),{{}}),\
         fetch(b+'/pub/programs/{program}',{{credentials:'omit'}}).then(function(r){{return r.json()}})\
         ]).then(function(){{document.cookie='partnero_referral=bench_key; Max-Age=2592000; Path=/; SameSite=Lax'}})}})();"
    );
    let floor = Floor {
        page,
        loader,
        wasm_gz,
        settings,
    };
    let app = Router::new()
        .route("/", get(landing_page))
        .route("/js/universal.js", get(minimal_loader))
        .route(&format!("/js/{wasm_name}"), get(wasm))
        .route(&format!("/pub/programs/{program}"), get(program_settings))
        .with_state(floor);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("floor server: {e}");
        }
    });
    Ok(FloorServer {
        page_url: format!(
            "http://{shop_host}:{}{}?{}",
            addr.port(),
            landing.path(),
            landing.query().unwrap_or_default()
        ),
        task,
    })
}

type S = axum::extract::State<Floor>;

async fn landing_page(axum::extract::State(f): S) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], f.page)
}

async fn minimal_loader(axum::extract::State(f): S) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        f.loader,
    )
}

async fn wasm(axum::extract::State(f): S) -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/wasm"),
            ),
            (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        f.wasm_gz,
    )
}

async fn program_settings(axum::extract::State(f): S) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=60"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        f.settings,
    )
}
