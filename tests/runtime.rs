//! The loop itself: `run` and its shutdown, `Runtime::block_on`, nesting rules, wakes from
//! other threads, fairness (`yield_now`, the budget), and introspection (`stats`, `tasks`,
//! the trace).

use std::cell::{Cell, RefCell};
use std::future::{pending, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;

use oneloop::runtime::{self, TaskState};
use oneloop::task::{self, yield_now};
use oneloop::time::{sleep, timeout, Duration, Instant};
use oneloop::{spawn, Runtime};
use testkit::Counts;

async fn bounded<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match timeout(Duration::from_secs(20), fut).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not finish within 20 s"),
    }
}

/// The text of a caught panic.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// run and its shutdown
// ---------------------------------------------------------------------------------------

#[test]
fn run_cancels_leftover_tasks_and_their_cleanup_runs() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let cleanup_slept = Arc::new(AtomicBool::new(false));
    let (c, s) = (Arc::clone(&cleaned), Arc::clone(&cleanup_slept));
    let answer = testkit::run(move || async move {
        drop(spawn(async move {
            if sleep(Duration::from_secs(60)).await.is_err() {
                // Cleanup may await: the loop keeps turning for it.
                s.store(
                    sleep(Duration::from_millis(2)).await.is_ok(),
                    Ordering::SeqCst,
                );
                c.store(true, Ordering::SeqCst);
            }
        }));
        yield_now().await.unwrap(); // the sleeper starts
        42
    });
    assert_eq!(answer, 42);
    assert!(
        cleaned.load(Ordering::SeqCst),
        "the leftover's cancel branch ran"
    );
    assert!(
        cleanup_slept.load(Ordering::SeqCst),
        "its cleanup could sleep"
    );
}

#[test]
fn run_leftover_spawned_last_takes_its_first_step_then_is_cancelled() {
    // asyncio.run (checked with Python 3.11): a task created by main just before it returns
    // still takes its first step (it was queued in the loop's last turn), then is cancelled
    // at its first await and may clean up.
    let steps = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = Arc::clone(&steps);
    testkit::run(move || async move {
        drop(spawn(async move {
            s.lock().unwrap().push("first step");
            let slept = sleep(Duration::from_secs(60)).await;
            s.lock().unwrap().push(if slept.is_err() {
                "cancelled at its first await"
            } else {
                "slept"
            });
        }));
    });
    assert_eq!(
        *steps.lock().unwrap(),
        ["first step", "cancelled at its first await"]
    );
}

#[test]
fn run_leftover_spawned_in_the_last_step_never_runs() {
    // asyncio.run cancels a task created during that last step before it starts.
    let ran = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&ran);
    testkit::run(move || async move {
        drop(spawn(async move {
            drop(spawn(async move { r.store(true, Ordering::SeqCst) }));
        }));
    });
    assert!(!ran.load(Ordering::SeqCst), "the grandchild never runs");
}

#[test]
#[allow(clippy::async_yields_async)] // returning a JoinHandle from block_on is the point
fn block_on_returns_without_polling_tasks_after_its_future() {
    // tokio's `block_on` returns as soon as its future is ready; tasks spawned meanwhile are
    // polled by the next `block_on`, not behind the caller's back.
    let polls = testkit::within(testkit::LIMIT, "block_on", || {
        let rt = Runtime::new().unwrap();
        let counts = Counts::new();
        let handle = rt.block_on(async { spawn(counts.wrap(async { 1 })) });
        let polls_after_first = counts.polls();
        assert_eq!(rt.block_on(handle).unwrap(), 1);
        polls_after_first
    });
    assert_eq!(
        polls, 0,
        "the task was polled after block_on's future had completed"
    );
}

#[test]
fn run_returns_when_a_leftover_ignores_cancellation() {
    struct Dropped(Arc<AtomicUsize>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let cancels_seen = Arc::new(AtomicUsize::new(0));
    let (d1, d2, seen) = (
        Arc::clone(&drops),
        Arc::clone(&drops),
        Arc::clone(&cancels_seen),
    );
    testkit::run(move || async move {
        drop(spawn(async move {
            let _guard = Dropped(d1);
            loop {
                if sleep(Duration::from_millis(1)).await.is_err() {
                    seen.fetch_add(1, Ordering::SeqCst); // ...and carry on regardless
                }
            }
        }));
        drop(spawn(async move {
            let _guard = Dropped(d2);
            pending::<()>().await; // not even a cancellation point
        }));
        yield_now().await.unwrap();
    });
    assert_eq!(
        cancels_seen.load(Ordering::SeqCst),
        1,
        "the request was delivered once"
    );
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "both were dropped in the end"
    );
}

