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
//!   The loop drains the inject queue at the start of every turn.
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

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::reactor::Unparker;
use crate::runtime::context;

#[cfg(not(target_pointer_width = "64"))]
compile_error!(
    "oneloop packs a task's address (runtime, generation, slot) into a 64-bit waker word"
);

/// The address of one task, as packed into a waker's data word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TaskRef {
    pub(crate) runtime: u16,
    pub(crate) generation: u16,
    pub(crate) slot: u32,
}

impl TaskRef {
    fn pack(self) -> usize {
        (self.runtime as usize) << 48 | (self.generation as usize) << 32 | self.slot as usize
    }

    fn unpack(word: usize) -> TaskRef {
        TaskRef {
            runtime: (word >> 48) as u16,
            generation: (word >> 32) as u16,
            slot: word as u32,
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
        wake_remote(task);
    }
}

fn drop(_: *const ()) {}

/// The part of a loop that other threads can reach: its inject queue and its unparker.
pub(crate) struct Remote {
    /// Packed `TaskRef`s woken from other threads, drained by the loop once per turn.
    inject: Mutex<Vec<usize>>,
    /// Interrupts the loop's wait for I/O.
    unparker: Unparker,
}

impl Remote {
    pub(crate) fn new(unparker: Unparker) -> Remote {
        Remote {
            inject: Mutex::new(Vec::new()),
            unparker,
        }
    }

    /// Queues a wake and, if the queue was empty, interrupts the loop's wait. A non-empty
    /// queue means an unpark is already on its way, so the system call is skipped.
    pub(crate) fn inject(&self, task: TaskRef) {
        let mut queue = lock(&self.inject);
        let was_empty = queue.is_empty();
        queue.push(task.pack());
        std::mem::drop(queue);
        if was_empty {
            self.unparker.unpark();
        }
    }

    /// Takes every queued wake (the loop calls this once per turn). An empty queue costs
    /// one uncontended lock and no allocation.
    pub(crate) fn drain(&self) -> Vec<TaskRef> {
        let mut queue = lock(&self.inject);
        if queue.is_empty() {
            return Vec::new();
        }
        queue.drain(..).map(TaskRef::unpack).collect()
    }
}

/// Every live loop's `Remote`, indexed by runtime id, for wakes from other threads.
static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    remotes: Vec::new(),
    next: 0,
});

struct Registry {
    remotes: Vec<Option<Arc<Remote>>>,
    /// Ids are handed out round-robin, so an id is reused as late as possible.
    next: usize,
}

/// A mutex poisoned by a panicking holder still holds a consistent `Vec`; keep using it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Gives a new loop its runtime id.
pub(crate) fn register(remote: Arc<Remote>) -> std::io::Result<u16> {
    const IDS: usize = 1 << 16;
    let mut registry = lock(&REGISTRY);
    if registry.remotes.len() < IDS {
        registry.remotes.resize(IDS, None);
    }
    for probe in 0..IDS {
        let id = (registry.next + probe) % IDS;
        if registry.remotes[id].is_none() {
            registry.remotes[id] = Some(remote);
            registry.next = id + 1;
            return Ok(id as u16);
        }
    }
    Err(std::io::Error::other(
        "more than 65,536 oneloop runtimes are alive at once",
    ))
}

/// Called when a loop is dropped: later wakes for it are ignored.
pub(crate) fn unregister(id: u16) {
    lock(&REGISTRY).remotes[id as usize] = None;
}

fn wake_remote(task: TaskRef) {
    let remote = lock(&REGISTRY)
        .remotes
        .get(task.runtime as usize)
        .and_then(Clone::clone);
    if let Some(remote) = remote {
        remote.inject(task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips() {
        let t = TaskRef {
            runtime: 0xBEEF,
            generation: 0x1234,
            slot: 0xDEAD_F00D,
        };
        assert_eq!(TaskRef::unpack(t.pack()), t);
    }

    #[test]
    fn stale_waker_of_unknown_runtime_is_ignored() {
        // No loop on this thread and (almost surely) no runtime with this id alive:
        // waking must neither panic nor block.
        TaskRef {
            runtime: 0xFFFF,
            generation: 1,
            slot: 7,
        }
        .waker()
        .wake();
    }
}
