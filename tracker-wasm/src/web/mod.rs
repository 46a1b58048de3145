//! The browser layer: boots from the loader, turns `po(...)` calls into jobs and runs them against
//! the real document (cookies, history, forms, beacons). Decisions are made by the pure core.

pub mod capture;
pub mod cookie_jar;
pub mod form;
pub mod history;
pub mod js;
pub mod runtime;
pub mod tracker;

use alloc::boxed::Box;
use alloc::string::String;
use js_sys::Function;
use runtime::{Job, Runtime};
use wasm_bindgen::prelude::*;

/// Starts the tracker. `script_src` is the loader's own URL; `net(url, body?, keepalive?)` is the
/// loader's fetch helper (GET JSON when `body` is absent, `text/plain` POST otherwise).
/// Returns the command runner: a function taking one call's arguments as an array.
#[wasm_bindgen]
pub fn boot(script_src: String, net: Function) -> JsValue {
    let runtime = Runtime::new(tracker::Tracker::new(script_src, net));
    js::callback(Box::new(move |args| runtime.dispatch(Job::Call(args))))
}
