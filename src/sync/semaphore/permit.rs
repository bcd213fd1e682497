//! The permits of a `Semaphore`: held while in scope, given back (to the oldest waiter
//! first) when dropped, or kept out for good with `forget`.

use std::sync::Arc;

use super::Semaphore;

/// Permits borrowed from a [`Semaphore`]; they go back when this is dropped.
///
/// ```
/// let sem = oneloop::sync::Semaphore::new(1);
/// {
///     let _permit = sem.try_acquire().unwrap();
///     assert_eq!(sem.available_permits(), 0);
/// }
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is released at once if it is not kept"]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    /// Where the permits go back to.
    semaphore: &'a Semaphore,
    /// How many permits this holds (0 after `forget`).
    permits: u32,
}

impl<'a> SemaphorePermit<'a> {
    /// Wraps `permits` permits that were just taken from `semaphore` (by `poll_acquire`).
    pub(crate) fn adopt(semaphore: &'a Semaphore, permits: u32) -> SemaphorePermit<'a> {
        SemaphorePermit { semaphore, permits }
    }

    /// Keeps the permits out of the semaphore for good (its count drops by them).
    ///
    /// ```
    /// let sem = oneloop::sync::Semaphore::new(2);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// let sem = oneloop::sync::Semaphore::new(2);
    /// assert_eq!(sem.try_acquire().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.semaphore.release(self.permits as usize);
        }
    }
}

/// Permits from a [`Semaphore`] in an `Arc` (see [`Semaphore::acquire_owned`]).
///
/// ```
/// use std::sync::Arc;
///
/// let sem = Arc::new(oneloop::sync::Semaphore::new(1));
/// let permit = Arc::clone(&sem).try_acquire_owned().unwrap();
/// assert_eq!(permit.num_permits(), 1);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is released at once if it is not kept"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    /// Where the permits go back to; also keeps the semaphore alive.
    semaphore: Arc<Semaphore>,
    /// How many permits this holds (0 after `forget`).
    permits: u32,
}

impl OwnedSemaphorePermit {
    /// Wraps `permits` permits that were just taken from `semaphore`.
    pub(super) fn adopt(semaphore: Arc<Semaphore>, permits: u32) -> OwnedSemaphorePermit {
        OwnedSemaphorePermit { semaphore, permits }
    }

    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(oneloop::sync::Semaphore::new(1));
    /// Arc::clone(&sem).try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(oneloop::sync::Semaphore::new(1));
    /// assert_eq!(sem.try_acquire_owned().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// The semaphore the permits came from.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(oneloop::sync::Semaphore::new(1));
    /// let permit = Arc::clone(&sem).try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.semaphore.release(self.permits as usize);
        }
    }
}
