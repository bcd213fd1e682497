//! The second reactor backend (cargo feature `polling`): the `polling` crate in oneshot mode.
//!
//! Each event disarms its source; the reactor arms it again, for exactly the directions that
//! have a waiting task, whenever a task stores its waker ([`Selector::rearm`]). That costs one
//! `epoll_ctl` system call per wait, which edge-triggered mio avoids, but it never reports a
//! source nobody is waiting on, and it is the mode every platform `polling` supports offers.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::Arc;
use std::time::Instant;

use polling::{Event, Events, Poller};

use super::ready;

pub(crate) struct Selector {
    poller: Arc<Poller>,
    events: Events,
}

/// Interrupts the loop's wait from any thread (`Poller::notify`).
#[derive(Clone)]
pub(crate) struct Unparker(Arc<Poller>);

impl Unparker {
    pub(crate) fn unpark(&self) {
        // An error means a notification is already pending; either way the wait ends.
        let _ = self.0.notify();
    }
}

impl Selector {
    /// Does each event disarm its source until it is armed again?
    pub(crate) const ONESHOT: bool = true;

    pub(crate) fn new(_unpark_token: usize) -> io::Result<(Selector, Unparker)> {
        let poller = Arc::new(Poller::new()?);
        let selector = Selector {
            poller: Arc::clone(&poller),
            events: Events::new(),
        };
        Ok((selector, Unparker(poller)))
    }

    /// Waits until an event or `deadline` (`None`: until an event; a deadline that has
    /// passed: not at all), and hands each event's token and readiness to `on_event`.
    pub(crate) fn select(
        &mut self,
        deadline: Option<Instant>,
        mut on_event: impl FnMut(usize, u8),
    ) -> io::Result<usize> {
        self.events.clear();
        // On Linux `polling` waits for a deadline on a timerfd of its own, to the nanosecond.
        let waited = match deadline {
            Some(deadline) => self.poller.wait_deadline(&mut self.events, deadline),
            None => self.poller.wait(&mut self.events, None),
        };
        match waited {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        let mut count = 0;
        for event in self.events.iter() {
            let mut bits = 0;
            if event.readable {
                bits |= ready::READABLE;
            }
            if event.writable {
                bits |= ready::WRITABLE;
            }
            if event.is_interrupt() || event.is_err() == Some(true) {
                bits |= ready::ERROR | ready::READ_CLOSED | ready::WRITE_CLOSED;
            }
            on_event(event.key, bits);
            count += 1;
        }
        Ok(count)
    }

    pub(crate) fn register(&mut self, fd: RawFd, token: usize) -> io::Result<()> {
        // SAFETY: the reactor deregisters every fd (`Reactor::deregister`, run by the owning
        // `Registration`'s drop) before its owner closes it, which is what `Poller::add` asks.
        #[allow(unsafe_code)]
        unsafe {
            self.poller.add(fd, Event::none(token))
        }
    }

    pub(crate) fn deregister(&mut self, fd: RawFd) -> io::Result<()> {
        self.poller.delete(borrow(fd))
    }

    /// Arms the source (oneshot) for the directions that have a waiting task.
    pub(crate) fn rearm(
        &mut self,
        fd: RawFd,
        token: usize,
        read: bool,
        write: bool,
    ) -> io::Result<()> {
        let event = match (read, write) {
            (true, true) => Event::all(token),
            (true, false) => Event::readable(token),
            (false, true) => Event::writable(token),
            (false, false) => Event::none(token),
        };
        self.poller.modify(borrow(fd), event)
    }
}

fn borrow(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: only called for fds that are registered, hence still open (see `register`),
    // and the borrow does not outlive the call it is passed to.
    #[allow(unsafe_code)]
    unsafe {
        BorrowedFd::borrow_raw(fd)
    }
}
