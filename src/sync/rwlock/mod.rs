//! `RwLock<T>`: many readers or one writer, held across awaits, handed out first come,
//! first served (tokio's `RwLock`). The borrowed guards live in `guard.rs`, the owned ones
//! (for a lock in an `Arc`) in `owned.rs`.
//!
//! Like tokio's, it is a [`Semaphore`] of [`MAX_READS`] permits beside the value: a reader
//! takes one permit, a writer takes them all. The semaphore's queue gives the fairness: a
//! writer queued at its head holds back every reader that comes after it (they queue behind
//! it instead of joining the readers inside), so a stream of readers cannot starve a writer,
//! and the readers queued behind one writer all go in together when it leaves. A reader or
//! writer cancelled after it was granted the lock passes the permits on, as every
//! semaphore waiter does.
//!
//! The value sits in a `RefCell`: the permits decide who may borrow it, the `RefCell`
//! hands out the borrows and never conflicts, so the borrowed guards are safe code.

mod guard;
mod owned;

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use guard::{RwLockReadGuard, RwLockWriteGuard};
pub use owned::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, ReadOwned, WriteOwned};

use super::semaphore::{Semaphore, Wait};
use super::TryLockError;
use crate::task::Cancelled;

/// How many readers may hold the lock at once; a writer takes this many permits. tokio's
/// figure (`u32::MAX >> 3`): far more readers than a program holds, with room to spare
/// below the semaphore's `u32` request size.
pub const MAX_READS: u32 = u32::MAX >> 3;

/// An async reader-writer lock (tokio's `RwLock`), fair: see the module docs.
///
/// **Porting from tokio:** `read().await` and `write().await` (and their `_owned` forms)
/// are cancellation points and return `Result<Guard, Cancelled>`: add `?` or `.unwrap()`.
///
/// ```
/// use std::rc::Rc;
/// use oneloop::sync::RwLock;
///
/// oneloop::run(async {
///     let config = Rc::new(RwLock::new(String::from("v1")));
///     let r1 = config.read().await.unwrap();
///     let r2 = config.read().await.unwrap(); // readers share the lock
///     assert_eq!((r1.as_str(), r2.as_str()), ("v1", "v1"));
///     assert!(config.try_write().is_err());
///     drop((r1, r2));
///     config.write().await.unwrap().push_str("+patch");
///     assert_eq!(*config.read().await.unwrap(), "v1+patch");
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    /// `MAX_READS` permits: one per reader, all of them for a writer.
    semaphore: Semaphore,
    /// The value; borrowed only by holders of permits.
    value: RefCell<T>,
}

