//! `oneloop::sync`: fairness (FIFO) of every waiting primitive, and the rule that no waiter
//! is lost: a waiter cancelled (`JoinHandle::cancel`), aborted, or dropped inside `select!`
//! while it waits, or after it was served but before it ran, hands what it was given to the
//! next waiter. Permits are counted before and after.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use oneloop::sync::{mpsc, oneshot, Event, Mutex, Notify, Semaphore, TryAcquireError};
use oneloop::task::{yield_now, JoinHandle};
use oneloop::time::{sleep, Duration};
use oneloop::{spawn, Cancelled};
use testkit::bounded;
use testkit::DropCounter;

/// Lets every ready task run until it waits (a few turns of the loop).
async fn settle() {
    for _ in 0..3 {
        yield_now().await.unwrap();
    }
}

type Log = Rc<RefCell<Vec<usize>>>;

/// Spawns a task that waits for one permit, logs `i` and keeps the permit for a turn.
fn permit_taker(sem: &Rc<Semaphore>, log: &Log, i: usize) -> JoinHandle<()> {
    let (sem, log) = (Rc::clone(sem), Rc::clone(log));
    spawn(async move {
        let _permit = sem.acquire().await.unwrap();
        log.borrow_mut().push(i);
        yield_now().await.unwrap();
    })
}

// ---- Semaphore ------------------------------------------------------------------------

#[oneloop::test]
async fn semaphore_waiters_are_served_first_in_first_out() {
    let sem = Rc::new(Semaphore::new(1));
    let log: Log = Rc::default();
    let held = sem.acquire().await.unwrap();
    let tasks: Vec<_> = (0..5).map(|i| permit_taker(&sem, &log, i)).collect();
    settle().await; // all five queued, in spawn order
    drop(held);
    for task in tasks {
        bounded("a permit taker", task).await.unwrap();
    }
    assert_eq!(*log.borrow(), [0, 1, 2, 3, 4]);
    assert_eq!(sem.available_permits(), 1);
}

#[oneloop::test]
async fn semaphore_try_acquire_does_not_jump_the_queue() {
    let sem = Rc::new(Semaphore::new(1));
    let log: Log = Rc::default();
    let held = sem.acquire().await.unwrap();
    let waiter = permit_taker(&sem, &log, 1);
    settle().await;
    drop(held); // granted to the waiter, which has not run yet
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    bounded("the waiter", waiter).await.unwrap();
    assert_eq!(*log.borrow(), [1]);
    assert!(sem.try_acquire().is_ok());
}

#[oneloop::test]
async fn semaphore_large_request_at_the_head_holds_back_smaller_ones() {
    let sem = Rc::new(Semaphore::new(1));
    let s = Rc::clone(&sem);
    let big = spawn(async move { s.acquire_many(2).await.map(|p| p.num_permits()) });
    settle().await;
    assert!(sem.try_acquire().is_err()); // one is free, but `big` is first in line
    sem.add_permits(1);
    assert_eq!(bounded("big", big).await.unwrap(), Ok(2));
    assert_eq!(sem.available_permits(), 2);
}

#[oneloop::test]
async fn semaphore_cancel_while_waiting_serves_the_next_waiter() {
    let sem = Rc::new(Semaphore::new(1));
    let log: Log = Rc::default();
    let held = sem.acquire().await.unwrap();
    let s = Rc::clone(&sem);
    let cancelled = spawn(async move { s.acquire().await.map(drop).unwrap_err() });
    let next = permit_taker(&sem, &log, 2);
    settle().await;
    assert!(cancelled.cancel());
    let err = bounded("the cancelled waiter", cancelled).await.unwrap();
    assert!(err.is_cancelled());
    drop(held);
    bounded("the next waiter", next).await.unwrap();
    assert_eq!(*log.borrow(), [2]);
    assert_eq!(sem.available_permits(), 1);
}

#[oneloop::test]
async fn semaphore_abort_while_waiting_serves_the_next_waiter() {
    let sem = Rc::new(Semaphore::new(1));
    let log: Log = Rc::default();
    let held = sem.acquire().await.unwrap();
    let aborted = permit_taker(&sem, &log, 1);
    let next = permit_taker(&sem, &log, 2);
    settle().await;
    aborted.abort();
    assert!(bounded("abort", aborted).await.unwrap_err().is_cancelled());
    drop(held);
    bounded("the next waiter", next).await.unwrap();
    assert_eq!(*log.borrow(), [2]);
    assert_eq!(sem.available_permits(), 1);
}