#[test]
#[allow(clippy::async_yields_async)] // returning a JoinHandle from block_on is the point
fn block_on_twice_task_from_first_completes_in_second() {
    testkit::within(testkit::LIMIT, "two block_on", || {
        let rt = Runtime::new().unwrap();
        let progress = Rc::new(Cell::new(0));
        let p = Rc::clone(&progress);
        let handle = rt.block_on(async move {
            spawn(async move {
                p.set(1);
                sleep(Duration::from_millis(10)).await.unwrap();
                p.set(2);
                "later"
            })
        });
        // The first block_on returned before the task ran to its end.
        assert!(progress.get() < 2);
        let out = rt.block_on(async { bounded("task of the first block_on", handle).await });
        assert_eq!(out.unwrap(), "later");
        assert_eq!(progress.get(), 2);
        // Ids keep counting across block_on calls.
        let id = rt.block_on(async { spawn(async {}).id() });
        assert!(id.to_string().parse::<u64>().unwrap() > 2);
    });
}

#[test]
fn block_on_root_panic_propagates() {
    let res = testkit::within(testkit::LIMIT, "panicking root", || {
        let rt = Runtime::new().unwrap();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                yield_now().await.unwrap();
                panic!("root boom");
            })
        }));
        let text = panic_text(caught.unwrap_err().as_ref());
        // The runtime is still usable afterwards.
        (
            text,
            rt.block_on(async { spawn(async { 5 }).await.unwrap() }),
        )
    });
    assert_eq!(res, ("root boom".to_string(), 5));
}

#[test]
fn run_inside_a_running_loop_panics() {
    let (run_msg, block_on_msg) = testkit::run(|| async {
        let nested = panic::catch_unwind(|| oneloop::run(async { 1 }));
        let run_msg = panic_text(nested.unwrap_err().as_ref());
        let rt = Runtime::new().unwrap();
        let nested = panic::catch_unwind(AssertUnwindSafe(|| rt.block_on(async { 1 })));
        let block_on_msg = panic_text(nested.unwrap_err().as_ref());
        // The outer loop is unharmed.
        sleep(Duration::from_millis(1)).await.unwrap();
        (run_msg, block_on_msg)
    });
    assert!(run_msg.contains("inside a running"), "{run_msg}");
    assert!(block_on_msg.contains("inside a running"), "{block_on_msg}");
}

#[test]
fn spawn_outside_a_loop_panics() {
    let msg = testkit::within(testkit::LIMIT, "spawn outside", || {
        let caught = panic::catch_unwind(|| {
            drop(oneloop::spawn(async {}));
        });
        panic_text(caught.unwrap_err().as_ref())
    });
    assert!(msg.contains("oneloop::spawn"), "{msg}");
    assert!(msg.contains("inside a oneloop runtime"), "{msg}");
}

// ---------------------------------------------------------------------------------------
// Wakes from other threads
// ---------------------------------------------------------------------------------------

#[test]
fn wake_from_another_thread_resumes_the_task() {
    testkit::run(|| async {
        let before = runtime::stats().remote_wakes;
        let flag = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<Waker>();
        let f = Arc::clone(&flag);
        let waker_thread = thread::spawn(move || {
            let waker = rx.recv().expect("the task sends its waker");
            thread::sleep(Duration::from_millis(20));
            f.store(true, Ordering::SeqCst);
            waker.wake();
        });
        let counts = Counts::new();
        let mut tx = Some(tx);
        let start = Instant::now();
        bounded(
            "remotely woken future",
            counts.wrap(poll_fn(|cx| {
                if flag.load(Ordering::SeqCst) {
                    return Poll::Ready(());
                }
                if let Some(tx) = tx.take() {
                    tx.send(cx.waker().clone()).unwrap();
                }
                Poll::Pending
            })),
        )
        .await;
        assert!(start.elapsed() >= Duration::from_millis(20));
        // Parked once, woken once by the thread; the loop did not poll it in between.
        assert_eq!(counts.polls(), 2);
        assert!(runtime::stats().remote_wakes > before);
        waker_thread.join().unwrap();
    });
}

