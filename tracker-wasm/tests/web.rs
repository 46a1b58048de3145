//! The browser layer in real headless Chromium (`cargo xtask test` runs this through
//! wasm-bindgen-test-runner and chromedriver): the tracker's JavaScript (`src/web/tracker.js`,
//! `fields.js`, `form.js`) driving the pure core (`tracker_wasm::api::call`, the same function the
//! browser build exports): cookie probing and writing on the real document, the command queue,
//! settings loading, attribution, consent, clean URLs, sign-up and transaction bodies, sign-up form
//! reading and the refer-a-friend form (loaded as its own chunk).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, JSON, Object, Promise, Reflect};
use tracker_wasm::cookie::{PARTNER_COOKIE, REFERRAL_COOKIE, VISITOR_COOKIE, read_cookie};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/src/web/tracker.js")]
extern "C" {
    /// Starts a tracker; returns its `run(kind, value)`.
    fn boot(src: &str, net: &JsValue, chunk: &str, call: &JsValue) -> Function;
    /// The cookie writer `write(name, value, maxAge)` for `host`.
    #[wasm_bindgen(js_name = cookieJar)]
    fn cookie_jar(call: &JsValue, host: &str, secure: bool) -> JsValue;
    #[wasm_bindgen(js_name = collectorBase)]
    fn collector_base(host: &JsValue, assets: &JsValue, src: &str) -> JsValue;
    fn uuid() -> String;
}

#[wasm_bindgen(module = "/src/web/fields.js")]
extern "C" {
    /// `form.js` next to the served modules.
    #[wasm_bindgen(js_name = chunkUrl)]
    fn chunk_url() -> String;
    fn classify(input_type: &str, name: &str, id: &str, autocomplete: &str) -> String;
    #[wasm_bindgen(js_name = looksLikeEmail)]
    fn looks_like_email(text: &str) -> bool;
    #[wasm_bindgen(js_name = fullName)]
    fn full_name(name: &str, first: &str, last: &str) -> JsValue;
    #[wasm_bindgen(js_name = readInputs)]
    fn read_inputs(inputs: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = cleanText)]
    fn clean_text(value: &JsValue) -> JsValue;
    fn amount(value: &JsValue) -> JsValue;
    fn truthy(value: &JsValue) -> bool;
    fn customer(object: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = signupBody)]
    fn signup_body(program: &str, visitor: &str, referral: &str, customer: &JsValue) -> String;
    #[wasm_bindgen(js_name = transactionBody)]
    fn transaction_body(program: &str, visitor: &str, referral: &str, object: &JsValue) -> String;
    #[wasm_bindgen(js_name = withoutParams)]
    fn without_params(url: &JsValue, names: &JsValue) -> String;
}

#[wasm_bindgen(module = "/src/web/form.js")]
extern "C" {
    /// Renders the refer-a-friend form (the tracker imports this same module lazily, as its chunk).
    #[wasm_bindgen(js_name = render)]
    fn render_form(target: &JsValue, options: &JsValue, net: &JsValue);
    #[wasm_bindgen(js_name = isWebLink)]
    fn is_web_link(text: &str) -> bool;
    #[wasm_bindgen(js_name = shareLinks)]
    fn share_links(link: &str) -> JsValue;
}

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn global_get(name: &str) -> JsValue {
    Reflect::get(&js_sys::global(), &s(name)).unwrap()
}

fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &s(name)).unwrap()
}

fn call(target: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let method: Function = get(target, name).dyn_into()?;
    let list = Array::new();
    for a in args {
        list.push(a);
    }
    method.apply(target, &list)
}

fn document() -> JsValue {
    global_get("document")
}

fn hostname() -> String {
    get(&global_get("location"), "hostname")
        .as_string()
        .unwrap()
}

fn href() -> String {
    get(&global_get("location"), "href").as_string().unwrap()
}

/// Parses JSON text (request bodies).
fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

/// An object from `(name, value)` pairs.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        Reflect::set(&o, &s(k), v).unwrap();
    }
    o.into()
}

fn list(items: &[&str]) -> JsValue {
    items.iter().map(|i| s(i)).collect::<Array>().into()
}

/// The core as the loader hands it to the tracker: `call(op, input)` → answer.
fn core() -> JsValue {
    Closure::<dyn Fn(u32, String) -> String>::new(|op, input: String| {
        tracker_wasm::api::call(op, &input)
    })
    .into_js_value()
}

fn document_cookie() -> String {
    get(&document(), "cookie").as_string().unwrap_or_default()
}

