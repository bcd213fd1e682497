//! `select!`, `join!`, `gather`, `as_completed` and `JoinSet`: order of polling and of
//! results, losers dropped, cancellation delivered to the first leaf polled, tasks of a
//! dropped `JoinSet` aborted. Drops and polls are counted, not guessed.

use std::cell::{Cell, RefCell};
use std::future::{pending, ready};
use std::rc::Rc;

use oneloop::sync::mpsc;
use oneloop::task::{yield_now, JoinSet};
use oneloop::time::{sleep, Duration};
use oneloop::{as_completed, gather, spawn, Cancelled};
use testkit::{bounded, Counts, DropCounter};

const FOREVER: Duration = Duration::from_secs(3600);

// ---- select! --------------------------------------------------------------------------

#[oneloop::test]
async fn select_losers_are_dropped_before_the_body_runs() {
    let loser = Counts::new();
    let winner = Counts::new();
    let drops_seen_in_body = oneloop::select! {
        _ = loser.wrap(pending::<()>()) => unreachable!(),
        v = winner.wrap(async { sleep(Duration::from_millis(1)).await.unwrap(); 5 }) => {
            assert_eq!(v, 5);
            loser.drops()
        }
    };
    assert_eq!(drops_seen_in_body, 1);
    assert_eq!((loser.drops(), winner.drops()), (1, 1));
}

#[oneloop::test]
async fn select_polls_branches_in_written_order() {
    let first = oneloop::select! {
        biased;
        a = ready("a") => a,
        b = ready("b") => b,
    };
    assert_eq!(first, "a");
    let second_polled = Counts::new();
    oneloop::select! {
        _ = ready(()) => (),
        _ = second_polled.wrap(ready(())) => (),
    };
    assert_eq!(second_polled.polls(), 0); // the first was ready: the second never polled
}

#[oneloop::test]
async fn select_branch_whose_pattern_does_not_match_is_disabled() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    drop(tx); // recv gives Ok(None) at once
    let got = oneloop::select! {
        Ok(Some(v)) = rx.recv() => v,
        _ = sleep(Duration::from_millis(2)) => 99,
    };
    assert_eq!(got, 99);
}

#[oneloop::test]
async fn select_precondition_and_else() {
    let skip = true;
    let got = oneloop::select! {
        v = ready(1), if !skip => v,
        v = ready(2) => v,
    };
    assert_eq!(got, 2);
    let polled = Counts::new();
    let got = oneloop::select! {
        _ = polled.wrap(ready(1)), if false => 1,
        else => 0,
    };
    assert_eq!((got, polled.polls(), polled.drops()), (0, 0, 1));
    let all_refused = oneloop::select! {
        None = ready(Some(1)) => "matched",
        else => "else",
    };
    assert_eq!(all_refused, "else");
    let top_level_mut = oneloop::select! {
        mut v = ready(1) => { v += 1; v }
    };
    assert_eq!(top_level_mut, 2);
    let only_else = oneloop::select! { else => 3 };
    assert_eq!(only_else, 3);
    oneloop::join!();
}

#[oneloop::test]
async fn select_body_break_and_continue_act_on_the_enclosing_loop() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    let mut seen = Vec::new();
    loop {
        oneloop::select! {
            Ok(Some(v)) = rx.recv() => {
                if v % 2 == 1 {
                    continue;
                }
                if v == 4 {
                    break;
                }
                seen.push(v);
            }
            _ = sleep(FOREVER) => unreachable!(),
        }
    }
    assert_eq!(seen, [0, 2]);
}

#[oneloop::test]
async fn select_task_cancelled_is_delivered_to_the_first_leaf_polled() {
    let task = spawn(async {
        oneloop::select! {
            r = sleep(FOREVER) => ("first", r),
            r = sleep(FOREVER) => ("second", r),
        }
    });
    yield_now().await.unwrap();
    task.cancel();
    assert_eq!(
        bounded("task", task).await.unwrap(),
        ("first", Err(Cancelled))
    );
}

