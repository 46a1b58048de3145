//! The JavaScript operations the tracker is built on (`host.js`): one-line DOM reads and writes,
//! event wiring and the lazily loaded form. A small, typed import surface keeps both the wasm and
//! the wasm-bindgen glue small; every decision is made on the Rust side.

use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/host.js")]
extern "C" {
    #[wasm_bindgen(js_name = cookie)]
    fn cookie_value() -> JsValue;
    /// Assigns one cookie string to `document.cookie`.
    pub fn set_cookie(cookie: &str);
    #[wasm_bindgen(js_name = href)]
    fn href_value() -> JsValue;
    #[wasm_bindgen(js_name = landing)]
    fn landing_value() -> JsValue;
    #[wasm_bindgen(js_name = referrer)]
    fn referrer_value() -> JsValue;
    /// `console.warn("[partnero] " + message)`.
    pub fn warn(message: &str);
    /// `navigator.globalPrivacyControl === true` or Do Not Track `"1"`.
    pub fn privacy() -> bool;
    /// Fills `bytes` from `crypto.getRandomValues`.
    pub fn random(bytes: &mut [u8]);
    /// `target[name]`; `undefined` when `target` is null/undefined or the getter throws.
    pub fn get(target: &JsValue, name: &str) -> JsValue;
    /// True for arrays and node lists.
    pub fn is_list(value: &JsValue) -> bool;
    /// A new empty object.
    pub fn object() -> JsValue;
    /// A new empty array.
    pub fn array() -> JsValue;
    /// `list.push(value)`.
    pub fn push(list: &JsValue, value: JsValue);
    /// `target[name] = value`.
    pub fn put(target: &JsValue, name: &str, value: JsValue);
    /// `+text` (JavaScript's own decimal parsing).
    pub fn number(text: &str) -> f64;
    /// `element.hasAttribute(name)` (false for non-elements).
    pub fn has_attribute(element: &JsValue, name: &str) -> bool;
    /// `(root || document).querySelectorAll(selector)` (empty for an invalid selector).
    pub fn find(selector: &str, root: &JsValue) -> JsValue;
    /// `history.replaceState(history.state, '', url)`.
    pub fn replace_url(url: &str);
    /// GETs the settings document through the loader's `net(url)` and passes it to
    /// `run(SETTINGS, doc)` (`doc` undefined when the request failed).
    pub fn load(net: &JsValue, url: &str, run: &JsValue);
    /// POSTs `body` (serialised with `JSON.stringify`) by `navigator.sendBeacon`, falling back to
    /// the loader's `net(url, text, true)` (`fetch` with `keepalive`).
    pub fn send(net: &JsValue, url: &str, body: &JsValue);
    /// Wraps `history.pushState`/`replaceState` and listens to `popstate`/`hashchange`:
    /// `run(NAVIGATED)`.
    pub fn watch(run: &JsValue);
    /// `run(DOM_READY)` once the document is parsed (at once when it already is).
    pub fn when_ready(run: &JsValue);
    /// `run(SUBMITTED, form)` on every form submit of the document (capture phase).
    pub fn capture(run: &JsValue);
    /// Loads the form chunk from `chunk` and renders into `target` (selector or element) with
    /// `options`; returns how many target elements there are.
    pub fn render_forms(
        chunk: &str,
        target: &JsValue,
        options: &JsValue,
        net: &JsValue,
        run: &JsValue,
    ) -> u32;
}

// Strings come back as `JsValue`s: one shared string conversion in the glue instead of one per
// import.

/// `document.cookie`.
pub fn cookie() -> String {
    cookie_value().as_string().unwrap_or_default()
}

/// `location.href`.
pub fn href() -> String {
    href_value().as_string().unwrap_or_default()
}

/// The URL the document was loaded with (its navigation entry), or empty.
pub fn landing() -> String {
    landing_value().as_string().unwrap_or_default()
}

/// `document.referrer`.
pub fn referrer() -> String {
    referrer_value().as_string().unwrap_or_default()
}