fn cookie(name: &str) -> Option<String> {
    read_cookie(document_cookie().as_bytes(), name.as_bytes())
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

fn set_cookie(text: &str) {
    Reflect::set(&document(), &s("cookie"), &s(text)).unwrap();
}

fn clear_cookies() {
    for name in [REFERRAL_COOKIE, PARTNER_COOKIE, VISITOR_COOKIE] {
        set_cookie(&format!("{name}=; Path=/; Max-Age=0"));
    }
}

/// Moves the page to `path_and_query` without navigating, through `History.prototype` so the
/// trackers booted by other tests (their wrappers sit on the `history` object) do not react.
fn go(path_and_query: &str) {
    let history = global_get("history");
    let prototype = get(&global_get("History"), "prototype");
    let replace: Function = get(&prototype, "replaceState").unchecked_into();
    replace
        .call3(&history, &JsValue::NULL, &s(""), &s(path_and_query))
        .unwrap();
}

/// A settings document like the collector's, for the current host.
fn settings(extra: &[(&str, JsValue)]) -> JsValue {
    let doc = object(&[
        ("id", s("P1")),
        ("type", s("referral")),
        ("cookie_time", JsValue::from_f64(30.0)),
        ("domains", list(&[&hostname()])),
    ]);
    for (k, v) in extra {
        Reflect::set(&doc, &s(k), v).unwrap();
    }
    doc
}

/// The loader's `net` helper, answering every GET with `doc` and recording POSTs as
/// `[url, body, keepalive]`.
fn net(doc: JsValue, posts: Array) -> JsValue {
    Closure::<dyn FnMut(JsValue, JsValue, JsValue) -> JsValue>::new(
        move |url: JsValue, body: JsValue, keep: JsValue| {
            if body.is_undefined() {
                Promise::resolve(&doc).into()
            } else {
                posts.push(&Array::of3(&url, &body, &keep));
                Promise::resolve(&JsValue::NULL).into()
            }
        },
    )
    .into_js_value()
}

/// Boots a tracker as the loader does; the form chunk is the `form.js` next to `tracker.js`.
fn start(net: JsValue) -> Function {
    boot(
        "http://collector.test/js/universal.js",
        &net,
        &chunk_url(),
        &core(),
    )
}

fn run_call(run: &Function, args: &JsValue) {
    run.call2(&JsValue::NULL, &JsValue::from_f64(0.0), args)
        .unwrap();
}

fn run(run: &Function, args: &[&str]) {
    run_call(run, &list(args));
}

/// Lets pending promise callbacks run.
async fn settle() {
    for _ in 0..5 {
        JsFuture::from(Promise::resolve(&JsValue::NULL))
            .await
            .unwrap();
    }
}

/// Waits `ms` milliseconds (timers, module loading).
async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        call(
            &js_sys::global(),
            "setTimeout",
            &[&resolve, &JsValue::from(ms)],
        )
        .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Makes `navigator.sendBeacon` refuse (`false`), so every beacon goes through
/// `net(url, body, true)` and can be read back; [`allow_beacons`] undoes it.
fn refuse_beacons() {
    let refuse = Closure::<dyn Fn() -> bool>::new(|| false).into_js_value();
    Reflect::set(&global_get("navigator"), &s("sendBeacon"), &refuse).unwrap();
}

fn allow_beacons() {
    let navigator: Object = global_get("navigator").unchecked_into();
    Reflect::delete_property(&navigator, &s("sendBeacon")).unwrap();
}

/// Waits (up to 2 s) until `posts` holds `n` requests: sign-ups and transactions are sent once the
/// lazy chunk is loaded.
async fn wait_for_posts(posts: &Array, n: u32) {
    for _ in 0..100 {
        if posts.length() >= n {
            break;
        }
        sleep(20).await;
    }
    sleep(50).await;
}

#[wasm_bindgen_test]
fn probing_an_ip_host_gives_host_only_cookies() {
    let host = hostname();
    let writes = record_cookie_writes();
    let write: Function = cookie_jar(&core(), &host, false).unchecked_into();
    let name = s("partnero_test");
    write
        .call3(&JsValue::NULL, &name, &s("v1"), &JsValue::from(60))
        .unwrap();
    stop_recording_cookie_writes();
    assert_eq!(
        cookie("partnero_probe"),
        None,
        "the probe cookie is removed"
    );
    assert_eq!(cookie("partnero_test").as_deref(), Some("v1"));
    let writes: Vec<String> = writes.iter().filter_map(|w| w.as_string()).collect();
    assert!(
        writes.iter().all(|w| !w.contains("Domain=")),
        "{host}: {writes:?}"
    );
    write
        .call3(&JsValue::NULL, &name, &s(""), &JsValue::from(0))
        .unwrap();
    assert_eq!(cookie("partnero_test"), None);
}

#[wasm_bindgen_test]
fn the_collector_base_follows_host_then_assets_host_then_the_script() {
    let src = "https://cdn.test/js/universal.js?v1234";
    let base =
        |host: JsValue, assets: JsValue, src: &str| collector_base(&host, &assets, src).as_string();
    let none = JsValue::UNDEFINED;
    assert_eq!(
        base(s("https://c.test/"), s("https://a.test"), src).as_deref(),
        Some("https://c.test")
    );
    assert_eq!(
        base(none.clone(), s("https://a.test/x/"), src).as_deref(),
        Some("https://a.test/x")
    );
    assert_eq!(
        base(none.clone(), none.clone(), src).as_deref(),
        Some("https://cdn.test")
    );
    assert_eq!(
        base(s("javascript:alert(1)"), none.clone(), src).as_deref(),
        Some("https://cdn.test")
    );
    assert_eq!(
        base(s("http://127.0.0.1:8080?x"), none.clone(), src).as_deref(),
        Some("http://127.0.0.1:8080")
    );
    assert_eq!(base(none.clone(), none.clone(), ""), None);
    // Partnero's snippet names its own hosts: never the collector, the script's origin is.
    assert_eq!(
        base(none.clone(), s("https://assets.partnero.com"), src).as_deref(),
        Some("https://cdn.test")
    );
    assert_eq!(
        base(s("https://app.partnero.com/"), s("https://a.test"), src).as_deref(),
        Some("https://a.test")
    );
    for partnero in [
        "https://partnero.com",
        "https://ASSETS.Partnero.com.",
        "http://x.y.partnero.com:8080/p",
    ] {
        assert_eq!(
            base(s(partnero), none.clone(), src).as_deref(),
            Some("https://cdn.test"),
            "{partnero}"
        );
    }
    // Only partnero.com itself and its subdomains.
    for other in ["https://notpartnero.com", "https://partnero.com.evil.test"] {
        assert_eq!(
            base(s(other), none.clone(), src).as_deref(),
            Some(other),
            "{other}"
        );
    }
}

#[wasm_bindgen_test]
fn visitor_ids_are_random_v4_uuids() {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let id = uuid();
        assert!(tracker_wasm::uuid::is_uuid(id.as_bytes()), "{id}");
        assert_eq!(id.as_bytes()[14], b'4', "{id}");
        assert!(
            matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
            "{id}"
        );
        assert!(!seen.contains(&id));
        seen.push(id);
    }
}

#[wasm_bindgen_test]
fn clean_urls_lose_only_the_referral_parameters() {
    let url = |href: &str| {
        let class: Function = global_get("URL").unchecked_into();
        Reflect::construct(&class, &Array::of1(&s(href))).unwrap()
    };
    let clean = |href: &str, names: &[&str]| without_params(&url(href), &list(names));
    assert_eq!(
        clean("https://s.test/p?ref=alice&utm=1#top", &["ref"]),
        "https://s.test/p?utm=1#top"
    );
    assert_eq!(
        clean("https://s.test/?ref=a", &["ref", "aff"]),
        "https://s.test/"
    );
    assert_eq!(
        clean("https://s.test/#ref=a&x=1", &["ref"]),
        "https://s.test/#x=1"
    );
    assert_eq!(
        clean("https://s.test/p?a=1&r%65f=k&via=2&b", &["ref", "via"]),
        "https://s.test/p?a=1&b"
    );
    assert_eq!(clean("https://s.test/?x=1", &["ref"]), "");
    assert_eq!(clean("https://s.test/?%zz=1&x", &["ref"]), "");
    for (a, b, key) in [("utm", "x1", "alice"), ("q", "", "k.e-y_9")] {
        assert_eq!(
            clean(&format!("https://shop.test/p?{a}={b}&ref={key}"), &["ref"]),
            format!("https://shop.test/p?{a}={b}")
        );
    }
}