#[oneloop::test]
async fn select_branch_awaiting_a_cancelled_task() {
    let worker = spawn(async { sleep(FOREVER).await.map(|()| "slept") });
    yield_now().await.unwrap();
    worker.cancel();
    let got = oneloop::select! {
        r = worker => r.unwrap(),
        _ = sleep(FOREVER) => unreachable!(),
    };
    assert_eq!(got, Err(Cancelled));
}

#[oneloop::test]
async fn select_cancelled_branch_refused_by_its_pattern_passes_the_cancel_on() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let task = spawn(async move {
        oneloop::select! {
            Ok(v) = rx.recv() => v,
            slept = sleep(Duration::from_secs(60)) => slept.err().map(|_| 99),
        }
    });
    yield_now().await.unwrap();
    // Delivered to recv first; its pattern refuses the error, so the request is put back
    // and the sleep branch gets it.
    task.cancel();
    assert_eq!(bounded("task", task).await.unwrap(), Some(99));
    drop(tx);
}

#[oneloop::test]
async fn a_cancel_refused_by_every_branch_reaches_the_next_await() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let task = spawn(async move {
        let picked = oneloop::select! {
            Ok(Some(v)) = rx.recv() => Some(v),
            Ok(()) = sleep(Duration::from_secs(60)) => None,
            else => None,
        };
        // The request was refused twice above; it is still pending, and delivered here.
        (
            picked,
            yield_now().await.is_err(),
            oneloop::task::cancelling(),
        )
    });
    yield_now().await.unwrap();
    task.cancel();
    assert_eq!(bounded("task", task).await.unwrap(), (None, true, 1));
    drop(tx);
}

// ---- join! ----------------------------------------------------------------------------

#[oneloop::test]
async fn join_polls_every_branch_in_written_order_and_returns_a_tuple() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let step = |name: &'static str| {
        let log = Rc::clone(&log);
        async move {
            log.borrow_mut().push(format!("{name}1"));
            yield_now().await.unwrap();
            log.borrow_mut().push(format!("{name}2"));
            name.len()
        }
    };
    let (a, bb, c) = oneloop::join!(step("a"), step("bb"), async { 7 });
    assert_eq!((a, bb, c), (1, 2, 7));
    assert_eq!(*log.borrow(), ["a1", "bb1", "a2", "bb2"]);
    let (one,) = oneloop::join!(ready(1));
    assert_eq!(one, 1);
}

// ---- gather, as_completed -------------------------------------------------------------

async fn napper(ms: u64) -> u64 {
    sleep(Duration::from_millis(ms)).await.unwrap();
    ms
}

#[oneloop::test]
async fn gather_keeps_input_order() {
    let out = bounded("gather", gather([30, 1, 20, 10].map(napper))).await;
    assert_eq!(out, [30, 1, 20, 10]);
    assert!(gather(Vec::<std::future::Ready<()>>::new())
        .await
        .is_empty());
}

#[oneloop::test]
async fn as_completed_gives_completion_order() {
    let mut done = as_completed([30, 1, 20, 10].map(napper));
    let mut order = Vec::new();
    while let Some(ms) = bounded("next", done.next()).await {
        order.push(ms);
    }
    assert_eq!(order, [1, 10, 20, 30]);
}

#[oneloop::test]
async fn as_completed_polls_only_the_children_that_were_woken() {
    let counts: Vec<Counts> = (0..100).map(|_| Counts::new()).collect();
    let notify = Rc::new(oneloop::sync::Notify::new());
    let futures = counts.iter().enumerate().map(|(i, c)| {
        let notify = Rc::clone(&notify);
        c.wrap(async move {
            if i == 0 {
                notify.notified().await.unwrap();
            } else {
                sleep(FOREVER).await.unwrap();
            }
            i
        })
    });
    let mut done = as_completed(futures);
    let tick = oneloop::select! {
        _ = done.next() => unreachable!(),
        _ = yield_now() => "every child polled once",
    };
    assert_eq!(tick, "every child polled once");
    assert!(counts.iter().all(|c| c.polls() == 1));
    notify.notify_one();
    assert_eq!(bounded("next", done.next()).await, Some(0));
    assert_eq!(counts[0].polls(), 2);
    assert!(counts[1..].iter().all(|c| c.polls() == 1)); // the sleepers were left alone
}

