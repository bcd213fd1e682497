//! `oneloop::sync::Barrier`: one leader per round, every waiter released by it in the order
//! it arrived, rounds reusable, and the cancellation rule (a waiter cancelled or dropped
//! before the trip withdraws its arrival, so the barrier still waits for `n` live tasks).

use std::cell::RefCell;
use std::rc::Rc;

use oneloop::sync::Barrier;
use oneloop::task::{yield_now, JoinHandle};

use oneloop::{spawn, Cancelled};
use testkit::bounded;

/// Lets every ready task run until it waits (a few turns of the loop).
async fn settle() {
    for _ in 0..3 {
        yield_now().await.unwrap();
    }
}

type Log = Rc<RefCell<Vec<(usize, bool)>>>;

fn arrive(barrier: &Rc<Barrier>, log: &Log, i: usize) -> JoinHandle<()> {
    let (barrier, log) = (Rc::clone(barrier), Rc::clone(log));
    spawn(async move {
        let result = barrier.wait().await.unwrap();
        log.borrow_mut().push((i, result.is_leader()));
    })
}

#[oneloop::test]
async fn the_last_arrival_leads_and_releases_the_others_in_arrival_order() {
    let barrier = Rc::new(Barrier::new(4));
    let log: Log = Rc::default();
    let tasks: Vec<_> = (0..3).map(|i| arrive(&barrier, &log, i)).collect();
    settle().await;
    assert_eq!(barrier.waiting(), 3);
    assert!(log.borrow().is_empty(), "nobody passes before the fourth");
    let last = arrive(&barrier, &log, 3);
    for task in tasks.into_iter().chain([last]) {
        bounded("an arrival", task).await.unwrap();
    }
    assert_eq!(
        *log.borrow(),
        [(3, true), (0, false), (1, false), (2, false)]
    );
    assert_eq!(barrier.waiting(), 0);
}

#[oneloop::test]
async fn a_barrier_serves_round_after_round() {
    let barrier = Rc::new(Barrier::new(2));
    let b = Rc::clone(&barrier);
    let other = spawn(async move {
        let mut leads = 0;
        for _ in 0..5 {
            leads += b.wait().await.unwrap().is_leader() as usize;
        }
        leads
    });
    let mut leads = 0;
    for _ in 0..5 {
        leads += bounded("a round", barrier.wait())
            .await
            .unwrap()
            .is_leader() as usize;
    }
    let other_leads = bounded("other", other).await.unwrap();
    assert_eq!(leads + other_leads, 5, "one leader per round");
}

#[oneloop::test]
async fn a_waiter_cancelled_before_the_trip_withdraws_its_arrival() {
    let barrier = Rc::new(Barrier::new(2));
    let b = Rc::clone(&barrier);
    let quitter = spawn(async move { b.wait().await.map(|r| r.is_leader()) });
    settle().await;
    assert_eq!(barrier.waiting(), 1);
    quitter.cancel();
    assert_eq!(bounded("quitter", quitter).await.unwrap(), Err(Cancelled));
    assert_eq!(barrier.waiting(), 0);
    // Two live tasks are still needed.
    let log: Log = Rc::default();
    let first = arrive(&barrier, &log, 0);
    settle().await;
    assert!(log.borrow().is_empty());
    let second = arrive(&barrier, &log, 1);
    bounded("first", first).await.unwrap();
    bounded("second", second).await.unwrap();
    assert_eq!(*log.borrow(), [(1, true), (0, false)]);
}

#[oneloop::test]
async fn a_wait_dropped_inside_select_withdraws_its_arrival() {
    let barrier = Barrier::new(2);
    let left = oneloop::select! {
        _ = barrier.wait() => false,
        _ = yield_now() => true,
    };
    assert!(left);
    assert_eq!(barrier.waiting(), 0);
}

#[oneloop::test]
async fn a_waiter_cancelled_after_the_trip_gets_cancelled_and_the_round_goes_on() {
    let barrier = Rc::new(Barrier::new(3));
    let b = Rc::clone(&barrier);
    let late = spawn(async move { b.wait().await.map(|r| r.is_leader()) });
    let log: Log = Rc::default();
    let other = arrive(&barrier, &log, 1);
    settle().await;
    assert!(bounded("leader", barrier.wait()).await.unwrap().is_leader());
    late.cancel(); // released already, but not yet run: the request is delivered
    assert_eq!(bounded("late", late).await.unwrap(), Err(Cancelled));
    bounded("other", other).await.unwrap();
    assert_eq!(*log.borrow(), [(1, false)]);
    assert_eq!(barrier.waiting(), 0, "the next round starts from zero");
}
