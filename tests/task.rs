//! Tasks and the one rule of cancellation: where a `cancel()` request is delivered, how
//! often, what `cancelling`/`uncancel`/`shield` do, `abort`, panics, and the `JoinHandle`.
//!
//! Every test runs its loop on a bounded thread (`testkit::run`), so a hang fails the test.

use std::cell::{Cell, RefCell};
use std::future::{pending, poll_fn};
use std::rc::Rc;
use std::task::{Poll, Waker};

use oneloop::task::{self, yield_now};
use oneloop::time::{sleep, timeout, Duration, Instant};
use oneloop::{runtime, spawn, Cancelled};
use testkit::{bounded, Counts, DropCounter};

/// Long enough that a sleep which should be interrupted never ends on its own within the
/// test's limit, so a missed delivery shows as a timeout, not as a pass.
const FOREVER: Duration = Duration::from_secs(3600);

// ---------------------------------------------------------------------------------------
// Cancellation
// ---------------------------------------------------------------------------------------

#[test]
fn cancel_delivered_at_next_sleep() {
    testkit::run(|| async {
        let counts = Counts::new();
        let after = Rc::new(Cell::new(false));
        let a = Rc::clone(&after);
        let handle = spawn(counts.wrap(async move {
            let res = sleep(FOREVER).await;
            a.set(true);
            (res, task::cancelling())
        }));
        yield_now().await.unwrap(); // it runs once and parks in its sleep
        assert_eq!(counts.polls(), 1);
        assert_eq!(runtime::stats().timers_pending, 1);
        assert!(!after.get());

        assert!(handle.cancel());
        let (res, cancelling) = bounded("cancelled sleeper", handle).await.unwrap();
        assert_eq!(res, Err(Cancelled));
        assert_eq!(cancelling, 1);
        assert!(
            after.get(),
            "the task goes on after the sleep that delivered the cancel"
        );
        // One poll to park, one poll to deliver: the cancel woke it, nothing else did.
        assert_eq!(counts.polls(), 2);
        assert_eq!(counts.drops(), 1);
        // The interrupted sleep gave its timer back.
        assert_eq!(runtime::stats().timers_pending, 0);
    });
}

#[test]
fn cancel_delivered_at_yield_now() {
    testkit::run(|| async {
        let iterations = Rc::new(Cell::new(0u32));
        let it = Rc::clone(&iterations);
        let handle = spawn(async move {
            loop {
                it.set(it.get() + 1);
                if let Err(e) = yield_now().await {
                    return (e, it.get());
                }
            }
        });
        for _ in 0..3 {
            yield_now().await.unwrap();
        }
        let at_cancel = iterations.get();
        assert!(at_cancel >= 1);
        assert!(handle.cancel());
        let (err, at_delivery) = bounded("yielding task", handle).await.unwrap();
        assert_eq!(err, Cancelled);
        // Delivered at the yield it was suspended in or the very next one, not later.
        assert!(
            at_delivery <= at_cancel + 1,
            "cancelled during yield #{at_cancel}, delivered at yield #{at_delivery}"
        );
    });
}

#[test]
fn cancel_delivered_by_the_yield_now_the_task_is_suspended_in() {
    // asyncio throws the CancelledError in at the await the task is suspended in, and a
    // oneloop `sleep` does the same (see above); `yield_now` must behave alike.
    testkit::run(|| async {
        let iterations = Rc::new(Cell::new(0u32));
        let it = Rc::clone(&iterations);
        let handle = spawn(async move {
            loop {
                it.set(it.get() + 1);
                if let Err(e) = yield_now().await {
                    return (e, it.get());
                }
            }
        });
        for _ in 0..3 {
            yield_now().await.unwrap();
        }
        let at_cancel = iterations.get();
        assert!(handle.cancel());
        let (_, at_delivery) = bounded("yielding task", handle).await.unwrap();
        assert_eq!(
            at_delivery, at_cancel,
            "suspended in yield #{at_cancel} when cancelled, but that yield returned Ok"
        );
    });
}

