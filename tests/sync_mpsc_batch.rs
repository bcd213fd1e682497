//! `mpsc` additions: `Sender::reserve` (a slot reserved in the senders' FIFO queue, passed
//! on if the reservation is cancelled or dropped, freed if the permit is dropped unused) and
//! `recv_many` (a batch per wake-up, cancellation takes nothing). Slots counted before and after.

use std::cell::RefCell;
use std::rc::Rc;

use oneloop::sync::mpsc;
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
async fn reservations_are_served_in_order_with_the_waiting_sends() {
    let (tx, mut rx) = mpsc::channel(1);
    let tx = Rc::new(tx);
    tx.send(0).await.unwrap(); // full
    let log = Rc::new(RefCell::new(Vec::new()));
    let tasks: Vec<_> = (1..=4)
        .map(|i| {
            let (tx, log) = (Rc::clone(&tx), Rc::clone(&log));
            spawn(async move {
                if i % 2 == 0 {
                    tx.send(i).await.unwrap();
                } else {
                    let permit = tx.reserve().await.unwrap();
                    permit.send(i);
                }
                log.borrow_mut().push(i);
            })
        })
        .collect();
    settle().await;
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(bounded("recv", rx.recv()).await.unwrap().unwrap());
    }
    for task in tasks {
        bounded("a sender", task).await.unwrap();
    }
    assert_eq!(got, [0, 1, 2, 3, 4]);
    assert_eq!(*log.borrow(), [1, 2, 3, 4]);
    assert_eq!(tx.capacity(), 1);
}

#[oneloop::test]
async fn an_unused_permit_frees_its_slot() {
    let (tx, _rx) = mpsc::channel::<u8>(2);
    let permit = tx.reserve().await.unwrap();
    assert_eq!(tx.capacity(), 1);
    drop(permit);
    assert_eq!(tx.capacity(), 2);
}

#[oneloop::test]
async fn a_reservation_cancelled_after_the_grant_passes_the_slot_on() {
    let (tx, mut rx) = mpsc::channel(1);
    let tx = Rc::new(tx);
    tx.send(0).await.unwrap();
    let t = Rc::clone(&tx);
    let first = spawn(async move {
        t.reserve()
            .await
            .map(|p| p.send(1))
            .map_err(|e| e.is_cancelled())
    });
    let t = Rc::clone(&tx);
    let second = spawn(async move { t.send(2).await.is_ok() });
    settle().await;
    assert_eq!(rx.recv().await.unwrap(), Some(0)); // frees the slot: granted to `first`
    first.cancel(); // delivered before it takes the grant
    assert_eq!(bounded("first", first).await.unwrap(), Err(true));
    assert!(bounded("second", second).await.unwrap());
    assert_eq!(rx.recv().await.unwrap(), Some(2));
    assert_eq!(tx.capacity(), 1);
}

#[oneloop::test]
async fn reserve_fails_once_the_receiver_is_gone() {
    let (tx, rx) = mpsc::channel::<u8>(1);
    tx.send(0).await.unwrap();
    let tx = Rc::new(tx);
    let t = Rc::clone(&tx);
    let waiting = spawn(async move { t.reserve().await.map(drop).map_err(|e| e.is_cancelled()) });
    settle().await;
    drop(rx);
    assert_eq!(bounded("waiting", waiting).await.unwrap(), Err(false));
    assert!(tx.reserve().await.is_err());
}

#[oneloop::test]
async fn recv_many_takes_a_batch_per_wake_up_up_to_the_limit() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut batch = Vec::new();
    assert_eq!(rx.recv_many(&mut batch, 0).await, Ok(0));
    let reader = spawn(async move {
        let mut batches = Vec::new();
        loop {
            let mut batch = Vec::new();
            match rx.recv_many(&mut batch, 3).await.unwrap() {
                0 => return batches,
                n => {
                    assert_eq!(n, batch.len());
                    batches.push(batch);
                }
            }
        }
    });
    settle().await;
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    settle().await;
    tx.send(5).unwrap();
    drop(tx);
    let batches = bounded("reader", reader).await.unwrap();
    assert_eq!(batches, [vec![0, 1, 2], vec![3, 4], vec![5]]);
}

#[oneloop::test]
async fn recv_many_frees_the_bounded_slots_it_takes() {
    let (tx, mut rx) = mpsc::channel(4);
    for i in 0..4 {
        tx.send(i).await.unwrap();
    }
    assert_eq!(tx.capacity(), 0);
    let mut batch = Vec::new();
    assert_eq!(rx.recv_many(&mut batch, 10).await, Ok(4));
    assert_eq!(tx.capacity(), 4);
}

#[oneloop::test]
async fn a_cancelled_recv_many_takes_nothing() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    let reader = spawn(async move {
        let mut batch = Vec::new();
        let first = rx.recv_many(&mut batch, 8).await;
        (first, rx)
    });
    settle().await;
    reader.cancel();
    let (first, mut rx) = bounded("reader", reader).await.unwrap();
    assert_eq!(first, Err(Cancelled));
    tx.send(1).unwrap();
    let mut batch = Vec::new();
    assert_eq!(rx.recv_many(&mut batch, 8).await, Ok(1));
}
