//! The default reactor backend: `mio::Poll`, which is epoll in edge-triggered mode on Linux
//! (kqueue on the BSDs and macOS). A source is registered once for both directions and
//! stays armed: nothing to do per wait, which is why this is the default. A wait with a
//! deadline arms a timerfd first (`timer_fd.rs`), since epoll's own timeout counts in whole
//! milliseconds.

use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Instant;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use super::ready;
#[cfg(any(target_os = "linux", target_os = "android"))]
use super::timer_fd::TimerFd;

/// The token of the timerfd's events, which end a wait and concern no source. Never a
/// source's token in practice: that would take slot 2^32 - 2 of generation 2^32 - 1.
#[cfg(any(target_os = "linux", target_os = "android"))]
const TIMER_TOKEN: usize = usize::MAX - 1;

/// How many events one wait can return. More wait for the next turn; 1024 keeps the buffer
/// at 24 KiB and is far more than one turn's worth of tasks in practice.
const EVENTS_PER_WAIT: usize = 1024;

pub(crate) struct Selector {
    poll: Poll,
    events: Events,
    /// Ends a wait at its deadline to the microsecond; `None` where there is no timerfd
    /// (then the wait ends on epoll's timeout, up to a millisecond late).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    timer: Option<TimerFd>,
}

/// Interrupts the loop's wait from any thread (a `mio::Waker`, an eventfd on Linux).
#[derive(Clone)]
pub(crate) struct Unparker(Arc<mio::Waker>);

impl Unparker {
    pub(crate) fn unpark(&self) {
        // Failure means the eventfd counter is saturated, i.e. a wake is already pending.
        let _ = self.0.wake();
    }
}

impl Selector {
    /// Does each event disarm its source until it is armed again?
    pub(crate) const ONESHOT: bool = false;

    pub(crate) fn new(unpark_token: usize) -> io::Result<(Selector, Unparker)> {
        let poll = Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), Token(unpark_token))?;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let timer = {
            let timer = TimerFd::new()?;
            poll.registry().register(
                &mut SourceFd(&timer.raw_fd()),
                Token(TIMER_TOKEN),
                Interest::READABLE,
            )?;
            Some(timer)
        };
        let selector = Selector {
            poll,
            events: Events::with_capacity(EVENTS_PER_WAIT),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            timer,
        };
        Ok((selector, Unparker(Arc::new(waker))))
    }

    /// Waits until an event or `deadline` (`None`: until an event; a deadline that has
    /// passed: not at all), and hands each event's token and readiness to `on_event`.
    pub(crate) fn select(
        &mut self,
        deadline: Option<Instant>,
        mut on_event: impl FnMut(usize, u8),
    ) -> io::Result<usize> {
        #[allow(unused_mut)] // only changed where there is a timerfd
        let mut timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        // A wait that blocks with a deadline arms the timer, unless it is armed for that
        // deadline already (a zero wait does not block, and must not pay a system call); one
        // without a deadline disarms it if it is still running. With the timer armed, epoll
        // gets no timeout of its own: that would be a second kernel timer, armed and
        // cancelled on every wait, repeating the timerfd's a little later (rounded up to a
        // millisecond); on the development VM it made the typical wake-up 34 µs after the
        // deadline instead of 25 (setting the next timer interrupt traps to the hypervisor).
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(timer) = &mut self.timer {
            match timeout {
                Some(t) if t.is_zero() => {}
                _ => {
                    timer.set(deadline)?;
                    timeout = None;
                }
            }
        }
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            // A signal arrived during the wait: not an error, just an early return.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        let mut count = 0;
        for event in &self.events {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            if event.token() == Token(TIMER_TOKEN) {
                continue; // it ended the wait; that was its whole job
            }
            let mut bits = 0;
            if event.is_readable() {
                bits |= ready::READABLE;
            }
            if event.is_writable() {
                bits |= ready::WRITABLE;
            }
            if event.is_read_closed() {
                bits |= ready::READ_CLOSED;
            }
            if event.is_write_closed() {
                bits |= ready::WRITE_CLOSED;
            }
            if event.is_error() {
                bits |= ready::ERROR;
            }
            on_event(event.token().0, bits);
            count += 1;
        }
        Ok(count)
    }

    pub(crate) fn register(&mut self, fd: RawFd, token: usize) -> io::Result<()> {
        self.poll.registry().register(
            &mut SourceFd(&fd),
            Token(token),
            Interest::READABLE | Interest::WRITABLE,
        )
    }

    pub(crate) fn deregister(&mut self, fd: RawFd) -> io::Result<()> {
        self.poll.registry().deregister(&mut SourceFd(&fd))
    }

    /// Edge-triggered sources stay armed: nothing to do.
    pub(crate) fn rearm(
        &mut self,
        _fd: RawFd,
        _token: usize,
        _read: bool,
        _write: bool,
    ) -> io::Result<()> {
        Ok(())
    }
}
