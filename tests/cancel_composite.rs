//! The cancellation rule through futures that wait on other futures: `gather`,
//! `as_completed`, a `JoinHandle`, `JoinSet::join_next`, `join!`, `select!`, `timeout`,
//! `LocalSet::run_until` and after a `shield`. A cancel request of the waiting task must
//! arrive in the next turn whatever the children are doing; the children here wait for a
//! minute or on an `Event` nobody sets, so only the cancel can end them, and every test is
//! bounded by `testkit::LIMIT` so a lost request fails instead of hanging.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use oneloop::sync::Event;
use oneloop::task::{self, yield_now, JoinSet, LocalSet};
use oneloop::time::{sleep, timeout, Duration};
use oneloop::{as_completed, gather, spawn, Cancelled};

/// A minute: longer than any test may take, so a child that ends did so by its cancel.
const FOREVER: Duration = Duration::from_secs(60);

type Log = Rc<RefCell<Vec<String>>>;

fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

/// A child that sleeps "for ever", logs how its sleep ended, and returns its name.
async fn sleeper(name: &'static str, log: Log) -> &'static str {
    match sleep(FOREVER).await {
        Ok(()) => log.borrow_mut().push(format!("{name}: slept")),
        Err(Cancelled) => log.borrow_mut().push(format!("{name}: cancelled")),
    }
    name
}

/// A child that waits on an event nobody sets.
async fn waiter(name: &'static str, event: Rc<Event>, log: Log) -> &'static str {
    match event.wait().await {
        Ok(()) => log.borrow_mut().push(format!("{name}: set")),
        Err(Cancelled) => log.borrow_mut().push(format!("{name}: cancelled")),
    }
    name
}

/// Lets spawned tasks run until they wait.
async fn settle() {
    for _ in 0..3 {
        yield_now().await.unwrap();
    }
}

fn sorted(log: &Log) -> Vec<String> {
    let mut lines = log.borrow().clone();
    lines.sort();
    lines
}

#[test]
fn gather_cancel_reaches_every_sleeping_child_at_once() {
    let (outputs, lines) = testkit::run(|| async {
        let log = log();
        let l = Rc::clone(&log);
        let parent = spawn(async move {
            gather([
                sleeper("a", Rc::clone(&l)),
                sleeper("b", Rc::clone(&l)),
                sleeper("c", l),
            ])
            .await
        });
        settle().await;
        assert!(parent.cancel());
        let outputs = parent.await.unwrap();
        (outputs, sorted(&log))
    });
    assert_eq!(
        outputs,
        ["a", "b", "c"],
        "gather completes with what the children returned"
    );
    assert_eq!(lines, ["a: cancelled", "b: cancelled", "c: cancelled"]);
}

#[test]
fn gather_cancel_reaches_children_waiting_on_an_event_nobody_sets() {
    let lines = testkit::run(|| async {
        let log = log();
        let event = Rc::new(Event::new());
        let (l, e) = (Rc::clone(&log), Rc::clone(&event));
        let parent = spawn(async move {
            gather([waiter("a", Rc::clone(&e), Rc::clone(&l)), waiter("b", e, l)]).await
        });
        settle().await;
        parent.cancel();
        assert_eq!(parent.await.unwrap(), ["a", "b"]);
        sorted(&log)
    });
    assert_eq!(lines, ["a: cancelled", "b: cancelled"]);
}

#[test]
fn gather_child_that_catches_the_cancel_sees_it_once() {
    // Each request is delivered once per child: a child that goes on after its `Cancelled`
    // sleeps undisturbed, and the parent's next await after `gather` sees nothing.
    let (outputs, after) = testkit::run(|| async {
        let parent = spawn(async {
            let outputs = gather([1u64, 2].map(|n| async move {
                let first = sleep(FOREVER).await;
                let second = sleep(Duration::from_millis(n)).await;
                (first.is_err(), second.is_ok())
            }))
            .await;
            (outputs, yield_now().await)
        });
        settle().await;
        parent.cancel();
        parent.await.unwrap()
    });
    assert_eq!(outputs, [(true, true), (true, true)]);
    assert_eq!(
        after,
        Ok(()),
        "the request was delivered, so nothing is left for later"
    );
}

#[test]
fn gather_gives_the_request_back_when_no_child_took_it() {
    // A child that finishes without reaching a cancellation point cannot take the request;
    // it is not lost: the task's next await after `gather` delivers it.
    let (outputs, after) = testkit::run(|| async {
        let parent = spawn(async {
            let mut polled = false;
            // Pending once, then ready when polled again, without any oneloop future.
            let child = poll_fn(move |cx| {
                if polled {
                    Poll::Ready(7)
                } else {
                    polled = true;
                    cx.waker().wake_by_ref(); // woken, but the loop polls it next turn
                    Poll::Pending
                }
            });
            let outputs = gather([child]).await;
            (outputs, yield_now().await)
        });
        cancel_after_start(&parent).await;
        parent.await.unwrap()
    });
    assert_eq!(outputs, [7]);
    assert_eq!(
        after,
        Err(Cancelled),
        "delivered at the first await after gather"
    );
}

/// `cancel()` once the task has been polled once (a task cancelled before its first poll
/// never runs).
async fn cancel_after_start<T: 'static>(handle: &oneloop::JoinHandle<T>) {
    while oneloop::runtime::tasks()
        .iter()
        .any(|t| t.id == handle.id() && t.polls == 0)
    {
        yield_now().await.unwrap();
    }
    handle.cancel();
}

#[test]
fn nested_gather_passes_the_cancel_down_to_every_leaf() {
    let lines = testkit::run(|| async {
        let log = log();
        let l = Rc::clone(&log);
        let parent = spawn(async move {
            let inner = |x, y, l: Log| async move {
                gather([sleeper(x, Rc::clone(&l)), sleeper(y, l)]).await;
                x
            };
            gather([inner("a", "b", Rc::clone(&l)), inner("c", "d", l)]).await
        });
        settle().await;
        parent.cancel();
        assert_eq!(parent.await.unwrap(), ["a", "c"]);
        sorted(&log)
    });
    assert_eq!(
        lines,
        [
            "a: cancelled",
            "b: cancelled",
            "c: cancelled",
            "d: cancelled"
        ]
    );
}

#[test]
fn gather_child_inside_shield_gets_its_cancel_after_the_shield() {
    let lines = testkit::run(|| async {
        let log = log();
        let event = Rc::new(Event::new());
        let (l, e) = (Rc::clone(&log), Rc::clone(&event));
        let parent = spawn(async move {
            let l2 = Rc::clone(&l);
            let shielded = async move {
                // The shield ends when the event is set; the cancel is delivered after it.
                let inside = task::shield(e.wait()).await;
                l2.borrow_mut().push(format!("shielded: inside {inside:?}"));
                let after = sleep(FOREVER).await;
                l2.borrow_mut().push(format!("shielded: after {after:?}"));
                "s"
            };
            let plain = sleeper("p", l);
            let shielded: std::pin::Pin<Box<dyn std::future::Future<Output = &str>>> =
                Box::pin(shielded);
            let plain: std::pin::Pin<Box<dyn std::future::Future<Output = &str>>> = Box::pin(plain);
            gather([shielded, plain]).await
        });
        settle().await;
        parent.cancel();
        settle().await;
        assert_eq!(
            sorted(&log),
            ["p: cancelled"],
            "the shielded child waits on"
        );
        event.set();
        assert_eq!(parent.await.unwrap(), ["s", "p"]);
        let lines = log.borrow().clone();
        lines
    });
    assert_eq!(
        lines,
        [
            "p: cancelled",
            "shielded: inside Ok(())",
            "shielded: after Err(Cancelled)"
        ]
    );
}

#[test]
fn as_completed_cancel_reaches_every_child_and_none_is_dropped_silently() {
    let (order, lines) = testkit::run(|| async {
        let log = log();
        let l = Rc::clone(&log);
        let parent = spawn(async move {
            let mut done = as_completed([
                sleeper("a", Rc::clone(&l)),
                sleeper("b", Rc::clone(&l)),
                sleeper("c", l),
            ]);
            let mut order = Vec::new();
            while let Some(name) = done.next().await {
                order.push(name);
            }
            order
        });
        settle().await;
        parent.cancel();
        let mut order = parent.await.unwrap();
        order.sort();
        (order, sorted(&log))
    });
    assert_eq!(order, ["a", "b", "c"]);
    assert_eq!(lines, ["a: cancelled", "b: cancelled", "c: cancelled"]);
}

#[test]
fn cancel_of_a_task_awaiting_a_join_handle_is_passed_on_to_the_awaited_task() {
    let (result, lines) = testkit::run(|| async {
        let log = log();
        let l = Rc::clone(&log);
        let outer = spawn(async move {
            let l2 = Rc::clone(&l);
            let inner = spawn(async move {
                let r = sleep(FOREVER).await;
                l2.borrow_mut().push(format!("inner: {r:?}"));
                r
            });
            let joined = inner.await;
            l.borrow_mut().push(format!("outer: joined {joined:?}"));
            joined
        });
        settle().await;
        outer.cancel();
        let result = outer.await.unwrap();
        let lines = log.borrow().clone();
        (result, lines)
    });
    assert_eq!(result.unwrap(), Err(Cancelled));
    assert_eq!(
        lines,
        ["inner: Err(Cancelled)", "outer: joined Ok(Err(Cancelled))"]
    );
}

#[test]
fn cancel_passed_to_a_joined_task_that_never_ends_by_itself() {
    let result = testkit::run(|| async {
        let event = Rc::new(Event::new());
        let e = Rc::clone(&event);
        let outer = spawn(async move {
            let inner = spawn(async move { e.wait().await });
            inner.await
        });
        settle().await;
        outer.cancel();
        outer.await.unwrap()
    });
    assert_eq!(result.unwrap(), Err(Cancelled));
}

#[test]
fn join_handle_of_a_finished_task_gives_its_output_and_keeps_the_request() {
    // The awaited task is already done: the join gives its output, and the request waits
    // for the next cancellation point.
    let (joined, after) = testkit::run(|| async {
        let event = Rc::new(Event::new());
        let e = Rc::clone(&event);
        let outer = spawn(async move {
            let inner = spawn(async { 5 });
            // The cancel arrives while this shield waits; the inner task finishes meanwhile.
            task::shield(e.wait()).await.unwrap();
            assert!(inner.is_finished());
            (inner.await, yield_now().await)
        });
        settle().await;
        outer.cancel();
        event.set();
        outer.await.unwrap()
    });
    assert_eq!(joined.unwrap(), 5);
    assert_eq!(after, Err(Cancelled));
}

#[test]
fn join_next_passes_the_cancel_to_every_task_of_the_set() {
    let (results, lines) = testkit::run(|| async {
        let log = log();
        let l = Rc::clone(&log);
        let outer = spawn(async move {
            let mut set = JoinSet::new();
            set.spawn(sleeper("a", Rc::clone(&l)));
            set.spawn(sleeper("b", l));
            let mut results = Vec::new();
            while let Some(joined) = set.join_next().await {
                results.push(joined.unwrap());
            }
            results.sort();
            results
        });
        settle().await;
        outer.cancel();
        (outer.await.unwrap(), sorted(&log))
    });
    assert_eq!(results, ["a", "b"]);
    assert_eq!(lines, ["a: cancelled", "b: cancelled"]);
}

#[test]
fn join_macro_delivers_the_cancel_to_every_branch() {
    let got = testkit::run(|| async {
        let event = Rc::new(Event::new());
        let e = Rc::clone(&event);
        let outer = spawn(async move { oneloop::join!(e.wait(), sleep(FOREVER)) });
        settle().await;
        outer.cancel();
        outer.await.unwrap()
    });
    // As for gather: every unfinished branch sees the cancel.
    assert_eq!(got, (Err(Cancelled), Err(Cancelled)));
}

#[test]
fn select_delivers_the_cancel_promptly() {
    let got = testkit::run(|| async {
        let event = Rc::new(Event::new());
        let e = Rc::clone(&event);
        let outer = spawn(async move {
            oneloop::select! {
                r = e.wait() => format!("event {r:?}"),
                _ = std::future::pending::<()>() => "pending".to_string(),
            }
        });
        settle().await;
        outer.cancel();
        outer.await.unwrap()
    });
    assert_eq!(got, "event Err(Cancelled)");
}

#[test]
fn timeout_delivers_the_cancel_through_its_inner_future() {
    let got = testkit::run(|| async {
        let event = Rc::new(Event::new());
        let e = Rc::clone(&event);
        let outer = spawn(async move { timeout(FOREVER, e.wait()).await });
        settle().await;
        outer.cancel();
        outer.await.unwrap()
    });
    assert_eq!(got, Ok(Err(Cancelled)));
}

#[test]
fn run_until_delivers_the_cancel_promptly() {
    let got = testkit::run(|| async {
        let outer = spawn(async {
            let local = LocalSet::new();
            local
                .run_until(async {
                    let event = Event::new();
                    event.wait().await
                })
                .await
        });
        settle().await;
        outer.cancel();
        outer.await.unwrap()
    });
    assert_eq!(got, Err(Cancelled));
}

#[test]
fn a_cancel_held_by_shield_arrives_at_the_join_after_it() {
    let (inside, joined) = testkit::run(|| async {
        let event = Rc::new(Event::new());
        let e = Rc::clone(&event);
        let outer = spawn(async move {
            let inner = spawn(sleep(FOREVER));
            let inside = task::shield(e.wait()).await;
            (inside, inner.await)
        });
        settle().await;
        outer.cancel();
        event.set();
        outer.await.unwrap()
    });
    assert_eq!(inside, Ok(()));
    assert_eq!(joined.unwrap(), Err(Cancelled));
}
