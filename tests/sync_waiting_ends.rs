//! The smaller tokio shapes added to existing primitives: `oneshot::Sender::closed`,
//! `Notified::enable`, and `Mutex::lock_owned` with `OwnedMutexGuard`; each with the
//! cancellation rule and, where something is granted, its passing on.

use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;

use oneloop::sync::{oneshot, Mutex, Notify};
use oneloop::task::yield_now;

use oneloop::{spawn, Cancelled};
use testkit::bounded;

/// Lets every ready task run until it waits (a few turns of the loop).
async fn settle() {
    for _ in 0..3 {
        yield_now().await.unwrap();
    }
}

#[oneloop::test]
async fn oneshot_closed_returns_when_the_receiver_closes_or_goes() {
    let (mut tx, mut rx) = oneshot::channel::<u8>();
    let waiter = spawn(async move {
        let closed = tx.closed().await;
        (closed, tx.is_closed())
    });
    settle().await;
    assert!(!waiter.is_finished());
    rx.close();
    assert_eq!(bounded("closed", waiter).await.unwrap(), (Ok(()), true));

    let (mut tx, rx) = oneshot::channel::<u8>();
    let waiter = spawn(async move { tx.closed().await });
    settle().await;
    drop(rx);
    assert_eq!(bounded("dropped", waiter).await.unwrap(), Ok(()));
}

#[oneloop::test]
async fn oneshot_closed_is_a_cancellation_point() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let waiter = spawn(async move {
        let first = tx.closed().await;
        (first, tx)
    });
    settle().await;
    waiter.cancel();
    let (first, tx) = bounded("waiter", waiter).await.unwrap();
    assert_eq!(first, Err(Cancelled));
    tx.send(1).unwrap(); // the sender still works
    assert_eq!(rx.await.unwrap(), 1);
}

#[oneloop::test]
async fn an_enabled_notified_catches_a_notify_one_before_its_first_poll() {
    let notify = Notify::new();
    let mut notified = pin!(notify.notified());
    assert!(!notified.as_mut().enable());
    notify.notify_one(); // goes to the enabled waiter, not to a stored permit
    let later = notify.notified();
    assert!(notified.as_mut().enable(), "already notified");
    bounded("enabled", notified).await.unwrap();
    // Nothing was stored for `later`: it waits.
    let mut later = pin!(later);
    assert!(!later.as_mut().enable());
}

#[oneloop::test]
async fn enable_takes_a_stored_permit_and_a_drop_passes_it_on() {
    let notify = Notify::new();
    notify.notify_one(); // stored
    {
        let mut notified = pin!(notify.notified());
        assert!(notified.as_mut().enable()); // takes the permit
    } // dropped unpolled: the permit is stored again
    bounded("the next waiter", notify.notified()).await.unwrap();
}

#[oneloop::test]
async fn an_enabled_notified_granted_then_dropped_passes_the_notification_on() {
    let notify = Rc::new(Notify::new());
    let n = Rc::clone(&notify);
    let second = spawn(async move { n.notified().await });
    let mut first = Box::pin(notify.notified());
    assert!(!first.as_mut().enable()); // queued ahead of... nobody yet
    settle().await; // `second` queues behind
    notify.notify_one(); // granted to `first`
    drop(first);
    assert_eq!(bounded("second", second).await.unwrap(), Ok(()));
}

#[oneloop::test]
async fn lock_owned_moves_into_a_task_and_unlocks_on_drop() {
    #[allow(clippy::arc_with_non_send_sync)]
    let m = Arc::new(Mutex::new(Vec::new()));
    let mut guard = Arc::clone(&m).lock_owned().await.unwrap();
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    let mm = Arc::clone(&m);
    let waiter = spawn(async move { mm.lock().await.map(|g| g.len()) });
    settle().await;
    assert!(!waiter.is_finished());
    let holder = spawn(async move {
        guard.push(1);
        yield_now().await.unwrap();
        guard.push(2);
    });
    bounded("holder", holder).await.unwrap();
    assert_eq!(bounded("waiter", waiter).await.unwrap(), Ok(2));
    assert_eq!(format!("{m:?}"), "Mutex { data: [1, 2] }");
    assert_eq!(Arc::strong_count(&m), 1);
}

#[oneloop::test]
async fn lock_owned_cancelled_after_the_grant_passes_the_lock_on() {
    #[allow(clippy::arc_with_non_send_sync)]
    let m = Arc::new(Mutex::new(0));
    let held = Arc::clone(&m).try_lock_owned().unwrap();
    let mm = Arc::clone(&m);
    let first = spawn(async move { mm.lock_owned().await.map(|mut g| *g += 10) });
    let mm = Arc::clone(&m);
    let second = spawn(async move { mm.lock_owned().await.map(|mut g| *g += 1) });
    settle().await;
    drop(held); // granted to `first`
    first.cancel();
    assert_eq!(bounded("first", first).await.unwrap(), Err(Cancelled));
    assert_eq!(bounded("second", second).await.unwrap(), Ok(()));
    assert_eq!(*m.lock().await.unwrap(), 1);
}
