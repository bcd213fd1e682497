//! One way to ask "was it cancelled?" of a finished task, like asyncio's `Task.cancelled()`.
//!
//! Awaiting a `JoinHandle` tells a cancellation in two shapes: a task cancelled before its
//! first poll (or aborted) never ran, and gives `Err(JoinError)` with `is_cancelled()`; a
//! task that ran and let the `Cancelled` out gives `Ok(Err(Cancelled))` (or an `io::Error`
//! for which [`is_cancelled`](crate::is_cancelled) holds). [`WasCancelled::was_cancelled`] folds
//! both into one answer.

use std::io;

use super::{Cancelled, JoinError};

/// Did the task end by cancellation? Implemented for the join result of tasks whose output
/// can carry `Cancelled`: `Result<Result<T, Cancelled>, JoinError>`,
/// `Result<io::Result<T>, JoinError>`, and `Result<(), JoinError>` (a task returning `()`
/// either caught the request and finished, or never ran).
///
/// Like asyncio's `Task.cancelled()`, a task that caught its `Cancelled` and returned
/// normally was *not* cancelled: only one whose cancellation went through to its end was.
///
/// ```
/// use oneloop::task::{self, WasCancelled};
/// use oneloop::time::{sleep, Duration};
///
/// oneloop::run(async {
///     // Cancelled before it ran: `Err(JoinError)`.
///     let never = task::spawn(sleep(Duration::from_secs(60)));
///     never.cancel();
///     assert!(never.await.was_cancelled());
///
///     // Cancelled while sleeping, the error let through: `Ok(Err(Cancelled))`.
///     let sleeper = task::spawn(sleep(Duration::from_secs(60)));
///     task::yield_now().await.unwrap();
///     sleeper.cancel();
///     assert!(sleeper.await.was_cancelled());
///
///     // Finished on its own.
///     let quick = task::spawn(sleep(Duration::from_millis(1)));
///     assert!(!quick.await.was_cancelled());
/// });
/// ```
pub trait WasCancelled {
    /// `true` if the task ended by cancellation (see the trait's docs).
    fn was_cancelled(&self) -> bool;
}

impl WasCancelled for JoinError {
    fn was_cancelled(&self) -> bool {
        self.is_cancelled()
    }
}

impl WasCancelled for Cancelled {
    fn was_cancelled(&self) -> bool {
        true
    }
}

impl WasCancelled for () {
    fn was_cancelled(&self) -> bool {
        false
    }
}

impl<T> WasCancelled for Result<T, Cancelled> {
    fn was_cancelled(&self) -> bool {
        self.is_err()
    }
}

impl<T> WasCancelled for io::Result<T> {
    fn was_cancelled(&self) -> bool {
        self.as_ref().is_err_and(crate::is_cancelled)
    }
}

impl<T: WasCancelled> WasCancelled for Result<T, JoinError> {
    fn was_cancelled(&self) -> bool {
        match self {
            Ok(output) => output.was_cancelled(),
            Err(e) => e.is_cancelled(),
        }
    }
}