// ---- JoinSet --------------------------------------------------------------------------

#[oneloop::test]
async fn join_set_gives_results_in_completion_order() {
    let mut set = JoinSet::new();
    for ms in [30, 1, 20, 10] {
        set.spawn(napper(ms));
    }
    assert_eq!(set.len(), 4);
    let mut order = Vec::new();
    while let Some(result) = bounded("join_next", set.join_next()).await {
        order.push(result.unwrap());
    }
    assert_eq!(order, [1, 10, 20, 30]);
    assert!(set.is_empty());
}

#[oneloop::test]
async fn join_set_dropped_aborts_its_tasks() {
    let (guard, drops) = DropCounter::new();
    let ran_on = Rc::new(Cell::new(false));
    let mut set = JoinSet::new();
    for _ in 0..3 {
        let (guard, ran_on) = (DropCounter(Rc::clone(&drops)), Rc::clone(&ran_on));
        set.spawn(async move {
            let _guard = guard;
            let _ = sleep(Duration::from_millis(20)).await;
            ran_on.set(true); // never: aborted futures run no code after an await
        });
    }
    drop(guard);
    yield_now().await.unwrap(); // they start and sleep
    assert_eq!(drops.get(), 1);
    drop(set);
    yield_now().await.unwrap(); // the aborted tasks are dropped at their next scheduling
    assert_eq!(drops.get(), 4);
    sleep(Duration::from_millis(30)).await.unwrap();
    assert!(!ran_on.get());
}

#[oneloop::test]
async fn join_set_cancel_all_delivers_cancelled_and_abort_all_aborts() {
    let mut set = JoinSet::new();
    for _ in 0..3 {
        set.spawn(async { sleep(FOREVER).await });
    }
    yield_now().await.unwrap();
    set.cancel_all();
    for _ in 0..3 {
        let result = bounded("join_next", set.join_next()).await.unwrap();
        assert_eq!(result.unwrap(), Err(Cancelled)); // caught by the task, which returned it
    }
    assert!(set.join_next().await.is_none());
    set.spawn(async { sleep(FOREVER).await });
    set.abort_all();
    let err = bounded("join_next", set.join_next())
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.is_cancelled());
}

// ---- select as completed wake order (added by mutation testing: each test here failed under a
// mutation of the library that the rest of the suite let through) ----

mod select_as_completed_wake_order {
    // `as_completed` gives outputs in completion order, and children that become ready in the
    // same turn of the loop come out in the order they were woken (a FIFO ready list).
    //
    // tests/select.rs's `as_completed_gives_completion_order` uses sleeps of distinct lengths,
    // so no two children are ever ready at once.
    //
    // (Mutation-tested: filing woken children at the front of the ready list, LIFO, went
    // unnoticed by every existing test.)

    use oneloop::as_completed;
    use oneloop::sync::oneshot;
    use oneloop::task::yield_now;

    #[test]
    fn children_woken_in_the_same_turn_complete_in_wake_order() {
        let order = testkit::run(|| async {
            let (senders, receivers): (Vec<_>, Vec<_>) =
                (0..5).map(|_| oneshot::channel::<usize>()).unzip();
            let mut done = as_completed(
                receivers
                    .into_iter()
                    .map(|rx| async move { rx.await.expect("sent") }),
            );
            let mut senders: Vec<Option<_>> = senders.into_iter().map(Some).collect();
            oneloop::spawn(async move {
                yield_now().await.unwrap(); // every child has been polled and waits
                                            // All five sends in one go: every child is woken in this same turn.
                for i in [3, 0, 4, 1, 2] {
                    senders[i].take().unwrap().send(i).unwrap();
                }
            });
            let mut order = Vec::new();
            while let Some(i) = done.next().await {
                order.push(i);
            }
            order
        });
        assert_eq!(order, [3, 0, 4, 1, 2]);
    }
}