impl<T> RwLock<T> {
    /// A new, unlocked lock.
    ///
    /// ```
    /// let lock = oneloop::sync::RwLock::new(5);
    /// assert_eq!(lock.into_inner(), 5);
    /// ```
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            semaphore: Semaphore::new(MAX_READS as usize),
            value: RefCell::new(value),
        }
    }

    /// The value, consuming the lock.
    ///
    /// ```
    /// assert_eq!(oneloop::sync::RwLock::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits for shared access. A cancellation point: `Err(Cancelled)` if the task is
    /// cancelled while it waits (a grant it had received passes to the next waiter).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let lock = oneloop::sync::RwLock::new(1);
    ///     assert_eq!(*lock.read().await.unwrap(), 1);
    /// });
    /// ```
    pub fn read(&self) -> Read<'_, T> {
        Read {
            lock: self,
            wait: Wait::new(1),
        }
    }

    /// Waits for exclusive access. A cancellation point, as [`read`](RwLock::read).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let lock = oneloop::sync::RwLock::new(1);
    ///     *lock.write().await.unwrap() += 1;
    ///     assert_eq!(*lock.read().await.unwrap(), 2);
    /// });
    /// ```
    pub fn write(&self) -> Write<'_, T> {
        Write {
            lock: self,
            wait: Wait::new(MAX_READS),
        }
    }

    /// Shared access if no writer holds the lock and nobody is queued for it.
    ///
    /// ```
    /// let lock = oneloop::sync::RwLock::new(());
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_ok());
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let permit = self.semaphore.try_acquire().map_err(|_| TryLockError(()))?;
        permit.forget(); // the guard gives it back
        Ok(RwLockReadGuard::new(self))
    }

    /// Exclusive access if nobody holds the lock and nobody is queued for it.
    ///
    /// ```
    /// let lock = oneloop::sync::RwLock::new(0);
    /// *lock.try_write().unwrap() = 1;
    /// assert_eq!(*lock.try_read().unwrap(), 1);
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let permit = self
            .semaphore
            .try_acquire_many(MAX_READS)
            .map_err(|_| TryLockError(()))?;
        permit.forget(); // the guard gives them back
        Ok(RwLockWriteGuard::new(self))
    }

    /// [`read`](RwLock::read) for a lock in an `Arc` (tokio's signature): the guard keeps
    /// the lock alive and borrows nothing, so it can move into a spawned task.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// oneloop::run(async {
    ///     #[allow(clippy::arc_with_non_send_sync)]
    ///     let lock = Arc::new(oneloop::sync::RwLock::new(7));
    ///     let guard = Arc::clone(&lock).read_owned().await.unwrap();
    ///     let task = oneloop::spawn(async move { *guard });
    ///     assert_eq!(task.await.unwrap(), 7);
    /// });
    /// ```
    pub fn read_owned(self: Arc<Self>) -> ReadOwned<T> {
        ReadOwned::new(self)
    }

    /// [`write`](RwLock::write) for a lock in an `Arc` (tokio's signature).
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// oneloop::run(async {
    ///     #[allow(clippy::arc_with_non_send_sync)]
    ///     let lock = Arc::new(oneloop::sync::RwLock::new(7));
    ///     let mut guard = Arc::clone(&lock).write_owned().await.unwrap();
    ///     oneloop::spawn(async move { *guard += 1 }).await.unwrap();
    ///     assert_eq!(*lock.read().await.unwrap(), 8);
    /// });
    /// ```
    pub fn write_owned(self: Arc<Self>) -> WriteOwned<T> {
        WriteOwned::new(self)
    }

    /// [`try_read`](RwLock::try_read) for a lock in an `Arc`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(oneloop::sync::RwLock::new(1));
    /// assert_eq!(*Arc::clone(&lock).try_read_owned().unwrap(), 1);
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        let permit = self.semaphore.try_acquire().map_err(|_| TryLockError(()))?;
        permit.forget();
        Ok(OwnedRwLockReadGuard::new(self))
    }

    /// [`try_write`](RwLock::try_write) for a lock in an `Arc`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(oneloop::sync::RwLock::new(1));
    /// let _r = lock.try_read().unwrap();
    /// assert!(Arc::clone(&lock).try_write_owned().is_err());
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        let permit = self
            .semaphore
            .try_acquire_many(MAX_READS)
            .map_err(|_| TryLockError(()))?;
        permit.forget();
        Ok(OwnedRwLockWriteGuard::new(self))
    }

    /// The value through `&mut self`: no lock needed, the borrow checker proves exclusivity.
    ///
    /// ```
    /// let mut lock = oneloop::sync::RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Readers holding the lock now, or `None` while a writer holds it.
    fn holders(&self) -> Option<usize> {
        match MAX_READS as usize - self.semaphore.available_permits() {
            n if n == MAX_READS as usize => None,
            n => Some(n),
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        // Decided by the permits, not by the `RefCell`: an owned write guard holds the
        // value without a `RefCell` borrow (see `owned.rs`).
        match self.holders() {
            Some(_) => d.field("data", &&*self.value.borrow()),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// The future returned by [`RwLock::read`].
///
/// ```
/// oneloop::run(async {
///     let lock = oneloop::sync::RwLock::new(1);
///     let read: oneloop::sync::RwLockRead<'_, i32> = lock.read();
///     assert_eq!(*read.await.unwrap(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Read<'a, T: ?Sized> {
    /// The lock it waits on.
    lock: &'a RwLock<T>,
    /// Its place in the semaphore's queue (one permit).
    wait: Wait,
}

impl<'a, T: ?Sized> Future for Read<'a, T> {
    type Output = Result<RwLockReadGuard<'a, T>, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let lock = this.lock;
        // Pending: woken by the semaphore when the writer ahead leaves and our turn comes.
        // The semaphore is never closed, so the only error is a cancellation.
        match std::task::ready!(lock.semaphore.poll_acquire(cx, &mut this.wait)) {
            Ok(()) => Poll::Ready(Ok(RwLockReadGuard::new(lock))),
            Err(_) => Poll::Ready(Err(Cancelled)),
        }
    }
}

impl<T: ?Sized> Drop for Read<'_, T> {
    fn drop(&mut self) {
        self.lock.semaphore.abandon(&mut self.wait);
    }
}

impl<T: ?Sized> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read").field("wait", &self.wait).finish()
    }
}

/// The future returned by [`RwLock::write`].
///
/// ```
/// oneloop::run(async {
///     let lock = oneloop::sync::RwLock::new(1);
///     let write: oneloop::sync::RwLockWrite<'_, i32> = lock.write();
///     *write.await.unwrap() = 2;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Write<'a, T: ?Sized> {
    /// The lock it waits on.
    lock: &'a RwLock<T>,
    /// Its place in the semaphore's queue (every permit).
    wait: Wait,
}

impl<'a, T: ?Sized> Future for Write<'a, T> {
    type Output = Result<RwLockWriteGuard<'a, T>, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let lock = this.lock;
        // Pending: woken by the semaphore when the last holder leaves and our turn comes.
        match std::task::ready!(lock.semaphore.poll_acquire(cx, &mut this.wait)) {
            Ok(()) => Poll::Ready(Ok(RwLockWriteGuard::new(lock))),
            Err(_) => Poll::Ready(Err(Cancelled)),
        }
    }
}

impl<T: ?Sized> Drop for Write<'_, T> {
    fn drop(&mut self) {
        self.lock.semaphore.abandon(&mut self.wait);
    }
}

impl<T: ?Sized> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write").field("wait", &self.wait).finish()
    }
}
