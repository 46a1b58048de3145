//! Rust/WebAssembly drop-in replacement for Partnero's `universal.js` referral tracker.
//!
//! The crate is a pure core: command parsing, program settings, referral-key extraction from URLs,
//! the cookie domain candidates, cookie strings and attribution. It is plain Rust, compiled and
//! tested natively. The browser build (`web`, wasm32 only) exports [`api::answer`] as
//! `run(op, len)` over text (bytes) in a shared buffer; the JavaScript in `src/web/` (bundled into the
//! loader by `cargo xtask build-tracker`) keeps the state and does the DOM work: the `po` queue,
//! cookies, beacons, history hooks, the sign-up capture and the lazy form chunk.
//!
//! With the `slim` feature (the browser build) the crate is `no_std`: panics become a wasm trap and
//! no formatting machinery is linked, which keeps the download small.

#![cfg_attr(feature = "slim", no_std)]

extern crate alloc;

pub mod api;
pub mod arg;
pub mod ascii;
pub mod attribution;
pub mod command;
pub mod cookie;
pub mod domain;
pub mod extract;
pub mod key;
pub mod settings;
pub mod text;
pub mod url;
pub mod uuid;
pub mod words;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(feature = "slim", target_arch = "wasm32"))]
mod slim;
