//! `oneloop::sync::watch`: versions (a change is seen once, several sends coalesce), no
//! lost wake-up, every waiter woken in the order it queued, counts before and after, and the
//! cancellation rule (a cancelled `changed()` marks nothing seen, so nothing is lost).

use std::cell::RefCell;
use std::rc::Rc;

use oneloop::spawn;
use oneloop::sync::watch;
use oneloop::task::yield_now;

use testkit::bounded;

/// Lets every ready task run until it waits (a few turns of the loop).
async fn settle() {
    for _ in 0..3 {
        yield_now().await.unwrap();
    }
}

#[oneloop::test]
async fn a_change_is_seen_once_and_sends_coalesce() {
    let (tx, mut rx) = watch::channel(0);
    assert!(!rx.has_changed().unwrap());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert!(rx.has_changed().unwrap());
    rx.changed().await.unwrap(); // returns at once: 2 is unseen
    assert_eq!(*rx.borrow(), 2);
    assert!(!rx.has_changed().unwrap(), "one changed() for both sends");
    let again = spawn(async move { rx.changed().await });
    settle().await;
    assert!(!again.is_finished(), "nothing new: changed() waits");
    tx.send(3).unwrap();
    bounded("again", again).await.unwrap().unwrap();
}

#[oneloop::test]
async fn a_send_wakes_a_waiting_receiver() {
    let (tx, mut rx) = watch::channel("old");
    let waiter = spawn(async move {
        rx.changed().await.unwrap();
        *rx.borrow_and_update()
    });
    settle().await;
    assert!(!waiter.is_finished());
    tx.send("new").unwrap();
    assert_eq!(bounded("waiter", waiter).await.unwrap(), "new");
}

#[oneloop::test]
async fn every_waiter_is_woken_in_the_order_it_queued() {
    let (tx, rx) = watch::channel(0);
    let log = Rc::new(RefCell::new(Vec::new()));
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let mut rx = rx.clone();
            let log = Rc::clone(&log);
            spawn(async move {
                rx.changed().await.unwrap();
                log.borrow_mut().push((i, *rx.borrow()));
            })
        })
        .collect();
    settle().await;
    assert_eq!(tx.receiver_count(), 6);
    tx.send(42).unwrap();
    for task in tasks {
        bounded("a watcher", task).await.unwrap();
    }
    let expected: Vec<_> = (0..5).map(|i| (i, 42)).collect();
    assert_eq!(*log.borrow(), expected);
    assert_eq!(tx.receiver_count(), 1);
}

#[oneloop::test]
async fn no_change_is_lost_between_a_look_and_a_wait() {
    // The watcher marks each value seen, then waits; every send lands in one of its waits
    // or before it, and the last value is always seen.
    let (tx, mut rx) = watch::channel(0u32);
    let watcher = spawn(async move {
        let mut last = 0;
        while rx.changed().await.is_ok() {
            last = *rx.borrow_and_update();
        }
        last
    });
    for i in 1..=100 {
        tx.send(i).unwrap();
        if i % 3 == 0 {
            yield_now().await.unwrap();
        }
    }
    drop(tx);
    assert_eq!(bounded("watcher", watcher).await.unwrap(), 100);
}

#[oneloop::test]
async fn a_cancelled_changed_marks_nothing_seen() {
    let (tx, mut rx) = watch::channel(0);
    let waiter = spawn(async move {
        let first = rx.changed().await;
        (first, rx)
    });
    settle().await;
    waiter.cancel();
    let (first, rx) = bounded("cancelled", waiter).await.unwrap();
    assert!(first.unwrap_err().is_cancelled());
    assert!(!rx.has_changed().unwrap());
    tx.send(1).unwrap();
    assert!(rx.has_changed().unwrap());
}

