//! `runtime::call_soon`, `call_later` and `call_at`: the order callbacks run in, and
//! cancelling them (before they run, after they ran, with their timer dropped); and the
//! `callbacks` example prints the same lines both ways.

use std::cell::RefCell;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use oneloop::runtime::{call_at, call_later, call_soon, stats};
use oneloop::task;
use oneloop::time::sleep;

type Log = Rc<RefCell<Vec<&'static str>>>;

fn push(log: &Log, what: &'static str) -> impl FnOnce() + 'static {
    let log = Rc::clone(log);
    move || log.borrow_mut().push(what)
}

#[test]
fn call_soon_runs_in_fifo_order_with_tasks() {
    let log = testkit::run(|| async {
        let log: Log = Rc::default();
        call_soon(push(&log, "soon 1"));
        let t = task::spawn({
            let log = Rc::clone(&log);
            async move { log.borrow_mut().push("task") }
        });
        call_soon(push(&log, "soon 2"));
        t.await.unwrap();
        let log = log.borrow().clone();
        log
    });
    assert_eq!(log, ["soon 1", "task", "soon 2"]);
}

/// Each callback notes the turn it ran in and whether its deadline had passed. A loaded
/// machine may fire several in one turn (then in any order), but never one before an
/// earlier deadline's turn, and never early.
#[test]
fn call_later_and_call_at_run_by_deadline_never_early() {
    let ran = testkit::run(|| async {
        let ran: Rc<RefCell<Vec<(u64, u64, bool)>>> = Rc::default();
        let start = Instant::now();
        let note = |ms: u64| {
            let ran = Rc::clone(&ran);
            move || {
                let due = Instant::now() >= start + Duration::from_millis(ms);
                ran.borrow_mut().push((ms, stats().turns, due));
            }
        };
        call_later(Duration::from_millis(12), note(12));
        call_at(start + Duration::from_millis(6), note(6));
        call_later(Duration::from_millis(1), note(1));
        sleep(Duration::from_millis(30)).await.unwrap();
        let mut ran = ran.borrow().clone();
        ran.sort();
        ran
    });
    assert_eq!(ran.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 6, 12]);
    assert!(ran.iter().all(|r| r.2), "a callback ran early: {ran:?}");
    assert!(ran.windows(2).all(|w| w[0].1 <= w[1].1), "{ran:?}");
}

#[test]
fn cancelled_callbacks_never_run_and_drop_their_timers() {
    let (log, timers_before, timers_after, again, after_run) = testkit::run(|| async {
        let log: Log = Rc::default();
        let soon = call_soon(push(&log, "soon"));
        let later = call_later(Duration::from_secs(60), push(&log, "later"));
        let kept = call_soon(push(&log, "kept"));
        assert!(soon.cancel()); // before it ran
        task::yield_now().await.unwrap(); // `later` has filed its timer, `kept` ran
        let timers_before = stats().timers_pending;
        assert!(later.cancel());
        let again = soon.cancel() || later.cancel();
        task::yield_now().await.unwrap();
        let timers_after = stats().timers_pending;
        assert!(soon.is_finished() && later.is_finished());
        let after_run = kept.cancel(); // it ran already
        let log = log.borrow().clone();
        (log, timers_before, timers_after, again, after_run)
    });
    assert_eq!(log, ["kept"]);
    assert_eq!(timers_before, timers_after + 1);
    assert!(!again, "a second cancel reports nothing to cancel");
    assert!(!after_run, "a callback that ran cannot be cancelled");
}

#[test]
fn a_callback_cancelling_itself_is_too_late() {
    let result = testkit::run(|| async {
        let handle: Rc<RefCell<Option<oneloop::runtime::CallbackHandle>>> = Rc::default();
        let result = Rc::new(RefCell::new(None));
        let (h, r) = (Rc::clone(&handle), Rc::clone(&result));
        *handle.borrow_mut() = Some(call_soon(move || {
            *r.borrow_mut() = h.borrow().as_ref().map(|h| h.cancel());
        }));
        task::yield_now().await.unwrap();
        let result = *result.borrow();
        result
    });
    assert_eq!(result, Some(false));
}

/// Runs the `callbacks` example, with `ONELOOP_TRACE` set to `trace` if given.
fn run_example(trace: Option<&std::path::Path>) -> String {
    let mut command = Command::new(testkit::example::example_binary("callbacks"));
    command.env_remove("ONELOOP_TRACE").stderr(Stdio::inherit());
    if let Some(path) = trace {
        command.env("ONELOOP_TRACE", format!("chrome:{}", path.display()));
    }
    let out = testkit::within(testkit::LIMIT, "the callbacks example", move || {
        command.output().expect("start the example")
    });
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Also checks `ONELOOP_TRACE=chrome:PATH`: the same output, and a trace file naming the
/// callbacks' tasks.
#[test]
fn callbacks_example_prints_the_same_lines_both_ways() {
    let text = run_example(None);
    let (callbacks, coroutine) = text
        .split_once("as a coroutine:\n")
        .expect("both halves printed");
    let callbacks = callbacks.strip_prefix("as callbacks:\n").unwrap();
    assert_eq!(callbacks, "3...\n2...\n1...\nfetched 42\n");
    assert_eq!(callbacks, coroutine);

    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("callbacks-trace.json");
    let _ = std::fs::remove_file(&path);
    assert_eq!(run_example(Some(&path)), text);
    let trace = std::fs::read_to_string(&path).expect("ONELOOP_TRACE=chrome:PATH wrote it");
    assert!(
        trace.contains("\"name\":\"call_later (task 2)\""),
        "{trace}"
    );
}
