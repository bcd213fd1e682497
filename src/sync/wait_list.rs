//! `WaitList`: the first-in-first-out queue of waiting futures that every primitive of
//! `sync` shares (semaphore, mutex, event, notify, bounded channel senders).
//!
//! Each waiter is a node in a slab, linked to its neighbours by slab key, so a waiter that
//! gives up (cancelled, or its future dropped) leaves the middle of the queue in O(1), and a
//! warmed-up list allocates nothing. The key is the waiter's ticket: its future keeps it and
//! looks its node up at every poll.
//!
//! A node has two lives. While it is *linked* it is waiting in the queue. When the primitive
//! serves it, the node is unlinked but stays in the slab with an [`Outcome`], until the
//! future comes back for it (at its next poll) or is dropped. That second life is what makes
//! "no waiter is lost" possible: a future that was granted a permit and is dropped before it
//! could see it finds `Outcome::Granted` in its node, and gives the permit on.
//!
//! A waiter that waits over and over (a broadcast receiver) may keep its node for its whole
//! life: [`WaitList::withdraw`] takes it out of the queue without freeing it, and
//! [`WaitList::requeue`] puts it back at the tail, so a wait costs no slab insert or removal.
//!
//! Where tokio uses an intrusive list of nodes that live inside the futures themselves (no
//! slab, but `unsafe` pinning and atomics), a slab keeps this safe and obvious at the cost of
//! one indirection.

use std::task::Waker;

use slab::Slab;

/// "No neighbour": the end of the queue, in `prev`/`next`/`head`/`tail`.
const NIL: usize = usize::MAX;

/// How a waiter left the queue (or that it has not yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Still in the queue.
    Waiting,
    /// Served alone, with something it must pass on if it goes away without taking it (a
    /// semaphore's permits, a `notify_one`).
    Granted,
    /// Woken with everyone else (`Event::set`, `notify_waiters`): nothing to pass on.
    Broadcast,
    /// The primitive was closed while it waited.
    Closed,
    /// Kept in the slab between two waits by a waiter that reuses its node
    /// ([`WaitList::withdraw`]): not in the queue, nothing to pass on.
    Idle,
}

/// One waiter.
#[derive(Debug)]
struct Node {
    /// The previous node in the queue (towards the head), or `NIL`.
    prev: usize,
    /// The next node (towards the tail), or `NIL`.
    next: usize,
    /// The waker to wake when the node is served; taken at that moment.
    waker: Option<Waker>,
    /// What the waiter asks for: a number of permits (the semaphore's use; others leave 1).
    need: u32,
    /// Where the waiter stands.
    outcome: Outcome,
}

/// A FIFO of waiters with O(1) removal from the middle (see the module docs).
#[derive(Debug)]
pub(crate) struct WaitList {
    /// Every node: linked (waiting) or served but not yet collected by its future.
    nodes: Slab<Node>,
    /// The oldest waiter, or `NIL`.
    head: usize,
    /// The newest waiter, or `NIL`.
    tail: usize,
}

impl Default for WaitList {
    fn default() -> Self {
        WaitList::new()
    }
}

impl WaitList {
    pub(crate) const fn new() -> WaitList {
        WaitList {
            nodes: Slab::new(),
            head: NIL,
            tail: NIL,
        }
    }

    /// Is nobody waiting? (Served-but-uncollected nodes do not count.)
    pub(crate) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// Queues a new waiter at the tail and returns its key.
    pub(crate) fn push_back(&mut self, waker: &Waker, need: u32) -> usize {
        let key = self.nodes.insert(Node {
            prev: self.tail,
            next: NIL,
            waker: Some(waker.clone()),
            need,
            outcome: Outcome::Waiting,
        });
        match self.tail {
            NIL => self.head = key,
            tail => self.nodes[tail].next = key,
        }
        self.tail = key;
        key
    }

    /// What the oldest waiter asks for, if anyone waits.
    pub(crate) fn front_need(&self) -> Option<u32> {
        (self.head != NIL).then(|| self.nodes[self.head].need)
    }

    /// Serves the oldest waiter: unlinks it, records `outcome`, and hands back its waker to
    /// be woken *after* the caller has released its borrow of the list.
    pub(crate) fn pop_front(&mut self, outcome: Outcome) -> Option<Waker> {
        if self.head == NIL {
            return None;
        }
        let key = self.head;
        self.unlink(key);
        let node = &mut self.nodes[key];
        node.outcome = outcome;
        node.waker.take()
    }

    /// Serves every waiter at once with `outcome` (a broadcast: `Event::set`, a channel
    /// send), in queue order, in one pass under one borrow. Their wakers are appended to
    /// `wakers`, to be woken *after* the caller has released its borrow of the list.
    pub(crate) fn drain_all(&mut self, outcome: Outcome, wakers: &mut Vec<Waker>) {
        let mut key = self.head;
        while key != NIL {
            let node = &mut self.nodes[key];
            key = node.next;
            node.prev = NIL;
            node.next = NIL;
            node.outcome = outcome;
            wakers.extend(node.waker.take());
        }
        self.head = NIL;
        self.tail = NIL;
    }

    /// Keeps node `key` waiting: a node still queued keeps its place, one that was served
    /// or withdrawn and kept (see the module docs) goes back at the tail. Either way its
    /// waker is refreshed (cloned only if the old one would not wake the same task); the one
    /// it replaced is returned, for the caller to drop outside its borrow (as
    /// [`update_waker`](WaitList::update_waker)).
    #[must_use = "drop the old waker after releasing the borrow"]
    pub(crate) fn requeue(&mut self, key: usize, waker: &Waker) -> Option<Waker> {
        let tail = self.tail;
        let node = &mut self.nodes[key];
        let replaced = match &mut node.waker {
            Some(old) if old.will_wake(waker) => None,
            slot => slot.replace(waker.clone()),
        };
        if node.outcome == Outcome::Waiting {
            return replaced;
        }
        node.prev = tail;
        node.next = NIL;
        node.outcome = Outcome::Waiting;
        match tail {
            NIL => self.head = key,
            tail => self.nodes[tail].next = key,
        }
        self.tail = key;
        replaced
    }

