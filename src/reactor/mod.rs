//! The reactor: readiness from the operating system, turned into wakes.
//!
//! Every I/O source (a socket, the Ctrl-C pipe) is registered once, when it is created, and
//! gets one slot in [`Reactor::sources`]. The slot and a generation form its key
//! (`source.rs`'s `SourceKey`), which packed in one word is its *token*, the number the
//! operating system hands back with each event.
//!
//! A slot keeps the source's *readiness* (readable, writable, closed, error) and the two
//! wakers of the tasks waiting to read and to write. When the loop polls the reactor, each
//! event ORs its bits into the slot's readiness and takes the matching wakers; the loop wakes
//! them once the reactor's borrows are released.
//!
//! **The drain contract.** Readiness is only ever *cleared* by an operation that actually
//! returned `WouldBlock` ([`registration::Registration::poll_io`]), never by the event itself:
//! with edge-triggered notification (mio, epoll's `EPOLLET`) the kernel reports a change
//! once, so a task must keep reading until the kernel says "would block" before it may wait
//! again. A new source starts out "ready both ways", so the first operation is simply tried.
//!
//! **Stale tokens.** When a source is dropped it is deregistered and its slot freed; the next
//! source may get the same slot, but not the same generation, so an event still in flight for
//! the old source is recognised and dropped.
//!
//! Two backends implement the system side with the same behaviour: `mio` (default, epoll
//! edge-triggered on Linux) and, with cargo feature `polling`, the `polling` crate in oneshot
//! mode, where each event disarms the source and [`Reactor::rearm`] arms it again for the
//! directions someone is waiting on.

use std::cell::{Cell, RefCell};
use std::io;
use std::os::fd::RawFd;
use std::task::Waker;
use std::time::Instant;

use slab::Slab;

#[cfg(not(feature = "polling"))]
#[path = "mio.rs"]
mod backend;
#[cfg(feature = "polling")]
#[path = "polling.rs"]
mod backend;
pub(crate) mod registration;
mod source;
#[cfg(all(
    not(feature = "polling"),
    any(target_os = "linux", target_os = "android")
))]
mod timer_fd;

use backend::Selector;
pub(crate) use backend::Unparker;
pub(crate) use source::SourceKey;
use source::{lookup, lookup_mut, Source};

/// The token of the cross-thread wake (never a valid source token: slots are 32-bit).
const UNPARK_TOKEN: usize = usize::MAX;

/// Readiness bits of one source.
pub(crate) mod ready {
    pub(crate) const READABLE: u8 = 1;
    pub(crate) const WRITABLE: u8 = 2;
    pub(crate) const READ_CLOSED: u8 = 4;
    pub(crate) const WRITE_CLOSED: u8 = 8;
    pub(crate) const ERROR: u8 = 16;
    /// Bits that let a read make progress (data, end of stream or an error to report).
    pub(crate) const FOR_READ: u8 = READABLE | READ_CLOSED | ERROR;
    /// Bits that let a write make progress (room, a closed peer or an error to report).
    pub(crate) const FOR_WRITE: u8 = WRITABLE | WRITE_CLOSED | ERROR;
}

/// Which way a task waits on a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    fn mask(self) -> u8 {
        match self {
            Direction::Read => ready::FOR_READ,
            Direction::Write => ready::FOR_WRITE,
        }
    }
}

/// The loop's reactor.
pub(crate) struct Reactor {
    /// The system side (mio's `Poll` or polling's `Poller`) and its event buffer.
    selector: RefCell<Selector>,
    /// Every registered source, by the slot of its `SourceKey`.
    sources: RefCell<Slab<Source>>,
    /// Generations handed out so far; wraps after 2^32 registrations, far beyond any
    /// event that could still be in flight.
    next_generation: Cell<u32>,
}

impl Reactor {
    /// A reactor and the unparker other threads use to interrupt its wait.
    pub(crate) fn new() -> io::Result<(Reactor, Unparker)> {
        let (selector, unparker) = Selector::new(UNPARK_TOKEN)?;
        let reactor = Reactor {
            selector: RefCell::new(selector),
            sources: RefCell::new(Slab::new()),
            next_generation: Cell::new(0),
        };
        Ok((reactor, unparker))
    }

    /// Waits for events until `deadline` at the latest (`None`: until one comes; a deadline
    /// that has passed: only collects what is ready) and pushes the wakers of the tasks they
    /// concern onto `wakers`. Returns how many events arrived. A deadline rather than a
    /// timeout, so the wait ends on time however long it took to get here.
    pub(crate) fn poll(
        &self,
        deadline: Option<Instant>,
        wakers: &mut Vec<Waker>,
    ) -> io::Result<usize> {
        let mut selector = self.selector.borrow_mut();
        let mut sources = self.sources.borrow_mut();
        let mut still_waiting = Vec::new();
        let count = selector.select(deadline, |token, bits| {
            if token == UNPARK_TOKEN {
                return; // the inject queue is drained by the loop right after
            }
            let Some(source) = lookup_mut(&mut sources, SourceKey::from_token(token)) else {
                return; // a stale event for a source that was dropped
            };
            source.readiness |= bits;
            if bits & ready::FOR_READ != 0 {
                wakers.extend(source.reader.take());
            }
            if bits & ready::FOR_WRITE != 0 {
                wakers.extend(source.writer.take());
            }
            // A oneshot backend disarmed the whole source: if the other direction still has
            // a waiting task, arm it again, or that task would never hear of its readiness.
            if Selector::ONESHOT && (source.reader.is_some() || source.writer.is_some()) {
                still_waiting.push((
                    source.fd,
                    token,
                    source.reader.is_some(),
                    source.writer.is_some(),
                ));
            }
        })?;
        for (fd, token, read, write) in still_waiting {
            selector.rearm(fd, token, read, write)?;
        }
        Ok(count)
    }

