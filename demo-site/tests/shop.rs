//! The demo shop's backend against a real in-process collector: pages, sign-up with good, garbage and
//! unknown referral cookies, escaping, purchases, refunds, and re-using the program across restarts.
//! Requests go through the router with `tower::ServiceExt::oneshot`.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use demo_site::partnero::PartneroClient;
use demo_site::snippet::Snippet;
use demo_site::state::{AppState, SiteInfo};
use demo_site::{DemoConfig, Running, app::app, db};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

/// A running demo plus a second router over its own shop database, to drive with `oneshot`.
struct Harness {
    running: Running,
    router: Router,
    _data: tempfile::TempDir,
}

async fn harness() -> Harness {
    let data = tempfile::tempdir().expect("temp dir");
    let running = demo_site::start(DemoConfig::for_tests("shop.test", data.path()))
        .await
        .expect("demo starts");
    let state = AppState {
        db: db::open(&data.path().join("oneshot-shop.db"))
            .await
            .expect("shop db"),
        api: PartneroClient::new(&running.collector().base_url(), &running.program.api_key),
        site: Arc::new(SiteInfo {
            shop_url: running.shop_url.clone(),
            snippet: Snippet::new(&running.collector_url, &running.program.public_id)
                .expect("snippet"),
        }),
    };
    Harness {
        router: app(state),
        running,
        _data: data,
    }
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    session: Option<String>,
    body: String,
}

impl Harness {
    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let session = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("demo_session=") && !v.starts_with("demo_session=;"))
            .map(|v| v.split(';').next().unwrap_or_default().to_string());
        let bytes = to_bytes(response.into_body(), 1 << 20).await.expect("body");
        Answer {
            status,
            location,
            session,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    async fn post_form(&self, path: &str, form: &str, cookie: Option<&str>) -> Answer {
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_string())).expect("request"))
            .await
    }

    /// Signs up; returns the session cookie and the customer key.
    async fn sign_up(
        &self,
        name: &str,
        email: &str,
        referral_cookie: Option<&str>,
    ) -> (String, String) {
        let form = format!("name={}&email={}", encode(name), encode(email));
        let cookie = referral_cookie.map(|value| format!("partnero_referral={value}"));
        let answer = self.post_form("/signup", &form, cookie.as_deref()).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "sign-up of {email}: {}",
            answer.body
        );
        assert_eq!(answer.location.as_deref(), Some("/referrals"));
        let session = answer.session.expect("a session cookie");
        let page = self.get("/referrals", Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let key =
            between(&page.body, "id=\"customer-key\">", "<").expect("customer key on My referrals");
        (session, key)
    }

    async fn api(&self, path: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", self.running.collector().base_url()))
            .bearer_auth(&self.running.program.api_key)
            .send()
            .await
            .expect("API reachable");
        let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn credited_usd(&self, key: &str) -> f64 {
        let (status, body) = self.api(&format!("/v1/customers/{key}/balance")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["balance"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|line| {
                line["amount_units"]
                    .as_str()
                    .is_none_or(|u| u.eq_ignore_ascii_case("usd"))
            })
            .filter_map(|line| line["amount"].as_f64())
            .sum()
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].to_string())
}

#[tokio::test]
async fn every_page_carries_the_official_snippet() {
    let h = harness().await;
    let script_url = format!(
        "'script', '{}/js/universal.js', 'po');",
        h.running.collector_url
    );
    let load = format!("po('program', '{}', 'load');", h.running.program.public_id);
    for path in [
        "/",
        "/aff/someone",
        "/pricing",
        "/signup",
        "/login",
        "/refer",
        "/waitlist",
        "/trial",
        "/app",
        "/app/products",
    ] {
        let page = h.get(path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body.contains("p['__partnerObject']=r;"),
            "{path} lacks the snippet"
        );
        assert!(
            page.body.contains(&script_url),
            "{path} does not load the collector's script"
        );
        assert!(
            page.body.contains(&load),
            "{path} does not load the program"
        );
        let head = page.body.split("</head>").next().unwrap_or_default();
        assert!(head.contains(&load), "{path}: the snippet is not in <head>");
    }
    assert!(
        h.get("/refer", None)
            .await
            .body
            .contains("<div data-partnero-form></div>")
    );
    assert!(
        h.get("/waitlist", None)
            .await
            .body
            .contains("po('integration', 'universal', null);")
    );
    assert!(
        h.get("/trial", None)
            .await
            .body
            .contains("po('customers', 'signup'")
    );
    assert!(h.get("/app", None).await.body.contains("history.pushState"));
}

#[tokio::test]
async fn sign_up_with_the_referral_cookie_creates_a_referred_customer() {
    let h = harness().await;
    let (_, alice) = h.sign_up("Alice", "alice@example.com", None).await;
    let (session, bob) = h.sign_up("Bob", "bob@example.com", Some(&alice)).await;
    let (status, body) = h.api(&format!("/v1/customers/{bob}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"]["referring_customer"]["key"],
        alice.as_str(),
        "{body}"
    );
    assert!(
        h.get("/referrals", Some(&session))
            .await
            .body
            .contains(&format!("You were referred by <code>{alice}</code>"))
    );
    let (_, referrals) = h.api(&format!("/v1/customers/{alice}/referrals")).await;
    assert_eq!(referrals["data"][0]["key"], bob.as_str(), "{referrals}");
}

