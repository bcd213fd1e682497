//! `recv_many`: receive every queued message (up to a limit) in one wake-up (tokio's), for
//! consumers that handle messages in batches.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Chan, Receiver, UnboundedReceiver};
use crate::task::Cancelled;

impl<T> Receiver<T> {
    /// Waits for at least one message, then moves up to `limit` queued messages to the end
    /// of `buffer` and returns how many. `Ok(0)` once the channel is closed and drained, or
    /// at once if `limit` is 0. A cancellation point: `Err(Cancelled)`, with no message taken.
    ///
    /// **Porting from tokio:** tokio's returns `usize`; add `?` (or `.unwrap()`).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::mpsc::channel(8);
    ///     for i in 0..5 {
    ///         tx.send(i).await.unwrap();
    ///     }
    ///     let mut batch = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut batch, 3).await.unwrap(), 3);
    ///     assert_eq!(rx.recv_many(&mut batch, 3).await.unwrap(), 2);
    ///     assert_eq!(batch, [0, 1, 2, 3, 4]);
    /// });
    /// ```
    pub fn recv_many<'a>(&'a mut self, buffer: &'a mut Vec<T>, limit: usize) -> RecvMany<'a, T> {
        RecvMany {
            chan: &self.chan,
            buffer,
            limit,
        }
    }
}

impl<T> UnboundedReceiver<T> {
    /// [`Receiver::recv_many`] for an unbounded channel.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
    ///     tx.send(1).unwrap();
    ///     drop(tx);
    ///     let mut batch = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut batch, 10).await.unwrap(), 1);
    ///     assert_eq!(rx.recv_many(&mut batch, 10).await.unwrap(), 0); // closed
    /// });
    /// ```
    pub fn recv_many<'a>(&'a mut self, buffer: &'a mut Vec<T>, limit: usize) -> RecvMany<'a, T> {
        RecvMany {
            chan: &self.chan,
            buffer,
            limit,
        }
    }
}

/// The future returned by `recv_many` on either kind of receiver.
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
///     tx.send(1).unwrap();
///     let mut buffer = Vec::new();
///     let recv: oneloop::sync::mpsc::RecvMany<'_, i32> = rx.recv_many(&mut buffer, 4);
///     assert_eq!(recv.await, Ok(1));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvMany<'a, T> {
    /// The channel; borrowed through `&mut` receiver, so one receive runs at a time.
    chan: &'a Chan<T>,
    /// Where the messages go.
    buffer: &'a mut Vec<T>,
    /// At most this many per call.
    limit: usize,
}

impl<T> Future for RecvMany<'_, T> {
    type Output = Result<usize, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.limit == 0 {
            return Poll::Ready(Ok(0));
        }
        // The single-message path does the waiting (and the cancellation point); the rest
        // of the batch is taken without waiting. Pending inside: woken by the next send or
        // by the last sender's drop.
        let first = std::task::ready!(this.chan.poll_recv(cx))?;
        let Some(first) = first else {
            return Poll::Ready(Ok(0)); // closed and drained
        };
        this.buffer.push(first);
        let mut taken = 1;
        while taken < this.limit {
            match this.chan.try_pop() {
                Some(value) => this.buffer.push(value),
                None => break,
            }
            taken += 1;
        }
        Poll::Ready(Ok(taken))
    }
}

impl<T> fmt::Debug for RecvMany<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvMany")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}
