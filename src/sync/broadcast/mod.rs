//! A multi-producer, multi-consumer channel where every receiver sees every message
//! (tokio's `broadcast`): [`channel`], its [`Sender`] here, the [`Receiver`] in `receiver.rs`.
//!
//! One `Shared` value behind an `Rc` holds a ring of at most `capacity` slots, oldest first,
//! and the position (a count of messages ever sent) of its first slot. Each receiver keeps
//! the position of the next message it wants. A slot also counts the receivers that still
//! owe it a visit (`rem`): the one that visits it last *moves* the value out instead of
//! cloning it, and the slot leaves the ring. A send into a full ring evicts the oldest slot
//! whoever still owed it; a receiver whose next position was evicted is told by how many
//! messages it lagged and jumps to the oldest kept one.
//!
//! Receivers with nothing to read wait in a `WaitList`; a send (or the last sender
//! going) wakes them all, marked `Broadcast`: the message stays in the ring, so a waiter
//! cancelled after its wake-up has nothing to pass on, and loses nothing. A receiver waits
//! for every message in the common fan-out, so it keeps its node in the list for its whole
//! life (withdrawn between waits, requeued for the next), and a send serves the whole queue
//! in one pass: a wait allocates nothing, and a send borrows the list once.
//!
//! Where tokio rounds `capacity` up to a power of two (it indexes its ring with a mask), this
//! ring holds exactly `capacity` messages.
//!
//! ```
//! use oneloop::sync::broadcast;
//!
//! oneloop::run(async {
//!     let (tx, mut rx1) = broadcast::channel(16);
//!     let mut rx2 = tx.subscribe();
//!     let a = oneloop::spawn(async move { rx1.recv().await.unwrap() + rx1.recv().await.unwrap() });
//!     let b = oneloop::spawn(async move { rx2.recv().await.unwrap() * rx2.recv().await.unwrap() });
//!     tx.send(10).unwrap();
//!     tx.send(20).unwrap();
//!     assert_eq!((a.await.unwrap(), b.await.unwrap()), (30, 200));
//! });
//! ```

pub mod error;
mod receiver;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::task::Waker;

pub use receiver::{Receiver, Recv};

use self::error::{SendError, TryRecvError};
use super::wait_list::{Outcome, WaitList};

/// A broadcast channel keeping the last `capacity` messages for receivers that fall behind.
/// Panics if `capacity` is 0 (as tokio does).
///
/// ```
/// let (tx, mut rx) = oneloop::sync::broadcast::channel(4);
/// assert_eq!(tx.send("hello"), Ok(1)); // one receiver will see it
/// assert_eq!(rx.try_recv(), Ok("hello"));
/// ```
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "broadcast channel capacity cannot be zero");
    let shared = Rc::new(Shared {
        ring: RefCell::new(VecDeque::with_capacity(capacity)),
        capacity,
        head: Cell::new(0),
        senders: Cell::new(1),
        receivers: Cell::new(0),
        waiters: RefCell::new(WaitList::new()),
        wake_buffer: Cell::new(Vec::new()),
    });
    let rx = Receiver::new(Rc::clone(&shared), 0);
    (Sender { shared }, rx)
}

/// One message in the ring.
struct Slot<T> {
    /// The message.
    value: T,
    /// Receivers that were alive when it was sent and have not seen it yet. Never 0 while
    /// the slot is in the ring: the visit that brings it to 0 takes the slot out.
    rem: usize,
}

/// The state every end of one channel shares.
pub(crate) struct Shared<T> {
    /// The kept messages, oldest first; at most `capacity` of them.
    ring: RefCell<VecDeque<Slot<T>>>,
    /// The bound on `ring`; a send beyond it evicts the oldest slot.
    capacity: usize,
    /// The position of `ring[0]`: how many messages left the ring before it. `u64`: a
    /// billion messages a second would take five centuries to wrap it.
    head: Cell<u64>,
    /// Live senders; at 0 a receiver that has seen everything gets `Closed`.
    senders: Cell<usize>,
    /// Live receivers: the `rem` of a new slot, and 0 means a send has nobody to reach.
    receivers: Cell<usize>,
    /// Receivers waiting for the next message, all woken by each send.
    waiters: RefCell<WaitList>,
    /// The wakers of one send's waiters, between taking them from `waiters` and waking them:
    /// kept so a warmed-up channel wakes without allocating. Taken (left empty) while in
    /// use, so a send from inside a wake-up simply gets a fresh one.
    wake_buffer: Cell<Vec<Waker>>,
}

impl<T> Shared<T> {
    /// The position the next message will take.
    fn tail(&self) -> u64 {
        self.head.get() + self.ring.borrow().len() as u64
    }