#[test]
fn many_cross_thread_wakes_all_land() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 250;
    const TOTAL: usize = THREADS * PER_THREAD;
    testkit::run_within(Duration::from_secs(30), || async {
        let before = runtime::stats().remote_wakes;
        // `sent`: bumped by a thread just before it wakes; `seen`: the value the task read at
        // its last poll. Each thread waits until the task has seen its bump before it sends
        // the next one, so a single lost wake stalls a thread (and fails the test).
        let sent = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(AtomicUsize::new(0));
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let (sent, seen, slot) = (Arc::clone(&sent), Arc::clone(&seen), Arc::clone(&slot));
                thread::spawn(move || {
                    for _ in 0..PER_THREAD {
                        let mine = sent.fetch_add(1, Ordering::SeqCst) + 1;
                        let waker = slot.lock().unwrap().clone();
                        if let Some(waker) = waker {
                            waker.wake();
                        }
                        let start = Instant::now();
                        while seen.load(Ordering::SeqCst) < mine {
                            assert!(
                                start.elapsed() < Duration::from_secs(20),
                                "wake #{mine} from another thread never reached the task"
                            );
                            thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let polls = Rc::new(Cell::new(0usize));
        let p = Rc::clone(&polls);
        let waiter = spawn(poll_fn(move |cx| {
            p.set(p.get() + 1);
            *slot.lock().unwrap() = Some(cx.waker().clone()); // before reading `sent`
            let now = sent.load(Ordering::SeqCst);
            seen.store(now, Ordering::SeqCst);
            if now == TOTAL {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        bounded("task woken from 4 threads", waiter).await.unwrap();
        for t in threads {
            t.join().unwrap();
        }
        let remote = runtime::stats().remote_wakes - before;
        assert!(remote >= 1, "the wakes came through the inject queue");
        assert!(
            remote <= TOTAL as u64,
            "no more remote wakes than were sent"
        );
        assert!(polls.get() <= TOTAL + 1, "at most one poll per wake");
    });
}

// ---------------------------------------------------------------------------------------
// Fairness
// ---------------------------------------------------------------------------------------

#[test]
fn yield_now_interleaves_two_tasks() {
    testkit::run(|| async {
        let log = Rc::new(RefCell::new(String::new()));
        let make = |name: char| {
            let log = Rc::clone(&log);
            spawn(async move {
                for _ in 0..5 {
                    log.borrow_mut().push(name);
                    yield_now().await.unwrap();
                }
            })
        };
        let (a, b) = (make('A'), make('B'));
        bounded("A", a).await.unwrap();
        bounded("B", b).await.unwrap();
        assert_eq!(*log.borrow(), "ABABABABAB");
    });
}

#[test]
fn yield_loop_does_not_starve_a_timer() {
    testkit::run(|| async {
        let stop = Rc::new(Cell::new(false));
        let yields = Rc::new(Cell::new(0u64));
        let (s, y) = (Rc::clone(&stop), Rc::clone(&yields));
        let yielder = spawn(async move {
            while !s.get() {
                yield_now().await.unwrap();
                y.set(y.get() + 1);
            }
        });
        let s = Rc::clone(&stop);
        let yields_at_fire = Rc::new(Cell::new(0));
        let at = Rc::clone(&yields_at_fire);
        let y = Rc::clone(&yields);
        let timer = spawn(async move {
            // Start the timer once the yielder is busy, whatever the order of the first turn
            // and however slow the machine: then it is still busy when the timer fires.
            while y.get() == 0 {
                yield_now().await.unwrap();
            }
            let start = Instant::now();
            sleep(Duration::from_millis(10)).await.unwrap();
            at.set(y.get());
            s.set(true);
            start.elapsed()
        });
        let waited = bounded("timer", timer).await.unwrap();
        bounded("yielder", yielder).await.unwrap();
        assert!(waited >= Duration::from_millis(10));
        assert!(
            yields_at_fire.get() > 0,
            "the yielder was busy when the timer fired"
        );
        // The yielder stopped because of the timer: at most one more round after it fired.
        assert!(yields.get() <= yields_at_fire.get() + 1);
    });
}

#[test]
fn busy_loop_of_ready_futures_is_preempted_by_the_budget() {
    // `sleep(ZERO)` is always ready, so this loop never sees `Pending` on its own; the
    // cooperative budget must still make it give the loop back.
    testkit::run(|| async {
        let stop = Rc::new(Cell::new(false));
        let s = Rc::clone(&stop);
        let spinner = spawn(async move {
            let mut n = 0u64;
            while !s.get() {
                sleep(Duration::ZERO).await.unwrap();
                n += 1;
            }
            n
        });
        let s = Rc::clone(&stop);
        let other = spawn(async move {
            sleep(Duration::from_millis(5)).await.unwrap();
            s.set(true);
        });
        bounded("timer next to a busy task", other).await.unwrap();
        assert!(bounded("busy task", spinner).await.unwrap() > 0);
    });
}

// ---------------------------------------------------------------------------------------
// Introspection
// ---------------------------------------------------------------------------------------

#[test]
fn stats_counters_move() {
    testkit::run(|| async {
        let s0 = runtime::stats();
        assert_eq!(s0.live_tasks, 1, "the root future");
        assert_eq!(s0.timers_pending, 0);
        let handles: Vec<_> = (0..3)
            .map(|_| spawn(async { sleep(Duration::from_millis(2)).await.unwrap() }))
            .collect();
        let s1 = runtime::stats();
        assert_eq!(s1.spawned - s0.spawned, 3);
        assert_eq!(s1.live_tasks, 4);
        yield_now().await.unwrap();
        let s2 = runtime::stats();
        // Each timer is pending or has fired (on a slow machine, valgrind, the 2 ms may
        // already have passed): never both, never neither.
        assert_eq!(s2.timers_pending + (s2.timers_fired - s0.timers_fired), 3);
        assert!(s2.turns > s1.turns);
        assert!(s2.polls >= s1.polls + 3);
        for h in handles {
            bounded("sleeper", h).await.unwrap();
        }
        let s3 = runtime::stats();
        assert_eq!(s3.finished - s0.finished, 3);
        assert_eq!(s3.live_tasks, 1);
        assert_eq!(s3.timers_fired - s0.timers_fired, 3);
        assert_eq!(s3.timers_pending, 0);
        assert_eq!(s3.io_sources, 0);
        assert_eq!(s3.remote_wakes, 0);
        // No new turn if the timers had all fired by `s2` (a slow machine).
        assert!(s3.turns >= s2.turns);
    });
}

#[test]
fn tasks_lists_a_named_sleeping_task() {
    testkit::run(|| async {
        let handle = task::Builder::new().name("sleeper").spawn(async {
            let _ = sleep(Duration::from_secs(3600)).await;
        });
        let info = runtime::tasks()
            .into_iter()
            .find(|t| t.name.as_deref() == Some("sleeper"))
            .expect("the new task is listed");
        assert_eq!(info.state, TaskState::Scheduled);
        assert_eq!(info.polls, 0);
        yield_now().await.unwrap();

        let all = runtime::tasks();
        let info = all
            .iter()
            .find(|t| t.name.as_deref() == Some("sleeper"))
            .expect("the sleeping task is listed");
        assert_eq!(info.id, handle.id());
        assert_eq!(info.state, TaskState::Waiting);
        assert_eq!(info.waits_on, "sleep");
        assert_eq!(info.polls, 1);
        assert_eq!(info.cancelling, 0);
        let me = all
            .iter()
            .find(|t| t.id.to_string() == "1")
            .expect("the root");
        assert_eq!(me.state, TaskState::Running);
        assert_eq!(me.name, None);

        handle.cancel();
        let info = runtime::tasks()
            .into_iter()
            .find(|t| t.name.as_deref() == Some("sleeper"))
            .unwrap();
        assert_eq!(info.cancelling, 1);
        bounded("cancelled sleeper", handle).await.unwrap();
        assert!(runtime::tasks()
            .iter()
            .all(|t| t.name.as_deref() != Some("sleeper")));
    });
}

/// Set in the child process that the trace test starts.
const TRACE_CHILD: &str = "ONELOOP_TEST_TRACE_CHILD";

#[test]
fn trace_prints_one_line_per_turn() {
    if std::env::var_os(TRACE_CHILD).is_some() {
        // Child: run a traced loop; the parent reads our stderr.
        let rt = Runtime::builder().trace(true).build().unwrap();
        rt.block_on(async {
            let h = spawn(async { sleep(Duration::from_millis(2)).await.unwrap() });
            h.await.unwrap();
        });
        let quiet = Runtime::builder().trace(false).build().unwrap();
        eprintln!("--- untraced ---");
        quiet.block_on(async { yield_now().await.unwrap() });
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let stderr = testkit::within(testkit::LIMIT, "traced child process", move || {
        let out = std::process::Command::new(exe)
            .args(["--exact", "trace_prints_one_line_per_turn", "--nocapture"])
            .env(TRACE_CHILD, "1")
            .env_remove("ONELOOP_TRACE")
            .output()
            .expect("run the test binary again");
        assert!(out.status.success(), "child failed: {out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    });
    let (traced, untraced) = stderr
        .split_once("--- untraced ---")
        .unwrap_or_else(|| panic!("no marker in the child's stderr:\n{stderr}"));
    let turns: Vec<&str> = traced
        .lines()
        .filter(|l| l.starts_with("[oneloop] turn"))
        .collect();
    assert!(turns.len() >= 2, "expected several turn lines:\n{stderr}");
    assert!(
        turns.iter().any(|l| l.contains("1 timers fired")),
        "the turn that fired the sleep says so:\n{stderr}"
    );
    assert!(
        !untraced.contains("[oneloop] turn"),
        "trace(false) prints nothing:\n{untraced}"
    );
}

#[test]
fn tokio_style_builder_builds_a_loop() {
    let rt = oneloop::runtime::Builder::new_current_thread()
        .enable_all()
        .enable_io()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(async { oneloop::spawn(async { 2 }).await.unwrap() }),
        2
    );
}

#[test]
fn local_set_runs_its_tasks_and_dropping_it_aborts_the_rest() {
    testkit::run(|| async {
        let dropped = Rc::new(Cell::new(0));
        let local = oneloop::task::LocalSet::new();
        let done = local.spawn_local(async { 1 });
        let flag = Rc::clone(&dropped);
        let stuck = local.spawn_local(async move {
            let _counter = testkit::DropCounter(flag);
            std::future::pending::<()>().await;
        });
        assert_eq!(local.run_until(done).await.unwrap(), 1);
        drop(local);
        assert!(stuck.await.unwrap_err().is_cancelled());
        assert_eq!(
            dropped.get(),
            1,
            "the pending task's future was dropped once"
        );
    });
}

#[test]
fn a_long_lived_local_set_forgets_finished_tasks() {
    testkit::run(|| async {
        let local = oneloop::task::LocalSet::new();
        for i in 0..10_000 {
            assert_eq!(local.spawn_local(async move { i }).await.unwrap(), i);
        }
        let debug = format!("{local:?}");
        let kept: usize = debug
            .trim_start_matches("LocalSet { tasks: ")
            .trim_end_matches(" }")
            .parse()
            .unwrap();
        assert!(kept <= 4, "finished tasks are pruned: {debug}");
    });
}

// ---- runtime budget yields the turn (added by mutation testing: each test here failed under a
// mutation of the library that the rest of the suite let through) ----

mod runtime_budget_yields_the_turn {
    // A task that has spent its cooperative budget is woken again only at the start of the
    // next turn of the loop, after timers and I/O (the `deferred` list), not put straight back
    // on the run queue where it would run again in the same turn, up to `MAX_TASKS_PER_TURN`
    // times, before any timer or I/O event is looked at.
    //
    // tests/runtime.rs's `busy_loop_of_ready_futures_is_preempted_by_the_budget` passes either
    // way: the per-turn task limit alone eventually lets the timer through.
    //
    // (Mutation-tested: `poll_proceed` waking the task at once, instead of deferring the wake,
    // went unnoticed by every existing test.)

    use oneloop::runtime;
    use oneloop::spawn;
    use oneloop::time::{sleep, Duration};

    /// Cancellation points the spinner passes: 40 budgets' worth (the budget is 128).
    const POINTS: u64 = 128 * 40;

    #[test]
    fn a_task_out_of_budget_runs_again_only_in_the_next_turn() {
        let (turns, polls) = testkit::run(|| async {
            let before = runtime::stats();
            // `sleep(ZERO)` is always ready: only the budget ever makes this task yield.
            let spinner = spawn(async {
                for _ in 0..POINTS {
                    sleep(Duration::ZERO).await.unwrap();
                }
            });
            spinner.await.unwrap();
            let after = runtime::stats();
            (after.turns - before.turns, after.polls - before.polls)
        });
        // About 40 polls of the spinner, each ended by the budget; each must cost a turn.
        assert!(polls >= 40, "{polls} polls");
        assert!(
            turns >= 38,
            "{turns} loop turns for {polls} polls: the spinner ran again in the same turn"
        );
    }
}

// ---- runtime self wake (added by mutation testing: each test here failed under a
// mutation of the library that the rest of the suite let through) ----

mod runtime_self_wake {
    // A task that wakes itself while it is running (a hand-written future that calls
    // `cx.waker().wake_by_ref()` and returns `Pending`, the classic "yield" of executors that
    // have no `yield_now`, or a task whose own code fires a waker it registered earlier in the
    // same poll) must be polled again: the wake is recorded as `Notified` and the task goes back
    // on the run queue when its poll ends.
    //
    // (Mutation-tested: `Core::schedule` ignoring a wake of a `Running` task went unnoticed by
    // every other test, because oneloop's own futures defer their self-wakes.)

    use std::cell::Cell;
    use std::future::{poll_fn, Future};
    use std::rc::Rc;
    use std::task::Poll;

    use oneloop::spawn;
    use oneloop::sync::oneshot;
    use oneloop::time::{timeout, Duration};

    /// Bound on every wait here: a lost wake-up fails the test instead of hanging it.
    const LIMIT: Duration = testkit::LIMIT;

    /// Returns `Pending` `times` times, waking itself each time before it does.
    async fn self_waking_yields(times: usize, polls: Rc<Cell<usize>>) {
        let mut left = times;
        poll_fn(move |cx| {
            polls.set(polls.get() + 1);
            if left == 0 {
                return Poll::Ready(());
            }
            left -= 1;
            cx.waker().wake_by_ref(); // woken while running: must be polled again
            Poll::Pending
        })
        .await
    }

    #[test]
    fn a_spawned_task_that_wakes_itself_while_running_is_polled_again() {
        let polls = testkit::run_within(LIMIT * 2, || async {
            let polls = Rc::new(Cell::new(0));
            let handle = spawn(self_waking_yields(3, Rc::clone(&polls)));
            match timeout(LIMIT, handle).await {
                Ok(joined) => joined.unwrap(),
                Err(_) => panic!("a task that woke itself was never polled again"),
            }
            polls.get()
        });
        assert_eq!(polls, 4);
    }

    #[test]
    fn the_root_future_that_wakes_itself_while_running_is_polled_again() {
        let polls = testkit::run_within(LIMIT, || async {
            let polls = Rc::new(Cell::new(0));
            self_waking_yields(3, Rc::clone(&polls)).await;
            polls.get()
        });
        assert_eq!(polls, 4);
    }

    #[test]
    fn a_task_that_fires_its_own_registered_waker_is_polled_again() {
        // The task registers its waker with a oneshot receiver, then, in the same poll, sends
        // on the matching sender: the receiver's wake lands on the task while it runs.
        let got = testkit::run_within(LIMIT * 2, || async {
            let handle = spawn(async {
                let (tx, mut rx) = oneshot::channel::<u32>();
                let mut tx = Some(tx);
                poll_fn(move |cx| {
                    let polled = Future::poll(std::pin::Pin::new(&mut rx), cx);
                    if let Poll::Ready(value) = polled {
                        return Poll::Ready(value);
                    }
                    if let Some(tx) = tx.take() {
                        tx.send(7).unwrap(); // wakes this very task, which is running
                    }
                    Poll::Pending
                })
                .await
            });
            match timeout(LIMIT, handle).await {
                Ok(joined) => joined.unwrap(),
                Err(_) => panic!("a task woken by its own send was never polled again"),
            }
        });
        assert_eq!(got.ok(), Some(7));
    }
}

#[test]
fn yield_now_lets_a_due_timer_run_first() {
    testkit::run(|| async {
        let fired = Rc::new(Cell::new(false));
        let flag = Rc::clone(&fired);
        let timer = spawn(async move {
            sleep(Duration::from_millis(1)).await.unwrap();
            flag.set(true);
        });
        yield_now().await.unwrap(); // the timer task files its sleep
        thread::sleep(Duration::from_millis(5)); // its deadline passes while we hog the loop
        yield_now().await.unwrap();
        // The yield went behind the next turn's timers: the timer task ran before us.
        assert!(fired.get());
        timer.await.unwrap();
    });
}

#[test]
fn waiting_for_a_timer_takes_a_handful_of_turns_not_a_busy_loop() {
    testkit::run(|| async {
        let before = runtime::stats().turns;
        sleep(Duration::from_millis(30)).await.unwrap();
        let turns = runtime::stats().turns - before;
        // One wait for the timer's exact deadline; a wait that ended early (epoll's
        // milliseconds rounded down) would find nothing due and spin through thousands of
        // turns. `tests/time.rs` asserts exactly one turn.
        assert!(turns <= 4, "{turns} turns for one 30 ms sleep");
    });
}

/// Sets its flag when dropped.
struct SetOnDrop(Rc<Cell<bool>>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// Spawns a task from its destructor, and hands the handle out through `slot`.
struct SpawnsOnDrop {
    slot: Rc<RefCell<Option<oneloop::JoinHandle<u8>>>>,
    dropped: Rc<Cell<bool>>,
    finished_at_once: Rc<Cell<bool>>,
}

impl Drop for SpawnsOnDrop {
    fn drop(&mut self) {
        let guard = SetOnDrop(Rc::clone(&self.dropped));
        let handle = spawn(async move {
            let _guard = guard;
            7
        });
        // Refused at once: finished before any turn of the loop.
        self.finished_at_once.set(handle.is_finished());
        *self.slot.borrow_mut() = Some(handle);
    }
}

#[test]
fn a_destructor_that_spawns_while_the_runtime_drops_is_refused() {
    // The loop is being dropped: the new task must not land in its slab (where a later
    // handle could mistake it for another task); it is dropped unpolled and its handle
    // says it was cancelled.
    let (cancelled, dropped, at_once) = testkit::within(testkit::LIMIT, "runtime drop", || {
        let slot = Rc::new(RefCell::new(None));
        let dropped = Rc::new(Cell::new(false));
        let at_once = Rc::new(Cell::new(false));
        {
            let rt = Runtime::new().unwrap();
            let holder = SpawnsOnDrop {
                slot: Rc::clone(&slot),
                dropped: Rc::clone(&dropped),
                finished_at_once: Rc::clone(&at_once),
            };
            rt.block_on(async move {
                drop(spawn(async move {
                    let _holder = holder;
                    pending::<()>().await;
                }));
                yield_now().await.unwrap();
            });
        } // the runtime drops the pending task, whose destructor spawns
        let handle = slot.borrow_mut().take().expect("the destructor ran");
        assert!(handle.is_finished());
        let rt = Runtime::new().unwrap();
        let joined = rt.block_on(handle);
        (
            joined.unwrap_err().is_cancelled(),
            dropped.get(),
            at_once.get(),
        )
    });
    assert!(
        at_once,
        "the spawn was refused, not filed in the dying loop"
    );
    assert!(cancelled);
    assert!(dropped, "the refused future was dropped");
}

#[test]
fn block_on_drops_the_tasks_left_at_once_as_tokio_main_does() {
    // A background loop that shrugs off a cancel request would hold `run` for its 2 s grace;
    // `runtime::block_on` (what `#[oneloop::main]` expands to) drops it at once instead.
    let (ticks_after, dropped) = testkit::within(testkit::LIMIT, "block_on", || {
        let ticks = Rc::new(Cell::new(0u32));
        let dropped = Rc::new(Cell::new(false));
        let (t, d) = (Rc::clone(&ticks), Rc::clone(&dropped));
        let seen = Rc::clone(&ticks);
        let at_return = oneloop::runtime::block_on(async move {
            // Moved in, not made in the body: the future is dropped whether or not it was
            // polled before main returned (it may not be, on a slow machine).
            let set = SetOnDrop(d);
            drop(spawn(async move {
                let _set = set;
                loop {
                    let _ = sleep(Duration::from_millis(1)).await; // ignores any cancel
                    t.set(t.get() + 1);
                }
            }));
            sleep(Duration::from_millis(5)).await.unwrap();
            seen.get()
        });
        (ticks.get() - at_return, dropped.get())
    });
    assert_eq!(
        ticks_after, 0,
        "the loop body never ran after main returned"
    );
    assert!(dropped, "the task's future was dropped");
}

#[oneloop::test(shutdown = "drop")]
async fn the_test_macro_takes_tokios_exit_when_asked() {
    // Left running: with `shutdown = "drop"` it is dropped when the test returns.
    drop(spawn(async {
        loop {
            let _ = sleep(Duration::from_secs(1)).await;
        }
    }));
    yield_now().await.unwrap();
}
