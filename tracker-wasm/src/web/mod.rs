//! The browser layer: boots from the loader, turns `po(...)` calls and page events into jobs and
//! runs them against the real document through the small JavaScript host (`host.js`). Decisions
//! are made by the pure core; the refer-a-friend form is a separate, lazily loaded chunk (`form.js`).

pub mod capture;
pub mod cookie_jar;
pub mod host;
pub mod payload;
pub mod runtime;
pub mod tracker;
pub mod value;

use alloc::rc::Rc;
use alloc::string::String;
use runtime::Runtime;
use wasm_bindgen::prelude::*;

/// The tracker as the loader holds it.
#[wasm_bindgen]
pub struct Tracker(Rc<Runtime>);

#[wasm_bindgen]
impl Tracker {
    /// Starts the tracker. `script_src` is the loader's own URL; `net(url, body?, keepalive?)` is
    /// the loader's fetch helper (GET JSON when `body` is absent, `text/plain` POST otherwise);
    /// `form_chunk` is the URL of the refer-a-friend form chunk; `run(kind, value)` is a function
    /// calling [`Tracker::run`] on this tracker (the host's callbacks go through it).
    #[wasm_bindgen(constructor)]
    pub fn new(script_src: String, net: JsValue, form_chunk: String, run: JsValue) -> Tracker {
        Tracker(Runtime::new(tracker::Tracker::new(
            script_src, net, form_chunk, run,
        )))
    }

    /// The tracker's entry point (kinds in [`runtime::kind`]): the loader runs each `po(...)` call
    /// as `run(0, argumentsArray)`.
    pub fn run(&self, kind: u32, value: JsValue) -> JsValue {
        self.0.receive(kind, value)
    }
}

impl Tracker {
    /// The runtime (tests and diagnostics).
    pub fn runtime(&self) -> &Rc<Runtime> {
        &self.0
    }
}