#[wasm_bindgen_test]
async fn load_captures_the_key_writes_cookies_and_reports_once() {
    clear_cookies();
    go("/?ref=alice&utm_source=x");
    let posts = Array::new();
    let runner = start(net(
        settings(&[("clean_url", JsValue::TRUE)]),
        posts.clone(),
    ));
    run(&runner, &["settings", "host", "http://collector.test"]);
    run(&runner, &["program", "P1", "load"]);
    // Calls made while the settings load wait and then run in order.
    run(&runner, &["no-such", "command"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("alice"));
    let visitor = cookie(VISITOR_COOKIE).expect("visitor id");
    assert!(tracker_wasm::uuid::is_uuid(visitor.as_bytes()), "{visitor}");
    // The address is rewritten by the lazy chunk, once it is loaded.
    for _ in 0..100 {
        if !href().contains("ref=alice") {
            break;
        }
        sleep(20).await;
    }
    let href = href();
    assert!(
        !href.contains("ref=alice") && href.contains("utm_source=x"),
        "clean_url: {href}"
    );
    assert_eq!(
        posts.length(),
        0,
        "sendBeacon, not the fallback, carried the visit"
    );
    clear_cookies();
}

/// The visits reported through the keepalive fallback so far, as `(key, url)`.
fn reported_visits(posts: &Array) -> Vec<(String, String)> {
    posts
        .iter()
        .map(|post| Array::from(&post))
        .filter(|post| {
            post.get(0)
                .as_string()
                .is_some_and(|u| u.ends_with("/pub/visits"))
        })
        .map(|post| {
            let body = json(&post.get(1).as_string().unwrap_or_default());
            let text = |name: &str| get(&body, name).as_string().unwrap_or_default();
            (text("key"), text("url"))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn each_landing_is_reported_once() {
    clear_cookies();
    go("/?ref=alice&utm_source=x");
    let posts = Array::new();
    let runner = start(net(settings(&[("attribution", s("last"))]), posts.clone()));
    refuse_beacons();
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    let landing = href();
    assert_eq!(
        reported_visits(&posts),
        [("alice".to_owned(), landing.clone())]
    );
    // Back on the same landing through the router, and a call that re-runs nothing: no new report.
    let history = global_get("history");
    call(
        &history,
        "pushState",
        &[&JsValue::NULL, &s(""), &s("/other")],
    )
    .unwrap();
    call(
        &history,
        "pushState",
        &[&JsValue::NULL, &s(""), &s("/?ref=alice&utm_source=x")],
    )
    .unwrap();
    run(&runner, &["consent", "grant"]);
    assert_eq!(
        reported_visits(&posts).len(),
        1,
        "{:?}",
        reported_visits(&posts)
    );
    // A new landing is a new report.
    call(
        &history,
        "pushState",
        &[&JsValue::NULL, &s(""), &s("/?ref=bea")],
    )
    .unwrap();
    let visits = reported_visits(&posts);
    allow_beacons();
    assert_eq!(visits.len(), 2, "{visits:?}");
    assert_eq!(visits[1], ("bea".to_owned(), href()));
    clear_cookies();
    go("/");
}

/// Within one document a key is reported once: a `#faq` click (`hashchange`) or a router's move
/// to another address that keeps `?ref=alice` is not another click; a different key is a new
/// landing.
#[wasm_bindgen_test]
async fn a_key_is_reported_once_per_document() {
    clear_cookies();
    go("/?ref=alice");
    let posts = Array::new();
    let runner = start(net(settings(&[]), posts.clone()));
    refuse_beacons();
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(reported_visits(&posts).len(), 1);
    Reflect::set(&global_get("location"), &s("hash"), &s("faq")).unwrap();
    // `hashchange` is dispatched as a task. (Trackers of earlier tests see it too, and one with
    // `clean_url` may then remove `ref=alice` from the address: this tracker saw it first.)
    sleep(50).await;
    let history = global_get("history");
    let push = |to: &str| {
        call(&history, "pushState", &[&JsValue::NULL, &s(""), &s(to)]).unwrap();
    };
    push("/other?ref=alice");
    let visits = reported_visits(&posts);
    assert_eq!(visits.len(), 1, "{visits:?}");
    push("/x?ref=bob");
    let visits = reported_visits(&posts);
    allow_beacons();
    assert_eq!(visits.len(), 2, "{visits:?}");
    assert_eq!(visits[1], ("bob".to_owned(), href()));
    clear_cookies();
    go("/");
}

/// Records every string written to `document.cookie` (an own accessor over `Document`'s);
/// [`stop_recording_cookie_writes`] removes it.
fn record_cookie_writes() -> Array {
    let writes = Array::new();
    let prototype = get(&global_get("Document"), "prototype");
    let prototype: Object = prototype.unchecked_into();
    let descriptor = Object::get_own_property_descriptor(&prototype, &s("cookie"));
    let (getter, setter): (Function, Function) = (
        get(&descriptor, "get").unchecked_into(),
        get(&descriptor, "set").unchecked_into(),
    );
    let doc = document();
    let (doc_get, doc_set, seen) = (doc.clone(), doc.clone(), writes.clone());
    let get_cookie = Closure::<dyn Fn() -> JsValue>::new(move || getter.call0(&doc_get).unwrap());
    let set_cookie = Closure::<dyn Fn(JsValue)>::new(move |value: JsValue| {
        seen.push(&value);
        setter.call1(&doc_set, &value).unwrap();
    });
    let own = object(&[
        ("get", get_cookie.into_js_value()),
        ("set", set_cookie.into_js_value()),
        ("configurable", JsValue::TRUE),
    ]);
    let doc: Object = doc.unchecked_into();
    Object::define_property(&doc, &s("cookie"), own.unchecked_ref());
    writes
}

fn stop_recording_cookie_writes() {
    let doc: Object = document().unchecked_into();
    Reflect::delete_property(&doc, &s("cookie")).unwrap();
}

#[wasm_bindgen_test]
async fn a_lifetime_cookie_is_renewed_on_visits_without_a_key() {
    clear_cookies();
    set_cookie(&format!("{REFERRAL_COOKIE}=bob; Path=/; Max-Age=600"));
    go("/pricing");
    let writes = record_cookie_writes();
    let runner = start(net(
        settings(&[("cookie_time", s("lifetime"))]),
        Array::new(),
    ));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    stop_recording_cookie_writes();
    let renewed: Vec<String> = writes
        .iter()
        .filter_map(|w| w.as_string())
        .filter(|w| w.starts_with("partnero_referral=bob;"))
        .collect();
    assert_eq!(renewed.len(), 1, "{renewed:?}");
    assert!(
        renewed[0].contains("Max-Age=34560000"),
        "400 days: {}",
        renewed[0]
    );
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("bob"));

    // With a number of days, a visit without a key leaves the cookie alone.
    let writes = record_cookie_writes();
    let runner = start(net(settings(&[]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    stop_recording_cookie_writes();
    assert!(
        !writes.iter().any(|w| w
            .as_string()
            .is_some_and(|w| w.starts_with("partnero_referral="))),
        "{:?}",
        writes.to_vec()
    );
    clear_cookies();
    go("/");
}

/// Sets (`Some`) or removes (`None`) an own property of `navigator`.
fn navigator_says(name: &str, value: Option<JsValue>) {
    let navigator: Object = global_get("navigator").unchecked_into();
    match value {
        Some(value) => {
            let own = object(&[("value", value), ("configurable", JsValue::TRUE)]);
            Object::define_property(&navigator, &s(name), own.unchecked_ref());
        }
        None => {
            Reflect::delete_property(&navigator, &s(name)).unwrap();
        }
    }
}

#[wasm_bindgen_test]
async fn programs_honouring_gpc_and_dnt_track_nothing_when_the_browser_asks() {
    let honouring = || settings(&[("honor_gpc", JsValue::TRUE)]);
    for (signal, value) in [
        ("globalPrivacyControl", JsValue::TRUE),
        ("doNotTrack", s("1")),
    ] {
        clear_cookies();
        go("/?ref=hana");
        navigator_says(signal, Some(value));
        let posts = Array::new();
        refuse_beacons();
        let runner = start(net(honouring(), posts.clone()));
        run(&runner, &["program", "P1", "load"]);
        settle().await;
        allow_beacons();
        navigator_says(signal, None);
        assert_eq!(cookie(REFERRAL_COOKIE), None, "{signal}");
        assert_eq!(cookie(VISITOR_COOKIE), None, "{signal}");
        assert_eq!(reported_visits(&posts), [], "{signal}");
    }
    // The same browser signal, for a program that does not honour it, changes nothing.
    clear_cookies();
    go("/?ref=hana");
    navigator_says("globalPrivacyControl", Some(JsValue::TRUE));
    let runner = start(net(settings(&[]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    navigator_says("globalPrivacyControl", None);
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("hana"));
    // And a program honouring it tracks a browser that does not send it.
    clear_cookies();
    let runner = start(net(honouring(), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("hana"));
    clear_cookies();
    go("/");
}

#[wasm_bindgen_test]
async fn the_visit_report_carries_the_landing() {
    clear_cookies();
    go("/aff/erin?x=1");
    let posts = Array::new();
    let runner = start(net(settings(&[("url_format", s("link"))]), posts.clone()));
    refuse_beacons();
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    allow_beacons();
    assert_eq!(posts.length(), 1);
    let post = Array::from(&posts.get(0));
    assert_eq!(
        post.get(0).as_string().as_deref(),
        Some("http://collector.test/pub/visits")
    );
    assert_eq!(post.get(2), JsValue::TRUE, "the keepalive fallback");
    let body = json(&post.get(1).as_string().unwrap());
    assert_eq!(get(&body, "program").as_string().as_deref(), Some("P1"));
    assert_eq!(get(&body, "key").as_string().as_deref(), Some("erin"));
    assert_eq!(get(&body, "format").as_string().as_deref(), Some("link"));
    assert_eq!(get(&body, "url").as_string(), Some(href()));
    assert_eq!(get(&body, "visitor").as_string(), cookie(VISITOR_COOKIE));
    clear_cookies();
    go("/");
}

#[wasm_bindgen_test]
async fn first_click_keeps_the_existing_key_and_last_click_replaces_it() {
    clear_cookies();
    set_cookie(&format!("{REFERRAL_COOKIE}=bob; Path=/; Max-Age=600"));
    go("/?via=alice");
    let runner = start(net(settings(&[]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("bob"));

    let runner = start(net(settings(&[("attribution", s("last"))]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("alice"));
    clear_cookies();
}

#[wasm_bindgen_test]
async fn page_overrides_apply_over_the_collector_settings() {
    clear_cookies();
    go("/?ref=frank");
    let runner = start(net(settings(&[]), Array::new()));
    run(&runner, &["program", "P1", "type", "affiliate"]);
    run(
        &runner,
        &["program", "P1", "settings", "cookie_time", "nonsense"],
    );
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE), None);
    assert_eq!(cookie(PARTNER_COOKIE).as_deref(), Some("frank"));
    set_cookie(&format!("{PARTNER_COOKIE}=; Path=/; Max-Age=0"));
    clear_cookies();
    go("/");
}

#[wasm_bindgen_test]
async fn consent_holds_the_key_until_granted_and_revoke_deletes() {
    clear_cookies();
    go("/aff/carol");
    let runner = start(net(
        settings(&[("consent_required", JsValue::TRUE)]),
        Array::new(),
    ));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE), None, "held until consent");
    run(&runner, &["consent", "grant"]);
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("carol"));
    run(&runner, &["consent", "revoke"]);
    assert_eq!(cookie(REFERRAL_COOKIE), None);
    assert_eq!(cookie(VISITOR_COOKIE), None);
    go("/");
}

/// A consent tool replays a stored "deny" (`po('consent','revoke')`) before the user ever granted,
/// queued before or after `load`: in a program that requires consent, the landing's key is still
/// held in memory (nothing written or sent), and a later grant writes it and reports the visit once.
#[wasm_bindgen_test]
async fn a_revoke_before_any_grant_still_holds_the_key_for_a_later_grant() {
    for revoke_first in [true, false] {
        clear_cookies();
        go("/?ref=alice");
        let posts = Array::new();
        let runner = start(net(
            settings(&[("consent_required", JsValue::TRUE)]),
            posts.clone(),
        ));
        refuse_beacons();
        if revoke_first {
            run(&runner, &["consent", "revoke"]);
        }
        run(&runner, &["program", "P1", "load"]);
        if !revoke_first {
            // Waits for the settings, behind the request.
            run(&runner, &["consent", "revoke"]);
        }
        settle().await;
        assert_eq!(
            cookie(REFERRAL_COOKIE),
            None,
            "revoke first: {revoke_first}"
        );
        assert_eq!(cookie(VISITOR_COOKIE), None, "revoke first: {revoke_first}");
        assert_eq!(reported_visits(&posts), [], "revoke first: {revoke_first}");
        run(&runner, &["consent", "grant"]);
        run(&runner, &["consent", "grant"]);
        let visits = reported_visits(&posts);
        allow_beacons();
        assert_eq!(
            cookie(REFERRAL_COOKIE).as_deref(),
            Some("alice"),
            "revoke first: {revoke_first}"
        );
        assert_eq!(visits.len(), 1, "revoke first: {revoke_first}: {visits:?}");
        assert_eq!(visits[0].0, "alice");
    }
    clear_cookies();
    go("/");
}

/// After `po('consent','revoke')` nothing is written or sent until `po('consent','grant')`, also in
/// a program that does not require consent: an address change with a key writes no cookie and
/// reports no visit (the navigation is handed to this tracker alone, as its history hooks do).
#[wasm_bindgen_test]
async fn after_a_revoke_nothing_is_written_or_sent_until_a_grant() {
    const NAVIGATED: f64 = 1.0;
    clear_cookies();
    go("/?ref=ida");
    let posts = Array::new();
    let runner = start(net(settings(&[]), posts.clone()));
    refuse_beacons();
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("ida"));
    assert_eq!(reported_visits(&posts).len(), 1);
    run(&runner, &["consent", "revoke"]);
    assert_eq!(cookie(REFERRAL_COOKIE), None);
    assert_eq!(cookie(VISITOR_COOKIE), None);
    let writes = record_cookie_writes();
    for to in ["/?ref=jon", "/p#ref=kim"] {
        go(to);
        runner
            .call2(
                &JsValue::NULL,
                &JsValue::from_f64(NAVIGATED),
                &JsValue::UNDEFINED,
            )
            .unwrap();
    }
    stop_recording_cookie_writes();
    assert_eq!(writes.length(), 0, "{:?}", writes.to_vec());
    assert_eq!(reported_visits(&posts).len(), 1);
    run(&runner, &["consent", "grant"]);
    go("/?ref=lea");
    runner
        .call2(
            &JsValue::NULL,
            &JsValue::from_f64(NAVIGATED),
            &JsValue::UNDEFINED,
        )
        .unwrap();
    let visits = reported_visits(&posts);
    allow_beacons();
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("lea"));
    assert_eq!(visits.len(), 2, "{visits:?}");
    assert_eq!(visits[1].0, "lea");
    clear_cookies();
    go("/");
}

#[wasm_bindgen_test]
async fn invalid_keys_are_never_written() {
    clear_cookies();
    go("/?ref=%3Cscript%3E");
    let runner = start(net(settings(&[]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE), None);
    go("/");
}

#[wasm_bindgen_test]
async fn spa_navigation_rereads_the_key() {
    clear_cookies();
    go("/");
    let runner = start(net(settings(&[("attribution", s("last"))]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE), None);
    let history = global_get("history");
    call(
        &history,
        "pushState",
        &[&JsValue::NULL, &s(""), &s("/product?ref=dave")],
    )
    .unwrap();
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("dave"));
    call(
        &history,
        "replaceState",
        &[&JsValue::NULL, &s(""), &s("/product?ref=erin")],
    )
    .unwrap();
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("erin"));
    // Back/forward: the address changes without a history call, then `popstate` fires.
    go("/product?ref=fay");
    let class: Function = global_get("PopStateEvent").unchecked_into();
    let event = Reflect::construct(&class, &Array::of1(&s("popstate"))).unwrap();
    call(&js_sys::global(), "dispatchEvent", &[&event]).unwrap();
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("fay"));
    // A fragment link (`#ref=KEY`) changes only the hash: `hashchange`.
    go("/product");
    Reflect::set(&global_get("location"), &s("hash"), &s("ref=gus")).unwrap();
    for _ in 0..50 {
        if cookie(REFERRAL_COOKIE).as_deref() == Some("gus") {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("gus"));
    clear_cookies();
    go("/");
}

#[wasm_bindgen_test]
async fn signups_and_transactions_are_sent_with_the_referral() {
    clear_cookies();
    go("/?ref=gina");
    let posts = Array::new();
    let runner = start(net(settings(&[]), posts.clone()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    go("/");
    let signup = object(&[(
        "data",
        object(&[
            ("key", s(" u_42 ")),
            ("email", s("bob@example.com")),
            ("tags", list(&["beta"])),
        ]),
    )]);
    let sale = object(&[
        (
            "data",
            object(&[
                ("key", s("inv_1")),
                ("amount", s("49.90")),
                ("customer", object(&[("key", s("u_42"))])),
            ]),
        ),
        ("options", object(&[("create_customer", JsValue::TRUE)])),
    ]);
    let bad_sale = object(&[("data", object(&[("amount", s("lots"))]))]);
    refuse_beacons();
    for (what, object) in [
        (["customers", "signup"], &signup),
        (["customers", "signup"], &object(&[])),
        (["transactions", "create"], &sale),
        (["transactions", "create"], &bad_sale),
    ] {
        run_call(&runner, &Array::of3(&s(what[0]), &s(what[1]), object));
    }
    wait_for_posts(&posts, 2).await;
    allow_beacons();
    assert_eq!(
        posts.length(),
        2,
        "the sign-up and the valid sale (sendBeacon took the visit)"
    );
    let sent = |i: u32| Array::from(&posts.get(i));
    assert_eq!(
        sent(0).get(0).as_string().as_deref(),
        Some("http://collector.test/pub/signups")
    );
    let visitor = cookie(VISITOR_COOKIE).unwrap();
    assert_eq!(
        sent(0).get(1).as_string().unwrap(),
        format!(
            r#"{{"program":"P1","visitor":"{visitor}","referral":"gina","customer":{{"key":"u_42","email":"bob@example.com","tags":["beta"]}}}}"#
        )
    );
    assert_eq!(
        sent(1).get(0).as_string().as_deref(),
        Some("http://collector.test/pub/transactions")
    );
    assert_eq!(
        sent(1).get(1).as_string().unwrap(),
        format!(
            r#"{{"program":"P1","visitor":"{visitor}","referral":"gina","transaction":{{"key":"inv_1","amount":49.9,"customer":{{"key":"u_42"}}}},"options":{{"create_customer":true}}}}"#
        )
    );
    clear_cookies();
}

#[wasm_bindgen_test]
fn bodies_leave_absent_fields_out_and_check_the_data() {
    let bob = customer(&object(&[
        ("key", s("u_1")),
        ("email", s("bob@example.com")),
        ("name", s("   ")),
        ("tags", list(&[])),
    ]));
    assert_eq!(
        signup_body("P1", "", "alice", &bob),
        r#"{"program":"P1","referral":"alice","customer":{"key":"u_1","email":"bob@example.com"}}"#
    );
    assert_eq!(
        signup_body("P1", "", "", &customer(&object(&[]))),
        "!customers signup needs data.key or data.email"
    );
    let sale = object(&[(
        "data",
        object(&[("key", s("inv_1")), ("amount", s(" 049.90"))]),
    )]);
    assert_eq!(
        transaction_body("P1", "v", "", &sale),
        r#"{"program":"P1","visitor":"v","transaction":{"key":"inv_1","amount":49.9,"customer":{}},"options":{"create_customer":false}}"#
    );
    let no_amount = object(&[("data", object(&[("key", s("inv_1"))]))]);
    assert_eq!(
        transaction_body("P1", "", "", &no_amount),
        r#"{"program":"P1","transaction":{"key":"inv_1","customer":{}},"options":{"create_customer":false}}"#
    );
    assert_eq!(
        transaction_body(
            "P1",
            "",
            "",
            &object(&[("data", object(&[("amount", JsValue::TRUE)]))])
        ),
        "!transaction amount is not a number of at least 0"
    );
    assert_eq!(
        transaction_body(
            "P1",
            "",
            "",
            &object(&[("data", object(&[("amount", JsValue::from(-5))]))])
        ),
        "!transaction amount is not a number of at least 0"
    );
}

/// `po('customers','signup',{data:{key: user.id}})` with a numeric id: customer keys, transaction
/// keys and a transaction's customer key that are safe integers or BigInts are sent as their
/// decimal text (the collector takes keys as strings).
#[wasm_bindgen_test]
fn number_keys_are_sent_as_decimal_text() {
    let n = |v: f64| JsValue::from_f64(v);
    let signup = customer(&object(&[
        ("key", n(42.0)),
        ("email", s("bob@example.com")),
    ]));
    assert_eq!(
        signup_body("P1", "", "", &signup),
        r#"{"program":"P1","customer":{"key":"42","email":"bob@example.com"}}"#
    );
    let sale = object(&[(
        "data",
        object(&[
            ("key", n(1001.0)),
            ("amount", n(49.0)),
            ("customer", object(&[("key", n(42.0))])),
        ]),
    )]);
    assert_eq!(
        transaction_body("P1", "", "", &sale),
        r#"{"program":"P1","transaction":{"key":"1001","amount":49,"customer":{"key":"42"}},"options":{"create_customer":false}}"#
    );
    assert_eq!(
        get(&customer(&object(&[("key", n(-7.0))])), "key")
            .as_string()
            .as_deref(),
        Some("-7")
    );
    let big = js_sys::BigInt::new(&s("18446744073709551617")).unwrap();
    let sale = object(&[(
        "data",
        object(&[
            ("key", big.clone().into()),
            ("customer", object(&[("key", big.into())])),
        ]),
    )]);
    assert_eq!(
        transaction_body("P1", "", "", &sale),
        r#"{"program":"P1","transaction":{"key":"18446744073709551617","customer":{"key":"18446744073709551617"}},"options":{"create_customer":false}}"#
    );
}

const NUMBER_KEY_WARNING: &str = "a number key must be a safe integer: pass it as text";

/// A key that is a number but not a safe integer (`2 ** 53`, `1.5`, NaN: its digits may be lost
/// already) is no key the collector takes: the sign-up or transaction is not sent (the collector
/// would refuse it with a 422 nobody sees) and a warning names the problem, on the console.
#[wasm_bindgen_test]
async fn number_keys_that_are_not_safe_integers_are_a_warning_not_a_lost_request() {
    let n = |v: f64| JsValue::from_f64(v);
    let not_keys = [9_007_199_254_740_992.0, 1.5, -0.5, f64::NAN, f64::INFINITY];
    for not_a_key in not_keys {
        let who = customer(&object(&[
            ("key", n(not_a_key)),
            ("email", s("bob@example.com")),
        ]));
        assert_eq!(
            signup_body("P1", "", "", &who),
            format!("!{NUMBER_KEY_WARNING}"),
            "{not_a_key}"
        );
        let who = customer(&object(&[("key", n(not_a_key))]));
        assert_eq!(
            signup_body("P1", "", "", &who),
            format!("!{NUMBER_KEY_WARNING}"),
            "{not_a_key}"
        );
        for (sale_key, buyer_key) in [(n(not_a_key), s("u_1")), (s("inv_1"), n(not_a_key))] {
            let sale = object(&[(
                "data",
                object(&[
                    ("key", sale_key),
                    ("amount", n(5.0)),
                    ("customer", object(&[("key", buyer_key)])),
                ]),
            )]);
            assert_eq!(
                transaction_body("P1", "", "", &sale),
                format!("!{NUMBER_KEY_WARNING}"),
                "{not_a_key}"
            );
        }
    }

    // Through the tracker: no request, one warning per call.
    let warnings = Array::new();
    let console = global_get("console");
    let original = get(&console, "warn");
    let seen = warnings.clone();
    let record = Closure::<dyn Fn(JsValue)>::new(move |m: JsValue| {
        seen.push(&m);
    })
    .into_js_value();
    Reflect::set(&console, &s("warn"), &record).unwrap();
    clear_cookies();
    go("/");
    let posts = Array::new();
    let runner = start(net(settings(&[]), posts.clone()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    refuse_beacons();
    let signup = object(&[(
        "data",
        object(&[
            ("key", n(9_007_199_254_740_993.0)),
            ("email", s("bob@example.com")),
        ]),
    )]);
    let sale = object(&[("data", object(&[("key", n(1.5)), ("amount", n(5.0))]))]);
    run_call(&runner, &Array::of3(&s("customers"), &s("signup"), &signup));
    run_call(
        &runner,
        &Array::of3(&s("transactions"), &s("create"), &sale),
    );
    for _ in 0..100 {
        if warnings.length() >= 2 {
            break;
        }
        sleep(20).await;
    }
    sleep(50).await;
    allow_beacons();
    Reflect::set(&console, &s("warn"), &original).unwrap();
    assert_eq!(posts.length(), 0, "{:?}", posts.to_vec());
    let warnings: Vec<String> = warnings.iter().filter_map(|w| w.as_string()).collect();
    let expected = format!("[partnero] {NUMBER_KEY_WARNING}");
    assert_eq!(warnings, [expected.clone(), expected]);
    clear_cookies();
}

/// What the collector refuses with a 422 (losing the sale) never leaves the tracker: a computed
/// amount such as `9.95 * 3` (29.849999999999998) is rounded to cents, and a transaction's
/// customer is sent without `tags` (`/pub/transactions` takes key, email and name only).
#[wasm_bindgen_test]
fn transaction_amounts_are_cents_and_their_customer_has_no_tags() {
    let n = JsValue::from_f64;
    assert_eq!(amount(&n(9.95 * 3.0)).as_f64(), Some(29.85));
    assert_eq!(amount(&n(0.1 + 0.2)).as_f64(), Some(0.3));
    assert_eq!(amount(&n(49.999)).as_f64(), Some(50.0));
    assert_eq!(amount(&n(12.0)).as_f64(), Some(12.0));
    let sale = object(&[(
        "data",
        object(&[
            ("key", s("inv_7")),
            ("amount", n(9.95 * 3.0)),
            (
                "customer",
                object(&[
                    ("key", s("u_7")),
                    ("email", s("bob@example.com")),
                    ("tags", list(&["vip"])),
                ]),
            ),
        ]),
    )]);
    assert_eq!(
        transaction_body("P1", "", "", &sale),
        r#"{"program":"P1","transaction":{"key":"inv_7","amount":29.85,"customer":{"key":"u_7","email":"bob@example.com"}},"options":{"create_customer":false}}"#
    );
    // Sign-ups keep their tags.
    let signup = customer(&object(&[("key", s("u_7")), ("tags", list(&["vip"]))]));
    assert_eq!(
        signup_body("P1", "", "", &signup),
        r#"{"program":"P1","customer":{"key":"u_7","tags":["vip"]}}"#
    );
}

/// Amounts are rounded half up on their decimal text, not on the binary value: `1.005` (binary
/// 1.00499999999999989…) is 1.01 and `0.145` is 0.15; a computed zero such as `0.3 - 0.1 - 0.2`
/// (-2.8e-17) is 0, not a negative amount that loses the sale; an amount too large for a number
/// once in cents (`1e307`) is refused, not sent as `null`; and a decimal string with more than 2
/// decimals, which the collector refuses, is rounded the same way.
#[wasm_bindgen_test]
fn amounts_round_half_up_on_their_decimal_text() {
    let n = JsValue::from_f64;
    for (value, cents) in [
        (n(1.005), 1.01),
        (n(0.145), 0.15),
        (n(2.675), 2.68),
        (n(0.3 - 0.1 - 0.2), 0.0),
        (n(-0.004), 0.0),
        (n(1e-7), 0.0),
        (n(0.125), 0.13),
        (s("49.999"), 50.0),
        (s("1.005"), 1.01),
        (s(" 0.145 "), 0.15),
        (s("12.3456"), 12.35),
        (s("49."), 49.0),
    ] {
        assert_eq!(amount(&value).as_f64(), Some(cents), "{value:?}");
    }
    for refused in [
        n(1e307),
        n(f64::MAX),
        n(-0.006),
        n(f64::NEG_INFINITY),
        n(f64::NAN),
    ] {
        assert!(
            amount(&refused).as_f64().is_some_and(f64::is_nan),
            "{refused:?}"
        );
    }
    let sale =
        |amount: JsValue| object(&[("data", object(&[("key", s("inv_8")), ("amount", amount)]))]);
    assert_eq!(
        transaction_body("P1", "", "", &sale(n(0.3 - 0.1 - 0.2))),
        r#"{"program":"P1","transaction":{"key":"inv_8","amount":0,"customer":{}},"options":{"create_customer":false}}"#
    );
    assert_eq!(
        transaction_body("P1", "", "", &sale(s("49.999"))),
        r#"{"program":"P1","transaction":{"key":"inv_8","amount":50,"customer":{}},"options":{"create_customer":false}}"#
    );
    assert_eq!(
        transaction_body("P1", "", "", &sale(n(1e307))),
        "!transaction amount is not a number of at least 0"
    );
}

/// The customer object stays within what `/pub/signups` accepts: a name of at most 255
/// characters, at most 20 tags of 1–64 characters.
#[wasm_bindgen_test]
fn customers_keep_to_the_collectors_limits() {
    let long_tag = "t".repeat(65);
    let mut tags: Vec<String> = vec![" spaced ".into(), long_tag, String::new()];
    tags.extend((0..30).map(|i| format!("tag{i}")));
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let c = customer(&object(&[
        ("key", s("u_1")),
        ("name", s(&"n".repeat(256))),
        ("tags", list(&tags)),
    ]));
    assert_eq!(
        Reflect::get(&c, &"name".into()).unwrap(),
        JsValue::UNDEFINED
    );
    let kept: Vec<String> = Array::from(&Reflect::get(&c, &"tags".into()).unwrap())
        .iter()
        .filter_map(|t| t.as_string())
        .collect();
    assert_eq!(kept.len(), 20);
    assert_eq!(kept[0], "spaced");
    assert_eq!(kept[1], "tag0");
    assert_eq!(kept[19], "tag18");
    let named = customer(&object(&[("name", s(&"n".repeat(255)))]));
    assert_eq!(
        Reflect::get(&named, &"name".into())
            .unwrap()
            .as_string()
            .map(|n| n.len()),
        Some(255)
    );
}

#[wasm_bindgen_test]
fn fields_and_amounts() {
    assert_eq!(clean_text(&s("  Bob ")).as_string().as_deref(), Some("Bob"));
    assert_eq!(clean_text(&s("   ")), JsValue::UNDEFINED);
    assert_eq!(clean_text(&JsValue::from(3)), JsValue::UNDEFINED);
    assert_eq!(clean_text(&s(&"x".repeat(257))), JsValue::UNDEFINED);
    assert_eq!(amount(&JsValue::from(49.5)).as_f64(), Some(49.5));
    assert_eq!(amount(&s("49.95")).as_f64(), Some(49.95));
    assert_eq!(amount(&JsValue::UNDEFINED), JsValue::UNDEFINED);
    assert_eq!(amount(&JsValue::NULL), JsValue::UNDEFINED);
    assert!(amount(&JsValue::from(-0.5)).as_f64().unwrap().is_nan());
    for good in ["49", " 49.95 ", "0", "0.1", "123456789012345"] {
        assert!(
            amount(&s(good)).as_f64().is_some_and(f64::is_finite),
            "{good}"
        );
    }
    for bad in [
        "",
        ".5",
        "4e3",
        "1.2.3",
        "abc",
        "1234567890123456",
        "--1",
        "-5.5",
        "0x10",
        "lots",
    ] {
        assert!(amount(&s(bad)).as_f64().is_some_and(f64::is_nan), "{bad}");
    }
    assert!(
        amount(&JsValue::from(f64::INFINITY))
            .as_f64()
            .unwrap()
            .is_nan()
    );
    assert!(amount(&JsValue::TRUE).as_f64().unwrap().is_nan());
    for yes in [JsValue::TRUE, s("on"), s("1"), JsValue::from(2)] {
        assert!(truthy(&yes));
    }
    for no in [
        JsValue::FALSE,
        s("off"),
        s("maybe"),
        JsValue::from(0),
        JsValue::UNDEFINED,
    ] {
        assert!(!truthy(&no));
    }
}

#[wasm_bindgen_test]
fn sign_up_fields_are_recognised() {
    assert_eq!(classify("email", "", "", ""), "e");
    assert_eq!(classify("text", "user[email]", "", ""), "e");
    assert_eq!(classify("text", "", "signup-email-address", ""), "e");
    assert_eq!(classify("text", "x", "", "section-a email"), "e");
    assert_eq!(classify("text", "full_name", "", ""), "n");
    assert_eq!(classify("text", "", "", "name"), "n");
    assert_eq!(classify("text", "first-name", "", ""), "f");
    assert_eq!(classify("text", "", "", "family-name"), "l");
    assert_eq!(classify("password", "email", "", ""), "");
    assert_eq!(classify("hidden", "email", "", ""), "");
    assert_eq!(classify("text", "username", "", ""), "");
    assert_eq!(classify("text", "company", "", ""), "");
    assert_eq!(classify("text", "constructor", "", "toString"), "");
    assert!(looks_like_email("bob@example.com"));
    for bad in [
        "",
        "bob",
        "@example.com",
        "bob@example",
        "bob@.com",
        "bob@x.",
        "b ob@x.com",
        "a@b@c.de",
    ] {
        assert!(!looks_like_email(bad), "{bad}");
    }
    assert_eq!(
        full_name(" Bob Smith ", "x", "y").as_string().as_deref(),
        Some("Bob Smith")
    );
    assert_eq!(
        full_name("", "Bob", "Smith").as_string().as_deref(),
        Some("Bob Smith")
    );
    assert_eq!(
        full_name("", "", "Smith").as_string().as_deref(),
        Some("Smith")
    );
    assert_eq!(full_name("", " ", ""), JsValue::UNDEFINED);
}

fn element(tag: &str, attributes: &[(&str, &str)]) -> JsValue {
    let e = call(&document(), "createElement", &[&s(tag)]).unwrap();
    for (k, v) in attributes {
        call(&e, "setAttribute", &[&s(k), &s(v)]).unwrap();
    }
    e
}

#[wasm_bindgen_test]
fn sign_up_forms_are_read_from_their_fields() {
    let form = element("form", &[]);
    for (attrs, value) in [
        (vec![("type", "text"), ("name", "first_name")], "Bob"),
        (vec![("type", "text"), ("name", "last_name")], "Smith"),
        (
            vec![("type", "email"), ("name", "user[email]")],
            " bob@example.com ",
        ),
        (
            vec![("type", "email"), ("name", "backup_email")],
            "other@example.com",
        ),
        (vec![("type", "password"), ("name", "password")], "secret"),
    ] {
        let input = element("input", &attrs);
        Reflect::set(&input, &s("value"), &s(value)).unwrap();
        call(&form, "append", &[&input]).unwrap();
    }
    let inputs = call(&form, "querySelectorAll", &[&s("input")]).unwrap();
    let customer = read_inputs(&inputs);
    assert_eq!(
        get(&customer, "email").as_string().as_deref(),
        Some("bob@example.com")
    );
    assert_eq!(
        get(&customer, "name").as_string().as_deref(),
        Some("Bob Smith")
    );
    let only_bad = element("form", &[]);
    let input = element("input", &[("type", "email"), ("name", "email")]);
    Reflect::set(&input, &s("value"), &s("not an e-mail")).unwrap();
    call(&only_bad, "append", &[&input]).unwrap();
    let inputs = call(&only_bad, "querySelectorAll", &[&s("input")]).unwrap();
    assert_eq!(read_inputs(&inputs), JsValue::UNDEFINED);
}

#[wasm_bindgen_test]
async fn the_universal_capture_reports_a_submitted_sign_up_form_once() {
    clear_cookies();
    go("/");
    let posts = Array::new();
    let runner = start(net(settings(&[]), posts.clone()));
    run(&runner, &["program", "P1", "load"]);
    run(&runner, &["integration", "universal"]);
    // The capture starts once the lazy chunk is loaded.
    sleep(300).await;
    let form = element("form", &[]);
    let input = element("input", &[("type", "email"), ("name", "email")]);
    Reflect::set(&input, &s("value"), &s("dana@example.com")).unwrap();
    call(&form, "append", &[&input]).unwrap();
    // Submitting for real would navigate away: the submit event is what the capture listens to.
    let submit = |target: &JsValue| {
        let event_class: Function = global_get("Event").unchecked_into();
        let event = Reflect::construct(
            &event_class,
            &Array::of2(
                &s("submit"),
                &object(&[("bubbles", JsValue::TRUE), ("cancelable", JsValue::TRUE)]),
            ),
        )
        .unwrap();
        call(&get(&document(), "body"), "append", &[target]).unwrap();
        call(target, "dispatchEvent", &[&event]).unwrap();
        call(target, "remove", &[]).unwrap();
    };
    refuse_beacons();
    submit(&form);
    submit(&form);
    let ignored = element("form", &[("data-partnero-ignore", "")]);
    let other = element("input", &[("type", "email")]);
    Reflect::set(&other, &s("value"), &s("erin@example.com")).unwrap();
    call(&ignored, "append", &[&other]).unwrap();
    submit(&ignored);
    wait_for_posts(&posts, 2).await;
    allow_beacons();
    assert_eq!(
        posts.length(),
        1,
        "one sign-up; the ignored form is not read"
    );
    let post = Array::from(&posts.get(0));
    assert_eq!(
        post.get(0).as_string().as_deref(),
        Some("http://collector.test/pub/signups")
    );
    let body = json(&post.get(1).as_string().unwrap());
    assert_eq!(
        get(&get(&body, "customer"), "email").as_string().as_deref(),
        Some("dana@example.com")
    );
}

#[wasm_bindgen_test]
async fn the_refer_a_friend_form_renders_with_labels_and_posts_the_email() {
    let target = element("div", &[("id", "raf")]);
    call(&get(&document(), "body"), "append", &[&target]).unwrap();
    let posts = Array::new();
    let runner = start(net(settings(&[]), posts.clone()));
    go("/");
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    let options = object(&[("target", s("#raf")), ("name", JsValue::TRUE)]);
    run_call(&runner, &Array::of3(&s("form"), &s("render"), &options));
    // The form lives in its own chunk, loaded on first use.
    for _ in 0..50 {
        if call(&target, "querySelector", &[&s("form")])
            .unwrap()
            .is_object()
        {
            break;
        }
        sleep(20).await;
    }
    let inputs = call(&target, "querySelectorAll", &[&s("label > input")]).unwrap();
    assert_eq!(
        get(&inputs, "length").as_f64(),
        Some(2.0),
        "e-mail and name inputs inside labels"
    );
    let email = get(&inputs, "0");
    Reflect::set(&email, &s("value"), &s("carol@example.com")).unwrap();
    let form = call(&target, "querySelector", &[&s("form")]).unwrap();
    call(&form, "requestSubmit", &[]).unwrap();
    settle().await;
    assert_eq!(posts.length(), 1);
    let post = Array::from(&posts.get(0));
    assert_eq!(
        post.get(0).as_string().as_deref(),
        Some("http://collector.test/pub/referral-links")
    );
    assert_eq!(
        post.get(1).as_string().as_deref(),
        Some(r#"{"program":"P1","email":"carol@example.com"}"#)
    );
    call(&target, "remove", &[]).unwrap();
}

#[wasm_bindgen_test]
async fn the_form_chunk_shows_share_links_and_rejects_unsafe_links() {
    for (link, safe) in [
        ("https://shop.test/?ref=carol", true),
        ("javascript:alert(1)", false),
    ] {
        let target = element("div", &[("data-partnero-button", "Go")]);
        call(&get(&document(), "body"), "append", &[&target]).unwrap();
        let answer = object(&[("data", object(&[("referral_link", s(link))]))]);
        let answering = Closure::<dyn FnMut(JsValue, JsValue) -> JsValue>::new(move |_, _| {
            Promise::resolve(&answer).into()
        })
        .into_js_value();
        let options = object(&[
            ("program", s("P1")),
            ("endpoint", s("http://collector.test/x")),
        ]);
        render_form(&target, &options, &answering);
        let button = call(&target, "querySelector", &[&s("button")]).unwrap();
        assert_eq!(
            get(&button, "textContent").as_string().as_deref(),
            Some("Go")
        );
        let email = call(&target, "querySelector", &[&s("input[type=email]")]).unwrap();
        Reflect::set(&email, &s("value"), &s("not an e-mail")).unwrap();
        let form = call(&target, "querySelector", &[&s("form")]).unwrap();
        call(&form, "requestSubmit", &[]).unwrap();
        let status = call(&target, "querySelector", &[&s("[role=status]")]).unwrap();
        assert_eq!(
            get(&status, "textContent").as_string().as_deref(),
            Some("Please enter a valid e-mail address.")
        );
        Reflect::set(&email, &s("value"), &s("carol@example.com")).unwrap();
        call(&form, "requestSubmit", &[]).unwrap();
        settle().await;
        let anchors = call(&target, "querySelectorAll", &[&s("a[href]")]).unwrap();
        if safe {
            assert_eq!(get(&anchors, "length").as_f64(), Some(5.0));
            assert_eq!(
                get(&get(&anchors, "0"), "href").as_string().as_deref(),
                Some("https://x.com/intent/tweet?url=https%3A%2F%2Fshop.test%2F%3Fref%3Dcarol")
            );
            copy_button_copies(&target, &status, link).await;
        } else {
            assert_eq!(get(&anchors, "length").as_f64(), Some(0.0));
            assert!(
                get(&status, "textContent")
                    .as_string()
                    .unwrap()
                    .starts_with("Sorry")
            );
        }
        call(&target, "remove", &[]).unwrap();
    }
}

/// The form's copy button writes the link to the clipboard and says so; when the browser refuses,
/// it selects the link and says how to copy it.
async fn copy_button_copies(target: &JsValue, status: &JsValue, link: &str) {
    let buttons = Array::from(&call(target, "querySelectorAll", &[&s("button")]).unwrap());
    let copy = buttons
        .iter()
        .find(|b| get(b, "textContent").as_string().as_deref() == Some("Copy link"))
        .expect("a copy button");
    for works in [true, false] {
        let copied = Array::new();
        let seen = copied.clone();
        let write = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |text: JsValue| {
            seen.push(&text);
            if works {
                Promise::resolve(&JsValue::UNDEFINED).into()
            } else {
                Promise::reject(&s("NotAllowedError")).into()
            }
        })
        .into_js_value();
        navigator_says("clipboard", Some(object(&[("writeText", write)])));
        call(&copy, "click", &[]).unwrap();
        settle().await;
        navigator_says("clipboard", None);
        assert_eq!(copied.to_vec(), [s(link)]);
        let said = get(status, "textContent").as_string();
        if works {
            assert_eq!(said.as_deref(), Some("Link copied."));
        } else {
            assert_eq!(
                said.as_deref(),
                Some("Press Ctrl+C (\u{2318}C) to copy the selected link.")
            );
        }
    }
}

#[wasm_bindgen_test]
fn share_links_encode_the_link_and_only_web_links_pass() {
    assert!(is_web_link("https://shop.test/?ref=carol_x7"));
    assert!(is_web_link("http://127.0.0.1:8080/aff/x"));
    for bad in [
        "javascript:alert(1)",
        "javascript://x.test/%0aalert(1)",
        "data:text/html,x",
        "https://a b",
        "/rel",
        "https://x\"y",
        "https:///x",
    ] {
        assert!(!is_web_link(bad), "{bad}");
    }
    let links = Array::from(&share_links("https://shop.test/?ref=carol&x=1"));
    let pair = |i: u32| Array::from(&links.get(i));
    assert_eq!(
        pair(0).get(1).as_string().as_deref(),
        Some("https://x.com/intent/tweet?url=https%3A%2F%2Fshop.test%2F%3Fref%3Dcarol%26x%3D1")
    );
    assert_eq!(
        pair(4).get(1).as_string().as_deref(),
        Some("mailto:?body=https%3A%2F%2Fshop.test%2F%3Fref%3Dcarol%26x%3D1")
    );
    let labels: Vec<String> = (0..links.length())
        .map(|i| pair(i).get(0).as_string().unwrap())
        .collect();
    assert_eq!(labels, ["X", "Facebook", "LinkedIn", "WhatsApp", "E-mail"]);
}