#[oneloop::test]
async fn a_receiver_cancelled_after_its_wake_up_still_sees_the_change_later() {
    let (tx, rx) = watch::channel(0);
    let mut witness = rx.clone();
    let mut rx = rx;
    let waiter = spawn(async move {
        let first = rx.changed().await;
        (first, rx)
    });
    let other = spawn(async move { witness.changed().await.map(|()| *witness.borrow()) });
    settle().await;
    tx.send(5).unwrap(); // wakes both
    waiter.cancel(); // delivered before the woken changed() looks at the version
    let (first, mut rx) = bounded("cancelled", waiter).await.unwrap();
    assert!(first.unwrap_err().is_cancelled());
    assert_eq!(bounded("witness", other).await.unwrap().unwrap(), 5);
    assert!(rx.has_changed().unwrap(), "the change is still unseen");
    rx.changed().await.unwrap();
    assert_eq!(*rx.borrow(), 5);
}

#[oneloop::test]
async fn the_last_sender_going_ends_the_waits() {
    let (tx, mut rx) = watch::channel(());
    let tx2 = tx.clone();
    assert_eq!(tx.sender_count(), 2);
    let waiter = spawn(async move { rx.changed().await });
    settle().await;
    drop(tx);
    settle().await;
    assert!(!waiter.is_finished(), "a sender is still alive");
    drop(tx2);
    let err = bounded("waiter", waiter).await.unwrap().unwrap_err();
    assert!(!err.is_cancelled());
}

#[oneloop::test]
async fn wait_for_checks_the_current_value_then_each_change() {
    let (tx, mut rx) = watch::channel(3);
    assert_eq!(*rx.wait_for(|n| *n == 3).await.unwrap(), 3);
    let sender = spawn(async move {
        for n in 4..10 {
            tx.send(n).unwrap();
            yield_now().await.unwrap();
        }
    });
    let seen = *rx.wait_for(|n| n % 7 == 0).await.unwrap();
    assert_eq!(seen, 7);
    bounded("sender", sender).await.unwrap();
    // Closed with a final value that does not match: an error.
    assert!(rx.wait_for(|n| *n == 100).await.is_err());
}

#[oneloop::test]
async fn wait_for_cancelled_is_an_error_with_is_cancelled() {
    let (tx, mut rx) = watch::channel(0);
    let waiter = spawn(async move { rx.wait_for(|n| *n > 10).await.map(|v| *v) });
    settle().await;
    tx.send(1).unwrap();
    settle().await;
    waiter.cancel();
    let err = bounded("waiter", waiter).await.unwrap().unwrap_err();
    assert!(err.is_cancelled());
}

#[oneloop::test]
async fn sender_closed_waits_for_the_last_receiver() {
    let (tx, rx) = watch::channel(0);
    let rx2 = rx.clone();
    let tx = Rc::new(tx);
    let t = Rc::clone(&tx);
    let closer = spawn(async move { t.closed().await });
    settle().await;
    drop(rx);
    settle().await;
    assert!(!closer.is_finished(), "rx2 is alive");
    assert!(!tx.is_closed());
    drop(rx2);
    bounded("closer", closer).await.unwrap().unwrap();
    assert!(tx.is_closed());
    assert_eq!(tx.send(1).unwrap_err().0, 1, "nobody to send to");
    tx.send_modify(|n| *n = 2); // always allowed
    assert_eq!(*tx.borrow(), 2);
    // A new subscriber opens it again.
    let rx3 = tx.subscribe();
    assert_eq!(tx.receiver_count(), 1);
    assert!(!rx3.has_changed().unwrap());
}

#[oneloop::test]
async fn sender_closed_is_a_cancellation_point() {
    let (tx, _rx) = watch::channel(0);
    let closer = spawn(async move { tx.closed().await });
    settle().await;
    closer.cancel();
    assert!(bounded("closer", closer).await.unwrap().is_err());
}

#[test]
fn mark_changed_and_unchanged() {
    let (tx, mut rx) = watch::channel(0);
    rx.mark_changed();
    assert!(rx.has_changed().unwrap());
    assert!(rx.borrow().has_changed());
    rx.mark_unchanged();
    assert!(!rx.has_changed().unwrap());
    tx.send(1).unwrap();
    assert!(rx.borrow_and_update().has_changed());
    assert!(!rx.borrow().has_changed());
    assert_eq!(tx.send_replace(2), 1);
    assert!(!tx.send_if_modified(|_| false));
    assert!(rx.has_changed().unwrap());
}
