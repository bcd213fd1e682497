//! asyncio's callback layer: `call_soon`, `call_later` and `call_at`, on the same loop as
//! the tasks.
//!
//! asyncio is built in two layers: a loop that runs plain callbacks (`loop.call_soon`,
//! `loop.call_later`), and coroutines on top. Reading the loop, it helps to see a program
//! written both ways ("callback hell" versus `await`); `examples/callbacks.rs` does. tokio
//! has no callback layer, so these functions have asyncio's names.
//!
//! Here a callback is a tiny task that never awaits anything but (for `call_later` and
//! `call_at`) its timer: it goes through the same run queue, in the same FIFO order as the
//! tasks spawned around it, and its timer is the same wheel entry a `sleep` files. asyncio
//! keeps callbacks in a deque of its own and gives them no task object; a task costs one
//! small allocation more, and buys one scheduling path for everything.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::task::{Builder, JoinHandle};
use crate::time::sleep_until;

/// A callback scheduled with [`call_soon`], [`call_later`] or [`call_at`]: it can be
/// cancelled until it runs (asyncio's `Handle` / `TimerHandle`). Dropping it does not cancel
/// the callback.
///
/// ```
/// use oneloop::runtime::call_soon;
///
/// oneloop::run(async {
///     let handle = call_soon(|| unreachable!("cancelled before it ran"));
///     assert!(handle.cancel());
///     oneloop::task::yield_now().await.unwrap();
///     assert!(handle.is_finished());
/// });
/// ```
#[derive(Debug)]
pub struct CallbackHandle {
    /// The task that runs the callback.
    task: JoinHandle<()>,
    /// Set just before the callback runs: from then on there is nothing to cancel.
    ran: Rc<Cell<bool>>,
}

impl CallbackHandle {
    /// Cancels the callback: it will not run, and its timer (if any) is dropped. Returns
    /// `false` if it has already run (or was cancelled before).
    ///
    /// ```
    /// use oneloop::runtime::call_later;
    /// use std::time::Duration;
    ///
    /// oneloop::run(async {
    ///     let handle = call_later(Duration::from_secs(60), || println!("too late"));
    ///     assert!(handle.cancel());
    ///     assert!(!handle.cancel()); // already cancelled
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        if self.ran.get() || self.task.is_finished() || self.ran.replace(true) {
            return false;
        }
        // `ran` now stands for "will never run"; the task is dropped at its next scheduling
        // and its timer with it.
        self.task.abort();
        true
    }

    /// Has the callback run, or been cancelled and dropped?
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::runtime::call_soon(|| {});
    ///     assert!(!handle.is_finished());
    ///     oneloop::task::yield_now().await.unwrap();
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// Runs `f` on the loop as soon as possible: after the tasks and callbacks already in the
/// run queue, in this turn or the next (asyncio's `loop.call_soon`). Panics outside a loop.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// oneloop::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     for i in 0..3 {
///         let log = Rc::clone(&log);
///         oneloop::runtime::call_soon(move || log.borrow_mut().push(i));
///     }
///     oneloop::task::yield_now().await.unwrap();
///     assert_eq!(*log.borrow(), [0, 1, 2]); // first in, first out
/// });
/// ```
pub fn call_soon(f: impl FnOnce() + 'static) -> CallbackHandle {
    let ran = Rc::new(Cell::new(false));
    let flag = Rc::clone(&ran);
    let task = Builder::new().name("call_soon").spawn(async move {
        if !flag.replace(true) {
            f();
        }
    });
    CallbackHandle { task, ran }
}

/// Runs `f` on the loop once `delay` has passed (asyncio's `loop.call_later`); never early.
/// Panics outside a loop.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// oneloop::run(async {
///     let fired = Rc::new(Cell::new(false));
///     let flag = Rc::clone(&fired);
///     oneloop::runtime::call_later(Duration::from_millis(5), move || flag.set(true));
///     oneloop::time::sleep(Duration::from_millis(20)).await.unwrap();
///     assert!(fired.get());
/// });
/// ```
pub fn call_later(delay: Duration, f: impl FnOnce() + 'static) -> CallbackHandle {
    call_at_named(Instant::now() + delay, "call_later", f)
}

/// Runs `f` on the loop at `when` (asyncio's `loop.call_at`, with a `std::time::Instant`
/// for the loop's clock); never early. Callbacks due in the same millisecond tick run in the
/// same turn, in no promised order (asyncio promises none either). Panics outside a loop.
///
/// ```
/// use oneloop::time::{Duration, Instant};
///
/// oneloop::run(async {
///     let at = Instant::now() + Duration::from_millis(2);
///     let handle = oneloop::runtime::call_at(at, move || assert!(Instant::now() >= at));
///     oneloop::time::sleep(Duration::from_millis(10)).await.unwrap();
///     assert!(handle.is_finished());
/// });
/// ```
pub fn call_at(when: Instant, f: impl FnOnce() + 'static) -> CallbackHandle {
    call_at_named(when, "call_at", f)
}

fn call_at_named(when: Instant, name: &str, f: impl FnOnce() + 'static) -> CallbackHandle {
    let ran = Rc::new(Cell::new(false));
    let flag = Rc::clone(&ran);
    let task = Builder::new().name(name).spawn(async move {
        // The sleep only ends early if the loop cancels every task at shutdown (`run`'s
        // epilogue): then the callback does not run, as asyncio drops its pending handles.
        if sleep_until(when).await.is_ok() && !flag.replace(true) {
            f();
        }
    });
    CallbackHandle { task, ran }
}
