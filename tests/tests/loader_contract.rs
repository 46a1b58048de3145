//! The loader's contract with the page (issue "Tracker", point 1), in Chromium against the real
//! collector, on pages served by a small server of this test at `http://shop.test:PORT` (a site of
//! the demo program):
//! - the queue function named by `window.__partnerObject` (here `affl`, not `po`) is honoured;
//! - the queued calls run in order, chained calls (`affl(..)(..)`) included;
//! - the stub is replaced, later calls run at once, also through a reference to the old stub;
//! - the loader adds no global besides the queue function and throws nothing into the page;
//! - when the wasm cannot start (a Content Security Policy without `'wasm-unsafe-eval'`) the page
//!   gets exactly one `console.warn` and keeps working;
//! - Partnero's own snippet, whose `assets_host` line names assets.partnero.com, reports to the
//!   collector the script came from and sends nothing to partnero.com;
//! - the snippet pasted twice (so the script loads twice) still runs later calls, once.

use anyhow::{Context, Result, ensure};
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use e2e::browser::{WAIT, poll};
use e2e::{Browser, DemoProgramOptions, PARTNER_COOKIE, REFERRAL_COOKIE, flows, pages, run};
use serde_json::json;
use tokio::net::TcpListener;

/// Before any page script: records `console.warn`, errors and unhandled rejections.
const WATCH: &str = "<script>
window.__warns = []; window.__errors = [];
const warn = console.warn;
console.warn = function () { window.__warns.push(Array.from(arguments).join(' ')); return warn.apply(this, arguments); };
addEventListener('error', (e) => window.__errors.push(String(e.message)));
addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));
</script>";

/// Partnero's snippet, byte for byte, with the queue function named `affl`; then the page's calls.
/// The chained call sets the program type before `load` runs: the cookie says it ran, in order.
const SNIPPET: &str = r#"<script>
(function(p,t,n,e,r,o){ p['__partnerObject']=r;function f(){
var c={ a:arguments,q:[]};var r=this.push(c);return "number"!=typeof r?r:f.bind(c.q);}
f.q=f.q||[];p[r]=p[r]||f.bind(f.q);p[r].q=p[r].q||f.q;o=t.createElement(n);
var _=t.getElementsByTagName(n)[0];o.async=1;o.src=e+'?v'+(~~(new Date().getTime()/1e6));
_.parentNode.insertBefore(o,_);})(window, document, 'script', 'COLLECTOR/js/universal.js', 'affl');
affl('settings', 'assets_host', 'COLLECTOR')('program', 'PROGRAM', 'type', 'affiliate');
affl('program', 'PROGRAM', 'load');
window.__stub = affl;
</script>
<script>
// `ret_nodes` is chromedriver's: it defines it when the test runs a WebDriver script.
window.__globals = Object.getOwnPropertyNames(window).concat('__globals', '__added', 'ret_nodes');
// Once the tracker has written its cookie (its boot is done by then), what it added: taken in the
// page, before the test's WebDriver scripts run.
(function check() {
  if (document.cookie.includes('partnero_')) {
    window.__added = Object.getOwnPropertyNames(window).filter((n) => !window.__globals.includes(n));
  } else setTimeout(check, 5);
})();
</script>"#;

/// The pages: `/contract` (the tracker as sites use it) and `/no-wasm` (a policy that refuses
/// WebAssembly).
#[derive(Clone)]
struct Pages {
    page: String,
    collector: String,
}

async fn contract(State(pages): State<Pages>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        pages.page,
    )
}

async fn no_wasm(State(pages): State<Pages>) -> impl IntoResponse {
    let policy = format!(
        "script-src 'unsafe-inline' {c}; connect-src {c}",
        c = pages.collector
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CONTENT_SECURITY_POLICY, policy),
        ],
        pages.page,
    )
}

/// Serves the pages on a free port; returns `http://shop.test:PORT`.
async fn serve_pages(collector: &str, program: &str) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let snippet = SNIPPET
        .replace("COLLECTOR", collector)
        .replace("PROGRAM", program);
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Loader contract</title>\
         {WATCH}{snippet}</head><body><p>Loader contract</p></body></html>"
    );
    let pages = Pages {
        page,
        collector: collector.to_owned(),
    };
    let app = Router::new()
        .route("/contract", get(contract))
        .route("/no-wasm", get(no_wasm))
        .with_state(pages);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://shop.test:{port}"))
}

/// The number of `[partnero] unknown command` warnings so far.
async fn unknown_command_warnings(browser: &Browser) -> Result<u64> {
    let n = browser
        .eval("return window.__warns.filter((w) => w == '[partnero] unknown command').length;")
        .await?;
    n.as_u64().context("a count")
}

