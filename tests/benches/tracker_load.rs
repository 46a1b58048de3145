//! Tracker load benchmark: in headless Chromium, the time from the snippet running to the referral
//! cookie being written, on a first visit (fresh profile: empty cache, no cookies, no open
//! connections) and a repeat visit (warm cache, cookie deleted), at 0 ms and 100 ms of emulated
//! round-trip latency (DevTools protocol network emulation).
//!
//! Each sample also measures the floor (`tracker_load/floor.rs`): the same landing page with a
//! tracker that does nothing but fetch the same wasm and settings at once and write the cookie. The
//! floor is what the browser, the machine and the snippet's two round trips cost whatever the
//! tracker does; `first visit - floor` is the tracker's own time.
//!
//! `cargo bench -p e2e --bench tracker_load` (or `cargo xtask bench`). `BENCH_SAMPLES` (default 5) sets
//! the samples per case; the median is reported. The target is first visit ≤ 2 round trips + 10 ms.
//! `BENCH_TIMELINE=1` also prints, for each first visit, where the time went: when each request the
//! tracker made (loader, wasm, settings) started and ended (Resource Timing), relative to the snippet.
//!
//! Timing is taken inside the page: a script injected before any page script (CDP
//! `Page.addScriptToEvaluateOnNewDocument`) notes `performance.now()` when the snippet defines `po`, and
//! again when a write of `partnero_referral` has made it appear in `document.cookie`.

use anyhow::{Context, Result, bail};
use demo_site::DemoProgramOptions;
use e2e::browser::Browser;
use e2e::chromedriver::ChromeDriver;
use e2e::shop::Shop;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[path = "tracker_load/floor.rs"]
mod floor;

/// Injected before every document: timestamps the snippet and the cookie write.
const TIMING_HOOK: &str = r#"
(() => {
  let po;
  Object.defineProperty(window, 'po', {
    configurable: true,
    get() { return po; },
    set(v) { if (window.__t0 === undefined) window.__t0 = performance.now(); po = v; },
  });
  const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get() { return d.get.call(document); },
    set(v) {
      d.set.call(document, v);
      // Read back only after a write of the referral cookie, so that timing adds no cookie reads.
      if (window.__t1 === undefined && /^\s*partnero_referral=[^;]/.test(v) &&
          /(^|; )partnero_referral=/.test(d.get.call(document))) {
        window.__t1 = performance.now();
      }
    },
  });
  // Marks for BENCH_TIMELINE: when the loader started, when the wasm was ready, long tasks.
  const marks = (window.__marks = []);
  const mark = (name) => marks.push([name, performance.now()]);
  const instantiate = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = function () {
    mark('loader runs');
    return instantiate.apply(this, arguments).then((r) => (mark('wasm ready'), r));
  };
  const json = Response.prototype.json;
  Response.prototype.json = function () {
    return json.apply(this, arguments).then((r) => (mark('settings parsed'), r));
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) marks.push(['long task ' + e.duration.toFixed(0) + ' ms', e.startTime]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (_) {}
})();
"#;

/// `POST /session/{id}/goog/cdp/execute`: one Chrome DevTools protocol command through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params }).to_string();
        (http::Method::POST, Some(body))
    }
}

async fn cdp(browser: &Browser, cmd: &'static str, params: Value) -> Result<Value> {
    browser
        .client
        .issue_cmd(Cdp { cmd, params })
        .await
        .with_context(|| format!("CDP {cmd}"))
}

/// The requests of the page as `[name, start, end]` in ms since the snippet ran (Resource Timing),
/// then the marks of the timing hook and the first paint as `[name, at]`.
const TIMELINE: &str = r#"
const t0 = window.__t0;
return performance.getEntriesByType('resource')
  .filter((e) => /universal|\.wasm|pub\//.test(e.name))
  .map((e) => [e.name.replace(/^.*\/(?=[^/]+$)|\?.*$/g, ''), e.startTime - t0, e.responseEnd - t0])
  .concat(window.__marks.map(([n, t]) => [n, t - t0]))
  .concat(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime - t0]));