#[test]
fn cancelled_task_catches_it_and_finishes_normally() {
    testkit::run(|| async {
        let handle = spawn(async {
            let first = sleep(FOREVER).await;
            assert_eq!(first, Err(Cancelled));
            assert_eq!(task::cancelling(), 1);
            // Cleanup may await; with no new request, it is not interrupted.
            let start = Instant::now();
            sleep(Duration::from_millis(5)).await.unwrap();
            assert!(start.elapsed() >= Duration::from_millis(5));
            yield_now().await.unwrap();
            "cleaned up"
        });
        yield_now().await.unwrap();
        assert!(handle.cancel());
        assert_eq!(
            bounded("catching task", handle).await.unwrap(),
            "cleaned up"
        );
    });
}

#[test]
fn cancel_during_cleanup_delivered_at_cleanup_await() {
    testkit::run(|| async {
        let in_cleanup = Rc::new(Cell::new(false));
        let flag = Rc::clone(&in_cleanup);
        let handle = spawn(async move {
            let first = sleep(FOREVER).await;
            flag.set(true);
            let cleanup_start = Instant::now();
            let second = sleep(FOREVER).await; // the second request must land here
            (first, second, task::cancelling(), cleanup_start.elapsed())
        });
        yield_now().await.unwrap();
        assert!(handle.cancel());
        bounded("reaching cleanup", async {
            while !in_cleanup.get() {
                yield_now().await.unwrap();
            }
        })
        .await;
        assert!(!handle.is_finished());
        assert!(handle.cancel(), "the task is alive in its cleanup");
        let (first, second, cancelling, _) = bounded("cleanup", handle).await.unwrap();
        assert_eq!(first, Err(Cancelled));
        assert_eq!(second, Err(Cancelled));
        assert_eq!(cancelling, 2);
    });
}

#[test]
fn cancel_twice_before_delivery_is_delivered_twice() {
    testkit::run(|| async {
        let handle = spawn(async {
            let first = sleep(FOREVER).await;
            let c1 = task::cancelling();
            let second = sleep(FOREVER).await;
            let c2 = task::cancelling();
            // Only two requests: the third await is not interrupted.
            let third = sleep(Duration::from_millis(1)).await;
            (first, second, third, c1, c2)
        });
        yield_now().await.unwrap();
        assert!(handle.cancel());
        assert!(handle.cancel());
        let (first, second, third, c1, c2) = bounded("twice-cancelled", handle).await.unwrap();
        assert_eq!(first, Err(Cancelled));
        assert_eq!(second, Err(Cancelled));
        assert_eq!(third, Ok(()));
        assert_eq!((c1, c2), (2, 2));
    });
}

#[test]
fn uncancel_decrements_the_count() {
    testkit::run(|| async {
        let handle = spawn(async {
            let first = sleep(FOREVER).await;
            let left = task::uncancel();
            // One request remains, and it was never delivered: it still is.
            let second = sleep(FOREVER).await;
            let cancelling = task::cancelling();
            let left_after = task::uncancel();
            let third = sleep(Duration::from_millis(1)).await;
            (first, left, second, cancelling, left_after, third)
        });
        yield_now().await.unwrap();
        handle.cancel();
        handle.cancel();
        let out = bounded("uncancelling task", handle).await.unwrap();
        assert_eq!(out, (Err(Cancelled), 1, Err(Cancelled), 1, 0, Ok(())));
    });
}

#[test]
fn uncancel_to_zero_withdraws_undelivered_requests() {
    testkit::run(|| async {
        let handle = spawn(async {
            let first = sleep(FOREVER).await;
            let a = task::uncancel();
            let b = task::uncancel();
            let c = task::cancelling();
            // The second request was never delivered, and it has been taken back.
            let start = Instant::now();
            let next = sleep(Duration::from_millis(5)).await;
            let yielded = yield_now().await;
            (first, a, b, c, next, yielded, start.elapsed())
        });
        yield_now().await.unwrap();
        handle.cancel();
        handle.cancel();
        let (first, a, b, c, next, yielded, slept) =
            bounded("uncancelling task", handle).await.unwrap();
        assert_eq!(first, Err(Cancelled));
        assert_eq!((a, b, c), (1, 0, 0));
        assert_eq!(next, Ok(()));
        assert_eq!(yielded, Ok(()));
        assert!(slept >= Duration::from_millis(5));
    });
    // A task with no requests has nothing to take back.
    let left = testkit::run(|| async { task::uncancel() });
    assert_eq!(left, 0, "the root future has no requests");
}

