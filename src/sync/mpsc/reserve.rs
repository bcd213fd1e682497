//! Reserving a slot of a bounded channel before the message exists (tokio's `reserve` and
//! `Permit`): the wait for room is separate from the send, so a task can wait for room,
//! then build the message, or hold the slot across a `select!` without losing a value.
//!
//! The slot is a permit of the channel's semaphore, exactly as a waiting `send` takes: a
//! reservation queues with the waiting sends, first in first out, and a slot granted to a
//! reservation cancelled or dropped before it saw it passes to the next sender.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::SendError;
use super::Sender;
use crate::sync::semaphore::Wait;

impl<T> Sender<T> {
    /// Waits for a free slot and reserves it. Fails with `SendError(())` if the receiver is
    /// gone or closed, or (`is_cancelled()`) if the task is cancelled while it waits.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::mpsc::channel(1);
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert!(tx.try_send(0).is_err(), "the only slot is reserved");
    ///     permit.send(1);
    ///     assert_eq!(rx.recv().await.unwrap(), Some(1));
    /// });
    /// ```
    pub fn reserve(&self) -> Reserve<'_, T> {
        Reserve {
            sender: self,
            wait: Wait::new(1),
        }
    }
}

/// The future returned by [`Sender::reserve`].
///
/// ```
/// oneloop::run(async {
///     let (tx, _rx) = oneloop::sync::mpsc::channel::<u8>(1);
///     let reserve: oneloop::sync::mpsc::Reserve<'_, u8> = tx.reserve();
///     let _permit = reserve.await.unwrap();
///     assert_eq!(tx.capacity(), 0);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Reserve<'a, T> {
    /// The sender (and through it the channel).
    sender: &'a Sender<T>,
    /// Its place in the queue of senders waiting for a slot.
    wait: Wait,
}

impl<'a, T> Future for Reserve<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let sender = this.sender;
        let slots = sender.slots();
        // Pending: woken by the semaphore when a `recv` frees a slot and it is our turn,
        // or when the receiver closes the channel.
        let acquired = std::task::ready!(slots.poll_acquire(cx, &mut this.wait));
        Poll::Ready(match acquired {
            // Granted, but the receiver went meanwhile: nobody would receive.
            Ok(()) if sender.chan.closed.get() => {
                slots.release(1);
                Err(SendError::closed(()))
            }
            Ok(()) => Ok(Permit { sender }),
            Err(err) if err.is_cancelled() => Err(SendError::cancelled(())),
            Err(_closed) => Err(SendError::closed(())),
        })
    }
}

impl<T> Drop for Reserve<'_, T> {
    fn drop(&mut self) {
        self.sender.slots().abandon(&mut self.wait); // a granted slot goes to the next sender
    }
}

impl<T> fmt::Debug for Reserve<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reserve").field("wait", &self.wait).finish()
    }
}

/// A reserved slot of a bounded channel: [`send`](Permit::send) fills it without waiting;
/// dropping it unused frees it for the next sender.
///
/// ```
/// oneloop::run(async {
///     let (tx, _rx) = oneloop::sync::mpsc::channel::<u8>(1);
///     let permit: oneloop::sync::mpsc::Permit<'_, u8> = tx.reserve().await.unwrap();
///     drop(permit);
///     assert_eq!(tx.capacity(), 1);
/// });
/// ```
#[must_use = "the slot is freed at once if the permit is not kept"]
pub struct Permit<'a, T> {
    /// The sender whose channel holds the slot.
    sender: &'a Sender<T>,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot; never waits. If the receiver has gone since
    /// the reservation, the value is dropped (as tokio's).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::mpsc::channel(2);
    ///     tx.reserve().await.unwrap().send("reserved");
    ///     assert_eq!(rx.recv().await.unwrap(), Some("reserved"));
    /// });
    /// ```
    pub fn send(self, value: T) {
        let chan = &self.sender.chan;
        if chan.closed.get() {
            return; // `self` drops here and frees the slot; the value goes with it
        }
        std::mem::forget(self); // the slot now travels with the message
        chan.push(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.sender.slots().release(1);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}