#[oneloop::test]
async fn semaphore_permit_granted_to_a_waiter_aborted_before_it_ran_passes_on() {
    let sem = Rc::new(Semaphore::new(1));
    let log: Log = Rc::default();
    let held = sem.acquire().await.unwrap();
    let first = permit_taker(&sem, &log, 1);
    let second = permit_taker(&sem, &log, 2);
    settle().await;
    drop(held); // granted to `first`, which is scheduled but has not run
    assert_eq!(sem.available_permits(), 0);
    first.abort(); // its future is dropped holding a grant it never saw
    assert!(bounded("abort", first).await.unwrap_err().is_cancelled());
    bounded("second", second).await.unwrap();
    assert_eq!(*log.borrow(), [2]);
    assert_eq!(sem.available_permits(), 1);
}

#[oneloop::test]
async fn semaphore_permit_granted_to_a_waiter_cancelled_before_it_ran_passes_on() {
    let sem = Rc::new(Semaphore::new(1));
    let log: Log = Rc::default();
    let held = sem.acquire().await.unwrap();
    let s = Rc::clone(&sem);
    let first = spawn(async move { s.acquire().await.map(drop) });
    let second = permit_taker(&sem, &log, 2);
    settle().await;
    drop(held);
    first.cancel(); // delivered at the acquire's next poll, before it takes the grant
    assert!(bounded("first", first)
        .await
        .unwrap()
        .unwrap_err()
        .is_cancelled());
    bounded("second", second).await.unwrap();
    assert_eq!(*log.borrow(), [2]);
    assert_eq!(sem.available_permits(), 1);
}

#[oneloop::test]
async fn semaphore_acquire_dropped_inside_select_leaves_nothing_behind() {
    let sem = Semaphore::new(1);
    let held = sem.acquire().await.unwrap();
    let timed_out = oneloop::select! {
        _ = sem.acquire() => false,
        _ = sleep(Duration::from_millis(5)) => true,
    };
    assert!(timed_out);
    drop(held);
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.try_acquire().is_ok()); // the dropped waiter is not in the queue
}

#[oneloop::test]
async fn semaphore_close_fails_waiters() {
    let sem = Rc::new(Semaphore::new(0));
    let s = Rc::clone(&sem);
    let waiter = spawn(async move { s.acquire().await.map(drop) });
    settle().await;
    sem.close();
    let err = bounded("waiter", waiter).await.unwrap().unwrap_err();
    assert!(err.is_closed() && !err.is_cancelled());
}

#[oneloop::test]
async fn owned_permits_go_back_when_the_task_holding_them_is_aborted() {
    // tokio's `acquire_owned(self: Arc<Self>)`: an `Arc` of a `!Sync` type, which clippy
    // flags; on one thread it is simply an `Rc` that costs an atomic increment.
    #[allow(clippy::arc_with_non_send_sync)]
    let sem = Arc::new(Semaphore::new(2));
    let permit = Arc::clone(&sem).acquire_owned().await.unwrap();
    let holder = spawn(async move {
        let _permit = permit;
        std::future::pending::<()>().await
    });
    assert_eq!(sem.available_permits(), 1);
    holder.abort();
    assert!(bounded("holder", holder).await.is_err());
    assert_eq!(sem.available_permits(), 2);
}

// ---- Mutex ----------------------------------------------------------------------------

#[oneloop::test]
async fn mutex_waiters_get_the_lock_in_order() {
    let mutex = Rc::new(Mutex::new(Vec::new()));
    let guard = mutex.lock().await.unwrap();
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let m = Rc::clone(&mutex);
            spawn(async move {
                let mut v = m.lock().await.unwrap();
                yield_now().await.unwrap(); // hold it across an await
                v.push(i);
            })
        })
        .collect();
    settle().await;
    drop(guard);
    for task in tasks {
        bounded("locker", task).await.unwrap();
    }
    assert_eq!(*mutex.lock().await.unwrap(), [0, 1, 2, 3, 4]);
}

#[oneloop::test]
async fn mutex_lock_cancelled_or_aborted_while_waiting_passes_the_lock_on() {
    let mutex = Rc::new(Mutex::new(0));
    let guard = mutex.lock().await.unwrap();
    let m = Rc::clone(&mutex);
    let cancelled = spawn(async move { m.lock().await.map(drop) });
    let m = Rc::clone(&mutex);
    let aborted = spawn(async move { *m.lock().await.unwrap() += 100 });
    let m = Rc::clone(&mutex);
    let last = spawn(async move { *m.lock().await.unwrap() += 1 });
    settle().await;
    cancelled.cancel();
    assert_eq!(
        bounded("cancelled", cancelled).await.unwrap(),
        Err(Cancelled)
    );
    drop(guard); // granted to `aborted`, which has not run
    aborted.abort();
    assert!(bounded("aborted", aborted).await.is_err());
    bounded("last", last).await.unwrap();
    assert_eq!(*mutex.try_lock().unwrap(), 1);
}

