//! A global allocator wrapper that counts, per thread, the bytes a piece of code asks
//! for, so tests can assert that hostile input is rejected without allocating.
//!
//! Install it in a test binary with
//! `#[global_allocator] static ALLOC: CountingAllocator = CountingAllocator;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// Counts the bytes each thread allocates, then defers to the system allocator.
#[derive(Debug)]
pub struct CountingAllocator;

fn record(size: usize) {
    // `try_with` because the allocator may run while thread locals are being torn down.
    let _ = ALLOCATED.try_with(|total| total.set(total.get().saturating_add(size)));
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// bookkeeping only touches const-initialised thread locals, which never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: `ptr`/`layout` describe a live `System` allocation; forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What [`measure`] saw: the total bytes requested and the largest single request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocations {
    /// Sum of every allocation's size (reallocations count their new size).
    pub total: usize,
    /// The largest single request.
    pub largest: usize,
}

/// Runs `f` and reports what it allocated on this thread. Only meaningful in a test
/// binary that installs [`CountingAllocator`].
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Allocations) {
    let before = ALLOCATED.with(Cell::get);
    LARGEST.with(|largest| largest.set(0));
    let result = f();
    let allocations = Allocations {
        total: ALLOCATED.with(Cell::get) - before,
        largest: LARGEST.with(Cell::get),
    };
    (result, allocations)
}
