//! A `timerfd` for the mio backend: how the loop waits for a timer to the microsecond.
//!
//! `epoll_wait` takes its timeout in milliseconds, and mio rounds a `Duration` *up* to the
//! next one (rounding down would wake the loop before the deadline, and it would spin). So a
//! loop that waited with epoll's timeout alone would fire every timer up to a millisecond
//! late. Instead, before a wait that has a deadline, the backend arms this timer (one
//! `timerfd_settime`, relative, in nanoseconds), which is registered with epoll like a socket:
//! its expiry is an event that ends the wait on time. epoll's own timeout stays as a backstop.
//!
//! The `polling` backend needs none of this: `Poller::wait` does the same with its own
//! timerfd. `epoll_pwait2` (nanosecond timeouts, Linux 5.11) would save the extra system call,
//! but mio owns the `epoll_wait` call and does not use it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// A monotonic, non-blocking timerfd.
pub(crate) struct TimerFd {
    /// The descriptor; closing it also takes it out of the epoll set.
    fd: OwnedFd,
    /// Is a deadline set that has perhaps not expired yet? Saves the disarming call when the
    /// loop waits without a deadline and the timer was never armed.
    armed: bool,
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
        Ok(TimerFd { fd, armed: false })
    }

    /// Expires once, `after` from now (`None`: never). A zero `after` is never passed in: the
    /// loop does not block then, and a zero `it_value` would mean "disarm" to the kernel.
    pub(crate) fn set(&mut self, after: Option<Duration>) -> io::Result<()> {
        if after.is_none() && !self.armed {
            return Ok(());
        }
        let value = after.unwrap_or(Duration::ZERO);
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                // Beyond `time_t` the loop would sleep for ever anyway: clamp.
                tv_sec: libc::time_t::try_from(value.as_secs()).unwrap_or(libc::time_t::MAX),
                tv_nsec: value.subsec_nanos() as libc::c_long, // below 10^9: fits every `c_long`
            },
        };
        // SAFETY: `fd` is an open timerfd; `spec` is a valid `itimerspec` that outlives the
        // call, and the old value is not asked for (null). Setting a timer also resets its
        // expiry count, so an earlier expiry nobody read does not linger.
        #[allow(unsafe_code)]
        let rc =
            unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        self.armed = after.is_some();
        Ok(())
    }

    pub(crate) fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
