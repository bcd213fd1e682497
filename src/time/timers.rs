//! `Timers`: one loop's timer wheel with its clock, what a `Sleep` files its entry in.
//!
//! The wheel (`wheel.rs`) counts in ticks and never reads the clock; this is where a
//! deadline (`Instant`) becomes a tick and back. The loop holds its `Timers` in an `Rc`
//! (`Core::timers`) and fires due entries in phase 4 of a turn; a `Sleep` holds the same
//! `Rc` while it has an entry, so it reaches the wheel without going through the loop.

use std::cell::RefCell;
use std::fmt;
use std::task::Waker;
use std::time::{Duration, Instant};

use super::wheel::Wheel;

/// One wheel tick is a microsecond: fine enough that rounding a deadline up to a tick adds at
/// most 1 µs of lateness (the loop waits for the exact deadline, see `runtime::turn`), coarse
/// enough that the wheel's 64^6 ticks reach 19 hours before a timer waits in its overflow list.
const NANOS_PER_TICK: u128 = 1_000;

/// One loop's timers (see the module docs).
pub(crate) struct Timers {
    /// The entries, each a waiting task's waker, in ticks of one microsecond since `epoch`.
    pub(crate) wheel: RefCell<Wheel<Waker>>,
    /// Tick 0 of the wheel: when the loop was made.
    epoch: Instant,
}

impl Timers {
    /// An empty wheel whose tick 0 is now.
    pub(crate) fn new() -> Timers {
        Timers {
            wheel: RefCell::new(Wheel::new()),
            epoch: Instant::now(),
        }
    }

    /// The wheel tick of `instant`, rounded up so a timer filed there never fires early.
    pub(crate) fn tick_at_or_after(&self, instant: Instant) -> u64 {
        let since = instant.saturating_duration_since(self.epoch);
        let rounded = since.as_nanos().div_ceil(NANOS_PER_TICK);
        u64::try_from(rounded).unwrap_or(u64::MAX)
    }

    /// The wheel tick that has fully passed at `instant` (rounded down).
    pub(crate) fn tick_passed_at(&self, instant: Instant) -> u64 {
        u64::try_from(instant.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    /// The instant at which wheel tick `tick` begins.
    pub(crate) fn instant_of_tick(&self, tick: u64) -> Option<Instant> {
        self.epoch.checked_add(Duration::from_micros(tick))
    }
}

impl fmt::Debug for Timers {
    /// What a `Sleep`'s `Debug` shows of its loop: the number of pending timers, if the
    /// wheel is not borrowed right now.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Timers");
        if let Ok(wheel) = self.wheel.try_borrow() {
            s.field("pending", &wheel.len());
        }
        s.finish_non_exhaustive()
    }
}
