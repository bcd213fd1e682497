//! Counters that make "polled exactly twice, dropped once" assertable, `poll_once`, and a
//! deterministic PRNG, so that tests assert the loop's mechanics rather than only outcomes.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Poll and drop counters for one future, shared with a [`Counted`] wrapper.
#[derive(Clone, Default, Debug)]
pub struct Counts {
    polls: Rc<Cell<usize>>,
    drops: Rc<Cell<usize>>,
}

impl Counts {
    /// Counters at zero.
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
    /// A generator started from `seed` (0 is taken as 1: xorshift stays at 0).
    pub fn new(seed: u64) -> Prng {
        Prng(seed.max(1))
    }

    /// The next number.
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
