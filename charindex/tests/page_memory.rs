//! Memory per request: answering one page of `cjk` (about 94,000 results) allocates about
//! what one page needs, whether the page is the first or one near the end, and far less
//! than the whole result would take. Counted, not timed: a counting global allocator
//! adds up the bytes allocated by this thread while the answer is built.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use charindex::web::{chars_json, home_page, PAGE_SIZE};
use charindex::UnicodeNameIndex;

/// The system allocator, adding every allocation's size to the current thread's count
/// while counting is on.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to `System`; the counters only read `Layout`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every alloc goes there).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: as for `dealloc`; the caller's contract for `realloc` is passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn count(bytes: usize) {
    // `try_with`: the thread-locals may already be gone while a thread shuts down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = BYTES.try_with(|total| total.set(total.get() + bytes));
        }
    });
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes allocated by this thread while `f` runs.
fn allocated_by<R>(f: impl FnOnce() -> R) -> (usize, R) {
    BYTES.with(|total| total.set(0));
    COUNTING.with(|on| on.set(true));
    let result = f();
    COUNTING.with(|on| on.set(false));
    (BYTES.with(Cell::get), result)
}

#[test]
fn one_page_of_cjk_allocates_one_page_wherever_it_starts() {
    let index = UnicodeNameIndex::new();
    let (whole, all) = allocated_by(|| index.find("cjk"));
    assert!(all.len() > 90_000);
    assert!(whole >= all.len() * 4, "{whole}");
    for start in [0, 45_000, 90_000] {
        let (bytes, json) = allocated_by(|| {
            let page = index.find_page("cjk", start..start + PAGE_SIZE);
            (chars_json(&page), home_page("cjk", &page))
        });
        assert!(json.0.len() > 10_000);
        // The JSON and the HTML of 200 rows, their names, and the page itself: tens of
        // KB. The whole result alone is 4 bytes times 94,000.
        assert!(
            bytes < whole / 3,
            "start {start}: {bytes} bytes, whole result {whole}"
        );
        println!("start {start}: {bytes} bytes allocated (the whole result: {whole})");
    }
}