    /// Registers `fd` for both directions; returns its key.
    pub(crate) fn register(&self, fd: RawFd) -> io::Result<SourceKey> {
        let generation = self.next_generation.get().wrapping_add(1);
        self.next_generation.set(generation);
        let mut sources = self.sources.borrow_mut();
        let entry = sources.vacant_entry();
        let slot = u32::try_from(entry.key())
            .map_err(|_| io::Error::other("more than 2^32 I/O sources registered"))?;
        let key = SourceKey { slot, generation };
        self.selector.borrow_mut().register(fd, key.token())?;
        entry.insert(Source {
            generation,
            fd,
            // Optimistic: the first operation is tried; its `WouldBlock` clears the bits.
            readiness: ready::READABLE | ready::WRITABLE,
            reader: None,
            writer: None,
        });
        Ok(key)
    }

    /// Deregisters and frees the slot. Must run before `fd` is closed.
    pub(crate) fn deregister(&self, key: SourceKey) {
        let mut sources = self.sources.borrow_mut();
        if lookup(&sources, key).is_none() {
            return;
        }
        let source = sources.remove(key.slot as usize);
        drop(sources); // its wakers are dropped outside the borrow
                       // The fd is still open (the owner closes it after this); an error here would mean
                       // it was never registered, and there is nothing useful to do about it in a drop.
        let _ = self.selector.borrow_mut().deregister(source.fd);
    }

    /// Is the source ready for `direction`, as far as the loop knows?
    pub(crate) fn is_ready(&self, key: SourceKey, direction: Direction) -> bool {
        lookup(&self.sources.borrow(), key).is_some_and(|s| s.readiness & direction.mask() != 0)
    }

    /// The source's readiness bits (see [`ready`]), as far as the loop knows.
    pub(crate) fn readiness(&self, key: SourceKey) -> u8 {
        lookup(&self.sources.borrow(), key).map_or(0, |s| s.readiness)
    }

    /// An operation returned `WouldBlock`: forget the readiness it relied on.
    pub(crate) fn clear_readiness(&self, key: SourceKey, direction: Direction) {
        // Everything that let this direction proceed is gone: the operation itself said
        // "would block". That includes a closed or error bit: a socket error is handed out
        // once (SO_ERROR) by the operation that reports it, and after that the socket may
        // well block (a UDP socket after an ICMP "port unreachable"); keeping the bit would
        // make every later operation retry at once, for ever.
        self.clear_bits(key, direction.mask());
    }

    /// Clears only the "data / room" bit of `direction`, keeping closed and error bits:
    /// for a short read or write, which proves the buffer drained (filled) but not that an
    /// end of stream or an error already reported by the kernel has been seen.
    pub(crate) fn clear_data_readiness(&self, key: SourceKey, direction: Direction) {
        self.clear_bits(
            key,
            match direction {
                Direction::Read => ready::READABLE,
                Direction::Write => ready::WRITABLE,
            },
        );
    }

    fn clear_bits(&self, key: SourceKey, bits: u8) {
        if let Some(source) = lookup_mut(&mut self.sources.borrow_mut(), key) {
            source.readiness &= !bits;
        }
    }

    /// Stores the waker of the task that waits on `direction`, and (oneshot backend) arms the
    /// source for the directions that now have a waiter.
    pub(crate) fn set_waker(
        &self,
        key: SourceKey,
        direction: Direction,
        waker: &Waker,
    ) -> io::Result<()> {
        let mut sources = self.sources.borrow_mut();
        let Some(source) = lookup_mut(&mut sources, key) else {
            return Ok(());
        };
        let stored = match direction {
            Direction::Read => &mut source.reader,
            Direction::Write => &mut source.writer,
        };
        let replaced = match stored {
            Some(w) if w.will_wake(waker) => None,
            _ => stored.replace(waker.clone()),
        };
        let (read, write) = (source.reader.is_some(), source.writer.is_some());
        let fd = source.fd;
        drop(sources);
        drop(replaced); // a foreign waker's drop may run arbitrary code: not under our borrow
        self.selector
            .borrow_mut()
            .rearm(fd, key.token(), read, write)
    }

    /// How many sources are registered (for `runtime::stats()`).
    pub(crate) fn len(&self) -> usize {
        self.sources.borrow().len()
    }
}