"#;

/// Opens `url` and returns the milliseconds from the snippet running to the cookie being written.
async fn measure(browser: &Browser, url: &str, timeline: bool) -> Result<f64> {
    browser.goto(url).await?;
    let started = Instant::now();
    loop {
        let v = browser
            .eval("return [window.__t0 ?? null, window.__t1 ?? null];")
            .await?;
        if let (Some(t0), Some(t1)) = (v[0].as_f64(), v[1].as_f64()) {
            if timeline {
                let mut line = format!("  cookie at {:.1} ms;", t1 - t0);
                if let Some(entries) = browser.eval(TIMELINE).await?.as_array() {
                    for e in entries {
                        let name = e[0].as_str().unwrap_or("?");
                        let start = e[1].as_f64().unwrap_or(0.0);
                        match e[2].as_f64() {
                            Some(end) => line.push_str(&format!(" {name} {start:.1}..{end:.1};")),
                            None => line.push_str(&format!(" {name} {start:.1};")),
                        }
                    }
                }
                println!("{line}");
            }
            return Ok(t1 - t0);
        }
        if started.elapsed() > Duration::from_secs(20) {
            bail!("no partnero_referral cookie within 20 s on {url} (timestamps {v})");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// A fresh Chromium (new profile: empty cache, no cookies, no connections) with the timing hook
/// and `latency` ms of emulated round trip.
async fn browser(driver: &ChromeDriver, latency: f64) -> Result<(Browser, tempfile::TempDir)> {
    let profile = tempfile::Builder::new()
        .prefix("bench-chromium-")
        .tempdir()?;
    let browser = Browser::launch(driver, "bench", profile.path()).await?;
    cdp(
        &browser,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": TIMING_HOOK }),
    )
    .await?;
    cdp(&browser, "Network.enable", json!({})).await?;
    cdp(
        &browser,
        "Network.emulateNetworkConditions",
        json!({ "offline": false, "latency": latency, "downloadThroughput": -1, "uploadThroughput": -1 }),
    )
    .await?;
    Ok((browser, profile))
}

async fn run() -> Result<()> {
    let samples: usize = std::env::var("BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let shop = Shop::start(DemoProgramOptions::default()).await?;
    let driver = ChromeDriver::spawn().await?;
    let url = shop.url("/?ref=bench_key");
    let collector_url = &shop.running().collector_url;
    let floor = floor::start(
        &url,
        collector_url,
        &format!("{collector_url}/pub/programs/{}", shop.program_id()),
        shop.program_id(),
    )
    .await?;
    let timeline = std::env::var("BENCH_TIMELINE").is_ok_and(|v| v == "1");
    println!("tracker load benchmark: {samples} samples per case, median reported");
    println!(
        "{:<8} {:>12} {:>13} {:>12} {:>13} {:>15}",
        "latency", "first visit", "repeat visit", "floor", "tracker's own", "target (first)"
    );
    for latency in [0.0_f64, 100.0] {
        let (mut first, mut repeat, mut bare) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..samples {
            let (b, _profile) = browser(&driver, latency).await?;
            first.push(measure(&b, &url, timeline).await?);
            b.client.delete_all_cookies().await?;
            repeat.push(measure(&b, &url, false).await?);
            b.close().await?;
            // The floor in a fresh browser too, right after, so both see the same machine.
            let (b, _profile) = browser(&driver, latency).await?;
            bare.push(measure(&b, &floor.page_url, timeline).await?);
            b.close().await?;
        }
        let target = 2.0 * latency + 10.0;
        let (first_ms, floor_ms) = (median(first), median(bare));
        println!(
            "{:<8} {:>9.1} ms {:>10.1} ms {:>9.1} ms {:>10.1} ms {:>12.0} ms {}",
            format!("{latency:.0} ms"),
            first_ms,
            median(repeat),
            floor_ms,
            first_ms - floor_ms,
            target,
            if first_ms <= target { "met" } else { "MISSED" }
        );
    }
    drop(floor);
    driver.stop().await;
    shop.shutdown().await;
    Ok(())
}

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}