#[test]
fn shield_holds_the_request_until_the_next_await_after_it() {
    testkit::run(|| async {
        let handle = spawn(async {
            let start = Instant::now();
            let inner = task::shield(async {
                let r1 = sleep(Duration::from_millis(30)).await;
                let r2 = yield_now().await;
                (r1, r2, task::cancelling())
            })
            .await;
            let shielded_for = start.elapsed();
            let after = sleep(FOREVER).await;
            (inner, shielded_for, after, task::cancelling())
        });
        sleep(Duration::from_millis(5)).await.unwrap();
        assert!(handle.cancel());
        let ((r1, r2, inside), shielded_for, after, cancelling) =
            bounded("shielded task", handle).await.unwrap();
        assert_eq!(r1, Ok(()), "not delivered inside the shield");
        assert_eq!(r2, Ok(()), "not delivered inside the shield");
        assert_eq!(inside, 1, "but it is counted");
        assert!(
            shielded_for >= Duration::from_millis(30),
            "the inner sleep ran to its end"
        );
        assert_eq!(
            after,
            Err(Cancelled),
            "delivered at the first await after the shield"
        );
        assert_eq!(cancelling, 1);
    });
}

#[test]
fn cancelled_before_first_poll_never_runs() {
    testkit::run(|| async {
        let counts = Counts::new();
        let ran = Rc::new(Cell::new(false));
        let r = Rc::clone(&ran);
        let handle = spawn(counts.wrap(async move {
            r.set(true);
            5
        }));
        assert!(handle.cancel());
        let err = bounded("never-run task", handle).await.unwrap_err();
        assert!(err.is_cancelled());
        assert!(!err.is_panic());
        assert!(!ran.get(), "the body never ran");
        assert_eq!(counts.polls(), 0);
        assert_eq!(counts.drops(), 1);
    });
}

#[test]
fn cancel_on_a_finished_task_returns_false() {
    testkit::run(|| async {
        let handle = spawn(async { 5 });
        yield_now().await.unwrap();
        assert!(handle.is_finished());
        assert!(!handle.cancel());
        assert!(!handle.cancel());
        // The refused requests changed nothing: the output is still there.
        assert_eq!(handle.await.unwrap(), 5);
    });
}

#[test]
fn abort_drops_the_future_without_running_more_of_it() {
    testkit::run(|| async {
        let counts = Counts::new();
        let (guard, dropped) = DropCounter::new();
        let after = Rc::new(Cell::new(false));
        let a = Rc::clone(&after);
        let handle = spawn(counts.wrap(async move {
            let _guard = guard;
            let _ = sleep(FOREVER).await;
            a.set(true);
        }));
        yield_now().await.unwrap();
        assert_eq!(counts.polls(), 1);
        assert_eq!(dropped.get(), 0);
        handle.abort();
        let err = bounded("aborted task", handle).await.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(
            dropped.get(),
            1,
            "the future's state was destroyed exactly once"
        );
        assert_eq!(counts.drops(), 1);
        assert_eq!(counts.polls(), 1, "abort does not poll the future again");
        assert!(!after.get(), "no code after the await ran");
        assert_eq!(
            runtime::stats().timers_pending,
            0,
            "its sleep's timer went with it"
        );
    });
}

#[test]
fn abort_of_a_task_blocked_in_pending() {
    testkit::run(|| async {
        let (guard, dropped) = DropCounter::new();
        let handle = spawn(async move {
            let _guard = guard;
            pending::<()>().await;
        });
        yield_now().await.unwrap();
        assert!(!handle.is_finished());
        handle.abort();
        let err = bounded("aborted pending task", handle).await.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(dropped.get(), 1);
    });
}

#[test]
fn cancel_inside_timeout_is_delivered_by_the_inner_sleep() {
    testkit::run(|| async {
        let handle = spawn(async {
            let start = Instant::now();
            let res = timeout(FOREVER, sleep(FOREVER)).await;
            (res, start.elapsed())
        });
        yield_now().await.unwrap();
        assert!(handle.cancel());
        let (res, _) = bounded("task in timeout", handle).await.unwrap();
        assert_eq!(res, Ok(Err(Cancelled)));
        assert_eq!(runtime::stats().timers_pending, 0, "both timers are gone");
    });
}

