//! A `timerfd` for the mio backend: how the loop waits for a timer to the microsecond.
//!
//! `epoll_wait` takes its timeout in milliseconds, and mio rounds a `Duration` *up* to the
//! next one (rounding down would wake the loop before the deadline, and it would spin). So a
//! loop that waited with epoll's timeout alone would fire every timer up to a millisecond
//! late. Instead, before a wait that has a deadline, the backend arms this timer, which is
//! registered with epoll like a socket: its expiry is an event that ends the wait on time,
//! and epoll itself then waits without a timeout (`mio.rs` says why).
//!
//! The timer is armed with the deadline itself (`TFD_TIMER_ABSTIME`), not with the time left:
//! so the wait ends at the deadline however long the loop took to get to `epoll_wait`, and a
//! wait for the deadline the timer already holds (the loop woke for I/O, the earliest timer
//! is still the same one) needs no system call at all. One `timerfd_settime` per new
//! earliest deadline, then, and none per turn.
//!
//! The `polling` backend needs none of this: `Poller::wait_deadline` arms its own timerfd,
//! on every wait. `epoll_pwait2` (nanosecond timeouts, Linux 5.11) would save the
//! `timerfd_settime`, but mio owns the `epoll_wait` call and does not use it; and a timeout
//! of epoll's is subject to the thread's timer slack (50 µs by default), a timerfd is not.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// A monotonic, non-blocking timerfd.
pub(crate) struct TimerFd {
    /// The descriptor; closing it also takes it out of the epoll set.
    fd: OwnedFd,
    /// The deadline the timer is armed for, which may have passed (then it has expired and
    /// disarmed itself). Saves the call when the next wait has the same deadline, or has
    /// none and the timer is not running.
    armed: Option<Instant>,
    /// An `Instant` and the `CLOCK_MONOTONIC` reading taken just after it: how an `Instant`
    /// (whose value std does not show) becomes the kernel's absolute time. The reading comes
    /// second, so it is the later by the few nanoseconds between the two: converted
    /// deadlines err late by that much, never early.
    origin: (Instant, Duration),
    /// `timerfd_settime` calls made, for the tests.
    #[cfg(test)]
    arms: u32,
}

impl TimerFd {
    /// A new, disarmed timer on `CLOCK_MONOTONIC`, the clock `Instant` reads on Linux.
    pub(crate) fn new() -> io::Result<TimerFd> {
        let flags = libc::TFD_NONBLOCK | libc::TFD_CLOEXEC;
        // SAFETY: a plain system call with constant arguments; it returns a new descriptor
        // or -1.
        #[allow(unsafe_code)]
        let fd = unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, flags) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by `timerfd_create`, is open, and nothing else owns it.
        #[allow(unsafe_code)]
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let instant = Instant::now();
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid, writable `timespec` for the duration of the call.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        // Monotonic time counts from boot: never negative.
        let reading = Duration::new(
            u64::try_from(now.tv_sec).unwrap_or(0),
            u32::try_from(now.tv_nsec).unwrap_or(0),
        );
        Ok(TimerFd {
            fd,
            armed: None,
            origin: (instant, reading),
            #[cfg(test)]
            arms: 0,
        })
    }

    /// Expires once, at `deadline` (`None`: never). The loop calls it only before a wait
    /// that blocks, so a `deadline` here is in the future: if it is the one the timer holds,
    /// the timer is still running towards it and nothing needs doing.
    pub(crate) fn set(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        if deadline == self.armed {
            return Ok(());
        }
        if deadline.is_none() && self.armed.is_some_and(|at| at <= Instant::now()) {
            self.armed = None; // it expired, so it disarmed itself
            return Ok(());
        }
        // Too far to express (centuries): never, as the loop would sleep for ever anyway.
        let at = deadline.and_then(|d| {
            let (instant, reading) = self.origin;
            reading.checked_add(d.saturating_duration_since(instant))
        });
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            // Zero means "disarm"; a real absolute time is never zero (it counts from boot,
            // and `origin`'s reading is later than that).
            it_value: libc::timespec {
                tv_sec: at.map_or(0, |at| {
                    libc::time_t::try_from(at.as_secs()).unwrap_or(libc::time_t::MAX)
                }),
                // Below 10^9: fits every `c_long`.
                tv_nsec: at.map_or(0, |at| at.subsec_nanos() as libc::c_long),
            },
        };
        // SAFETY: `fd` is an open timerfd; `spec` is a valid `itimerspec` that outlives the
        // call, and the old value is not asked for (null). Setting a timer also resets its
        // expiry count, so an earlier expiry nobody read does not linger.
        #[allow(unsafe_code)]
        let rc = unsafe {
            libc::timerfd_settime(
                self.fd.as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                std::ptr::null_mut(),
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        #[cfg(test)]
        {
            self.arms += 1;
        }
        self.armed = at.and(deadline);
        Ok(())
    }

    pub(crate) fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mio::unix::SourceFd;
    use mio::{Events, Interest, Poll, Token};

    /// A timer registered with a `mio::Poll`, as the mio backend does.
    fn registered() -> (TimerFd, Poll) {
        let timer = TimerFd::new().expect("timerfd_create");
        let poll = Poll::new().expect("epoll_create");
        poll.registry()
            .register(&mut SourceFd(&timer.raw_fd()), Token(1), Interest::READABLE)
            .expect("register");
        (timer, poll)
    }

    /// Waits for the timer's expiry event, up to 10 s (only a broken timer takes that long).
    fn wait_for_expiry(poll: &mut Poll) {
        let mut events = Events::with_capacity(4);
        let limit = Instant::now() + Duration::from_secs(10);
        while Instant::now() < limit {
            poll.poll(&mut events, Some(Duration::from_secs(1)))
                .expect("epoll_wait");
            if events.iter().any(|e| e.token() == Token(1)) {
                return;
            }
        }
        panic!("the timer did not expire within 10 s");
    }

    #[test]
    fn expires_at_its_deadline_never_before() {
        let (mut timer, mut poll) = registered();
        for micros in [1, 50, 700, 2_000] {
            let deadline = Instant::now() + Duration::from_micros(micros);
            timer.set(Some(deadline)).expect("timerfd_settime");
            wait_for_expiry(&mut poll);
            let now = Instant::now();
            assert!(now >= deadline, "expired {:?} early", deadline - now);
        }
    }

    #[test]
    fn the_same_deadline_is_armed_once() {
        let (mut timer, mut poll) = registered();
        let deadline = Instant::now() + Duration::from_millis(2);
        timer.set(Some(deadline)).expect("timerfd_settime");
        // The loop woke for something else and waits again for the same earliest deadline.
        timer.set(Some(deadline)).expect("timerfd_settime");
        timer.set(Some(deadline)).expect("timerfd_settime");
        assert_eq!(timer.arms, 1);
        // Once it expired it disarmed itself: a wait without a deadline needs no call.
        wait_for_expiry(&mut poll);
        timer.set(None).expect("timerfd_settime");
        assert_eq!(timer.arms, 1);
        // One still running is disarmed (one call), once.
        timer
            .set(Some(Instant::now() + Duration::from_secs(3600)))
            .expect("timerfd_settime");
        timer.set(None).expect("timerfd_settime");
        timer.set(None).expect("timerfd_settime");
        assert_eq!(timer.arms, 3);
    }
}
