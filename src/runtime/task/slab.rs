//! The task slab: every live task's entry ([`Task`]), keyed by its slot number.
//!
//! A slot number is half of a task's address (the waker carries it), so it must stay put
//! while the task lives, and a finished task's slot is reused by the next spawn (a free list,
//! last in first out, as the `slab` crate's). What this adds over `slab::Slab` is *how it
//! grows*: in fixed pages of [`PAGE`] entries that never move, instead of one `Vec` that
//! doubles. A `Vec` that grows to 100,000 tasks has allocated (and copied) about 2.6 times
//! the memory it ends up with; pages allocate each entry's bytes once. That is the "bytes per
//! task, cold" figure of the benchmark: the first burst of spawns on a fresh loop.
//!
//! ```text
//!  pages: [ *page 0 ] [ *page 1 ] [ *page 2 ] ...      slot = page * PAGE + index
//!             │
//!             ▼
//!           [ Occupied(task) | Vacant(next free) | Occupied(task) | ... ]   PAGE entries
//! ```

use std::ops::{Index, IndexMut};

use super::cell::Task;
use super::key::TaskKey;

/// Entries per page: 256 tasks (24 KiB with today's 96-byte entry). Small enough that a loop
/// running a handful of tasks does not hold much more than it needs, large enough that the
/// list of pages stays short (400 pointers for 100,000 tasks).
const PAGE: usize = 256;

/// The end of the free list.
const NIL: u32 = u32::MAX;

/// One place in a page.
enum Entry {
    /// A live task.
    Occupied(Task),
    /// Free; `next` is the next free slot (or `NIL`).
    Vacant { next: u32 },
}

/// The loop's task slab (see the module docs).
#[derive(Default)]
pub(crate) struct TaskSlab {
    /// The pages, allocated one at a time as the slab fills; never moved or shrunk.
    pages: Vec<Box<[Entry]>>,
    /// The most recently freed slot, heading the free list; `NIL` when every allocated slot
    /// is occupied (or was never used).
    free: u32,
    /// Slots handed out at least once: `0..used`. Slots beyond are in allocated pages but
    /// not on the free list, so a new page costs no list building.
    used: u32,
}

impl TaskSlab {
    /// An empty slab; allocates nothing until the first insert.
    pub(crate) fn new() -> TaskSlab {
        TaskSlab {
            pages: Vec::new(),
            free: NIL,
            used: 0,
        }
    }

    /// Files `task` in a free slot (the most recently freed, else a fresh one) and returns it.
    pub(crate) fn insert(&mut self, task: Task) -> usize {
        let slot = if self.free != NIL {
            let slot = self.free;
            let entry = self.entry_mut(slot);
            let Entry::Vacant { next } = *entry else {
                unreachable!("the free list holds only vacant slots");
            };
            *entry = Entry::Occupied(task);
            self.free = next;
            slot
        } else {
            // 4 billion live tasks would need hundreds of GB; memory runs out first.
            let slot = self.used;
            assert!(slot != NIL, "more than 2^32 - 1 live tasks");
            if slot as usize == self.pages.len() * PAGE {
                self.pages.push(new_page());
            }
            self.used += 1;
            *self.entry_mut(slot) = Entry::Occupied(task);
            slot
        };
        slot as usize
    }

    /// The task `key` names, if it is still there: its slot is occupied, by the same
    /// generation. The one lookup for a key held outside the slab (`key.rs`).
    #[inline]
    pub(crate) fn get(&self, key: TaskKey) -> Option<&Task> {
        match self.slot(key.slot as usize)? {
            Entry::Occupied(task) if task.generation == key.generation => Some(task),
            _ => None,
        }
    }

    /// The task `key` names, if it is still there (see [`get`](Self::get)).
    #[inline]
    pub(crate) fn get_mut(&mut self, key: TaskKey) -> Option<&mut Task> {
        let slot = key.slot as usize;
        match self.pages.get_mut(slot / PAGE)?.get_mut(slot % PAGE)? {
            Entry::Occupied(task) if task.generation == key.generation => Some(task),
            _ => None,
        }
    }

    /// The entry of `slot`, if its page exists.
    #[inline]
    fn slot(&self, slot: usize) -> Option<&Entry> {
        self.pages.get(slot / PAGE)?.get(slot % PAGE)
    }

    /// Takes the task out of `slot` and puts the slot on the free list; `None` if it was free.
    pub(crate) fn try_remove(&mut self, slot: usize) -> Option<Task> {
        let entry = self.pages.get_mut(slot / PAGE)?.get_mut(slot % PAGE)?;
        if let Entry::Vacant { .. } = entry {
            return None;
        }
        let next = self.free;
        let Entry::Occupied(task) = std::mem::replace(entry, Entry::Vacant { next }) else {
            unreachable!("checked just above");
        };
        // Slots are below `used`, which is a `u32`.
        self.free = slot as u32;
        Some(task)
    }