#[tokio::test]
async fn garbage_or_unknown_referral_cookies_never_block_the_sign_up() {
    let h = harness().await;
    for (index, cookie) in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "nobody-with-this-key",
        "a b",
        &"k".repeat(80),
    ]
    .into_iter()
    .enumerate()
    {
        let email = format!("friend{index}@example.com");
        let (_, key) = h.sign_up("Friend", &email, Some(cookie)).await;
        let (status, body) = h.api(&format!("/v1/customers/{key}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body["data"]["referring_customer"].is_null(),
            "cookie {cookie:?}: {body}"
        );
    }
}

#[tokio::test]
async fn sign_up_form_errors_are_shown_not_thrown() {
    let h = harness().await;
    let bad = h
        .post_form("/signup", "name=&email=alice%40example.com", None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Please enter your name"));
    let bad = h
        .post_form("/signup", "name=Alice&email=not-an-email", None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("valid e-mail"));
    let missing = h.post_form("/signup", "", None).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    h.sign_up("Alice", "alice@example.com", None).await;
    let taken = h
        .post_form("/signup", "name=Alice&email=ALICE%40example.com", None)
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("already exists"));
    assert_eq!(
        h.get("/referrals", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.get("/purchase", Some("demo_session=forged")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn user_data_is_escaped() {
    let h = harness().await;
    let (session, _) = h
        .sign_up("<script>alert('x')</script>", "mallory@example.com", None)
        .await;
    let page = h.get("/referrals", Some(&session)).await;
    assert!(
        !page.body.contains("<script>alert('x')</script>"),
        "unescaped user data"
    );
    assert!(page.body.contains("&lt;script&gt;"));
    let shown = h
        .post_form("/signup", "name=%3Cb%3Ehi%3C%2Fb%3E&email=bad", None)
        .await;
    assert!(!shown.body.contains("<b>hi</b>") && shown.body.contains("&lt;b&gt;hi&lt;/b&gt;"));
}

#[tokio::test]
async fn purchases_reward_the_referrer_and_refunds_reverse_it() {
    let h = harness().await;
    let (alice_session, alice) = h.sign_up("Alice", "alice@example.com", None).await;
    let (bob_session, _) = h.sign_up("Bob", "bob@example.com", Some(&alice)).await;

    assert_eq!(
        h.post_form("/purchase", "product=pro", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.post_form("/purchase", "product=nothing", Some(&bob_session))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let bought = h
        .post_form("/purchase", "product=pro", Some(&bob_session))
        .await;
    assert_eq!(bought.status, StatusCode::SEE_OTHER, "{}", bought.body);
    let order = bought
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/purchase?order="))
        .expect("order")
        .to_string();
    assert!((h.credited_usd(&alice).await - 4.9).abs() < 0.005);
    let (status, transaction) = h.api(&format!("/v1/transactions/{order}")).await;
    assert_eq!(status, StatusCode::OK, "{transaction}");

    let history = h.get("/purchase", Some(&bob_session)).await;
    assert!(
        history
            .body
            .contains(&format!("data-order=\"{order}\" data-status=\"paid\""))
    );
    let page = h.get("/referrals", Some(&alice_session)).await;
    assert!(
        page.body.contains("4.9"),
        "the reward is not on My referrals"
    );

    // Only the buyer can refund, and only once.
    let refund = format!("/orders/{order}/refund");
    assert_eq!(
        h.post_form(&refund, "", Some(&alice_session)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.post_form(&refund, "", Some(&bob_session)).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(h.credited_usd(&alice).await.abs() < 0.005);
    assert_eq!(
        h.post_form(&refund, "", Some(&bob_session)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let history = h.get("/purchase", Some(&bob_session)).await;
    assert!(
        history
            .body
            .contains(&format!("data-order=\"{order}\" data-status=\"refunded\""))
    );
}

#[tokio::test]
async fn a_restart_reuses_the_program_and_its_api_key() {
    let data = tempfile::tempdir().expect("temp dir");
    let first = demo_site::start(DemoConfig::for_tests("shop.test", data.path()))
        .await
        .expect("first start");
    let program = first.program.clone();
    first.shutdown().await.expect("shutdown");
    let mut config = DemoConfig::for_tests("shop.test", data.path());
    config.demo_referrer = true;
    let second = demo_site::start(config).await.expect("second start");
    assert_eq!(second.program.public_id, program.public_id);
    assert_eq!(second.program.api_key, program.api_key);
    let link = second
        .example_referral_link
        .clone()
        .expect("the demo referrer's link");
    assert!(link.contains("ref=alice-demo"), "{link}");
    second.shutdown().await.expect("shutdown");
}
