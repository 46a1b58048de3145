//! The few JavaScript operations the tracker is built on: property get/set, method calls and
//! callbacks, all through `js_sys::Reflect`/`Function` (a small import surface keeps the wasm-bindgen
//! glue small), plus reading arguments into the core's [`Arg`].

use crate::arg::Arg;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

/// A JavaScript string.
pub fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

/// `globalThis` (the window).
pub fn global() -> JsValue {
    js_sys::global().into()
}

/// `globalThis[name]`.
pub fn global_get(name: &str) -> JsValue {
    get(&global(), name)
}

/// `target[name]`; `undefined` when it throws.
pub fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &s(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `target[index]`.
pub fn item(target: &JsValue, index: u32) -> JsValue {
    Reflect::get(target, &JsValue::from_f64(f64::from(index))).unwrap_or(JsValue::UNDEFINED)
}

/// `target.length` (0 when absent).
pub fn length(target: &JsValue) -> u32 {
    get(target, "length").as_f64().map_or(0, |n| n as u32)
}

/// `target[name] = value`; false when it throws.
pub fn set(target: &JsValue, name: &str, value: &JsValue) -> bool {
    Reflect::set(target, &s(name), value).unwrap_or(false)
}

/// `target[name](...args)`; `Err` when the method is missing or throws.
pub fn call(target: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let method: Function = get(target, name).dyn_into()?;
    match args {
        [] => method.call0(target),
        [a] => method.call1(target, a),
        [a, b] => method.call2(target, a, b),
        [a, b, c, ..] => method.call3(target, a, b, c),
    }
}

/// The string value, or empty.
pub fn text(value: &JsValue) -> String {
    value.as_string().unwrap_or_default()
}

/// Reads a JavaScript value as an [`Arg`].
pub fn arg(value: &JsValue) -> Arg {
    if let Some(text) = value.as_string() {
        Arg::Text(text)
    } else if let Some(n) = value.as_f64() {
        Arg::Num(n)
    } else if let Some(b) = value.as_bool() {
        Arg::Bool(b)
    } else if Array::is_array(value) {
        let mut items = Vec::new();
        for i in 0..length(value).min(64) {
            if let Some(text) = item(value, i).as_string() {
                items.push(text);
            }
        }
        Arg::List(items)
    } else {
        Arg::Other
    }
}

/// A JavaScript function running `f` (freed by the JavaScript garbage collector).
pub fn callback(f: Box<dyn FnMut(JsValue)>) -> JsValue {
    Closure::<dyn FnMut(JsValue)>::wrap(f).into_js_value()
}

/// `promise.then(on_ok, on_error)`; `on_error` runs at once when there is no promise.
pub fn then(
    promise: Result<JsValue, JsValue>,
    on_ok: Box<dyn FnMut(JsValue)>,
    mut on_error: Box<dyn FnMut(JsValue)>,
) {
    match promise {
        Ok(p) if get(&p, "then").is_function() => {
            let _ = call(&p, "then", &[&callback(on_ok), &callback(on_error)]);
        }
        _ => on_error(JsValue::UNDEFINED),
    }
}

/// `console.warn("[partnero] …")`.
pub fn warn(message: &str) {
    let mut line = String::from("[partnero] ");
    line.push_str(message);
    web_sys::console::warn_1(&s(&line));
}

/// The document.
pub fn document() -> JsValue {
    global_get("document")
}

/// `location.href`.
pub fn href() -> String {
    text(&get(&global_get("location"), "href"))
}

/// `document.cookie`.
pub fn cookie_header() -> String {
    text(&get(&document(), "cookie"))
}

/// Assigns one cookie string to `document.cookie`.
pub fn set_cookie(cookie: &str) {
    set(&document(), "cookie", &s(cookie));
}

/// 16 bytes from `crypto.getRandomValues`.
pub fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let array = js_sys::Uint8Array::new_with_length(16);
    if call(&global_get("crypto"), "getRandomValues", &[&array]).is_ok() {
        for (i, byte) in (0..16).zip(bytes.iter_mut()) {
            *byte = array.get_index(i);
        }
    }
    bytes
}

/// True when the visitor asks not to be tracked: `navigator.globalPrivacyControl` or Do Not Track.
pub fn privacy_signal() -> bool {
    let navigator = global_get("navigator");
    get(&navigator, "globalPrivacyControl").as_bool() == Some(true)
        || get(&navigator, "doNotTrack").as_string().as_deref() == Some("1")
}

/// Sends `body` (JSON text) with `navigator.sendBeacon`, falling back to the loader's
/// `fetch(…, {keepalive: true})`; never throws.
pub fn beacon(url: &str, body: &str, net: &Function) {
    let sent = call(&global_get("navigator"), "sendBeacon", &[&s(url), &s(body)]);
    if sent.ok().and_then(|v| v.as_bool()) != Some(true) {
        let _ = net.call3(&JsValue::NULL, &s(url), &s(body), &JsValue::TRUE);
    }
}
