//! `Interval`: ticks at a fixed period, for loops that do something every so often.

use std::future::poll_fn;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::sleep::{deadline_after, sleep_until, Sleep};
use crate::task::cancel::{poll_proceed, Cancelled};

/// A tick later than this counts as missed, and only then does [`MissedTickBehavior`]
/// apply. Every tick is a little late (the wake-up takes microseconds, and the loop may have
/// other tasks to run); without this slack, `Delay` would drift by that much every period.
/// 5 ms is tokio's figure.
const LATE: Duration = Duration::from_millis(5);

/// An interval whose first tick completes at once and then every `period`.
/// Panics if `period` is zero (a zero period would be a busy loop).
///
/// ```
/// use oneloop::time::{interval, Duration, Instant};
///
/// oneloop::run(async {
///     let start = Instant::now();
///     let mut every = interval(Duration::from_millis(10));
///     for _ in 0..3 {
///         every.tick().await.unwrap();
///     }
///     assert!(start.elapsed() >= Duration::from_millis(20)); // ticks at 0, 10, 20 ms
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start`, then every `period`.
/// Panics if `period` is zero.
///
/// ```
/// use oneloop::time::{interval_at, Duration, Instant};
///
/// let start = Instant::now() + Duration::from_secs(1);
/// let every = interval_at(start, Duration::from_secs(1));
/// assert_eq!(every.period(), Duration::from_secs(1));
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "oneloop::time::interval: the period must be greater than zero"
    );
    Interval {
        sleep: sleep_until(start),
        period,
        missed: MissedTickBehavior::Burst,
    }
}

/// What an [`Interval`] does when the loop was too busy to tick on time (tokio's choices).
///
/// ```
/// use oneloop::time::{interval, Duration, MissedTickBehavior};
///
/// let mut every = interval(Duration::from_millis(10));
/// every.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Tick as fast as possible until caught up (the default): the number of ticks is right.
    #[default]
    Burst,
    /// Start a new schedule from now: the gap between ticks is never below the period.
    Delay,
    /// Skip the missed ticks and keep to the original schedule.
    Skip,
}

/// Yields ticks at a fixed period (see [`interval`]).
///
/// ```
/// use oneloop::time::{interval, Duration, Interval};
/// oneloop::run(async {
///     let mut every: Interval = interval(Duration::from_millis(1));
///     every.tick().await.unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    /// Sleeps until the next tick is due.
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was due. A cancellation point.
    ///
    /// ```
    /// use oneloop::time::{interval, Duration};
    ///
    /// oneloop::run(async {
    ///     let mut every = interval(Duration::from_millis(1));
    ///     let first = every.tick().await.unwrap();
    ///     let second = every.tick().await.unwrap();
    ///     assert_eq!(second - first, Duration::from_millis(1));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Result<Instant, Cancelled> {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// The polling form of [`Interval::tick`].
    ///
    /// ```
    /// use oneloop::time::{interval, Duration};
    ///
    /// oneloop::run(async {
    ///     let mut every = interval(Duration::from_millis(1));
    ///     std::future::poll_fn(|cx| every.poll_tick(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Result<Instant, Cancelled>> {
        std::task::ready!(poll_proceed(cx, "interval"))?;
        std::task::ready!(self.sleep.poll_deadline(cx));
        let due = self.sleep.deadline();
        let now = Instant::now();
        let late = now.saturating_duration_since(due) > LATE;
        let next = match self.missed {
            _ if !late => deadline_after(due, self.period),
            MissedTickBehavior::Burst => deadline_after(due, self.period),
            MissedTickBehavior::Delay => deadline_after(now, self.period),
            MissedTickBehavior::Skip => {
                // The first tick of the original schedule that is still in the future.
                let behind = now.saturating_duration_since(due).as_nanos() / self.period.as_nanos();
                let ahead = u32::try_from(behind + 1)
                    .ok()
                    .and_then(|n| self.period.checked_mul(n))
                    .unwrap_or(Duration::MAX);
                deadline_after(due, ahead)
            }
        };
        self.sleep = sleep_until(next);
        Poll::Ready(Ok(due))
    }

    /// Makes the next tick due one period from now.
    ///
    /// ```
    /// use oneloop::time::{interval, Duration};
    /// let mut every = interval(Duration::from_secs(1));
    /// every.reset();
    /// ```
    pub fn reset(&mut self) {
        self.sleep = sleep_until(deadline_after(Instant::now(), self.period));
    }

    /// The period.
    ///
    /// ```
    /// use oneloop::time::{interval, Duration};
    /// assert_eq!(interval(Duration::from_secs(2)).period(), Duration::from_secs(2));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens to missed ticks (see [`MissedTickBehavior`]).
    ///
    /// ```
    /// use oneloop::time::{interval, Duration, MissedTickBehavior};
    /// let every = interval(Duration::from_secs(1));
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets what happens to missed ticks.
    ///
    /// ```
    /// use oneloop::time::{interval, Duration, MissedTickBehavior};
    /// let mut every = interval(Duration::from_secs(1));
    /// every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}
