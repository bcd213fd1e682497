//! The loop's own `std::task::Waker`: a task's address packed into one word.
//!
//! A waker made here carries no pointer at all. Its data word is a plain number:
//!
//! ```text
//!  63           48 47           32 31                            0
//! ┌───────────────┬───────────────┬───────────────────────────────┐
//! │  runtime id   │  generation   │     slot in the task slab     │
//! └───────────────┴───────────────┴───────────────────────────────┘
//! ```
//!
//! * **clone** copies the word and **drop** does nothing: no allocation, no reference count.
//! * **wake on the loop's own thread** (the common case: a timer, the reactor, a channel, a
//!   task waking another) finds the running loop in a thread-local, sees that the runtime id
//!   is its own, and puts the task on the run queue directly.
//! * **wake from any other thread** (`spawn_blocking`, a user's `std::thread`) looks the
//!   runtime id up in a global registry, pushes the word onto that loop's *inject queue*
//!   under a mutex, and interrupts the loop's wait (a `mio::Waker`, or `polling`'s notify).
//!   The loop drains the inject queue at the start of every turn (`inject.rs`).
//!
//! # Why this is sound from any thread
//!
//! `Waker` is `Send + Sync`, so any thread may clone, wake or drop ours at any time. Every
//! vtable function below only reads the `usize` it was given: nothing is dereferenced, so
//! there is no memory to race on and nothing that can dangle. The state a wake touches is
//! reached either through this thread's own thread-local (so never from another thread) or
//! through `Arc<Remote>`, which is `Send + Sync` (a `Mutex` and a thread-safe unparker).
//! A waker that outlives its task or its loop is harmless: the generation check drops a
//! wake for a slot that now holds another task, and an unknown runtime id is ignored. The
//! 16-bit fields do wrap (after 65,536 reuses of one slot, or 65,536 runtimes); the worst a
//! wrapped stale waker can do is one spurious poll, which every future must tolerate.
//!
//! A production multi-threaded runtime (tokio) instead points the waker at the task's heap
//! header and keeps an atomic reference count there, so the task can move between threads;
//! a single-threaded loop needs neither.

use std::task::{RawWaker, RawWakerVTable, Waker};

use super::inject;
use super::key::TaskKey;
use crate::runtime::context;

#[cfg(not(target_pointer_width = "64"))]
compile_error!(
    "oneloop packs a task's address (runtime, generation, slot) into a 64-bit waker word"
);

/// The address of one task, as packed into a waker's data word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TaskRef {
    /// The loop's id in the registry of loops (`inject.rs`).
    pub(crate) runtime: u16,
    /// The task within that loop.
    pub(crate) key: TaskKey,
}

impl TaskRef {
    /// The waker's data word (the drawing above).
    pub(crate) fn pack(self) -> usize {
        (self.runtime as usize) << 48
            | (self.key.generation as usize) << 32
            | self.key.slot as usize
    }

    /// The inverse of [`pack`](Self::pack).
    pub(crate) fn unpack(word: usize) -> TaskRef {
        TaskRef {
            runtime: (word >> 48) as u16,
            key: TaskKey {
                generation: (word >> 32) as u16,
                slot: word as u32,
            },
        }
    }

    /// A `Waker` that schedules this task.
    pub(crate) fn waker(self) -> Waker {
        // SAFETY: the vtable's functions accept any data word (they never dereference it),
        // and `VTABLE` lives for `'static`; that is the whole contract of `RawWaker`.
        #[allow(unsafe_code)]
        unsafe {
            Waker::from_raw(RawWaker::new(self.pack() as *const (), &VTABLE))
        }
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

// The four slots are plain `fn`s: they only look at the word's value, so none needs `unsafe`.
fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

fn wake(data: *const ()) {
    let task = TaskRef::unpack(data as usize);
    if !context::schedule_local(task) {
        inject::wake_remote(task);
    }
}

fn drop(_: *const ()) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips() {
        let t = TaskRef {
            runtime: 0xBEEF,
            key: TaskKey {
                generation: 0x1234,
                slot: 0xDEAD_F00D,
            },
        };
        assert_eq!(TaskRef::unpack(t.pack()), t);
    }

    #[test]
    fn stale_waker_of_unknown_runtime_is_ignored() {
        // No loop on this thread and (almost surely) no runtime with this id alive:
        // waking must neither panic nor block.
        TaskRef {
            runtime: 0xFFFF,
            key: TaskKey {
                generation: 1,
                slot: 7,
            },
        }
        .waker()
        .wake();
    }
}
