//! The rest of tokio's everyday `task` and `runtime`: `AbortHandle`, `JoinSet::spawn`'s
//! `AbortHandle`, `try_join_next` and `join_all`, `runtime::Handle`, and `spawn_local`
//! inside `LocalSet::run_until` (the set owns those tasks).

use std::cell::Cell;
use std::future::pending;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use oneloop::runtime::Handle;
use oneloop::task::{self, yield_now, JoinSet, LocalSet};
use oneloop::time::{sleep, Duration};
use testkit::{run, DropCounter};

#[test]
fn abort_handle_stops_an_unfinished_task_and_drops_its_future_once() {
    let (cancelled, drops, finished) = run(|| async {
        let (guard, drops) = DropCounter::new();
        let handle = oneloop::spawn(async move {
            let _guard = guard;
            pending::<()>().await
        });
        yield_now().await.unwrap(); // it started and waits
        let stopper = handle.abort_handle();
        assert!(!stopper.is_finished());
        stopper.abort();
        let cancelled = handle.await.unwrap_err().is_cancelled();
        (cancelled, drops.get(), stopper.is_finished())
    });
    assert!(cancelled);
    assert_eq!(drops, 1);
    assert!(finished);
}

#[test]
fn abort_handle_on_a_finished_task_does_nothing() {
    let (output, id_matches) = run(|| async {
        let handle = oneloop::spawn(async { 7 });
        let stopper = handle.abort_handle();
        yield_now().await.unwrap(); // the task ran to its end
        assert!(stopper.is_finished());
        stopper.abort();
        let id_matches = stopper.id() == handle.id();
        (handle.await.unwrap(), id_matches)
    });
    assert_eq!(output, 7, "the output survives a late abort");
    assert!(id_matches);
}

#[test]
fn joinset_spawn_returns_an_abort_handle_for_that_task_only() {
    let outcomes = run(|| async {
        let mut set = JoinSet::new();
        let slow = set.spawn(async {
            sleep(Duration::from_secs(60)).await.unwrap();
            "slow"
        });
        set.spawn(async { "quick" });
        slow.abort();
        let mut outcomes = Vec::new();
        while let Some(result) = set.join_next().await {
            outcomes.push(result.map_err(|e| e.is_cancelled()));
        }
        outcomes.sort();
        outcomes
    });
    assert_eq!(outcomes, [Ok("quick"), Err(true)]);
}

#[test]
fn try_join_next_takes_only_finished_tasks_and_never_waits() {
    let seen = run(|| async {
        let mut set = JoinSet::new();
        set.spawn(async { 1 });
        set.spawn(async {
            sleep(Duration::from_secs(60)).await.unwrap();
            2
        });
        let mut seen = vec![set.try_join_next().is_none()]; // nothing ran yet
        yield_now().await.unwrap();
        seen.push(set.try_join_next().map(|r| r.unwrap()) == Some(1));
        seen.push(set.try_join_next().is_none()); // the other is still asleep
        seen.push(set.len() == 1);
        seen
    });
    assert_eq!(seen, [true, true, true, true]);
}

#[test]
fn join_all_gives_outputs_in_finishing_order() {
    let outputs = run(|| async {
        let mut set = JoinSet::new();
        for n in [3u32, 1, 2] {
            set.spawn(async move {
                for _ in 0..n {
                    yield_now().await.unwrap();
                }
                n
            });
        }
        set.join_all().await
    });
    assert_eq!(outputs, [1, 2, 3]);
}

#[test]
fn join_all_resumes_a_task_panic_and_aborts_the_rest() {
    let (message, drops) = testkit::within(testkit::LIMIT, "join_all panic", || {
        let (guard, drops) = DropCounter::new();
        let drops_seen = Rc::clone(&drops);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            oneloop::runtime::block_on(async move {
                let mut set = JoinSet::new();
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                });
                set.spawn(async { panic!("worker failed") });
                set.join_all().await
            })
        }));
        let payload = caught.unwrap_err();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("?")
            .to_owned();
        (message, drops_seen.get())
    });
    assert_eq!(message, "worker failed");
    assert_eq!(drops, 1, "the other task was dropped");
}