// ---------------------------------------------------------------------------------------
// Poll and drop counters
// ---------------------------------------------------------------------------------------

#[test]
fn task_awaiting_one_sleep_is_polled_twice_and_dropped_once() {
    testkit::run(|| async {
        let counts = Counts::new();
        let handle = spawn(counts.wrap(async {
            sleep(Duration::from_millis(5)).await.unwrap();
            9
        }));
        assert_eq!(counts.polls(), 0, "spawning does not poll");
        assert_eq!(bounded("sleeper", handle).await.unwrap(), 9);
        assert_eq!(counts.polls(), 2);
        assert_eq!(counts.drops(), 1);
    });
}

#[test]
fn task_woken_many_times_is_queued_once() {
    testkit::run(|| async {
        let counts = Counts::new();
        let waker: Rc<RefCell<Option<Waker>>> = Rc::default();
        let done = Rc::new(Cell::new(false));
        let (w, d) = (Rc::clone(&waker), Rc::clone(&done));
        let handle = spawn(counts.wrap(poll_fn(move |cx| {
            *w.borrow_mut() = Some(cx.waker().clone());
            if d.get() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })));
        yield_now().await.unwrap();
        assert_eq!(counts.polls(), 1);

        let polls_before = runtime::stats().polls;
        let stored = waker.borrow().clone().expect("the task stored its waker");
        for _ in 0..1000 {
            stored.wake_by_ref();
        }
        yield_now().await.unwrap();
        assert_eq!(counts.polls(), 2, "a thousand wakes, one poll");
        // This task and that one, once each (plus nothing else).
        assert_eq!(runtime::stats().polls - polls_before, 2);

        // And once more, now to finish it.
        done.set(true);
        for _ in 0..1000 {
            stored.wake_by_ref();
        }
        bounded("woken task", handle).await.unwrap();
        assert_eq!(counts.polls(), 3);
        assert_eq!(counts.drops(), 1);
    });
}

#[test]
fn hundred_thousand_tasks_spawned_and_joined() {
    const N: u64 = 100_000;
    testkit::run(|| async {
        let before = runtime::stats();
        let handles: Vec<_> = (0..N)
            .map(|i| {
                spawn(async move {
                    if i % 2 == 0 {
                        yield_now().await.unwrap();
                    }
                    i * 2
                })
            })
            .collect();
        assert_eq!(runtime::stats().spawned - before.spawned, N);
        let mut sum = 0;
        for (i, handle) in handles.into_iter().enumerate() {
            let out = handle.await.unwrap();
            assert_eq!(out, i as u64 * 2);
            sum += out;
        }
        assert_eq!(sum, N * (N - 1));
        let after = runtime::stats();
        assert_eq!(after.finished - before.finished, N);
        assert_eq!(after.live_tasks, 1, "only the root is left");
    });
}

#[test]
fn new_tasks_first_run_in_spawn_order() {
    testkit::run(|| async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let log = Rc::clone(&log);
                spawn(async move { log.borrow_mut().push(i) })
            })
            .collect();
        assert!(log.borrow().is_empty(), "spawn does not run the task");
        yield_now().await.unwrap();
        assert_eq!(*log.borrow(), (0..10).collect::<Vec<_>>());
        for h in handles {
            h.await.unwrap();
        }
    });
}

// ---------------------------------------------------------------------------------------
// Panics
// ---------------------------------------------------------------------------------------

