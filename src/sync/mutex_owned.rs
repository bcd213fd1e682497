//! `Mutex::lock_owned`: the lock of a mutex in an `Arc`, held by a guard that owns the `Arc`
//! (tokio's `OwnedMutexGuard`), so it borrows nothing and can move into a spawned task.
//!
//! Such a guard cannot also hold a `RefMut` into the mutex's `RefCell` (it would borrow from
//! its own field), so it reaches the value through `RefCell::as_ptr`, as the owned `RwLock`
//! guards do (DESIGN.md lists the site). The mutex's one permit is the proof: while the
//! guard holds it, no `MutexGuard` exists, and `Mutex`'s `Debug` asks the permit, not the
//! `RefCell`, before it looks at the value.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::semaphore::Wait;
use super::{Mutex, TryLockError};
use crate::task::Cancelled;

impl<T: ?Sized> Mutex<T> {
    /// [`lock`](Mutex::lock) for a mutex in an `Arc` (tokio's signature). A cancellation
    /// point: `Err(Cancelled)` if the task is cancelled while it waits (the lock then goes
    /// to the next waiter).
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// oneloop::run(async {
    ///     #[allow(clippy::arc_with_non_send_sync)]
    ///     let counter = Arc::new(oneloop::sync::Mutex::new(0));
    ///     let mut guard = Arc::clone(&counter).lock_owned().await.unwrap();
    ///     oneloop::spawn(async move { *guard += 1 }).await.unwrap();
    ///     assert_eq!(*counter.lock().await.unwrap(), 1);
    /// });
    /// ```
    pub fn lock_owned(self: Arc<Self>) -> LockOwned<T> {
        LockOwned {
            mutex: Some(self),
            wait: Wait::new(1),
        }
    }

    /// [`try_lock`](Mutex::try_lock) for a mutex in an `Arc`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(oneloop::sync::Mutex::new(1));
    /// let guard = Arc::clone(&m).try_lock_owned().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(guard);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        let permit = self.semaphore.try_acquire().map_err(|_| TryLockError(()))?;
        permit.forget(); // the guard gives it back
        Ok(OwnedMutexGuard { mutex: self })
    }
}

/// The future returned by [`Mutex::lock_owned`].
///
/// ```
/// use std::sync::Arc;
///
/// oneloop::run(async {
///     let m = Arc::new(oneloop::sync::Mutex::new(1));
///     let lock: oneloop::sync::LockOwned<i32> = Arc::clone(&m).lock_owned();
///     assert_eq!(*lock.await.unwrap(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct LockOwned<T: ?Sized> {
    /// The mutex; moved into the guard when granted.
    mutex: Option<Arc<Mutex<T>>>,
    /// Its place in the semaphore's queue.
    wait: Wait,
}

impl<T: ?Sized> Future for LockOwned<T> {
    type Output = Result<OwnedMutexGuard<T>, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mutex = this
            .mutex
            .as_ref()
            .expect("LockOwned polled after it returned");
        // Pending: woken by the semaphore when the holder before us lets go.
        let acquired = std::task::ready!(mutex.semaphore.poll_acquire(cx, &mut this.wait));
        let mutex = this.mutex.take().expect("checked above");
        Poll::Ready(match acquired {
            Ok(()) => Ok(OwnedMutexGuard { mutex }),
            Err(_) => Err(Cancelled),
        })
    }
}

impl<T: ?Sized> Drop for LockOwned<T> {
    fn drop(&mut self) {
        if let Some(mutex) = &self.mutex {
            mutex.semaphore.abandon(&mut self.wait); // a granted lock goes to the next waiter
        }
    }
}

impl<T: ?Sized> fmt::Debug for LockOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockOwned")
            .field("wait", &self.wait)
            .finish()
    }
}

/// The lock of a mutex in an `Arc` (see [`Mutex::lock_owned`]); dropping it unlocks.
///
/// ```
/// use std::sync::Arc;
///
/// let m = Arc::new(oneloop::sync::Mutex::new(String::new()));
/// let mut guard: oneloop::sync::OwnedMutexGuard<String> = Arc::clone(&m).try_lock_owned().unwrap();
/// guard.push_str("hi");
/// assert!(Arc::ptr_eq(guard.mutex(), &m));
/// ```
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct OwnedMutexGuard<T: ?Sized> {
    /// The mutex: kept alive by the guard, its permit given back on drop.
    mutex: Arc<Mutex<T>>,
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(oneloop::sync::Mutex::new(()));
    /// let guard = Arc::clone(&m).try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(guard.mutex(), &m));
    /// ```
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.mutex
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    #[allow(unsafe_code)]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit until it drops, so no other
        // guard exists and nothing else borrows the value; the `&T` cannot outlive the guard.
        unsafe { &*self.mutex.value.as_ptr() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    #[allow(unsafe_code)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference handed out.
        unsafe { &mut *self.mutex.value.as_ptr() }
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.mutex.semaphore.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