#[test]
fn join_all_passes_a_cancel_on_to_every_task() {
    let outputs = run(|| async {
        let waiter = oneloop::spawn(async {
            let mut set = JoinSet::new();
            for _ in 0..3 {
                set.spawn(async { sleep(Duration::from_secs(60)).await.is_err() });
            }
            set.join_all().await
        });
        yield_now().await.unwrap();
        yield_now().await.unwrap();
        waiter.cancel();
        waiter.await.unwrap()
    });
    assert_eq!(outputs, [true, true, true], "each task saw Cancelled");
}

#[test]
fn handle_current_spawns_on_the_running_loop() {
    let (output, outside) = run(|| async {
        let handle = Handle::current();
        let output = handle.clone().spawn(async { 5 }).await.unwrap();
        (
            output,
            std::thread::spawn(|| Handle::try_current().is_err())
                .join()
                .unwrap(),
        )
    });
    assert_eq!(output, 5);
    assert!(outside, "another thread runs no loop");
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
}

#[test]
fn handle_block_on_inside_the_loop_panics_with_a_clear_message() {
    let message = run(|| async {
        let handle = Handle::current();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| handle.block_on(async { 1 })));
        let payload = caught.unwrap_err();
        payload
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("?")
            .to_owned()
    });
    assert!(
        message.contains("inside a running oneloop loop"),
        "{message}"
    );
}

#[test]
fn runtime_handle_spawns_before_the_loop_runs_and_blocks_on_it_later() {
    let outputs = testkit::within(testkit::LIMIT, "runtime handle", || {
        let rt = oneloop::Runtime::new().unwrap();
        let handle = rt.handle();
        let first = handle.spawn(async { "queued before any block_on" });
        let a = handle.block_on(first).unwrap();
        let b = rt.block_on(async { Handle::current().spawn(async { 2 }).await.unwrap() });
        (a, b)
    });
    assert_eq!(outputs, ("queued before any block_on", 2));
}

#[test]
fn spawn_local_inside_run_until_belongs_to_the_set() {
    let (direct, nested, outside) = run(|| async {
        let (direct_guard, direct) = DropCounter::new();
        let (nested_guard, nested) = DropCounter::new();
        let (outside_guard, outside) = DropCounter::new();
        let local = LocalSet::new();
        let started = Rc::new(Cell::new(false));
        let started2 = Rc::clone(&started);
        local
            .run_until(async move {
                task::spawn_local(async move {
                    let _guard = direct_guard;
                    // A task of the set spawns: its child belongs to the set too.
                    task::spawn_local(async move {
                        let _guard = nested_guard;
                        started2.set(true);
                        pending::<()>().await
                    });
                    pending::<()>().await
                });
                while !started.get() {
                    yield_now().await.unwrap();
                }
            })
            .await;
        let free = task::spawn_local(async move {
            let _guard = outside_guard;
            pending::<()>().await
        });
        yield_now().await.unwrap();
        drop(local);
        yield_now().await.unwrap(); // the aborted tasks are dropped at their next scheduling
        let counts = (direct.get(), nested.get(), outside.get());
        free.abort();
        counts
    });
    assert_eq!((direct, nested), (1, 1), "dropping the set aborted both");
    assert_eq!(
        outside, 0,
        "a task spawned outside run_until is not the set's"
    );
}

#[test]
fn local_set_block_on_owns_spawn_local_tasks() {
    let dropped = testkit::within(testkit::LIMIT, "LocalSet::block_on", || {
        let rt = oneloop::Runtime::new().unwrap();
        let local = LocalSet::new();
        let (guard, drops) = DropCounter::new();
        let handle = local.block_on(&rt, async move {
            let handle = task::spawn_local(async move {
                let _guard = guard;
                pending::<()>().await
            });
            Some(handle) // a handle is a future: wrapped, so it is not mistaken for one to await
        });
        let handle = handle.unwrap();
        drop(local);
        let cancelled = rt.block_on(handle).unwrap_err().is_cancelled();
        (cancelled, drops.get())
    });
    assert_eq!(dropped, (true, 1));
}

#[test]
fn a_stale_abort_handle_never_touches_the_task_that_reuses_the_slot() {
    let (stale_finished, newcomer) = run(|| async {
        let first = oneloop::spawn(async { 1 });
        let stale = first.abort_handle();
        first.await.unwrap(); // the slot is free again
        let second = oneloop::spawn(async {
            yield_now().await.unwrap();
            2
        });
        stale.abort(); // names the first task: nothing happens to the second
        (stale.is_finished(), second.await.unwrap())
    });
    assert!(stale_finished);
    assert_eq!(newcomer, 2);
}
