//! `Sleep`: a future that completes at a deadline, backed by one entry of the timer wheel.
//!
//! A `Sleep` finds the loop only to file its entry; from then on it holds the loop's
//! [`Timers`] (the wheel and its clock), which is all it uses.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::timers::Timers;
use super::wheel::TimerKey;
use crate::runtime::context;
use crate::task::cancel::{poll_proceed, Cancelled};

/// Waits until `duration` has elapsed. A cancellation point: a cancel request of the task
/// makes it return `Err(Cancelled)` at once.
///
/// ```
/// use oneloop::time::{sleep, Duration, Instant};
///
/// oneloop::run(async {
///     let start = Instant::now();
///     sleep(Duration::from_millis(20)).await.unwrap();
///     assert!(start.elapsed() >= Duration::from_millis(20)); // never early
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(Instant::now(), duration))
}

/// `start + duration`, or, for a duration too large to add (years beyond the clock's
/// range), "for ever" as closely as an `Instant` can say it: about 30 years from `start`.
pub(crate) fn deadline_after(start: Instant, duration: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
    start
        .checked_add(duration)
        .or_else(|| start.checked_add(FAR))
        .unwrap_or(start)
}

/// Waits until `deadline`. A deadline in the past completes at the first poll.
///
/// ```
/// use oneloop::time::{sleep_until, Duration, Instant};
///
/// oneloop::run(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     sleep_until(deadline).await.unwrap();
///     assert!(Instant::now() >= deadline);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        entry: None,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It takes a timer-wheel entry at its first `Pending` and gives it back when it completes or
/// is dropped, so a `Sleep` dropped early leaves nothing behind.
///
/// ```
/// use oneloop::time::{sleep, Duration, Sleep};
/// oneloop::run(async {
///     let nap: Sleep = sleep(Duration::from_millis(1));
///     nap.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    /// The loop and the wheel entry, once registered.
    entry: Option<Entry>,
}

#[derive(Debug)]
struct Entry {
    /// The wheel that holds the entry (the loop's, shared).
    timers: Rc<Timers>,
    key: TimerKey,
}

impl Sleep {
    /// The instant at which this sleep completes.
    ///
    /// ```
    /// use oneloop::time::{sleep, Duration, Instant};
    ///
    /// let s = sleep(Duration::from_secs(1));
    /// assert!(s.deadline() > Instant::now());
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Has the deadline passed (by the clock, whether or not the sleep was polled)?
    ///
    /// ```
    /// use oneloop::time::{sleep, Duration};
    ///
    /// assert!(sleep(Duration::ZERO).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (earlier or later); the sleep is pending again if it moved ahead.
    ///
    /// ```
    /// use oneloop::time::{sleep, Duration, Instant};
    ///
    /// oneloop::run(async {
    ///     let mut s = Box::pin(sleep(Duration::from_secs(3600)));
    ///     s.as_mut().reset(Instant::now() + Duration::from_millis(1));
    ///     s.await.unwrap();
    /// });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        this.unregister(); // filed again at its next Pending, under the new deadline
    }

    /// The timer half of `poll`, without the cancellation point (used by `timeout`, whose
    /// output has no room for `Cancelled`).
    pub(crate) fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.unregister();
            return Poll::Ready(());
        }
        // Polled on another loop than the one holding our entry (a `Sleep` moved between
        // runtimes): that loop's timer would wake nobody here, so file the entry again.
        if let Some(Entry { timers, .. }) = &self.entry {
            if context::with_current(|core| !Rc::ptr_eq(&core.timers, timers)).unwrap_or(false) {
                self.unregister();
            }
        }
        let (registered, replaced) = match &self.entry {
            Some(Entry { timers, key }) => {
                let mut wheel = timers.wheel.borrow_mut();
                match wheel.get_mut(*key) {
                    Some(waker) if waker.will_wake(cx.waker()) => (true, None),
                    Some(waker) => (true, Some(std::mem::replace(waker, cx.waker().clone()))),
                    // The wheel fired it (the tick passed) but the clock says not yet: this
                    // happens only if the clock went backwards. File it again.
                    None => (false, None),
                }
            }
            None => (false, None),
        };
        drop(replaced); // outside the wheel's borrow: a foreign waker's drop may re-enter
        if !registered {
            let timers =
                context::expect_current("oneloop::time::sleep", |core| Rc::clone(&core.timers));
            let tick = timers.tick_at_or_after(self.deadline);
            let key = timers.wheel.borrow_mut().insert(tick, cx.waker().clone());
            self.entry = Some(Entry { timers, key });
        }
        // Woken by the loop's timer phase once the deadline's tick has passed.
        Poll::Pending
    }

    fn unregister(&mut self) {
        if let Some(Entry { timers, key }) = self.entry.take() {
            let waker = timers.wheel.borrow_mut().remove(key);
            drop(waker); // outside the borrow
        }
    }
}

impl Future for Sleep {
    type Output = Result<(), Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Err(cancelled) = std::task::ready!(poll_proceed(cx, "sleep")) {
            this.unregister();
            return Poll::Ready(Err(cancelled));
        }
        this.poll_deadline(cx).map(Ok)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.unregister();
    }
}
