//! A counting global allocator: `System` plus relaxed atomic counters.
//!
//! Counting is off by default (one relaxed load of a flag per allocation, the same for every
//! runtime) and switched on only around the allocation measurements, so the timing benchmarks
//! do not pay for the atomic read-modify-writes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

pub struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static FREED: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            ALLOCATED.fetch_add(layout.size() as u64, Relaxed);
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if ON.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            ALLOCATED.fetch_add(layout.size() as u64, Relaxed);
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ON.load(Relaxed) {
            FREED.fetch_add(layout.size() as u64, Relaxed);
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ON.load(Relaxed) {
            // Counted as a fresh allocation of the new size and a free of the old one.
            ALLOCS.fetch_add(1, Relaxed);
            ALLOCATED.fetch_add(new_size as u64, Relaxed);
            FREED.fetch_add(layout.size() as u64, Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

/// A reading of the counters.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    pub allocs: u64,
    pub allocated: u64,
    pub freed: u64,
}

impl Snapshot {
    pub fn now() -> Snapshot {
        Snapshot {
            allocs: ALLOCS.load(Relaxed),
            allocated: ALLOCATED.load(Relaxed),
            freed: FREED.load(Relaxed),
        }
    }

    /// Bytes allocated since `self` (gross: frees are not subtracted).
    pub fn bytes_since(&self) -> u64 {
        ALLOCATED.load(Relaxed) - self.allocated
    }

    /// Allocations since `self`.
    pub fn allocs_since(&self) -> u64 {
        ALLOCS.load(Relaxed) - self.allocs
    }

    /// Net bytes still live that were allocated since `self` (allocated minus freed).
    pub fn live_since(&self) -> i64 {
        (ALLOCATED.load(Relaxed) - self.allocated) as i64
            - (FREED.load(Relaxed) - self.freed) as i64
    }
}

/// Counts allocations while the guard lives.
pub struct CountingOn;

impl CountingOn {
    pub fn start() -> CountingOn {
        ON.store(true, Relaxed);
        CountingOn
    }
}

impl Drop for CountingOn {
    fn drop(&mut self) {
        ON.store(false, Relaxed);
    }
}
