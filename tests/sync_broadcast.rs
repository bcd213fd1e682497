//! `oneloop::sync::broadcast`: the lag arithmetic of the ring, the counts (`len`,
//! `receiver_count`) before and after, every waiting receiver woken by one send in the
//! order it queued, and the cancellation rule (a cancelled `recv` takes no message, so
//! nothing is lost).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use oneloop::spawn;
use oneloop::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use oneloop::task::yield_now;
use oneloop::time::Duration;
use testkit::bounded;

/// Lets every ready task run until it waits (a few turns of the loop).
async fn settle() {
    for _ in 0..3 {
        yield_now().await.unwrap();
    }
}

#[test]
fn a_laggard_is_told_how_many_it_missed_and_resumes_at_the_oldest_kept() {
    let (tx, mut slow) = broadcast::channel(3);
    let mut fast = tx.subscribe();
    for i in 0..2 {
        tx.send(i).unwrap();
    }
    assert_eq!(fast.try_recv(), Ok(0));
    assert_eq!(fast.try_recv(), Ok(1));
    for i in 2..10 {
        tx.send(i).unwrap();
    }
    // Sent 0..10 into 3 slots: 7, 8, 9 kept. `slow` was at 0: 7 missed; `fast` at 2: 5 missed.
    assert_eq!((slow.len(), fast.len()), (10, 8));
    assert_eq!(tx.len(), 3);
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(7)));
    assert_eq!(fast.try_recv(), Err(TryRecvError::Lagged(5)));
    assert_eq!(slow.len(), 3);
    for i in 7..10 {
        assert_eq!(slow.try_recv(), Ok(i));
        assert_eq!(fast.try_recv(), Ok(i));
    }
    assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.len(), 0);
    // A lag is reported once, then never again for the same messages.
    tx.send(10).unwrap();
    assert_eq!(slow.try_recv(), Ok(10));
}

#[test]
fn lag_is_exact_at_the_capacity_boundary() {
    let (tx, mut rx) = broadcast::channel(4);
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(0)); // exactly full: nothing lost
    for i in 4..6 {
        tx.send(i).unwrap();
    }
    // Kept: 2..6 (4 slots); rx wants 1: missed exactly one.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn counts_before_and_after() {
    let (tx, rx) = broadcast::channel::<u32>(8);
    assert_eq!(tx.receiver_count(), 1);
    let mut rx2 = tx.subscribe();
    let rx3 = rx.resubscribe();
    assert_eq!(tx.receiver_count(), 3);
    assert_eq!(tx.send(1), Ok(3));
    assert_eq!(tx.send(2), Ok(3));
    assert_eq!(tx.len(), 2);
    assert_eq!(rx2.try_recv(), Ok(1));
    assert_eq!(tx.len(), 2, "two receivers still owe message 1");
    drop(rx3);
    assert_eq!(tx.receiver_count(), 2);
    drop(rx);
    assert_eq!(tx.len(), 1, "only rx2 owes anything now: message 2");
    assert_eq!(rx2.try_recv(), Ok(2));
    assert!(tx.is_empty());
    drop(rx2);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(
        tx.send(3).unwrap_err().0,
        3,
        "nobody to send to: the value comes back"
    );
    assert!(tx.is_empty());
}

/// Counts its clones, to see which receiver was given the original.
#[derive(Debug)]
struct Tracked(Rc<Cell<usize>>);

impl Clone for Tracked {
    fn clone(&self) -> Self {
        self.0.set(self.0.get() + 1);
        Tracked(Rc::clone(&self.0))
    }
}

#[test]
fn the_last_receiver_to_visit_a_message_takes_it_without_a_clone() {
    let clones = Rc::new(Cell::new(0));
    let (tx, mut a) = broadcast::channel(2);
    let mut b = tx.subscribe();
    let mut c = tx.subscribe();
    tx.send(Tracked(Rc::clone(&clones))).unwrap();
    a.try_recv().unwrap();
    b.try_recv().unwrap();
    assert_eq!(clones.get(), 2);
    c.try_recv().unwrap();
    assert_eq!(clones.get(), 2, "the third visit moved the value out");
    assert_eq!(tx.len(), 0);
}

#[test]
fn evicted_and_unvisited_messages_are_dropped_at_once() {
    let (counter, drops) = testkit::DropCounter::new();
    let counter = Rc::new(counter);
    let (tx, rx) = broadcast::channel(1);
    tx.send(Rc::clone(&counter)).unwrap();
    tx.send(Rc::clone(&counter)).unwrap(); // evicts the first
    assert_eq!(Rc::strong_count(&counter), 2);
    drop(rx); // nobody owes the second any more
    assert_eq!(Rc::strong_count(&counter), 1);
    drop(counter);
    assert_eq!(drops.get(), 1);
}

#[oneloop::test]
async fn one_send_wakes_every_waiting_receiver_in_the_order_they_queued() {
    let (tx, rx) = broadcast::channel(4);
    let log = Rc::new(RefCell::new(Vec::new()));
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let mut rx = rx.resubscribe();
            let log = Rc::clone(&log);
            spawn(async move {
                let got = rx.recv().await.unwrap();
                log.borrow_mut().push((i, got));
            })
        })
        .collect();
    drop(rx);
    settle().await;
    assert!(log.borrow().is_empty(), "nobody received before the send");
    assert_eq!(tx.send("news"), Ok(5));
    for task in tasks {
        bounded("a receiver", task).await.unwrap();
    }
    let expected: Vec<_> = (0..5).map(|i| (i, "news")).collect();
    assert_eq!(*log.borrow(), expected);
    assert!(tx.is_empty());
}