#[test]
fn panicking_task_gives_join_error_and_the_loop_goes_on() {
    testkit::run(|| async {
        let ticks = Rc::new(Cell::new(0u32));
        let t = Rc::clone(&ticks);
        let ticker = spawn(async move {
            for _ in 0..10 {
                sleep(Duration::from_millis(1)).await.unwrap();
                t.set(t.get() + 1);
            }
        });
        let bomb = spawn(async {
            yield_now().await.unwrap();
            if true {
                panic!("boom {}", std::hint::black_box(7));
            }
            1u8
        });
        let id = bomb.id();
        let err = bounded("panicking task", bomb).await.unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert_eq!(err.id(), id);
        assert!(err.to_string().contains("panicked"), "{err}");
        let payload = err.into_panic();
        // A formatted message is a `String` payload (a constant one would be a `&str`).
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some("boom 7")
        );
        let err = bounded("str panic", spawn(async { panic!("plain") }))
            .await
            .unwrap_err();
        assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"plain"));
        let ticks_at_panic = ticks.get();
        // The loop and the other task go on.
        bounded("ticker", ticker).await.unwrap();
        assert_eq!(ticks.get(), 10);
        assert!(ticks_at_panic < 10);
        assert_eq!(spawn(async { 3 }).await.unwrap(), 3);
    });
}

#[test]
fn panicking_detached_task_does_not_break_the_loop() {
    testkit::run(|| async {
        let before = runtime::stats();
        drop(spawn(async {
            yield_now().await.unwrap();
            panic!("detached boom");
        }));
        let survivor = spawn(async {
            for _ in 0..3 {
                yield_now().await.unwrap();
                sleep(Duration::from_millis(1)).await.unwrap();
            }
            "alive"
        });
        assert_eq!(bounded("survivor", survivor).await.unwrap(), "alive");
        let after = runtime::stats();
        assert_eq!(after.finished - before.finished, 2);
        assert_eq!(after.live_tasks, 1);
    });
}

// ---------------------------------------------------------------------------------------
// JoinHandle
// ---------------------------------------------------------------------------------------

#[test]
fn join_handle_debug_shows_id_name_and_state() {
    testkit::run(|| async {
        let named = task::Builder::new().name("spin").spawn(async {
            let _ = sleep(Duration::from_millis(1)).await;
        });
        let unnamed = spawn(async {});
        assert_eq!(
            format!("{named:?}"),
            r#"Task { id: 2, name: "spin", state: Pending }"#
        );
        assert_eq!(format!("{unnamed:?}"), "Task { id: 3, state: Pending }");
        yield_now().await.unwrap();
        assert_eq!(format!("{unnamed:?}"), "Task { id: 3, state: Finished }");
        named.await.unwrap();
        unnamed.await.unwrap();
    });
}

#[test]
fn join_handle_reports_id_name_and_is_finished() {
    testkit::run(|| async {
        // `alpha` waits for `go`, not for a clock: however slow the machine (valgrind), it
        // is still waiting at the assertion below.
        let (go, wait) = oneloop::sync::oneshot::channel::<()>();
        let a = task::Builder::new().name("alpha").spawn(async move {
            wait.await.unwrap();
        });
        let b = spawn(async {});
        let c = task::Builder::new().name("gamma").spawn(async {});
        assert!(a.id() < b.id() && b.id() < c.id(), "ids follow spawn order");
        assert_eq!(
            b.id().to_string(),
            (a.id().to_string().parse::<u64>().unwrap() + 1).to_string()
        );
        assert_eq!(a.name(), Some("alpha"));
        assert_eq!(b.name(), None);
        assert_eq!(c.name(), Some("gamma"));
        assert!(!a.is_finished() && !b.is_finished() && !c.is_finished());
        yield_now().await.unwrap();
        assert!(!a.is_finished(), "still waiting");
        assert!(b.is_finished() && c.is_finished());
        let a_id = a.id();
        let info = runtime::tasks();
        assert!(info.iter().any(|t| t.id == a_id));
        go.send(()).unwrap();
        bounded("alpha", a).await.unwrap();
        b.await.unwrap();
        c.await.unwrap();
    });
}

#[test]
fn dropped_join_handle_detaches_the_task() {
    testkit::run(|| async {
        let done = Rc::new(Cell::new(false));
        let d = Rc::clone(&done);
        let (guard, dropped) = DropCounter::new();
        let handle = spawn(async move {
            let _guard = guard;
            sleep(Duration::from_millis(5)).await.unwrap();
            yield_now().await.unwrap();
            d.set(true);
        });
        yield_now().await.unwrap();
        drop(handle);
        assert!(!done.get());
        bounded("detached task", async {
            while !done.get() {
                sleep(Duration::from_millis(1)).await.unwrap();
            }
        })
        .await;
        yield_now().await.unwrap();
        assert_eq!(dropped.get(), 1, "its future was dropped once it finished");
        assert_eq!(runtime::stats().live_tasks, 1);
    });
}

