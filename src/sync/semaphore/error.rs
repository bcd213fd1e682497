//! Why acquiring from a `Semaphore` failed.

use std::fmt;

/// Why [`Semaphore::acquire`](super::Semaphore::acquire) failed: the task was cancelled while it waited, or the
/// semaphore was closed.
///
/// ```
/// oneloop::run(async {
///     let sem = oneloop::sync::Semaphore::new(0);
///     sem.close();
///     let err = sem.acquire().await.unwrap_err();
///     assert!(err.is_closed() && !err.is_cancelled());
///     assert_eq!(err.to_string(), "semaphore closed");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireError(Why);

/// The two reasons behind an [`AcquireError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    Cancelled,
    Closed,
}

impl AcquireError {
    pub(super) fn cancelled() -> AcquireError {
        AcquireError(Why::Cancelled)
    }

    pub(super) fn closed() -> AcquireError {
        AcquireError(Why::Closed)
    }

    /// The task was cancelled (the cancellation rule): a `Cancelled` delivered here.
    ///
    /// ```
    /// use oneloop::{sync::Semaphore, task};
    /// use std::rc::Rc;
    ///
    /// oneloop::run(async {
    ///     let sem = Rc::new(Semaphore::new(0));
    ///     let s = Rc::clone(&sem);
    ///     let waiter = oneloop::spawn(async move { s.acquire().await.map(|_| ()) });
    ///     task::yield_now().await.unwrap();
    ///     waiter.cancel();
    ///     assert!(waiter.await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.0 == Why::Cancelled
    }

    /// The semaphore was closed.
    ///
    /// ```
    /// let sem = oneloop::sync::Semaphore::new(0);
    /// sem.close();
    /// # oneloop::run(async move {
    /// assert!(sem.acquire().await.unwrap_err().is_closed());
    /// # });
    /// ```
    pub fn is_closed(&self) -> bool {
        self.0 == Why::Closed
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Why::Cancelled => f.write_str("task was cancelled"),
            Why::Closed => f.write_str("semaphore closed"),
        }
    }
}

impl std::error::Error for AcquireError {}

impl From<AcquireError> for std::io::Error {
    fn from(err: AcquireError) -> std::io::Error {
        match err.0 {
            Why::Cancelled => crate::Cancelled.into(),
            Why::Closed => std::io::Error::other(err),
        }
    }
}

/// Why [`Semaphore::try_acquire`](super::Semaphore::try_acquire) failed.
///
/// ```
/// use oneloop::sync::{Semaphore, TryAcquireError};
///
/// let sem = Semaphore::new(0);
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free (or other tasks are queued for them).
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}
