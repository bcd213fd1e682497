//! The guards of an `RwLock` in an `Arc` (`read_owned`, `write_owned`), and the futures
//! that wait for them.
//!
//! An owned guard holds the `Arc` itself, so it cannot also hold a `Ref` into the lock's
//! `RefCell` (that would borrow from its own field). It reaches the value through
//! `RefCell::as_ptr` instead: the crate's one unsafe site in `sync`, listed in DESIGN.md.
//! The permits are the proof: while an owned read guard holds one, no writer can hold
//! them all, and while an owned write guard holds them all, nobody else holds any; and
//! every other path to the value (the borrowed guards, `Debug`) goes through the permits
//! first. `get_mut` and `into_inner` need the lock by value or `&mut`, which an `Arc`
//! shared with a guard cannot give.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::{RwLock, MAX_READS};
use crate::sync::semaphore::Wait;
use crate::task::Cancelled;

/// Shared access to an [`RwLock`] in an `Arc` (see [`RwLock::read_owned`]).
///
/// ```
/// use std::sync::Arc;
///
/// let lock = Arc::new(oneloop::sync::RwLock::new(3));
/// let guard: oneloop::sync::OwnedRwLockReadGuard<i32> = Arc::clone(&lock).try_read_owned().unwrap();
/// assert_eq!(*guard, 3);
/// ```
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct OwnedRwLockReadGuard<T: ?Sized> {
    /// The lock: kept alive by the guard, and its permit given back on drop.
    lock: Arc<RwLock<T>>,
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// Wraps one permit just taken from `lock`'s semaphore.
    pub(super) fn new(lock: Arc<RwLock<T>>) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard { lock }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;
    #[allow(unsafe_code)]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds one of the lock's permits until it drops, and a `&T`
        // from it cannot outlive it; no writer holds (all) the permits meanwhile, so
        // nothing makes a `&mut T` while this `&T` lives (see the module docs).
        unsafe { &*self.lock.value.as_ptr() }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockReadGuard<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`] in an `Arc` (see [`RwLock::write_owned`]).
///
/// ```
/// use std::sync::Arc;
///
/// let lock = Arc::new(oneloop::sync::RwLock::new(3));
/// let mut guard: oneloop::sync::OwnedRwLockWriteGuard<i32> =
///     Arc::clone(&lock).try_write_owned().unwrap();
/// *guard = 4;
/// drop(guard);
/// assert_eq!(*lock.try_read().unwrap(), 4);
/// ```
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    /// The lock: kept alive by the guard, and every permit given back on drop.
    lock: Arc<RwLock<T>>,
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Wraps every permit, just taken from `lock`'s semaphore.
    pub(super) fn new(lock: Arc<RwLock<T>>) -> OwnedRwLockWriteGuard<T> {
        OwnedRwLockWriteGuard { lock }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    #[allow(unsafe_code)]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit of the lock until it drops: nobody else
        // can reach the value, and the `&T` cannot outlive the guard.
        unsafe { &*self.lock.value.as_ptr() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    #[allow(unsafe_code)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the `&mut self` borrow makes this `&mut T` the only
        // reference the guard hands out while it lives.
        unsafe { &mut *self.lock.value.as_ptr() }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(MAX_READS as usize);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The future returned by [`RwLock::read_owned`].
///
/// ```
/// use std::sync::Arc;
///
/// oneloop::run(async {
///     let lock = Arc::new(oneloop::sync::RwLock::new(1));
///     let read: oneloop::sync::RwLockReadOwned<i32> = Arc::clone(&lock).read_owned();
///     assert_eq!(*read.await.unwrap(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ReadOwned<T: ?Sized> {
    /// The lock; moved into the guard when granted.
    lock: Option<Arc<RwLock<T>>>,
    /// Its place in the semaphore's queue (one permit).
    wait: Wait,
}

impl<T: ?Sized> ReadOwned<T> {
    pub(super) fn new(lock: Arc<RwLock<T>>) -> ReadOwned<T> {
        ReadOwned {
            lock: Some(lock),
            wait: Wait::new(1),
        }
    }
}

impl<T: ?Sized> Future for ReadOwned<T> {
    type Output = Result<OwnedRwLockReadGuard<T>, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let lock = this
            .lock
            .as_ref()
            .expect("ReadOwned polled after it returned");
        // Pending: woken by the semaphore when our turn comes.
        let acquired = std::task::ready!(lock.semaphore.poll_acquire(cx, &mut this.wait));
        let lock = this.lock.take().expect("checked above");
        Poll::Ready(match acquired {
            Ok(()) => Ok(OwnedRwLockReadGuard::new(lock)),
            Err(_) => Err(Cancelled),
        })
    }
}

impl<T: ?Sized> Drop for ReadOwned<T> {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            lock.semaphore.abandon(&mut self.wait);
        }
    }
}

impl<T: ?Sized> fmt::Debug for ReadOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOwned")
            .field("wait", &self.wait)
            .finish()
    }
}

/// The future returned by [`RwLock::write_owned`].
///
/// ```
/// use std::sync::Arc;
///
/// oneloop::run(async {
///     let lock = Arc::new(oneloop::sync::RwLock::new(1));
///     let write: oneloop::sync::RwLockWriteOwned<i32> = Arc::clone(&lock).write_owned();
///     *write.await.unwrap() = 2;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WriteOwned<T: ?Sized> {
    /// The lock; moved into the guard when granted.
    lock: Option<Arc<RwLock<T>>>,
    /// Its place in the semaphore's queue (every permit).
    wait: Wait,
}

impl<T: ?Sized> WriteOwned<T> {
    pub(super) fn new(lock: Arc<RwLock<T>>) -> WriteOwned<T> {
        WriteOwned {
            lock: Some(lock),
            wait: Wait::new(MAX_READS),
        }
    }
}

impl<T: ?Sized> Future for WriteOwned<T> {
    type Output = Result<OwnedRwLockWriteGuard<T>, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let lock = this
            .lock
            .as_ref()
            .expect("WriteOwned polled after it returned");
        // Pending: woken by the semaphore when the last holder leaves and our turn comes.
        let acquired = std::task::ready!(lock.semaphore.poll_acquire(cx, &mut this.wait));
        let lock = this.lock.take().expect("checked above");
        Poll::Ready(match acquired {
            Ok(()) => Ok(OwnedRwLockWriteGuard::new(lock)),
            Err(_) => Err(Cancelled),
        })
    }
}

impl<T: ?Sized> Drop for WriteOwned<T> {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            lock.semaphore.abandon(&mut self.wait);
        }
    }
}

impl<T: ?Sized> fmt::Debug for WriteOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteOwned")
            .field("wait", &self.wait)
            .finish()
    }
}