// ---- Event ----------------------------------------------------------------------------

#[oneloop::test]
async fn event_set_wakes_every_waiter_even_if_cleared_at_once() {
    let event = Rc::new(Event::new());
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let e = Rc::clone(&event);
            spawn(async move { e.wait().await })
        })
        .collect();
    settle().await;
    event.set();
    event.clear(); // asyncio: the waiters were already released
    for task in tasks {
        assert_eq!(bounded("waiter", task).await.unwrap(), Ok(()));
    }
    assert!(!event.is_set());
}

#[oneloop::test]
async fn event_wait_cancelled_and_dropped() {
    let event = Rc::new(Event::new());
    let e = Rc::clone(&event);
    let cancelled = spawn(async move { e.wait().await });
    settle().await;
    cancelled.cancel();
    assert_eq!(
        bounded("cancelled", cancelled).await.unwrap(),
        Err(Cancelled)
    );
    let timed_out = oneloop::select! {
        _ = event.wait() => false,
        _ = sleep(Duration::from_millis(2)) => true,
    };
    assert!(timed_out);
    event.set();
    assert_eq!(bounded("wait", event.wait()).await, Ok(()));
}

// ---- Notify ---------------------------------------------------------------------------

#[oneloop::test]
async fn notify_one_goes_to_the_oldest_waiter_and_passes_on_if_it_is_aborted() {
    let notify = Rc::new(Notify::new());
    let log: Log = Rc::default();
    let waiters: Vec<_> = (0..3)
        .map(|i| {
            let (n, log) = (Rc::clone(&notify), Rc::clone(&log));
            spawn(async move {
                n.notified().await.unwrap();
                log.borrow_mut().push(i);
            })
        })
        .collect();
    settle().await;
    notify.notify_one(); // to waiter 0, which has not run yet...
    waiters[0].abort(); // ...and never will: the notification passes to waiter 1
    settle().await;
    assert_eq!(*log.borrow(), [1]);
    notify.notify_one();
    let mut waiters = waiters.into_iter();
    assert!(bounded("0", waiters.next().unwrap()).await.is_err());
    for task in waiters {
        bounded("waiter", task).await.unwrap();
    }
    assert_eq!(*log.borrow(), [1, 2]);
}

#[oneloop::test]
async fn notify_permit_waiters_and_cancel() {
    let notify = Rc::new(Notify::new());
    notify.notify_one(); // nobody waits: stored
    bounded("stored permit", notify.notified()).await.unwrap();
    let n = Rc::clone(&notify);
    let cancelled = spawn(async move { n.notified().await });
    let all: Vec<_> = (0..2)
        .map(|_| {
            let n = Rc::clone(&notify);
            spawn(async move { n.notified().await })
        })
        .collect();
    settle().await;
    cancelled.cancel();
    assert_eq!(
        bounded("cancelled", cancelled).await.unwrap(),
        Err(Cancelled)
    );
    notify.notify_waiters();
    for task in all {
        assert_eq!(bounded("waiter", task).await.unwrap(), Ok(()));
    }
    // notify_waiters stores nothing.
    let timed_out = oneloop::select! {
        _ = notify.notified() => false,
        _ = sleep(Duration::from_millis(2)) => true,
    };
    assert!(timed_out);
}

// ---- mpsc -----------------------------------------------------------------------------

#[oneloop::test]
async fn mpsc_all_senders_dropped_gives_none_after_draining() {
    let (tx, mut rx) = mpsc::channel(4);
    let tx2 = tx.clone();
    tx.send(1).await.unwrap();
    tx2.send(2).await.unwrap();
    let waiter = spawn(async move {
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await.unwrap() {
            got.push(v);
        }
        got
    });
    settle().await;
    drop(tx);
    drop(tx2); // the last sender wakes the waiting receiver
    assert_eq!(bounded("receiver", waiter).await.unwrap(), [1, 2]);
}

