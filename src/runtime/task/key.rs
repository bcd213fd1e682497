//! `TaskKey`: which task of the loop, as its slot in the task slab plus that slot's
//! generation.
//!
//! Slots are reused, so a slot alone may name a later task; the generation tells them
//! apart. Everything that names a task from outside the slab holds a `TaskKey` (a
//! `JoinHandle`, an `AbortHandle`, a waker's data word, the loop's "task being polled"),
//! and the slab answers it with one lookup, [`TaskSlab::get`](super::slab::TaskSlab::get),
//! which checks the generation. Only the loop itself indexes by bare slot: the run queue
//! holds slots of tasks that are alive by construction.

/// A task's address in its loop (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskKey {
    /// The slot in the task slab.
    pub(crate) slot: u32,
    /// The low 16 bits of the task's id: no two consecutive owners of a slot share it.
    pub(crate) generation: u16,
}

impl TaskKey {
    /// A key no slab ever answers (no slab has 2^32 - 1 slots): the key of a task refused
    /// because its loop was shutting down.
    pub(crate) const NONE: TaskKey = TaskKey {
        slot: u32::MAX,
        generation: 0,
    };
}