    /// The body of `recv` and `try_recv` for the receiver whose next position is `*next`.
    fn try_take(&self, next: &mut u64) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let head = self.head.get();
        if *next < head {
            let missed = head - *next;
            *next = head;
            return Err(TryRecvError::Lagged(missed));
        }
        let mut ring = self.ring.borrow_mut();
        let at = (*next - head) as usize;
        let Some(slot) = ring.get_mut(at) else {
            return Err(match self.senders.get() {
                0 => TryRecvError::Closed,
                _ => TryRecvError::Empty,
            });
        };
        *next += 1;
        slot.rem -= 1;
        if slot.rem > 0 {
            return Ok(slot.value.clone());
        }
        // The last visit. Older slots owe no fewer visits than newer ones (a receiver that
        // owes an old message owes every newer one), so this is the ring's first slot.
        let slot = ring.pop_front().expect("the visited slot is in the ring");
        self.head.set(head + 1);
        Ok(slot.value)
    }

    /// A receiver at position `next` goes away: it owes no more visits.
    fn forget_receiver(&self, next: u64) {
        self.receivers.set(self.receivers.get() - 1);
        let mut done = Vec::new();
        {
            let mut ring = self.ring.borrow_mut();
            let from = next.saturating_sub(self.head.get()) as usize;
            for slot in ring.iter_mut().skip(from) {
                slot.rem -= 1;
            }
            while ring.front().is_some_and(|slot| slot.rem == 0) {
                done.extend(ring.pop_front());
                self.head.set(self.head.get() + 1);
            }
        }
        drop(done); // outside the borrow: a message's destructor may use the channel
    }

    /// Wakes every waiting receiver: collects their wakers under one borrow of the list,
    /// releases it, then wakes them (a waker may do anything, even send on this channel).
    fn wake_all(&self) {
        let mut wakers = self.wake_buffer.take();
        self.waiters
            .borrow_mut()
            .drain_all(Outcome::Broadcast, &mut wakers);
        for waker in wakers.drain(..) {
            waker.wake();
        }
        self.wake_buffer.set(wakers);
    }
}

/// The sending end of a broadcast channel; clone it for more producers.
///
/// ```
/// let (tx, mut rx) = oneloop::sync::broadcast::channel(2);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)));
/// ```
pub struct Sender<T> {
    /// The channel; every sender counts itself in `Shared::senders`.
    shared: Rc<Shared<T>>,
}

impl<T: Clone> Sender<T> {
    /// A sender with no receiver yet (tokio's `Sender::new`): `subscribe` makes them.
    /// Panics if `capacity` is 0.
    ///
    /// ```
    /// let tx = oneloop::sync::broadcast::Sender::new(4);
    /// let mut rx = tx.subscribe();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn new(capacity: usize) -> Sender<T> {
        channel(capacity).0
    }
}

impl<T> Sender<T> {
    /// Sends `value` to every receiver alive now and returns how many that is. Never waits:
    /// a full ring drops its oldest message (receivers that had not seen it will lag).
    /// Fails, giving the value back, if no receiver is alive.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::broadcast::channel(1);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.send('a'), Ok(2));
    /// drop(rx);
    /// assert_eq!(tx.send('b'), Ok(1));
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let shared = &self.shared;
        let receivers = shared.receivers.get();
        if receivers == 0 {
            return Err(SendError(value));
        }
        let evicted = {
            let mut ring = shared.ring.borrow_mut();
            ring.push_back(Slot {
                value,
                rem: receivers,
            });
            if ring.len() > shared.capacity {
                shared.head.set(shared.head.get() + 1);
                ring.pop_front()
            } else {
                None
            }
        };
        drop(evicted); // outside the borrow
        shared.wake_all();
        Ok(receivers)
    }

    /// A new receiver that will see every message sent from now on.
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::new(Rc::clone(&self.shared), self.shared.tail())
    }

    /// Live receivers: how many a `send` now would reach.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::broadcast::channel::<()>(1);
    /// let rx2 = rx.resubscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.get()
    }

    /// Messages kept: sent, and not yet seen by every receiver that was alive to see them
    /// nor evicted by later sends (tokio's definition).
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::broadcast::channel(8);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.ring.borrow().len()
    }

    /// Is no message kept? (See [`len`](Sender::len).)
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::broadcast::channel::<u8>(8);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Do both senders feed the same channel?
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::broadcast::channel::<u8>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.set(self.shared.senders.get() + 1);
        Sender {
            shared: Rc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let senders = self.shared.senders.get() - 1;
        self.shared.senders.set(senders);
        if senders == 0 {
            // The waiting receivers have seen everything: they get `Closed`.
            self.shared.wake_all();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("kept", &self.len())
            .field("receivers", &self.receiver_count())
            .finish()
    }
}