#[oneloop::test]
async fn mpsc_receiver_dropped_gives_the_value_back_and_drops_the_queue() {
    let (tx, rx) = mpsc::channel(2);
    let (queued, drops) = DropCounter::new();
    tx.send(queued).await.unwrap();
    let s = tx.clone();
    // Fill the last slot, then wait for a slot that never comes.
    s.send(DropCounter(Rc::clone(&drops))).await.unwrap();
    let blocked = spawn(async move { s.send(DropCounter(Rc::new(Default::default()))).await });
    settle().await;
    drop(rx);
    assert_eq!(drops.get(), 2); // the queued messages went with the receiver
    let err = bounded("blocked sender", blocked)
        .await
        .unwrap()
        .unwrap_err();
    assert!(!err.is_cancelled());
    let _value: DropCounter = err.into_inner();
    assert!(tx.send(DropCounter(Rc::clone(&drops))).await.is_err());
    assert!(tx.is_closed());
}

#[oneloop::test]
async fn mpsc_receiver_close_keeps_what_is_queued() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tx.send(1).unwrap();
    rx.close();
    assert_eq!(tx.send(2).unwrap_err().0, 2);
    assert_eq!(rx.recv().await, Ok(Some(1)));
    assert_eq!(rx.recv().await, Ok(None));
}

#[oneloop::test]
async fn mpsc_bounded_channel_of_two_makes_the_third_send_wait() {
    let (tx, mut rx) = mpsc::channel(2);
    tx.send(1).await.unwrap();
    tx.send(2).await.unwrap();
    let third = spawn(async move {
        tx.send(3).await.unwrap();
        "sent"
    });
    settle().await;
    assert!(!third.is_finished()); // holds exactly two
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.recv().await, Ok(Some(1)));
    assert_eq!(bounded("third", third).await.unwrap(), "sent");
    assert_eq!(rx.recv().await, Ok(Some(2)));
    assert_eq!(rx.recv().await, Ok(Some(3)));
    assert_eq!(rx.recv().await, Ok(None));
}

#[oneloop::test]
async fn mpsc_send_cancelled_while_waiting_gives_the_value_back_and_the_slot_on() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(0).await.unwrap();
    let t = tx.clone();
    let cancelled = spawn(async move { t.send(1).await.map_err(|e| (e.is_cancelled(), e.0)) });
    let t = tx.clone();
    let aborted = spawn(async move { t.send(2).await.unwrap() });
    let t = tx.clone();
    let last = spawn(async move { t.send(3).await.unwrap() });
    settle().await;
    cancelled.cancel();
    assert_eq!(
        bounded("cancelled", cancelled).await.unwrap(),
        Err((true, 1))
    );
    assert_eq!(rx.recv().await, Ok(Some(0))); // the slot is granted to `aborted`...
    aborted.abort(); // ...which is dropped before it runs: the slot goes to `last`
    assert!(bounded("aborted", aborted).await.is_err());
    bounded("last", last).await.unwrap();
    assert_eq!(rx.recv().await, Ok(Some(3)));
    assert_eq!(tx.capacity(), 1);
}

#[oneloop::test]
async fn mpsc_recv_cancelled_loses_no_message() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let receiver = spawn(async move {
        let first = rx.recv().await;
        let second = rx.recv().await;
        (first, second)
    });
    settle().await;
    receiver.cancel();
    tx.send(7).await.unwrap();
    let (first, second) = bounded("receiver", receiver).await.unwrap();
    assert_eq!(first, Err(Cancelled));
    assert_eq!(second, Ok(Some(7)));
}

// ---- oneshot --------------------------------------------------------------------------

#[oneloop::test]
async fn oneshot_sender_dropped_and_receiver_dropped() {
    let (tx, rx) = oneshot::channel::<u8>();
    let waiter = spawn(rx);
    settle().await;
    drop(tx);
    let err = bounded("receiver", waiter).await.unwrap().unwrap_err();
    assert!(!err.is_cancelled());

    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(5), Err(5));
}

#[oneloop::test]
async fn oneshot_cancelled_receiver_can_still_take_the_value() {
    let (tx, rx) = oneshot::channel();
    let waiter = spawn(async move {
        let mut rx = rx;
        let first = (&mut rx).await;
        (first.map_err(|e| e.is_cancelled()), rx.await.ok())
    });
    settle().await;
    waiter.cancel();
    tx.send("late").unwrap();
    assert_eq!(
        bounded("receiver", waiter).await.unwrap(),
        (Err(true), Some("late"))
    );
}

// ---- sync head leaves (added by mutation testing: each test here failed under a
// mutation of the library that the rest of the suite let through) ----

