//! One registered I/O source as the reactor keeps it, and `SourceKey`, the way to name it.
//!
//! A source's slot in `Reactor::sources` is reused once it is deregistered, so a slot alone
//! may name a later source; the generation tells them apart. A `SourceKey` (slot plus
//! generation) is what a `Registration` holds and what the operating system hands back with
//! each event, packed in one word as the event's *token*:
//!
//! ```text
//!  token = generation << 32 | slot        (UNPARK_TOKEN = usize::MAX is the cross-thread wake)
//! ```

use std::os::fd::RawFd;
use std::task::Waker;

use slab::Slab;

/// A source's address in the reactor (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SourceKey {
    /// The slot in `Reactor::sources`.
    pub(crate) slot: u32,
    /// Tells this source from earlier ones in the same slot.
    pub(crate) generation: u32,
}

impl SourceKey {
    /// The token the operating system hands back with this source's events.
    pub(crate) fn token(self) -> usize {
        (self.generation as usize) << 32 | self.slot as usize
    }

    /// The inverse of [`token`](Self::token).
    pub(crate) fn from_token(token: usize) -> SourceKey {
        SourceKey {
            slot: token as u32,
            generation: (token >> 32) as u32,
        }
    }
}

/// One registered source.
pub(crate) struct Source {
    /// Part of the key, so events for an earlier owner of this slot are dropped.
    pub(crate) generation: u32,
    /// The file descriptor, kept for the oneshot backend's re-arming and for deregistering.
    pub(crate) fd: RawFd,
    /// What the operating system last said, minus what operations have since cleared.
    pub(crate) readiness: u8,
    /// The task waiting to read, woken by a readable, closed or error event.
    pub(crate) reader: Option<Waker>,
    /// The task waiting to write, woken by a writable, closed or error event.
    pub(crate) writer: Option<Waker>,
}

/// The source `key` names, if it is still registered: the one lookup of the reactor, for
/// an event's token and a `Registration`'s key alike.
pub(crate) fn lookup(sources: &Slab<Source>, key: SourceKey) -> Option<&Source> {
    sources
        .get(key.slot as usize)
        .filter(|source| source.generation == key.generation)
}

/// The source `key` names, if it is still registered (see [`lookup`]).
pub(crate) fn lookup_mut(sources: &mut Slab<Source>, key: SourceKey) -> Option<&mut Source> {
    sources
        .get_mut(key.slot as usize)
        .filter(|source| source.generation == key.generation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trips_and_never_is_the_unpark_token() {
        let key = SourceKey {
            slot: 0xDEAD_F00D,
            generation: 0x1234_5678,
        };
        assert_eq!(SourceKey::from_token(key.token()), key);
        let largest = SourceKey {
            slot: u32::MAX - 1,
            generation: u32::MAX,
        };
        assert_ne!(largest.token(), usize::MAX);
    }
}
