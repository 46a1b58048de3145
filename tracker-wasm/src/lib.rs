//! Rust/WebAssembly drop-in replacement for Partnero's `universal.js` referral tracker.
//!
//! The crate has two halves:
//! - a pure core (every module except [`web`]): URL and referral-key parsing, the cookie domain
//!   candidates, cookie strings, attribution, program settings, command parsing and request bodies.
//!   It is plain Rust, compiled and tested natively.
//! - [`web`] (wasm32 only): the thin browser layer (web-sys/js-sys) that the loader in `js/` boots.
//!
//! With the `slim` feature (the browser build) the crate is `no_std`: panics become a wasm trap and
//! no formatting machinery is linked, which keeps the download small.

#![cfg_attr(feature = "slim", no_std)]

extern crate alloc;

pub mod arg;
pub mod ascii;
pub mod attribution;
pub mod command;
pub mod cookie;
pub mod domain;
pub mod endpoint;
pub mod extract;
pub mod key;
pub mod settings;
pub mod share;
pub mod signup_fields;
pub mod url;
pub mod uuid;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(feature = "slim", target_arch = "wasm32"))]
mod slim;
