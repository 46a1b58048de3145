//! The browser layer in real headless Chromium (`cargo xtask test` runs this through
//! wasm-bindgen-test-runner and chromedriver): cookie probing and writing on the real document,
//! the command queue, settings loading, attribution, consent, clean URLs, sign-up form reading and
//! the refer-a-friend form (loaded as its own chunk).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use tracker_wasm::cookie::{REFERRAL_COOKIE, VISITOR_COOKIE};
use tracker_wasm::web::cookie_jar::CookieJar;
use tracker_wasm::web::runtime::Runtime;
use tracker_wasm::web::{Tracker, capture, host};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/src/web/form.js")]
extern "C" {
    /// The form chunk's entry point (the tracker loads the same module lazily).
    #[wasm_bindgen(js_name = render)]
    fn render_form(target: &JsValue, options: &JsValue, net: &JsValue, run: &JsValue);
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

fn clear_cookies() {
    let jar = CookieJar {
        domain: None,
        secure: false,
    };
    for name in [REFERRAL_COOKIE, "partnero_partner", VISITOR_COOKIE] {
        jar.delete(name);
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
    let doc = Object::new();
    let domains = Array::of1(&s(&hostname()));
    for (k, v) in [
        ("type", s("referral")),
        ("cookie_time", JsValue::from_f64(30.0)),
        ("domains", domains.into()),
    ] {
        Reflect::set(&doc, &s(k), &v).unwrap();
    }
    for (k, v) in extra {
        Reflect::set(&doc, &s(k), v).unwrap();
    }
    doc.into()
}

/// The loader's `net` helper, answering every GET with `doc` and recording POST bodies.
fn net(doc: JsValue, posts: Array) -> JsValue {
    Closure::<dyn FnMut(JsValue, JsValue, JsValue) -> JsValue>::new(
        move |url: JsValue, body: JsValue, _keep| {
            if body.is_undefined() {
                Promise::resolve(&doc).into()
            } else {
                posts.push(&Array::of2(&url, &body));
                Promise::resolve(&JsValue::NULL).into()
            }
        },
    )
    .into_js_value()
}

/// A booted tracker and its `run(kind, value)` function, as the loader makes them.
struct Booted {
    _tracker: Tracker,
    run: JsValue,
}

/// Boots a tracker as the loader does; the form chunk is found next to the host module.
fn boot(net: JsValue) -> Booted {
    let slot: Rc<RefCell<Option<Rc<Runtime>>>> = Rc::default();
    let inner = slot.clone();
    let run = Closure::<dyn Fn(u32, JsValue) -> JsValue>::new(move |kind, value| {
        let runtime = inner.borrow().clone();
        runtime.map_or(JsValue::UNDEFINED, |r| r.receive(kind, value))
    })
    .into_js_value();
    let tracker = Tracker::new(
        "http://collector.test/js/universal.js".into(),
        net,
        String::new(),
        run.clone(),
    );
    *slot.borrow_mut() = Some(tracker.runtime().clone());
    Booted {
        _tracker: tracker,
        run,
    }
}

fn run_call(booted: &Booted, args: &JsValue) {
    booted
        .run
        .unchecked_ref::<Function>()
        .call2(&JsValue::NULL, &JsValue::from_f64(0.0), args)
        .unwrap();
}

fn run(booted: &Booted, args: &[&str]) {
    let list = Array::new();
    for a in args {
        list.push(&s(a));
    }
    run_call(booted, &list);
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

fn cookie(name: &str) -> Option<String> {
    tracker_wasm::cookie::read_cookie(&host::cookie(), name).map(String::from)
}

#[wasm_bindgen_test]
fn probing_an_ip_host_gives_host_only_cookies() {
    let host = hostname();
    let jar = CookieJar::probe(&host, false);
    assert_eq!(jar.domain, None, "{host}");
    assert_eq!(
        cookie("partnero_probe"),
        None,
        "the probe cookie is removed"
    );
    jar.write("partnero_test", "v1", 60);
    assert_eq!(jar.read("partnero_test").as_deref(), Some("v1"));
    jar.delete("partnero_test");
    assert_eq!(jar.read("partnero_test"), None);
}

#[wasm_bindgen_test]
async fn load_captures_the_key_writes_cookies_and_reports_once() {
    clear_cookies();
    go("/?ref=alice&utm_source=x");
    let posts = Array::new();
    let runner = boot(net(
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
    assert!(tracker_wasm::uuid::is_uuid(&visitor), "{visitor}");
    let href = host::href();
    assert!(
        !href.contains("ref=alice") && href.contains("utm_source=x"),
        "clean_url: {href}"
    );
    // The same landing again (SPA navigation) is not reported twice; sendBeacon took the visit.
    go("/?ref=alice&utm_source=x");
    run(&runner, &["consent", "grant"]);
    assert_eq!(
        posts.length(),
        0,
        "sendBeacon, not the fallback, carried the visit"
    );
    clear_cookies();
}

#[wasm_bindgen_test]
async fn first_click_keeps_the_existing_key_and_last_click_replaces_it() {
    clear_cookies();
    let jar = CookieJar {
        domain: None,
        secure: false,
    };
    jar.write(REFERRAL_COOKIE, "bob", 600);
    go("/?via=alice");
    let runner = boot(net(settings(&[]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("bob"));

    let runner = boot(net(settings(&[("attribution", s("last"))]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE).as_deref(), Some("alice"));
    clear_cookies();
}

#[wasm_bindgen_test]
async fn consent_holds_the_key_until_granted_and_revoke_deletes() {
    clear_cookies();
    go("/aff/carol");
    let runner = boot(net(
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

#[wasm_bindgen_test]
async fn invalid_keys_are_never_written() {
    clear_cookies();
    go("/?ref=%3Cscript%3E");
    let runner = boot(net(settings(&[]), Array::new()));
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    assert_eq!(cookie(REFERRAL_COOKIE), None);
    go("/");
}

#[wasm_bindgen_test]
async fn spa_navigation_rereads_the_key() {
    clear_cookies();
    go("/");
    let runner = boot(net(settings(&[("attribution", s("last"))]), Array::new()));
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
    clear_cookies();
    go("/");
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
        (vec![("type", "password"), ("name", "password")], "secret"),
    ] {
        let input = element("input", &attrs);
        Reflect::set(&input, &s("value"), &s(value)).unwrap();
        call(&form, "append", &[&input]).unwrap();
    }
    let customer = capture::read_form(&form).expect("a customer");
    assert_eq!(customer.email.as_deref(), Some("bob@example.com"));
    assert_eq!(customer.name.as_deref(), Some("Bob Smith"));
    call(
        &form,
        "setAttribute",
        &[&s(capture::IGNORE_ATTRIBUTE), &s("")],
    )
    .unwrap();
    assert_eq!(capture::read_form(&form), None);
}

#[wasm_bindgen_test]
async fn the_refer_a_friend_form_renders_with_labels_and_posts_the_email() {
    let target = element("div", &[("id", "raf")]);
    call(&get(&document(), "body"), "append", &[&target]).unwrap();
    let posts = Array::new();
    let runner = boot(net(settings(&[]), posts.clone()));
    go("/");
    run(&runner, &["program", "P1", "load"]);
    settle().await;
    let options = Object::new();
    Reflect::set(&options, &s("target"), &s("#raf")).unwrap();
    Reflect::set(&options, &s("name"), &JsValue::TRUE).unwrap();
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
    let booted = boot(net(settings(&[]), Array::new()));
    for (link, safe) in [
        ("https://shop.test/?ref=carol", true),
        ("javascript:alert(1)", false),
    ] {
        let target = element("div", &[("data-partnero-button", "Go")]);
        call(&get(&document(), "body"), "append", &[&target]).unwrap();
        let data = Object::new();
        Reflect::set(&data, &s("referral_link"), &s(link)).unwrap();
        let answer = Object::new();
        Reflect::set(&answer, &s("data"), &data).unwrap();
        let answering = Closure::<dyn FnMut(JsValue, JsValue) -> JsValue>::new(move |_, _| {
            Promise::resolve(&answer).into()
        })
        .into_js_value();
        let options = Object::new();
        Reflect::set(&options, &s("program"), &s("P1")).unwrap();
        Reflect::set(&options, &s("endpoint"), &s("http://collector.test/x")).unwrap();
        render_form(&target, &options, &answering, &booted.run);
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
