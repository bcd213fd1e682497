//! `OnceCell<T>`: a value set once, possibly by an async initializer that several tasks
//! race to run (tokio's `OnceCell`).
//!
//! The value lives in a `std::cell::OnceCell` (one thread: no atomics). Who may run the
//! initializer is decided by a [`Semaphore`] of one permit: the first `get_or_init` takes
//! it, later ones queue for it, first in first out. When the value is set the semaphore is
//! closed, which releases every queued task at once to read it. If the initializer does not
//! finish (its task is cancelled, or the future is dropped), the permit is given back and
//! the next queued task runs *its* initializer: the grant is passed on, never lost.

use std::fmt;
use std::future::Future;

use super::Semaphore;
use crate::task::Cancelled;

/// A cell written once (tokio's `OnceCell`).
///
/// **Porting from tokio:** `get_or_init(..).await` returns `Result<&T, Cancelled>` (a task
/// cancelled while another initializes gets `Cancelled`): add `?` or `.unwrap()`.
/// `get_or_try_init` keeps tokio's `Result<&T, E>` and needs `E: From<Cancelled>` (as
/// `io::Error` is).
///
/// ```
/// use std::rc::Rc;
/// use oneloop::sync::OnceCell;
///
/// oneloop::run(async {
///     let config = Rc::new(OnceCell::new());
///     let tasks: Vec<_> = (0..3)
///         .map(|i| {
///             let config = Rc::clone(&config);
///             oneloop::spawn(async move {
///                 *config.get_or_init(|| async move { format!("loaded by {i}") }).await.unwrap() == "loaded by 0"
///             })
///         })
///         .collect();
///     for task in tasks {
///         assert!(task.await.unwrap()); // only the first initializer ran
///     }
/// });
/// ```
pub struct OnceCell<T> {
    /// The value, once set.
    value: std::cell::OnceCell<T>,
    /// One permit: the right to run an initializer. Closed once the value is set.
    init: Semaphore,
}

/// Why [`OnceCell::set`] failed; the value is given back.
///
/// ```
/// use oneloop::sync::{OnceCell, SetError};
///
/// let cell = OnceCell::new();
/// cell.set(1).unwrap();
/// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// A `get_or_init` is running its initializer right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Is the cell already set?
    ///
    /// ```
    /// assert!(oneloop::sync::SetError::AlreadyInitializedError(()).is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Is an initializer running?
    ///
    /// ```
    /// assert!(oneloop::sync::SetError::InitializingError(()).is_initializing_err());
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// ```
    /// let cell = oneloop::sync::OnceCell::<u8>::new();
    /// assert!(!cell.initialized());
    /// ```
    pub const fn new() -> OnceCell<T> {
        OnceCell {
            value: std::cell::OnceCell::new(),
            init: Semaphore::new(1),
        }
    }

    /// tokio's name for [`new`](OnceCell::new) in `static`s.
    ///
    /// ```
    /// let cell = oneloop::sync::OnceCell::<u8>::const_new();
    /// assert_eq!(cell.get(), None);
    /// ```
    pub const fn const_new() -> OnceCell<T> {
        OnceCell::new()
    }

    /// A cell holding `value` if it is `Some`.
    ///
    /// ```
    /// let cell = oneloop::sync::OnceCell::new_with(Some(3));
    /// assert_eq!(cell.get(), Some(&3));
    /// ```
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        let cell = OnceCell::new();
        if let Some(value) = value {
            cell.store(value);
        }
        cell
    }

    /// Is the value set?
    ///
    /// ```
    /// let cell = oneloop::sync::OnceCell::new();
    /// cell.set(()).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// The value, if set.
    ///
    /// ```
    /// let cell = oneloop::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set("v").unwrap();
    /// assert_eq!(cell.get(), Some(&"v"));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, mutably, if set.
    ///
    /// ```
    /// let mut cell = oneloop::sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Sets the value if it is not set and no initializer is running; gives it back
    /// otherwise.
    ///
    /// ```
    /// let cell = oneloop::sync::OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.init.try_acquire() {
            Ok(permit) => {
                self.store(value);
                drop(permit);
                Ok(())
            }
            Err(_) => Err(SetError::InitializingError(value)),
        }
    }

    /// The value, running `f`'s future to make it if the cell is empty. If another task is
    /// initializing, waits for it (first in, first out); if that initializer does not
    /// finish (cancelled, dropped), the next waiter runs its own. A cancellation point
    /// while it waits: `Err(Cancelled)`.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let cell = oneloop::sync::OnceCell::new();
    ///     assert_eq!(*cell.get_or_init(|| async { 7 }).await.unwrap(), 7);
    ///     assert_eq!(*cell.get_or_init(|| async { 8 }).await.unwrap(), 7);
    /// });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> Result<&T, Cancelled>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        self.get_or_try_init(|| async { Ok::<T, Cancelled>(f().await) })
            .await
    }

    /// [`get_or_init`](OnceCell::get_or_init) with an initializer that may fail: on `Err`
    /// the cell stays empty and the next waiter tries. A cancellation while waiting comes
    /// back as `E::from(Cancelled)`.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let cell = oneloop::sync::OnceCell::new();
    ///     let failed = cell.get_or_try_init(|| async { Err(std::io::Error::other("down")) }).await;
    ///     assert!(failed.is_err() && !cell.initialized());
    ///     let ok = cell.get_or_try_init(|| async { Ok::<_, std::io::Error>(1) }).await;
    ///     assert_eq!(*ok.unwrap(), 1);
    /// });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        E: From<Cancelled>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.value.get() {
            return Ok(value);
        }
        // Our turn to initialize, or the semaphore closed because someone else finished.
        let permit = match self.init.acquire().await {
            Ok(permit) => permit,
            Err(err) if err.is_cancelled() => return Err(Cancelled.into()),
            Err(_closed) => {
                return Ok(self.value.get().expect("closed only once the value is set"))
            }
        };
        if let Some(value) = self.value.get() {
            return Ok(value);
        }
        // If this future is dropped inside `f`, `permit` goes back: the next waiter tries.
        let value = f().await?;
        let value = self.store(value);
        drop(permit);
        Ok(value)
    }

    /// Stores the first value and releases every task queued for the permit.
    fn store(&self, value: T) -> &T {
        // Refused only if a value is there already (the callers checked): keep the first.
        let _refused = self.value.set(value);
        self.init.close();
        self.value.get().expect("a value was just stored")
    }

    /// The value, consuming the cell.
    ///
    /// ```
    /// assert_eq!(oneloop::sync::OnceCell::new_with(Some(1)).into_inner(), Some(1));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// Takes the value out, leaving the cell empty (and ready to be initialized again).
    ///
    /// ```
    /// let mut cell = oneloop::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(cell.set(2).is_ok());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        let value = self.value.take();
        self.init = Semaphore::new(1);
        value
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.value.get())
            .finish()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        OnceCell::new_with(Some(value))
    }
}