#[test]
fn the_loader_keeps_the_snippets_contract() {
    run("the_loader_keeps_the_snippets_contract", |ctx| async move {
        let shop = ctx.shop(DemoProgramOptions::default()).await?;
        shop.api
            .post(
                "/v1/customers",
                &json!({"key": "loader_key", "email": "loader@example.com"}),
            )
            .await?;
        let collector = shop.running().collector_url.clone();
        let site = serve_pages(&collector, shop.program_id()).await?;
        let browser = ctx.browser("visitor").await?;
        browser
            .goto(&format!("{site}/contract?ref=loader_key"))
            .await?;

        // The chained `type` call ran before `load`: an affiliate cookie, and the visit counted.
        let cookie = browser.wait_for_cookie(PARTNER_COOKIE).await?;
        ensure!(cookie.value() == "loader_key", "cookie {cookie:?}");
        ensure!(
            browser.cookie(REFERRAL_COOKIE).await?.is_none(),
            "the referral cookie was written: the chained call did not run first"
        );
        flows::wait_for_clicks(&shop, "loader_key", 1).await?;

        // The stub was replaced; `po` was never defined.
        let names = browser
            .eval(
                "return [typeof window.affl, window.affl !== window.__stub, typeof window.po,
                         window.__partnerObject];",
            )
            .await?;
        ensure!(
            names == json!(["function", true, "undefined", "affl"]),
            "names {names}"
        );

        // Later calls run at once, through the new function and through the old stub, chained too.
        let before = unknown_command_warnings(&browser).await?;
        let counts = browser
            .eval(
                "const n = () => window.__warns.filter((w) => w == '[partnero] unknown command').length;
                 const out = [];
                 window.affl('no-such-command'); out.push(n());
                 window.__stub('no-such-command'); out.push(n());
                 window.__stub('no-such-command')('no-such-command'); out.push(n());
                 return out;",
            )
            .await?;
        ensure!(
            counts == json!([before + 1, before + 2, before + 4]),
            "warnings after each call {counts} (before: {before})"
        );

        // No global besides the queue function, nothing thrown into the page.
        let added = poll(WAIT, "the page's list of added globals", || async {
            let added = browser.eval("return window.__added ?? null;").await?;
            Ok((!added.is_null()).then_some(added))
        })
        .await?;
        ensure!(added == json!([]), "globals added by the tracker: {added}");
        let errors = browser.eval("return window.__errors;").await?;
        ensure!(errors == json!([]), "errors in the page: {errors}");

        // A page whose policy refuses WebAssembly: one warning, no error, the page's calls still work.
        let refused = ctx.browser("no-wasm").await?;
        refused
            .goto(&format!("{site}/no-wasm?ref=loader_key"))
            .await?;
        let warnings = poll(WAIT, "the loader's warning", || async {
            let warns = refused
                .eval("return window.__warns.filter((w) => w.startsWith('[partnero]'));")
                .await?;
            Ok(warns.as_array().filter(|w| !w.is_empty()).cloned())
        })
        .await?;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let state = refused
            .eval(
                "let threw = false;
                 try { window.affl('consent', 'grant'); } catch (e) { threw = true; }
                 return [window.__warns.filter((w) => w.startsWith('[partnero]')).length,
                         window.__errors, threw, document.cookie.includes('partnero_')];",
            )
            .await?;
        ensure!(
            state == json!([1, [], false, false]),
            "[warnings, errors, a call threw, a cookie was written] = {state}; first warning {warnings:?}"
        );
        Ok(())
    });
}

/// The URLs the page requested: through `fetch` and `sendBeacon` (recorded by the page, see
/// `e2e::pages::RECORDER`) and as Resource Timing lists them.
async fn page_requests(browser: &Browser) -> Result<Vec<String>> {
    let urls = browser
        .eval(
            "return window.__requests.map((r) => r[0])
                 .concat(performance.getEntriesByType('resource').map((e) => e.name));",
        )
        .await?;
    Ok(urls
        .as_array()
        .context("a list of URLs")?
        .iter()
        .filter_map(|u| u.as_str().map(str::to_owned))
        .collect())
}

