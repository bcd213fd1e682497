//! The run queue: slots of the tasks ready to be polled, first in first out.
//!
//! A task is on it exactly when it is `Scheduled` (a wake puts it at the back, phase 6 of a
//! turn takes it from the front), so it never holds more slots than there are live tasks.
//! What this adds over a `VecDeque<u32>` is *how it grows*: in fixed pages of [`PAGE`] slots,
//! like the task slab (`runtime/task/slab.rs`), instead of one buffer that doubles. A `VecDeque` that
//! grows to hold 100,000 spawned tasks has allocated about twice what it ends with, and
//! copied it on the way; pages allocate each slot's 4 bytes once. A page emptied at the front
//! is kept on a spare list and reused at the back, so a warm loop allocates nothing here,
//! and, as a `VecDeque` keeps its capacity, the queue keeps the pages of its longest length.
//!
//! ```text
//!  pages:  [ page 0         ] [ page 1         ] [ page 2     ]      spare: [ page ] ...
//!                ▲ head                                    ▲ tail
//!                pop_front here                            push_back here
//! ```

use std::collections::VecDeque;

/// Slots per page: 1024 (4 KiB, one memory page). A loop with a handful of tasks holds one
/// page; 100,000 queued tasks need 98 page pointers.
const PAGE: usize = 1024;

/// One page of queued slots.
type Page = Box<[u32; PAGE]>;

/// The loop's run queue (see the module docs). Its methods are named as `VecDeque`'s.
#[derive(Default)]
pub(crate) struct RunQueue {
    /// The pages in queue order: the front one is being emptied, the back one filled.
    /// Only this list of pointers (one per page) grows by doubling.
    pages: VecDeque<Page>,
    /// Where the first queued slot is in the front page.
    head: usize,
    /// Where the next slot goes in the back page (`PAGE`: it is full).
    tail: usize,
    /// Slots queued.
    len: usize,
    /// Emptied pages, kept to be reused at the back instead of freed and allocated again.
    spare: Vec<Page>,
}

impl RunQueue {
    /// An empty queue; allocates nothing until the first push.
    pub(crate) fn new() -> RunQueue {
        RunQueue::default()
    }

    /// Queues `slot` at the back.
    #[inline]
    pub(crate) fn push_back(&mut self, slot: u32) {
        if self.tail == PAGE || self.pages.is_empty() {
            let page = self.spare.pop().unwrap_or_else(|| Box::new([0; PAGE]));
            self.pages.push_back(page);
            self.tail = 0;
        }
        if let Some(page) = self.pages.back_mut() {
            page[self.tail % PAGE] = slot; // `% PAGE`: no bounds check, `tail < PAGE` here
            self.tail += 1;
            self.len += 1;
        }
    }

    /// Takes the slot at the front.
    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let slot = self.pages.front()?[self.head % PAGE];
        self.head += 1;
        self.len -= 1;
        if self.head == PAGE {
            // The front page is used up: it will be a page at the back again.
            self.spare.extend(self.pages.pop_front());
            self.head = 0;
        } else if self.len == 0 {
            // Empty, one page left: start again at its first slot, so a queue that never
            // holds more than a page's worth never needs a second page.
            self.head = 0;
            self.tail = 0;
        }
        Some(slot)
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The queued slots, front to back (for the debug builds' invariant check).
    #[cfg(any(debug_assertions, test))]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &u32> + '_ {
        self.pages
            .iter()
            .flat_map(|page| page.iter())
            .skip(self.head)
            .take(self.len)
    }

    /// Keeps only the slots for which `keep` is true, in order. O(len); used when a root
    /// future leaves the loop with its slot still queued, not on any hot path.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&u32) -> bool) {
        for _ in 0..self.len {
            if let Some(slot) = self.pop_front() {
                if keep(&slot) {
                    self.push_back(slot);
                }
            }
        }
    }

    /// Pages allocated so far (in use and spare): what the queue holds in memory.
    #[cfg(test)]
    fn pages_allocated(&self) -> usize {
        self.pages.len() + self.spare.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(queue: &mut RunQueue) -> Vec<u32> {
        std::iter::from_fn(|| queue.pop_front()).collect()
    }

    #[test]
    fn first_in_first_out_across_pages() {
        let mut queue = RunQueue::new();
        let n = 3 * PAGE as u32 + 17;
        for slot in 0..n {
            queue.push_back(slot);
        }
        assert_eq!(queue.len(), n as usize);
        assert!(queue.iter().copied().eq(0..n));
        assert_eq!(drain(&mut queue), (0..n).collect::<Vec<_>>());
        assert!(queue.is_empty());
    }

    #[test]
    fn an_empty_queue_allocates_nothing_and_a_short_one_one_page() {
        let mut queue = RunQueue::new();
        assert_eq!(queue.pages_allocated(), 0);
        for round in 0..10 * PAGE as u32 {
            queue.push_back(round);
            queue.push_back(round + 1);
            assert_eq!(queue.pop_front(), Some(round));
            assert_eq!(queue.pop_front(), Some(round + 1));
        }
        assert_eq!(queue.pages_allocated(), 1);
    }

    #[test]
    fn emptied_pages_are_reused_not_allocated_again() {
        let mut queue = RunQueue::new();
        let burst = 5 * PAGE as u32;
        // A burst, then a queue that keeps moving (pops at the front, pushes at the back)
        // for many pages' worth: 5 pages, and a sixth once the front page is part-used.
        let cycle = |queue: &mut RunQueue| {
            for slot in 0..burst {
                queue.push_back(slot);
            }
            for slot in 0..20 * PAGE as u32 {
                assert!(queue.pop_front().is_some());
                queue.push_back(slot);
            }
            assert_eq!(queue.len(), burst as usize);
            drain(queue);
        };
        cycle(&mut queue);
        let peak = queue.pages_allocated();
        assert_eq!(peak, 6);
        // The second time round, the pages of the first serve it all.
        cycle(&mut queue);
        assert_eq!(queue.pages_allocated(), peak);
    }

    #[test]
    fn retain_keeps_order_and_drops_the_rest() {
        let mut queue = RunQueue::new();
        for slot in 0..PAGE as u32 + 10 {
            queue.push_back(slot);
        }
        queue.pop_front();
        queue.retain(|&slot| slot % 3 != 0);
        let expected: Vec<u32> = (1..PAGE as u32 + 10).filter(|s| s % 3 != 0).collect();
        assert!(queue.iter().copied().eq(expected.iter().copied()));
        assert_eq!(drain(&mut queue), expected);
    }
}
