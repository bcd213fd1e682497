//! The inject queue: how a waker woken on another thread reaches its loop.
//!
//! Each loop has one [`Remote`], the only part of it other threads may touch: a queue of
//! packed [`TaskRef`]s under a mutex and the reactor's unparker. A global registry maps
//! runtime ids to `Remote`s, so a waker (a plain number, see `waker.rs`) woken on another
//! thread can find its loop; the loop drains its queue in phase 3 of every turn.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::waker::TaskRef;
use crate::reactor::Unparker;

/// The part of a loop that other threads can reach: its inject queue and its unparker.
pub(crate) struct Remote {
    /// Packed `TaskRef`s woken from other threads, drained by the loop once per turn.
    inject: Mutex<Vec<usize>>,
    /// `inject` is not empty: written only under its lock, so there it always equals
    /// `!queue.is_empty()`; read without the lock by `drain`, which then skips the lock
    /// in the usual turn where no other thread woke anything.
    pending: AtomicBool,
    /// Interrupts the loop's wait for I/O.
    unparker: Unparker,
}

impl Remote {
    pub(crate) fn new(unparker: Unparker) -> Remote {
        Remote {
            inject: Mutex::new(Vec::new()),
            pending: AtomicBool::new(false),
            unparker,
        }
    }

    /// Queues a wake and, if the queue was empty, interrupts the loop's wait. A non-empty
    /// queue means an unpark is already on its way, so the system call is skipped.
    pub(crate) fn inject(&self, task: TaskRef) {
        let mut queue = lock(&self.inject);
        let was_empty = queue.is_empty();
        queue.push(task.pack());
        self.pending.store(true, Ordering::Release);
        std::mem::drop(queue);
        if was_empty {
            self.unparker.unpark();
        }
    }

    /// Takes every queued wake (the loop calls this once per turn). An empty queue costs
    /// one atomic load: no lock, no allocation.
    ///
    /// No wake is lost by skipping the lock. `pending` is set and cleared only under the
    /// lock, so under it `pending == !queue.is_empty()`. If the load here sees `false`
    /// while another thread is pushing, that push found the queue empty (`pending` was
    /// false under the lock), so after releasing the lock it unparks the loop: the loop's
    /// next wait returns at once, and the next turn's load sees the `true` it stored
    /// before the unpark (Release, paired with the Acquire here). A wake is at worst taken
    /// one turn later, never left behind a wait.
    pub(crate) fn drain(&self) -> Vec<TaskRef> {
        if !self.pending.load(Ordering::Acquire) {
            return Vec::new();
        }
        let mut queue = lock(&self.inject);
        self.pending.store(false, Ordering::Relaxed); // under the lock: the queue is emptied
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

/// A wake from a thread that is not running the task's loop: through its inject queue.
pub(crate) fn wake_remote(task: TaskRef) {
    let remote = lock(&REGISTRY)
        .remotes
        .get(task.runtime as usize)
        .and_then(Clone::clone);
    if let Some(remote) = remote {
        remote.inject(task);
    }
}
