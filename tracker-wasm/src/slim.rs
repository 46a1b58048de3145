//! Runtime pieces of the `no_std` browser build: a panic handler that traps without formatting
//! anything (the tracker catches the trap and reports it once) and a small free-list allocator,
//! which `alloc` requires to link but the browser path never calls (the core writes into the
//! shared buffer and keeps short texts inline, see `text.rs`), so wasm-opt drops it.

#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