    /// Takes node `key` out of the queue if it is still waiting, but keeps it (marked
    /// `Idle`) for a later [`requeue`](WaitList::requeue). Returns the outcome it had, so a
    /// caller whose waiters can be granted something may pass it on.
    pub(crate) fn withdraw(&mut self, key: usize) -> Outcome {
        let outcome = self.nodes[key].outcome;
        if outcome == Outcome::Waiting {
            self.unlink(key);
        }
        self.nodes[key].outcome = Outcome::Idle;
        outcome
    }

    /// Where waiter `key` stands.
    pub(crate) fn outcome(&self, key: usize) -> Outcome {
        self.nodes[key].outcome
    }

    /// Refreshes the waker of a waiting node (a future may move between tasks, or be polled
    /// by a combinator with a waker of its own).
    ///
    /// Returns the waker it replaced, for the caller to drop once it has released its
    /// borrow of the primitive: dropping a foreign waker may run arbitrary code.
    #[must_use = "drop the old waker after releasing the borrow"]
    pub(crate) fn update_waker(&mut self, key: usize, waker: &Waker) -> Option<Waker> {
        let slot = &mut self.nodes[key].waker;
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return slot.replace(waker.clone());
        }
        None
    }

    /// Forgets waiter `key` (its future took its outcome, or went away) and returns the
    /// outcome, so the caller can pass on what the waiter was granted.
    pub(crate) fn remove(&mut self, key: usize) -> Outcome {
        if self.nodes[key].outcome == Outcome::Waiting {
            self.unlink(key);
        }
        self.nodes.remove(key).outcome
    }

    fn unlink(&mut self, key: usize) {
        let (prev, next) = {
            let node = &self.nodes[key];
            (node.prev, node.next)
        };
        match prev {
            NIL => self.head = next,
            prev => self.nodes[prev].next = next,
        }
        match next {
            NIL => self.tail = prev,
            next => self.nodes[next].prev = prev,
        }
        let node = &mut self.nodes[key];
        node.prev = NIL;
        node.next = NIL;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn noop() -> Waker {
        Waker::from(Arc::new(Noop))
    }

    #[test]
    fn served_in_order_and_removed_from_the_middle() {
        let mut list = WaitList::new();
        let w = noop();
        let a = list.push_back(&w, 1);
        let b = list.push_back(&w, 2);
        let c = list.push_back(&w, 3);
        assert_eq!(list.remove(b), Outcome::Waiting);
        assert_eq!(list.front_need(), Some(1));
        assert!(list.pop_front(Outcome::Granted).is_some());
        assert_eq!(list.outcome(a), Outcome::Granted);
        assert_eq!(list.front_need(), Some(3));
        assert!(list.pop_front(Outcome::Closed).is_some());
        assert_eq!(list.outcome(c), Outcome::Closed);
        assert!(list.is_empty());
        assert_eq!(list.remove(a), Outcome::Granted);
        assert_eq!(list.remove(c), Outcome::Closed);
        assert!(list.nodes.is_empty());
    }

    #[test]
    fn drain_all_serves_everyone_in_order_and_empties_the_queue() {
        let mut list = WaitList::new();
        let w = noop();
        let keys: Vec<usize> = (0..3).map(|_| list.push_back(&w, 1)).collect();
        let mut wakers = Vec::new();
        list.drain_all(Outcome::Broadcast, &mut wakers);
        assert_eq!(wakers.len(), 3);
        assert!(list.is_empty());
        for key in keys {
            assert_eq!(list.outcome(key), Outcome::Broadcast);
        }
        list.drain_all(Outcome::Broadcast, &mut wakers);
        assert_eq!(wakers.len(), 3, "nobody left to serve");
    }

    #[test]
    fn a_kept_node_is_withdrawn_and_requeued_at_the_tail_without_a_new_slot() {
        let mut list = WaitList::new();
        let w = noop();
        let a = list.push_back(&w, 1);
        let b = list.push_back(&w, 1);
        assert_eq!(list.withdraw(a), Outcome::Waiting);
        assert_eq!(list.outcome(a), Outcome::Idle);
        assert!(
            list.requeue(a, &w).is_none(),
            "same waker: nothing replaced"
        );
        assert!(list.pop_front(Outcome::Broadcast).is_some());
        assert_eq!(
            list.outcome(b),
            Outcome::Broadcast,
            "b is ahead of the requeued a"
        );
        assert_eq!(list.outcome(a), Outcome::Waiting);
        // Served, then queued again: its waker was taken by the serve, so none is replaced.
        assert!(list.pop_front(Outcome::Broadcast).is_some());
        assert!(list.requeue(a, &w).is_none());
        let other = noop();
        assert!(
            list.requeue(a, &other).is_some(),
            "another task's waker replaces it"
        );
        assert!(
            list.requeue(a, &other).is_none(),
            "still queued: keeps its place"
        );
        assert!(list.pop_front(Outcome::Broadcast).is_some());
        assert!(list.is_empty(), "a was queued once, not twice");
        assert!(list.requeue(a, &w).is_none(), "served: its waker was taken");
        assert_eq!(list.withdraw(a), Outcome::Waiting);
        assert!(list.is_empty());
        assert_eq!(list.nodes.len(), 2, "a and b: no node was added");
        assert_eq!(list.withdraw(b), Outcome::Broadcast);
    }
}
