//! The guards of a borrowed `RwLock`: a `Ref` or `RefMut` of the value, and the semaphore
//! permits that make the borrow legitimate, given back when the guard drops.

use std::cell::{Ref, RefMut};
use std::fmt;
use std::ops::{Deref, DerefMut};

use super::{RwLock, MAX_READS};

/// Shared access to an [`RwLock`]'s value; dropping it lets a waiting writer in once the
/// last reader has left.
///
/// ```
/// let lock = oneloop::sync::RwLock::new(vec![1, 2]);
/// let guard: oneloop::sync::RwLockReadGuard<'_, Vec<i32>> = lock.try_read().unwrap();
/// assert_eq!(guard.len(), 2);
/// ```
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    /// The borrow. An `Option` only so `Drop` can end it before it gives the permit back.
    value: Option<Ref<'a, T>>,
    /// The lock, to give the reader's permit back to.
    lock: &'a RwLock<T>,
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Wraps one permit just taken from `lock`'s semaphore.
    pub(super) fn new(lock: &'a RwLock<T>) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            value: Some(lock.value.borrow()),
            lock,
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value
            .as_deref()
            .expect("a live guard holds its borrow")
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.value = None; // the borrow ends before the next holder can come in
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`]'s value; dropping it serves the waiters queued
/// behind it (the readers at the head of the queue all together, or the next writer).
///
/// ```
/// let lock = oneloop::sync::RwLock::new(1);
/// let mut guard: oneloop::sync::RwLockWriteGuard<'_, i32> = lock.try_write().unwrap();
/// *guard += 1;
/// drop(guard);
/// assert_eq!(lock.into_inner(), 2);
/// ```
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    /// The borrow; an `Option` for the same reason as the read guard's.
    value: Option<RefMut<'a, T>>,
    /// The lock, to give every permit back to.
    lock: &'a RwLock<T>,
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Wraps every permit, just taken from `lock`'s semaphore.
    pub(super) fn new(lock: &'a RwLock<T>) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            value: Some(lock.value.borrow_mut()),
            lock,
        }
    }

    /// Turns exclusive access into shared access without letting a writer in between
    /// (tokio's `downgrade`); the readers queued at the head come in with it.
    ///
    /// ```
    /// let lock = oneloop::sync::RwLock::new(1);
    /// let mut w = lock.try_write().unwrap();
    /// *w = 2;
    /// let r = w.downgrade();
    /// assert_eq!(*r, 2);
    /// assert_eq!(*lock.try_read().unwrap(), 2); // readers share it now
    /// ```
    pub fn downgrade(mut self) -> RwLockReadGuard<'a, T> {
        let lock = self.lock;
        self.value = None;
        std::mem::forget(self); // its permits stay taken: one is the reader's now
        let reader = RwLockReadGuard::new(lock);
        lock.semaphore.release(MAX_READS as usize - 1);
        reader
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value
            .as_deref()
            .expect("a live guard holds its borrow")
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
            .as_deref_mut()
            .expect("a live guard holds its borrow")
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.value = None;
        self.lock.semaphore.release(MAX_READS as usize);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