/// A site that switches to this collector only changes the script URL of Partnero's snippet and
/// keeps `po('settings', 'assets_host', 'https://assets.partnero.com')`: the tracker does not take
/// partnero.com for the collector, so the settings and the visit go to the script's origin and
/// nothing (no beacon with the visitor's data) goes to partnero.com.
#[test]
fn partneros_assets_host_line_is_not_the_collector() {
    run(
        "partneros_assets_host_line_is_not_the_collector",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            shop.api
                .post(
                    "/v1/customers",
                    &json!({"key": "seed_key", "email": "seed@example.com"}),
                )
                .await?;
            let collector = shop.running().collector_url.clone();
            let snippet = pages::fill(pages::PARTNERO_SNIPPET, &collector, shop.program_id());
            ensure!(
                snippet.contains("po('settings', 'assets_host', 'https://assets.partnero.com');"),
                "the page carries Partnero's assets_host line"
            );
            let site =
                pages::serve(vec![("/landing", pages::page(&snippet, "<p>Landing</p>"))]).await?;
            let browser = ctx.browser("visitor").await?;
            browser
                .goto(&format!("{site}/landing?ref=seed_key"))
                .await?;

            let cookie = browser.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(cookie.value() == "seed_key", "cookie {cookie:?}");
            flows::wait_for_clicks(&shop, "seed_key", 1).await?;

            let requests = page_requests(&browser).await?;
            let settings = format!("{collector}/pub/programs/{}", shop.program_id());
            ensure!(
                requests.iter().any(|u| u == &settings),
                "the settings were not requested from the collector: {requests:?}"
            );
            ensure!(
                requests
                    .iter()
                    .any(|u| u == &format!("{collector}/pub/visits")),
                "the visit was not sent to the collector: {requests:?}"
            );
            let to_partnero: Vec<&String> = requests
                .iter()
                .filter(|u| u.contains("partnero.com"))
                .collect();
            ensure!(
                to_partnero.is_empty(),
                "requests to partnero.com: {to_partnero:?}"
            );
            let warns = browser.eval("return window.__warns;").await?;
            ensure!(warns == json!([]), "warnings: {warns}");
            Ok(())
        },
    );
}

/// The snippet pasted twice (in the theme and again by a tag manager) loads the script twice. The
/// second copy must not take the queue function over from the first: its tracker never got `load`,
/// so a later `po('customers','signup',…)` warned "no program" and the sign-up was lost. The
/// sign-up is sent once, and the landing is one visit.
#[test]
fn the_snippet_pasted_twice_sends_a_later_signup_once() {
    run(
        "the_snippet_pasted_twice_sends_a_later_signup_once",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            shop.api
                .post(
                    "/v1/customers",
                    &json!({"key": "twice_key", "email": "twice@example.com"}),
                )
                .await?;
            let collector = shop.running().collector_url.clone();
            let snippet = pages::fill(pages::SNIPPET, &collector, shop.program_id());
            let site = pages::serve(vec![(
                "/twice",
                pages::page(&format!("{snippet}\n{snippet}"), "<p>Twice</p>"),
            )])
            .await?;
            let browser = ctx.browser("visitor").await?;
            browser.goto(&format!("{site}/twice?ref=twice_key")).await?;
            browser.wait_for_cookie(REFERRAL_COOKIE).await?;
            // Both copies have run (and compiled their wasm) by then.
            poll(WAIT, "both copies of the script to run", || async {
                let copies = browser
                    .eval(
                        "return document.querySelectorAll('script[src*=\"/js/universal.js\"]').length;",
                    )
                    .await?;
                Ok((copies == json!(2)).then_some(()))
            })
            .await?;
            tokio::time::sleep(std::time::Duration::from_millis(2000)).await;

            browser
                .eval(
                    "po('customers', 'signup', {data: {key: 'twice_signup', email: 'signup@example.com'}});",
                )
                .await?;
            let signups = || async {
                let n = browser
                    .eval(
                        "return window.__requests.filter((r) => r[0].endsWith('/pub/signups')).length;",
                    )
                    .await?;
                n.as_u64().context("a count")
            };
            poll(WAIT, "the sign-up beacon", || async {
                Ok((signups().await? > 0).then_some(()))
            })
            .await?;
            tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
            let sent = signups().await?;
            ensure!(sent == 1, "the sign-up was sent {sent} times");
            poll(WAIT, "the browser-reported customer", || async {
                let (status, _) = shop
                    .api
                    .get_with_status("/v1/customers/twice_signup")
                    .await?;
                Ok(status.is_success().then_some(()))
            })
            .await?;
            let stats = flows::wait_for_clicks(&shop, "twice_key", 1).await?;
            ensure!(stats["clicks"] == 1, "{stats}");
            let warns = browser.eval("return window.__warns;").await?;
            ensure!(warns == json!([]), "warnings: {warns}");
            Ok(())
        },
    );
}
