//! Pages of a test's own, served by a small server at `http://shop.test:PORT` (a site of the demo
//! program, so the collector accepts its visits and sign-ups), for what the demo shop's pages do
//! not do: Partnero's snippet exactly as its documentation prints it, the snippet pasted twice, a
//! page that records its own requests and cookie writes.

use anyhow::Result;
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use tokio::net::TcpListener;

/// Partnero's snippet exactly as its refer-a-friend guide prints it (Step 1), with only the script
/// URL pointing at the collector (`COLLECTOR`) and the program id (`PROGRAM`) filled in: it keeps
/// `po('settings', 'assets_host', 'https://assets.partnero.com')`.
pub const PARTNERO_SNIPPET: &str = r#"<!-- PartneroJS -->
<script>
    (function(p,t,n,e,r,o){ p['__partnerObject']=r;function f(){
    var c={ a:arguments,q:[]};var r=this.push(c);return "number"!=typeof r?r:f.bind(c.q);}
    f.q=f.q||[];p[r]=p[r]||f.bind(f.q);p[r].q=p[r].q||f.q;o=t.createElement(n);
    var _=t.getElementsByTagName(n)[0];o.async=1;o.src=e+'?v'+(~~(new Date().getTime()/1e6));
    _.parentNode.insertBefore(o,_);})(window, document, 'script', 'COLLECTOR/js/universal.js', 'po');
    po('settings', 'assets_host', 'https://assets.partnero.com');
    po('program', 'PROGRAM', 'load');
</script>
<!-- End PartneroJS -->"#;

/// Partnero's snippet as this project's README prints it: `assets_host` is the collector.
pub const SNIPPET: &str = r#"<script>
  (function(p,t,n,e,r,o){ p['__partnerObject']=r;function f(){
  var c={ a:arguments,q:[]};var r=this.push(c);return "number"!=typeof r?r:f.bind(c.q);}
  f.q=f.q||[];p[r]=p[r]||f.bind(f.q);p[r].q=p[r].q||f.q;o=t.createElement(n);
  var _=t.getElementsByTagName(n)[0];o.async=1;o.src=e+'?v'+(~~(new Date().getTime()/1e6));
  _.parentNode.insertBefore(o,_);})(window, document, 'script', 'COLLECTOR/js/universal.js', 'po');
  po('settings', 'assets_host', 'COLLECTOR');
  po('program', 'PROGRAM', 'load');
</script>"#;

/// Before any other script: records in the page every URL requested through `fetch` and
/// `navigator.sendBeacon` (`window.__requests`, with sendBeacon's body: `[url, body]`), every
/// string written to `document.cookie` (`window.__cookieWrites`) and every `console.warn`
/// (`window.__warns`).
pub const RECORDER: &str = r#"<script>
window.__requests = []; window.__cookieWrites = []; window.__warns = [];
(function () {
  const fetch = window.fetch;
  window.fetch = function (url) {
    window.__requests.push([String(url && url.url ? url.url : url), null]);
    return fetch.apply(this, arguments);
  };
  const beacon = navigator.sendBeacon;
  navigator.sendBeacon = function (url, body) {
    window.__requests.push([String(url), typeof body == 'string' ? body : null]);
    return beacon.apply(navigator, arguments);
  };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get() { return cookie.get.call(document); },
    set(text) { window.__cookieWrites.push(String(text)); cookie.set.call(document, text); },
  });
  const warn = console.warn;
  console.warn = function () {
    window.__warns.push(Array.from(arguments).join(' '));
    return warn.apply(this, arguments);
  };
})();
</script>"#;

/// `snippet` with its `COLLECTOR` and `PROGRAM` placeholders filled in.
pub fn fill(snippet: &str, collector: &str, program: &str) -> String {
    snippet
        .replace("COLLECTOR", collector)
        .replace("PROGRAM", program)
}

/// An HTML page: `head` in its `<head>` (after the [`RECORDER`]), `body` in its `<body>`.
pub fn page(head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Test page</title>{RECORDER}{head}\
         </head><body>{body}</body></html>"
    )
}

/// Serves `pages` (`(path, HTML)`) on a free loopback port; returns `http://shop.test:PORT`.
pub async fn serve(pages: Vec<(&str, String)>) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mut app = Router::new();
    for (path, html) in pages {
        app = app.route(path, get(move || async move { Html(html) }));
    }
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://shop.test:{port}"))
}
