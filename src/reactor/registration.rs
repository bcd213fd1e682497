//! `Registration`: one I/O source's link to the reactor, owned by the socket that uses it.
//!
//! It holds the reactor itself (an `Rc`), not the loop: everything a socket does between
//! its creation and its drop goes through here to the reactor and nowhere else. Sockets
//! make one with `runtime::context::register`, which finds the running loop's reactor.

use std::io;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Direction, Reactor, SourceKey};

/// A registered file descriptor. The owner of the descriptor calls [`deregister`]
/// (Registration::deregister) in its own `Drop`, which runs before any of its fields is
/// dropped: so the descriptor is deregistered before it is closed by construction, not by
/// the order the fields are declared in. Dropping a `Registration` deregisters too.
pub(crate) struct Registration {
    /// The reactor that holds the source (the loop's, shared).
    reactor: Rc<Reactor>,
    /// The source's slot and generation in the reactor.
    key: SourceKey,
    /// Still registered? `deregister` clears it, so deregistering twice is harmless.
    registered: bool,
}

impl Registration {
    /// Registers `fd` with `reactor`.
    pub(crate) fn new(reactor: Rc<Reactor>, fd: RawFd) -> io::Result<Registration> {
        let key = reactor.register(fd)?;
        Ok(Registration {
            reactor,
            key,
            registered: true,
        })
    }

    /// Runs the non-blocking operation `op` when the source is ready for `direction`.
    ///
    /// This is the drain contract in one place: try the operation while the reactor says
    /// "ready"; an operation that returns `WouldBlock` clears that readiness, and only then
    /// does the task store its waker and wait. Any other result, success or error, is returned.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let reactor = &self.reactor;
        loop {
            if !reactor.is_ready(self.key, direction) {
                reactor.set_waker(self.key, direction, cx.waker())?;
                // Readiness may have been set between `is_ready` and `set_waker` only by the
                // loop's own reactor poll, which cannot run while we are here: we wait.
                // Woken by the reactor when an event for this source arrives.
                return Poll::Pending;
            }
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    reactor.clear_readiness(self.key, direction);
                }
                // EINTR: the call was interrupted by a signal before doing anything; retry.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }
}

impl Registration {
    /// Waits until the reactor says one of the `interest`ed directions may proceed, and
    /// gives the readiness bits it has (for `readable()`, `writable()`, `ready()`: tokio's
    /// readiness API). No system call: the readiness may be stale, and the operation the
    /// caller tries next clears it if it gets `WouldBlock` (see [`try_io`](Self::try_io)).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        read: bool,
        write: bool,
    ) -> Poll<io::Result<u8>> {
        let reactor = &self.reactor;
        let mask = if read { super::ready::FOR_READ } else { 0 }
            | if write { super::ready::FOR_WRITE } else { 0 };
        let bits = reactor.readiness(self.key) & mask;
        if bits != 0 {
            return Poll::Ready(Ok(bits));
        }
        if read {
            reactor.set_waker(self.key, Direction::Read, cx.waker())?;
        }
        if write {
            reactor.set_waker(self.key, Direction::Write, cx.waker())?;
        }
        // Woken by the reactor when an event for this source arrives.
        Poll::Pending
    }

    /// Tries `op` once, without waiting (`try_read`, `try_write`, ...): `WouldBlock` at once
    /// if the reactor knows the source is not ready, and a `WouldBlock` from `op` clears the
    /// readiness, so the next `readable()` waits for a new event.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let reactor = &self.reactor;
        if !reactor.is_ready(self.key, direction) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = op();
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            reactor.clear_readiness(self.key, direction);
        }
        result
    }
}

impl Registration {
    /// Forgets the readiness for `direction` without a `WouldBlock` to prove it is gone:
    /// only for a stream operation that came back short (fewer bytes than asked), which
    /// means the socket's buffer was drained (or filled). With edge-triggered readiness
    /// the next arrival is a new edge, so nothing is missed, and the next operation waits
    /// for it instead of spending a system call to learn `WouldBlock` (tokio does the same).
    pub(crate) fn clear_data_readiness(&self, direction: Direction) {
        self.reactor.clear_data_readiness(self.key, direction);
    }
}

impl Registration {
    /// Is this source registered with `reactor` (for telling loops apart)?
    pub(crate) fn is_on(&self, reactor: &Rc<Reactor>) -> bool {
        Rc::ptr_eq(&self.reactor, reactor)
    }

    /// Removes the source from the reactor now (the `polling` backend must delete a
    /// descriptor from its poller while it is still open).
    pub(crate) fn deregister(&mut self) {
        if std::mem::take(&mut self.registered) {
            self.reactor.deregister(self.key);
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.deregister();
    }
}