mod sync_head_leaves {
    // `oneloop::sync::Semaphore`: a large request at the head of the queue holds back the
    // smaller ones behind it (FIFO); when that head waiter goes away *while still waiting*
    // (cancelled, aborted, or its `acquire` dropped by `select!`), the permits that are free
    // must go to the waiters behind it at once, not at the next `release`.
    //
    // (Mutation-tested: `Semaphore::abandon` doing nothing for an `Outcome::Waiting` head left
    // the smaller waiters stuck for ever, and no existing test noticed.)

    use std::rc::Rc;

    use oneloop::spawn;
    use oneloop::sync::Semaphore;
    use oneloop::task::yield_now;
    use oneloop::time::{sleep, Duration};

    use testkit::bounded;

    /// Lets every ready task run until it waits (a few turns of the loop).
    async fn settle() {
        for _ in 0..3 {
            yield_now().await.unwrap();
        }
    }

    #[oneloop::test]
    async fn semaphore_cancelled_large_head_lets_smaller_waiters_through() {
        let sem = Rc::new(Semaphore::new(1));
        let s = Rc::clone(&sem);
        let big = spawn(async move { s.acquire_many(2).await.map(drop) });
        settle().await; // `big` heads the queue, one permit free but not enough for it
        let s = Rc::clone(&sem);
        let small = spawn(async move { s.acquire().await.map(|p| p.num_permits()) });
        settle().await;
        assert!(!small.is_finished(), "`small` jumped the queue past `big`");
        assert!(big.cancel());
        assert!(bounded("big", big)
            .await
            .unwrap()
            .unwrap_err()
            .is_cancelled());
        settle().await;
        // Nobody released anything: the free permit must already have gone to `small`.
        assert!(
            small.is_finished(),
            "the head left the queue but the smaller waiter behind it was not served"
        );
        assert_eq!(bounded("small", small).await.unwrap(), Ok(1));
        assert_eq!(sem.available_permits(), 1);
    }

    #[oneloop::test]
    async fn semaphore_aborted_large_head_lets_smaller_waiters_through() {
        let sem = Rc::new(Semaphore::new(2));
        let held = sem.acquire().await.unwrap();
        let s = Rc::clone(&sem);
        let big = spawn(async move { s.acquire_many(2).await.map(drop) });
        settle().await;
        let smalls: Vec<_> = (0..2)
            .map(|_| {
                let s = Rc::clone(&sem);
                spawn(async move { s.acquire().await.map(|p| p.forget()) })
            })
            .collect();
        settle().await;
        big.abort();
        assert!(bounded("abort", big).await.unwrap_err().is_cancelled());
        settle().await;
        // One permit was free: the first small waiter gets it now; the second still waits.
        assert!(
            smalls[0].is_finished(),
            "the first small waiter was not served"
        );
        assert!(!smalls[1].is_finished());
        drop(held);
        for (i, small) in smalls.into_iter().enumerate() {
            assert_eq!(bounded(&format!("small {i}"), small).await.unwrap(), Ok(()));
        }
        assert_eq!(sem.available_permits(), 0); // both forgotten
    }

    #[oneloop::test]
    async fn semaphore_large_acquire_dropped_by_select_lets_smaller_waiters_through() {
        let sem = Rc::new(Semaphore::new(1));
        let s = Rc::clone(&sem);
        let small = spawn(async move {
            yield_now().await.unwrap(); // queue behind the big request below
            s.acquire().await.map(|p| p.num_permits())
        });
        let timed_out = oneloop::select! {
            _ = sem.acquire_many(2) => false,
            _ = async {
                settle().await; // `small` is queued behind us now
                sleep(Duration::from_millis(5)).await
            } => true,
        };
        assert!(timed_out);
        settle().await;
        assert!(
            small.is_finished(),
            "the dropped head left the queue but the waiter behind it was not served"
        );
        assert_eq!(bounded("small", small).await.unwrap(), Ok(1));
        assert_eq!(sem.available_permits(), 1);
    }
}

#[oneloop::test]
async fn a_send_granted_a_slot_just_before_the_receiver_goes_fails_with_its_value() {
    let (tx, mut rx) = oneloop::sync::mpsc::channel::<u32>(1);
    tx.send(1).await.unwrap(); // the queue is full
    let waiting = oneloop::spawn({
        let tx = tx.clone();
        async move { tx.send(2).await.map_err(|e| e.0) }
    });
    oneloop::task::yield_now().await.unwrap(); // the second send waits for a slot
    assert_eq!(rx.try_recv(), Ok(1)); // frees the slot: granted to the waiting send...
    drop(rx); // ...but the receiver goes before that send runs again
    assert_eq!(
        waiting.await.unwrap(),
        Err(2),
        "the value comes back, nothing is stranded"
    );
    assert!(tx.is_closed());
}
