//! Time: `sleep`, `sleep_until`, `timeout`, `interval`, on the loop's timer wheel.
//!
//! Timers are filed in a hierarchical timer wheel (`time/wheel.rs`) in ticks of one microsecond
//! since the loop started; `time/timers.rs` holds one loop's wheel with its clock. A deadline is rounded *up* to its tick, the loop waits until that
//! tick's instant exactly (a timerfd, not epoll's milliseconds), and fires a tick only once it
//! has fully passed, so no timer ever fires early (it fires a few microseconds late, plus
//! however long the loop is busy).

mod interval;
mod sleep;
mod timeout;
pub(crate) mod timers;
pub(crate) mod wheel;

pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::{Duration, Instant};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

/// Where tokio keeps its time errors (`tokio::time::error::Elapsed`), so that path ports.
///
/// ```
/// use oneloop::time::error::Elapsed;
/// use oneloop::time::{timeout, Duration};
///
/// oneloop::run(async {
///     let late: Result<(), Elapsed> = timeout(Duration::ZERO, std::future::pending()).await;
///     assert!(late.is_err());
/// });
/// ```
pub mod error {
    pub use super::Elapsed;
}
