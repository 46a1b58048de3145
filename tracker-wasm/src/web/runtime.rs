//! Serialising everything that reaches the tracker (calls, fetched settings, navigation, form
//! submits) through one inbox, so a job started while another runs waits instead of re-entering.

use super::tracker::Tracker;
use crate::command::Customer;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;
use wasm_bindgen::JsValue;

/// Something for the tracker to do.
pub enum Job {
    /// A `po(...)` call: its arguments as a JavaScript array.
    Call(JsValue),
    /// The program settings document arrived (`None`: the request failed).
    Settings(Option<JsValue>),
    /// The address changed (history API, back/forward, hash).
    Navigated,
    /// The document finished parsing.
    DomReady,
    /// A sign-up form was submitted (universal integration).
    FormSignup(Customer),
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
                tracker.handle(self, job);
            }
        }
    }

    /// Runs `f` on the tracker unless a job is running (tests and diagnostics).
    pub fn with_tracker<R>(&self, f: impl FnOnce(&mut Tracker) -> R) -> Option<R> {
        self.tracker.try_borrow_mut().ok().map(|mut t| f(&mut t))
    }
}
