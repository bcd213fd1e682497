//! The helpers every integration test of oneloop shares: one time limit ([`LIMIT`]), the
//! runners that bound a test with it, and the modules below. A hung loop must fail its test
//! rather than hang CI, so every wait in a test goes through one of these bounds.
//!
//! This crate is a dev-dependency of `oneloop` only (`publish = false`); the tests use it as
//! `testkit::...`. The map:
//!
//! | module | what |
//! |---|---|
//! | this file | [`LIMIT`], [`limit`], [`within`], [`run`], [`run_within`], [`bounded`] |
//! | [`counts`] | poll and drop counters, `poll_once`, a deterministic PRNG |
//! | [`net`] | loopback listeners and socket pairs, probes that see a parked operation, fd counts |
//! | [`child`] | child processes (this test binary re-run, or any program) with bounded waits |
//! | [`example`] | [`example::example_binary`], and a server example run as a child |
//! | [`http`] | an HTTP server on port 0, raw exchanges, external programs off the loop |
//! | [`http_charfinder`] | the `http_charfinder` example's handler served inside the test |
//! | [`webdriver`] | just enough WebDriver to drive headless Chromium |
//!
//! The most used items of `counts`, `net` and `child` are re-exported here.
//!
//! ```
//! let answer = testkit::run(|| async { 40 + 2 });
//! assert_eq!(answer, 42);
//! ```

#![deny(unsafe_code)]

pub mod child;
pub mod counts;
pub mod example;
pub mod http;
pub mod http_charfinder;
pub mod net;
pub mod webdriver;

use std::future::Future;
use std::panic;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

pub use child::{child_mode, child_test, wait_exit, Watched, CHILD_ENV};
pub use counts::{poll_once, Counted, Counts, DropCounter, Prng};
pub use net::{
    closed_port, full_backlog, join2, listener, open_fds, pair, parked, pattern, pattern_bytes,
    turns, until, Parked, Probe, Seen,
};

/// The one bound of the test suite: on a whole test, on a child's exit, on a line awaited
/// from a server. Generous: it only exists to turn a hang into a failure, never to judge
/// speed (a machine under CI load is slow, and a debug build of an example starts in
/// seconds). Scaled by [`limit`]; one wait inside a loop gets half of it ([`bounded`]).
///
/// ```
/// assert!(testkit::LIMIT >= std::time::Duration::from_secs(60));
/// ```
pub const LIMIT: Duration = Duration::from_secs(90);

/// [`LIMIT`] times `ONELOOP_TEST_LIMIT_SCALE` (a whole number, default 1): `.ci/valgrind`
/// sets it, as valgrind runs a test 20-50 times slower.
///
/// ```
/// assert!(testkit::limit() >= testkit::LIMIT);
/// ```
pub fn limit() -> Duration {
    LIMIT * scale()
}

/// `ONELOOP_TEST_LIMIT_SCALE`, at least 1.
fn scale() -> u32 {
    std::env::var("ONELOOP_TEST_LIMIT_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1u32)
        .max(1)
}

/// Runs `f` on a new thread and returns its result, panicking with a clear message if it
/// has not finished within `limit` (times the scale of [`limit`]). A panic inside `f` is
/// propagated as is. On timeout the thread is leaked (there is no way to stop it), which is
/// fine for a failing test.
///
/// ```
/// let n = testkit::within(testkit::LIMIT, "a sum", || (1..=4).sum::<u32>());
/// assert_eq!(n, 10);
/// ```
pub fn within<R, F>(limit: Duration, what: &str, f: F) -> R
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    let limit = limit * scale();
    let (tx, rx) = mpsc::channel();
    let handle = thread::Builder::new()
        .name(format!("bounded: {what}"))
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("cannot spawn the test thread");
    match rx.recv_timeout(limit) {
        Ok(value) => {
            let _ = handle.join();
            value
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish within {limit:?}: the loop is probably hung")
        }
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(payload) => panic::resume_unwind(payload),
            Ok(()) => unreachable!("the test thread ended without sending its result"),
        },
    }
}

/// `oneloop::run(make())` on its own thread, bounded by `limit`. The future is built on
/// that thread, so it need not be `Send`; only its output must be.
///
/// ```
/// let n = testkit::run_within(testkit::LIMIT, || async { 7 });
/// assert_eq!(n, 7);
/// ```
pub fn run_within<Fut, M>(limit: Duration, make: M) -> Fut::Output
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    within(limit, "oneloop::run", move || oneloop::run(make()))
}

/// [`run_within`] with [`LIMIT`].
///
/// ```
/// let slept = testkit::run(|| async {
///     oneloop::time::sleep(std::time::Duration::from_millis(1)).await.is_ok()
/// });
/// assert!(slept);
/// ```
pub fn run<Fut, M>(make: M) -> Fut::Output
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    run_within(LIMIT, make)
}

/// Awaits `fut` inside a loop, failing the test with `what` if it takes longer than half
/// of [`limit`] (half, so that a hung wait names itself before the bound on the whole
/// test, [`run`], fires).
///
/// ```
/// testkit::run(|| async {
///     let n = testkit::bounded("a ready future", async { 3 }).await;
///     assert_eq!(n, 3);
/// });
/// ```
pub async fn bounded<F: Future>(what: &str, fut: F) -> F::Output {
    let wait = limit() / 2;
    match oneloop::time::timeout(wait, fut).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: still waiting after {wait:?}"),
    }
}
