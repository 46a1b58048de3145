//! The tracker's single entry point `run(kind, value)`: page events and `po(...)` calls become jobs
//! in one inbox, so a job started while another runs waits instead of re-entering; the form chunk's
//! questions (e-mail check, share links) are answered at once by the pure core.

use super::host::{object, put};
use super::tracker::Tracker;
use crate::share::{is_web_link, share_links};
use crate::signup_fields::looks_like_email;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;
use wasm_bindgen::JsValue;

/// The `kind` argument of `run(kind, value)` (the same numbers are in `host.js` and `form.js`).
pub mod kind {
    /// A `po(...)` call; the value is its arguments as an array.
    pub const CALL: u32 = 0;
    /// The program settings document arrived (`undefined`: the request failed).
    pub const SETTINGS: u32 = 1;
    /// The address changed (history API, back/forward, hash).
    pub const NAVIGATED: u32 = 2;
    /// The document finished parsing.
    pub const DOM_READY: u32 = 3;
    /// A form was submitted; the value is the form (universal sign-up capture).
    pub const SUBMITTED: u32 = 4;
    /// Form chunk: is the value a plausible e-mail address? Returns a boolean.
    pub const EMAIL_OK: u32 = 5;
    /// Form chunk: `{label: url}` share links for a referral link, `undefined` when the value is
    /// not a web link.
    pub const SHARE_LINKS: u32 = 6;
}

/// Something for the tracker to do.
pub enum Job {
    /// A `po(...)` call: its arguments as a JavaScript array.
    Call(JsValue),
    /// The program settings document (`undefined`: the request failed).
    Settings(JsValue),
    /// The address changed.
    Navigated,
    /// The document finished parsing.
    DomReady,
    /// A form was submitted.
    Submitted(JsValue),
}

/// The tracker behind a shared handle, with its inbox.
pub struct Runtime {
    inbox: RefCell<Vec<Job>>,
    tracker: RefCell<Tracker>,
}

impl Runtime {
    /// Wraps `tracker`.
    pub fn new(tracker: Tracker) -> Rc<Runtime> {
        Rc::new(Runtime {
            inbox: RefCell::new(Vec::new()),
            tracker: RefCell::new(tracker),
        })
    }

    /// `run(kind, value)`.
    pub fn receive(self: &Rc<Self>, kind: u32, value: JsValue) -> JsValue {
        let job = match kind {
            kind::CALL => Job::Call(value),
            kind::SETTINGS => Job::Settings(value),
            kind::NAVIGATED => Job::Navigated,
            kind::DOM_READY => Job::DomReady,
            kind::SUBMITTED => Job::Submitted(value),
            kind::EMAIL_OK => {
                return JsValue::from_bool(value.as_string().is_some_and(|t| looks_like_email(&t)));
            }
            kind::SHARE_LINKS => return share(value),
            _ => return JsValue::UNDEFINED,
        };
        self.dispatch(job);
        JsValue::UNDEFINED
    }

    /// Queues `job` and, unless a job is already running, runs the queue to the end.
    pub fn dispatch(self: &Rc<Self>, job: Job) {
        if let Ok(mut inbox) = self.inbox.try_borrow_mut() {
            inbox.push(job);
        }
        // Busy: the running loop below picks the job up.
        let Ok(mut tracker) = self.tracker.try_borrow_mut() else {
            return;
        };
        loop {
            let jobs = match self.inbox.try_borrow_mut() {
                Ok(mut inbox) if !inbox.is_empty() => core::mem::take(&mut *inbox),
                _ => break,
            };
            for job in jobs {
                tracker.handle(job);
            }
        }
    }

    /// Runs `f` on the tracker unless a job is running (boot, tests and diagnostics).
    pub fn with_tracker<R>(&self, f: impl FnOnce(&mut Tracker) -> R) -> Option<R> {
        self.tracker.try_borrow_mut().ok().map(|mut t| f(&mut t))
    }
}

fn share(link: JsValue) -> JsValue {
    let Some(link) = link.as_string().filter(|l| is_web_link(l)) else {
        return JsValue::UNDEFINED;
    };
    let links = object();
    for (label, url) in share_links(&link) {
        put(&links, label, JsValue::from_str(&url));
    }
    links
}
