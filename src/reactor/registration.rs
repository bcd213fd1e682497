//! `Registration`: one I/O source's link to the reactor, owned by the socket that uses it.

use std::io;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Direction;
use crate::runtime::context::{self, Core};

/// A registered file descriptor. The owner of the descriptor calls [`deregister`]
/// (Registration::deregister) in its own `Drop`, which runs before any of its fields is
/// dropped: so the descriptor is deregistered before it is closed by construction, not by
/// the order the fields are declared in. Dropping a `Registration` deregisters too.
pub(crate) struct Registration {
    /// The loop whose reactor holds the slot.
    core: Rc<Core>,
    /// The slot in `Reactor::sources`.
    slot: u32,
    /// Still registered? `deregister` clears it, so deregistering twice is harmless.
    registered: bool,
}

impl Registration {
    /// Registers `fd` with the current loop's reactor.
    pub(crate) fn new(fd: RawFd) -> io::Result<Registration> {
        let core = context::current("registering an I/O source");
        let (slot, _generation) = core.reactor.register(fd)?;
        Ok(Registration {
            core,
            slot,
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
        let reactor = &self.core.reactor;
        loop {
            if !reactor.is_ready(self.slot, direction) {
                reactor.set_waker(self.slot, direction, cx.waker())?;
                // Readiness may have been set between `is_ready` and `set_waker` only by the
                // loop's own reactor poll, which cannot run while we are here: we wait.
                // Woken by the reactor when an event for this source arrives.
                return Poll::Pending;
            }
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    reactor.clear_readiness(self.slot, direction);
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
        let reactor = &self.core.reactor;
        let mask = if read { super::ready::FOR_READ } else { 0 }
            | if write { super::ready::FOR_WRITE } else { 0 };
        let bits = reactor.readiness(self.slot) & mask;
        if bits != 0 {
            return Poll::Ready(Ok(bits));
        }
        if read {
            reactor.set_waker(self.slot, Direction::Read, cx.waker())?;
        }
        if write {
            reactor.set_waker(self.slot, Direction::Write, cx.waker())?;
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
        let reactor = &self.core.reactor;
        if !reactor.is_ready(self.slot, direction) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = op();
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            reactor.clear_readiness(self.slot, direction);
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
    pub(crate) fn clear_readiness(&self, direction: Direction) {
        self.core.reactor.clear_data_readiness(self.slot, direction);
    }
}

impl Registration {
    /// Removes the source from the reactor now (the `polling` backend must delete a
    /// descriptor from its poller while it is still open).
    pub(crate) fn deregister(&mut self) {
        if std::mem::take(&mut self.registered) {
            self.core.reactor.deregister(self.slot);
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.deregister();
    }
}
