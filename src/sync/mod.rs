//! Coordination between tasks: semaphores, locks, events, notifications and channels.
//!
//! Everything here lives on one thread, so state is kept in `Cell`s and `RefCell`s, never
//! behind atomics or OS locks. Every primitive that makes a task wait shares the same two
//! pieces:
//!
//! - a `WaitList` of waiters (`wait_list.rs`), first in first out, so whoever asked first is
//!   served first; and
//! - the cancellation point (`task::cancel`) at the top of every `poll`, so a `cancel()` is
//!   delivered to a task wherever it waits.
//!
//! **No waiter is lost.** When a waiter is served, what it was given (a permit, the lock, a
//! `notify_one`) is recorded in its wait-list node before it is woken. If the waiting
//! future is then cancelled or dropped before it took it, it hands it to the next waiter.
//! Channel messages stay in the channel's queue until `recv` takes them, so a cancelled
//! `recv` loses nothing either.
//!
//! | type | file | like |
//! |---|---|---|
//! | [`Semaphore`] | `semaphore.rs` | asyncio `Semaphore`, tokio `Semaphore` |
//! | [`Mutex`] | `mutex.rs`, `mutex_owned.rs` | asyncio `Lock`, tokio `Mutex` (a semaphore of one) |
//! | [`Event`] | `event.rs` | asyncio `Event` |
//! | [`Notify`] | `notify.rs` | tokio `Notify` |
//! | [`mpsc`] | `mpsc/` | tokio `mpsc` (bounded on a semaphore of slots) |
//! | [`oneshot`] | `oneshot.rs` | tokio `oneshot` |
//! | [`broadcast`] | `broadcast/` | tokio `broadcast` (a ring; laggards skip ahead) |
//! | [`watch`] | `watch/` | tokio `watch` (the latest value and its version) |
//! | [`Barrier`] | `barrier.rs` | tokio `Barrier`, asyncio `Barrier` |
//! | [`OnceCell`] | `once_cell.rs` | tokio `OnceCell` (a semaphore of one initializer) |
//! | [`RwLock`] | `rwlock/` | tokio `RwLock` (a semaphore of `MAX_READS` permits) |

mod barrier;
pub mod broadcast;
mod event;
pub mod mpsc;
mod mutex;
mod mutex_owned;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
pub(crate) mod semaphore;
mod wait_list;
pub mod watch;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult};
pub use event::{Event, EventWait};
pub use mutex::{Lock, Mutex, MutexGuard, TryLockError};
pub use mutex_owned::{LockOwned, OwnedMutexGuard};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, Read as RwLockRead, ReadOwned as RwLockReadOwned,
    RwLock, RwLockReadGuard, RwLockWriteGuard, Write as RwLockWrite,
    WriteOwned as RwLockWriteOwned, MAX_READS,
};
pub use semaphore::{
    Acquire, AcquireError, AcquireOwned, OwnedSemaphorePermit, Semaphore, SemaphorePermit,
    TryAcquireError,
};