#[test]
fn spawn_local_is_spawn() {
    testkit::run(|| async {
        let shared = Rc::new(21);
        let s = Rc::clone(&shared);
        let h = task::spawn_local(async move { *s * 2 });
        assert_eq!(h.await.unwrap(), 42);
    });
}

/// Panics when dropped: a destructor that fails.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("destructor failed");
    }
}

#[test]
fn a_destructor_that_panics_during_abort_becomes_the_join_error() {
    testkit::run(|| async {
        let victim = spawn(async {
            let _guard = PanicOnDrop;
            pending::<()>().await;
        });
        yield_now().await.unwrap();
        victim.abort();
        let err = victim.await.unwrap_err();
        assert!(err.is_panic(), "{err:?}");
        // The loop goes on, and nothing is left behind.
        assert_eq!(spawn(async { 7 }).await.unwrap(), 7);
        assert_eq!(runtime::tasks().len(), 1, "only the root is left");
    });
}

/// A panic payload whose own destructor panics.
struct PayloadThatPanicsOnDrop;

impl Drop for PayloadThatPanicsOnDrop {
    fn drop(&mut self) {
        panic!("payload destructor failed");
    }
}

#[test]
fn a_panic_payload_whose_destructor_panics_stays_inside_the_loop() {
    testkit::run(|| async {
        // Detached: the loop drops the payload itself.
        drop(spawn(async {
            std::panic::panic_any(PayloadThatPanicsOnDrop);
        }));
        // Joined: the owner gets the payload as the JoinError (and drops it at its peril).
        let joined = spawn(async {
            std::panic::panic_any(PayloadThatPanicsOnDrop);
        });
        // A hand-written future whose poll panics with such a payload and whose own
        // destructor panics too: the loop drops the future, then the first payload.
        drop(spawn(PanicsTwice));
        for _ in 0..3 {
            yield_now().await.unwrap();
        }
        let err = joined.await.unwrap_err();
        assert!(err.is_panic());
        std::mem::forget(err);
        assert_eq!(spawn(async { 7 }).await.unwrap(), 7);
        assert_eq!(runtime::tasks().len(), 1, "only the root is left");
    });
}

/// Its poll panics with a payload whose destructor panics; its own destructor panics too.
struct PanicsTwice;

impl std::future::Future for PanicsTwice {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> Poll<()> {
        std::panic::panic_any(PayloadThatPanicsOnDrop)
    }
}

impl Drop for PanicsTwice {
    fn drop(&mut self) {
        panic!("future destructor failed");
    }
}

/// `WasCancelled::was_cancelled` gives one answer for the two shapes of a cancelled join result,
/// and says "no" for a task that caught its `Cancelled` and finished.
#[test]
fn was_cancelled_answers_for_every_way_a_task_ends() {
    use oneloop::task::WasCancelled;
    let answers = testkit::run(|| async {
        let long = || oneloop::time::sleep(std::time::Duration::from_secs(60));
        let never_ran = oneloop::spawn(long());
        never_ran.cancel();
        let aborted = oneloop::spawn(long());
        let let_through = oneloop::spawn(long());
        let caught = oneloop::spawn(async move { long().await.is_err() });
        let io = oneloop::spawn(async move {
            long().await?;
            Ok::<(), std::io::Error>(())
        });
        oneloop::task::yield_now().await.unwrap();
        aborted.abort();
        let_through.cancel();
        caught.cancel();
        io.cancel();
        let caught = caught.await;
        assert_eq!(caught.as_ref().ok(), Some(&true), "it saw the Cancelled");
        [
            never_ran.await.was_cancelled(),
            aborted.await.was_cancelled(),
            let_through.await.was_cancelled(),
            io.await.was_cancelled(),
            caught.map(|_| ()).was_cancelled(),
        ]
    });
    assert_eq!(answers, [true, true, true, true, false]);
}
