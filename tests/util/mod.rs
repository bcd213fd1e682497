//! Helpers shared by the integration tests: counting wrappers that make "polled exactly
//! twice, dropped once" assertable, a deterministic PRNG, and runners that bound every test
//! with a wall-clock limit so a hung loop fails the test instead of hanging CI.
//!
//! Use it from a test file with `mod util;`.

#![allow(dead_code)]

use std::cell::Cell;
use std::future::Future;
use std::panic;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

/// The default bound on one test's loop. Generous: it only exists to turn a hang into a
/// failure, never to judge speed (machines under CI load are slow).
pub const LIMIT: Duration = Duration::from_secs(60);

/// How many times longer every bound of [`within`] is: `ONELOOP_TEST_LIMIT_SCALE` (a whole
/// number, default 1). `.ci/valgrind` sets it, as valgrind runs a test 20-50 times slower.
pub fn limit_scale() -> u32 {
    std::env::var("ONELOOP_TEST_LIMIT_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// Runs `f` on a new thread and returns its result, panicking with a clear message if it
/// has not finished within `limit` (times [`limit_scale`]). A panic inside `f` is propagated as is. On timeout the
/// thread is leaked (there is no way to stop it), which is fine for a failing test.
pub fn within<R, F>(limit: Duration, what: &str, f: F) -> R
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    let limit = limit * limit_scale();
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
pub fn run_within<Fut, M>(limit: Duration, make: M) -> Fut::Output
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    within(limit, "oneloop::run", move || oneloop::run(make()))
}

/// [`run_within`] with the default [`LIMIT`].
pub fn run<Fut, M>(make: M) -> Fut::Output
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    run_within(LIMIT, make)
}

/// Poll and drop counters for one future, shared with a [`Counted`] wrapper.
#[derive(Clone, Default, Debug)]
pub struct Counts {
    polls: Rc<Cell<usize>>,
    drops: Rc<Cell<usize>>,
}

impl Counts {
    pub fn new() -> Counts {
        Counts::default()
    }

    /// How many times the wrapped future was polled.
    pub fn polls(&self) -> usize {
        self.polls.get()
    }

    /// How many times the wrapper was dropped (0 or 1, unless something is badly wrong).
    pub fn drops(&self) -> usize {
        self.drops.get()
    }

    /// Wraps `future` so that its polls and its drop are counted here.
    pub fn wrap<F: Future>(&self, future: F) -> Counted<F> {
        Counted {
            inner: Box::pin(future),
            counts: self.clone(),
        }
    }
}

/// A future that counts its polls and its drop (see [`Counts::wrap`]).
pub struct Counted<F> {
    inner: Pin<Box<F>>,
    counts: Counts,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.counts.polls.set(self.counts.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

impl<F> Drop for Counted<F> {
    fn drop(&mut self) {
        self.counts.drops.set(self.counts.drops.get() + 1);
    }
}

/// A guard that counts its drop: move one into a future to learn when (and how often) the
/// future's state is destroyed.
#[derive(Debug)]
pub struct DropCounter(pub Rc<Cell<usize>>);

impl DropCounter {
    /// A guard and the counter it bumps when dropped.
    pub fn new() -> (DropCounter, Rc<Cell<usize>>) {
        let count = Rc::new(Cell::new(0));
        (DropCounter(Rc::clone(&count)), count)
    }
}

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Polls `future` exactly once, from inside a task, and returns what it said.
pub async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// A tiny deterministic PRNG (xorshift64*), so "random" tests are reproducible.
#[derive(Clone, Debug)]
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Prng {
        Prng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}
