//! Single-page apps: `history.pushState`/`replaceState` are wrapped and `popstate`/`hashchange`
//! listened to, so every address change re-runs key extraction.

use super::js::{call, callback, get, global, global_get, s, set};
use super::runtime::{Job, Runtime};
use alloc::boxed::Box;
use alloc::rc::Rc;
use js_sys::Function;
use wasm_bindgen::prelude::*;

/// Installs the wrappers and listeners (call once).
pub fn watch(runtime: &Rc<Runtime>) {
    let history = global_get("history");
    for name in ["pushState", "replaceState"] {
        let Ok(original) = get(&history, name).dyn_into::<Function>() else {
            continue;
        };
        let (target, runtime) = (history.clone(), runtime.clone());
        let wrapper =
            Closure::<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
                move |state: JsValue, unused: JsValue, url: JsValue| {
                    let result = original.call3(&target, &state, &unused, &url);
                    runtime.dispatch(Job::Navigated);
                    result
                },
            );
        set(&history, name, &wrapper.into_js_value());
    }
    let runtime = runtime.clone();
    let listener = callback(Box::new(move |_| runtime.dispatch(Job::Navigated)));
    for event in ["popstate", "hashchange"] {
        let _ = call(&global(), "addEventListener", &[&s(event), &listener]);
    }
}

/// Replaces the address bar's URL without navigating (`clean_url`).
pub fn replace_url(url: &str) {
    let history = global_get("history");
    let _ = call(
        &history,
        "replaceState",
        &[&get(&history, "state"), &s(""), &s(url)],
    );
}
