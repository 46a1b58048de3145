//! The browser build's exports: [`run`] runs the pure core's [`crate::api::answer`] on the text in
//! [`buffer`]. Numbers are all that cross the boundary and the wasm imports nothing, so the loader
//! needs no wasm-bindgen glue (no string marshalling, no allocator exports): it encodes the input
//! into the buffer with `TextEncoder.encodeInto` and decodes the answer from it. The core writes
//! straight into the buffer, so the browser build never calls the allocator (wasm-opt drops it).

use crate::text::Sink;
use core::sync::atomic::{AtomicU8, Ordering::Relaxed};
use wasm_bindgen::prelude::*;

/// Bytes of the shared buffer (its zeroed memory costs nothing in the download).
pub const BUFFER_BYTES: usize = 1 << 16;

/// The input and the answer of [`run`]. Atomics make a `static` buffer possible without `unsafe`;
/// on single-threaded wasm they are plain loads and stores.
static BUFFER: [AtomicU8; BUFFER_BYTES] = [const { AtomicU8::new(0) }; BUFFER_BYTES];

/// Where the buffer starts in the wasm memory.
#[wasm_bindgen]
pub fn buffer() -> usize {
    BUFFER.as_ptr() as usize
}

/// Runs operation `op` of [`crate::api::op`] on the first `len` bytes of the buffer (fields
/// separated by U+001F); writes the answer there and returns its length (answers longer than the
/// buffer are cut, never the case for the core's answers).
#[wasm_bindgen]
pub fn run(op: u32, len: usize) -> usize {
    let mut input = [0u8; BUFFER_BYTES];
    for (byte, slot) in input.iter_mut().zip(BUFFER.iter().take(len)) {
        *byte = slot.load(Relaxed);
    }
    let mut answer = Answer(0);
    crate::api::answer(op, input.get(..len).unwrap_or_default(), &mut answer);
    answer.0
}

/// The answer being written into the buffer: its length so far.
struct Answer(usize);

impl Sink for Answer {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = BUFFER.get(self.0) {
                slot.store(b, Relaxed);
                self.0 += 1;
            }
        }
    }

    fn len(&self) -> usize {
        self.0
    }

    fn truncate(&mut self, len: usize) {
        self.0 = self.0.min(len);
    }
}