#[oneloop::test]
async fn a_burst_sent_before_the_receiver_runs_arrives_whole_and_in_order() {
    let (tx, mut rx) = broadcast::channel(8);
    let reader = spawn(async move {
        let mut got = Vec::new();
        while let Ok(i) = rx.recv().await {
            got.push(i);
        }
        got
    });
    settle().await;
    for i in 0..8 {
        tx.send(i).unwrap();
    }
    drop(tx);
    assert_eq!(
        bounded("reader", reader).await.unwrap(),
        (0..8).collect::<Vec<_>>()
    );
}

#[oneloop::test]
async fn a_waiting_receiver_sees_closed_when_the_last_sender_goes() {
    let (tx, mut rx) = broadcast::channel::<u8>(1);
    let tx2 = tx.clone();
    let reader = spawn(async move { rx.recv().await });
    settle().await;
    drop(tx);
    settle().await;
    assert!(!reader.is_finished(), "one sender is still alive");
    drop(tx2);
    assert_eq!(
        bounded("reader", reader).await.unwrap(),
        Err(RecvError::Closed)
    );
}

#[oneloop::test]
async fn closed_comes_only_after_the_kept_messages() {
    let (tx, mut rx) = broadcast::channel(2);
    tx.send(1).unwrap();
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.recv().await, Ok(1));
    assert_eq!(rx.recv().await, Err(RecvError::Closed));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[oneloop::test]
async fn a_cancelled_recv_takes_no_message() {
    let (tx, mut rx) = broadcast::channel(4);
    let waiter = spawn(async move {
        let first = rx.recv().await;
        (first, rx) // the receiver comes back to be used again
    });
    settle().await;
    assert!(waiter.cancel());
    let (first, mut rx) = bounded("cancelled", waiter).await.unwrap();
    assert_eq!(first, Err(RecvError::Cancelled));
    assert!(first.unwrap_err().is_cancelled());
    tx.send(1).unwrap();
    assert_eq!(rx.recv().await, Ok(1));
}

#[oneloop::test]
async fn a_receiver_cancelled_after_its_wake_up_leaves_the_message_for_later() {
    let (tx, rx) = broadcast::channel(4);
    let mut other = rx.resubscribe();
    let mut rx = rx;
    let waiter = spawn(async move {
        let first = rx.recv().await;
        (first, rx)
    });
    let witness = spawn(async move { other.recv().await });
    settle().await;
    tx.send(7).unwrap(); // wakes both
    waiter.cancel(); // delivered at the woken recv's next poll, before it takes the message
    let (first, mut rx) = bounded("cancelled", waiter).await.unwrap();
    assert_eq!(first, Err(RecvError::Cancelled));
    assert_eq!(bounded("witness", witness).await.unwrap(), Ok(7));
    assert_eq!(tx.len(), 1, "the cancelled receiver still owes its visit");
    assert_eq!(rx.recv().await, Ok(7));
    assert!(tx.is_empty());
}

#[oneloop::test]
async fn a_recv_dropped_inside_select_loses_nothing() {
    let (tx, mut rx) = broadcast::channel(2);
    let timed_out = oneloop::select! {
        _ = rx.recv() => false,
        _ = oneloop::time::sleep(Duration::from_millis(2)) => true,
    };
    assert!(timed_out);
    tx.send("later").unwrap();
    assert_eq!(rx.recv().await, Ok("later"));
}

/// How many times the task `id` was polled so far.
fn polls_of(id: oneloop::task::Id) -> u32 {
    oneloop::runtime::tasks()
        .into_iter()
        .find(|t| t.id == id)
        .map_or(0, |t| t.polls)
}

#[oneloop::test]
async fn receivers_waiting_message_after_message_are_woken_once_each_in_queue_order() {
    // Each receiver keeps one wait-list node for its life: after a wake-up it queues again
    // at the tail, so the order of the first wait holds for every later one.
    let (tx, rx) = broadcast::channel(4);
    let log = Rc::new(RefCell::new(Vec::new()));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let mut rx = rx.resubscribe();
            let log = Rc::clone(&log);
            spawn(async move {
                while let Ok(m) = rx.recv().await {
                    log.borrow_mut().push((m, i));
                }
            })
        })
        .collect();
    drop(rx);
    settle().await;
    let before: Vec<u32> = tasks.iter().map(|t| polls_of(t.id())).collect();
    for m in 0..3 {
        tx.send(m).unwrap();
        settle().await;
    }
    let after: Vec<u32> = tasks.iter().map(|t| polls_of(t.id())).collect();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a - b, 3, "one poll per message: no spurious wake-up");
    }
    drop(tx);
    for task in tasks {
        bounded("a receiver", task).await.unwrap();
    }
    let expected: Vec<_> = (0..3).flat_map(|m| (0..4).map(move |i| (m, i))).collect();
    assert_eq!(*log.borrow(), expected);
}

#[oneloop::test]
async fn a_recv_dropped_while_waiting_is_not_woken_by_the_next_send() {
    let (tx, mut rx) = broadcast::channel(4);
    let (go_tx, mut go_rx) = broadcast::channel::<()>(1);
    let task = spawn(async move {
        let gave_up = oneloop::select! {
            _ = rx.recv() => false,
            _ = yield_now() => true,
        };
        assert!(gave_up, "nothing was sent yet");
        go_rx.recv().await.unwrap(); // waits elsewhere; `rx` keeps its node, withdrawn
        rx.recv().await
    });
    settle().await;
    let polls = polls_of(task.id());
    tx.send(1).unwrap();
    settle().await;
    assert_eq!(
        polls_of(task.id()),
        polls,
        "the withdrawn node was not woken"
    );
    go_tx.send(()).unwrap();
    assert_eq!(bounded("task", task).await.unwrap(), Ok(1));
}