    /// Takes the task out of `slot`. Panics if the slot is free (a bug in the loop).
    pub(crate) fn remove(&mut self, slot: usize) -> Task {
        self.try_remove(slot)
            .unwrap_or_else(|| panic!("task slab: slot {slot} is free"))
    }

    /// Every live task, with its slot, in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Task)> {
        self.entries().filter_map(|(slot, entry)| match entry {
            Entry::Occupied(task) => Some((slot, task)),
            Entry::Vacant { .. } => None,
        })
    }

    /// Every live task, with its slot, in slot order.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut Task)> {
        let used = self.used as usize;
        self.pages
            .iter_mut()
            .flat_map(|page| page.iter_mut())
            .take(used)
            .enumerate()
            .filter_map(|(slot, entry)| match entry {
                Entry::Occupied(task) => Some((slot, task)),
                Entry::Vacant { .. } => None,
            })
    }

    fn entries(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.pages
            .iter()
            .flat_map(|page| page.iter())
            .take(self.used as usize)
            .enumerate()
    }

    /// The entry of a slot below `used` (so its page exists).
    fn entry_mut(&mut self, slot: u32) -> &mut Entry {
        let slot = slot as usize;
        &mut self.pages[slot / PAGE][slot % PAGE]
    }
}

/// A page of vacant entries, allocated at its final size (one allocation, no regrowth).
fn new_page() -> Box<[Entry]> {
    (0..PAGE).map(|_| Entry::Vacant { next: NIL }).collect()
}

impl Index<usize> for TaskSlab {
    type Output = Task;

    /// The task in `slot`. Panics if the slot is free (a bug in the loop).
    #[inline]
    fn index(&self, slot: usize) -> &Task {
        match self.slot(slot) {
            Some(Entry::Occupied(task)) => task,
            _ => panic!("task slab: slot {slot} is free"),
        }
    }
}

impl IndexMut<usize> for TaskSlab {
    #[inline]
    fn index_mut(&mut self, slot: usize) -> &mut Task {
        match self
            .pages
            .get_mut(slot / PAGE)
            .and_then(|page| page.get_mut(slot % PAGE))
        {
            Some(Entry::Occupied(task)) => task,
            _ => panic!("task slab: slot {slot} is free"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::task::Id;

    fn key(slot: usize, id: u64) -> TaskKey {
        TaskKey {
            slot: slot as u32,
            generation: id as u16,
        }
    }

    fn task(id: u64) -> Task {
        Task::new(None, id as u16, Id(id), None)
    }

    #[test]
    fn slots_are_reused_last_in_first_out() {
        let mut slab = TaskSlab::new();
        let a = slab.insert(task(1));
        let b = slab.insert(task(2));
        let c = slab.insert(task(3));
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(slab.remove(b).id, Id(2));
        assert_eq!(slab.try_remove(a).map(|t| t.id), Some(Id(1)));
        assert!(slab.try_remove(a).is_none() && slab.get(key(a, 1)).is_none());
        assert!(slab.get(key(c, 3)).is_some() && slab.get(key(c, 4)).is_none());
        assert_eq!(slab.iter().count(), 1);
        assert_eq!(slab.insert(task(4)), a);
        assert_eq!(slab.insert(task(5)), b);
        assert_eq!(slab.insert(task(6)), 3);
        assert_eq!(slab[c].id, Id(3));
        let ids: Vec<_> = slab.iter().map(|(slot, t)| (slot, t.id.0)).collect();
        assert_eq!(ids, [(0, 4), (1, 5), (2, 3), (3, 6)]);
    }

    #[test]
    fn grows_page_by_page_without_moving_tasks() {
        let mut slab = TaskSlab::new();
        assert_eq!(
            slab.pages.len(),
            0,
            "nothing allocated before the first task"
        );
        for id in 0..(PAGE as u64 * 3 + 1) {
            assert_eq!(slab.insert(task(id)), id as usize);
        }
        assert_eq!(slab.pages.len(), 4);
        let first = &slab[0] as *const Task;
        slab.insert(task(9999));
        assert_eq!(&slab[0] as *const Task, first, "a task never moves");
        for slot in (0..slab.iter().count()).step_by(2) {
            slab.remove(slot);
        }
        let pages = slab.pages.len();
        for id in 0..(PAGE as u64) {
            slab.insert(task(id));
        }
        assert_eq!(
            slab.pages.len(),
            pages,
            "freed slots are used before a new page"
        );
        slab.iter_mut().for_each(|(_, t)| t.polls = 7);
        assert!(slab.iter().all(|(_, t)| t.polls == 7));
        assert!(slab.get(key(PAGE * 100, 0)).is_none());
    }

    #[test]
    fn an_entry_is_no_larger_than_a_task() {
        assert_eq!(std::mem::size_of::<Entry>(), std::mem::size_of::<Task>());
    }
}
