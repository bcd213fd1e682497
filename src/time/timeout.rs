//! `timeout`: run a future, but give up on it at a deadline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::sleep::{sleep, sleep_until, Sleep};

/// Runs `future` for at most `duration`. The future is polled first, so one that is ready
/// wins even with a zero duration; at the deadline it is dropped and the result is
/// `Err(Elapsed)`. `timeout` is not itself a cancellation point: a cancel request is
/// delivered by whatever oneloop future runs inside.
///
/// ```
/// use oneloop::time::{sleep, timeout, Duration};
///
/// oneloop::run(async {
///     assert_eq!(timeout(Duration::ZERO, async { 7 }).await, Ok(7));
///     let slow = timeout(Duration::from_millis(5), sleep(Duration::from_secs(60))).await;
///     assert!(slow.is_err());
/// });
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        deadline: sleep(duration),
    }
}

/// Runs `future` until `deadline` at the latest (see [`timeout`]).
///
/// ```
/// use oneloop::time::{timeout_at, Duration, Instant};
///
/// oneloop::run(async {
///     let at = Instant::now() + Duration::from_millis(5);
///     assert!(timeout_at(at, std::future::pending::<()>()).await.is_err());
/// });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        deadline: sleep_until(deadline),
    }
}

/// The future returned by [`timeout`].
///
/// ```
/// use oneloop::time::{timeout, Duration, Timeout};
/// oneloop::run(async {
///     let bounded: Timeout<_> = timeout(Duration::from_secs(1), async { 1 });
///     assert_eq!(bounded.await, Ok(1));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Timeout<F> {
    future: F,
    deadline: Sleep,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// ```
    /// use oneloop::time::{timeout, Duration};
    /// let t = timeout(Duration::from_secs(1), async { 1 });
    /// let _inner = t.into_inner();
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

/// The error of a [`timeout`] whose deadline came first.
///
/// ```
/// use oneloop::time::{timeout, Duration};
///
/// oneloop::run(async {
///     let err = timeout(Duration::from_millis(1), std::future::pending::<()>()).await.unwrap_err();
///     assert_eq!(err.to_string(), "deadline has elapsed");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, Elapsed(()))
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        #[allow(unsafe_code)]
        // SAFETY: `future` is structurally pinned (never moved out while pinned; `Timeout`
        // has no `Drop`); `deadline` is `Unpin` and is only reached by `&mut`.
        let (future, deadline) = unsafe {
            let this = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut this.future), &mut this.deadline)
        };
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // Woken by the timer, or by whatever the inner future waits for.
        deadline.poll_deadline(cx).map(|()| Err(Elapsed(())))
    }
}
