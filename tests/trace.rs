//! The trace file (`Builder::trace_file`, `ONELOOP_TRACE=chrome:PATH`): a small known
//! program's trace holds exactly its tasks, polls, phases, timer fire and cancel delivery, in
//! order; and recording does not change what a program does.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use oneloop::{task, time, Runtime};
use serde_json::Value;

fn trace_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("trace-{name}.json"))
}

/// Two tasks, a sleep, a cancel: `b` sleeps a minute and is cancelled by the root; then
/// `a`, told to go on by an event (so that no timing decides the order), sleeps 1 ms.
async fn small_program() {
    let go = Rc::new(oneloop::sync::Event::new());
    let a = task::Builder::new().name("a").spawn({
        let go = Rc::clone(&go);
        async move {
            go.wait().await.unwrap();
            time::sleep(Duration::from_millis(1)).await.unwrap();
        }
    });
    let b = task::Builder::new()
        .name("b")
        .spawn(async { time::sleep(Duration::from_secs(60)).await });
    task::yield_now().await.unwrap(); // a and b start sleeping
    b.cancel();
    assert_eq!(b.await.unwrap(), Err(oneloop::Cancelled));
    go.set();
    a.await.unwrap();
}

fn record(name: &str) -> Vec<Value> {
    let path = trace_path(name);
    let _ = std::fs::remove_file(&path);
    let written = path.clone();
    testkit::within(testkit::LIMIT, "the traced program", move || {
        let rt = Runtime::builder().trace_file(&written).build().unwrap();
        rt.block_on(small_program());
        drop(rt); // writes the file
    });
    let text = std::fs::read_to_string(&path).expect("the trace file was written");
    let json: Value = serde_json::from_str(&text).expect("the trace is JSON");
    assert_eq!(json["otherData"]["events_dropped"], 0);
    json["traceEvents"].as_array().expect("traceEvents").clone()
}

fn ph(e: &Value) -> &str {
    e["ph"].as_str().unwrap_or("")
}

fn ts(e: &Value) -> f64 {
    e["ts"].as_f64().unwrap_or(f64::NAN)
}

#[test]
fn trace_of_a_small_program_has_its_tasks_polls_phases_timer_and_cancel_in_order() {
    let events = record("small");

    // The tracks: the loop, the root future (task 1), a and b.
    let names: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| ph(e) == "M" && e["name"] == "thread_name")
        .map(|e| {
            (
                e["tid"].as_u64().unwrap(),
                e["args"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (0, "loop"),
            (1, "root (task 1)"),
            (2, "a (task 2)"),
            (3, "b (task 3)")
        ]
    );

    // The loop's track: whole turns, each the six phases in order.
    let phases: Vec<&str> = events
        .iter()
        .filter(|e| ph(e) == "X" && e["tid"] == 0)
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    let turn = ["wait", "io", "remote", "timers", "deferred", "run"];
    assert!(phases.len() >= 3 * turn.len(), "{phases:?}");
    for (i, chunk) in phases.chunks(turn.len()).enumerate() {
        assert_eq!(chunk, turn, "turn {i}");
    }

    // Polls and instant events of the tasks, in time order.
    let mut story: Vec<(f64, String)> = events
        .iter()
        .filter(|e| (ph(e) == "X" && e["tid"] != 0) || ph(e) == "i")
        .map(|e| {
            (
                ts(e),
                format!("{} {}", e["tid"], e["name"].as_str().unwrap()),
            )
        })
        .collect();
    story.sort_by(|x, y| x.0.total_cmp(&y.0));
    let story: Vec<&str> = story.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        story,
        [
            "1 poll", // spawns a and b, yields
            "2 poll", // a waits for the event
            "3 poll", // b starts its minute
            "1 poll", // cancels b, awaits it
            "3 cancel requested",
            "3 poll", // the sleep delivers the request
            "3 cancel delivered",
            "1 poll", // b is done; sets the event, awaits a
            "2 poll", // a starts its 1 ms sleep
            "0 timer fire",
            "2 poll", // a's sleep is over
            "1 poll", // done
        ]
    );
    let delivered = events
        .iter()
        .find(|e| e["name"] == "cancel delivered")
        .unwrap();
    assert_eq!(delivered["args"]["waits_on"], "sleep");

    // Every poll here was caused by a wake (or a spawn): an arrow ends at each poll's start,
    // and every arrow starts somewhere.
    let polls: Vec<&Value> = events
        .iter()
        .filter(|e| ph(e) == "X" && e["name"] == "poll")
        .collect();
    let heads: Vec<&Value> = events.iter().filter(|e| ph(e) == "f").collect();
    assert_eq!(heads.len(), polls.len());
    for poll in &polls {
        assert!(
            heads
                .iter()
                .any(|f| f["tid"] == poll["tid"] && ts(f) == ts(poll)),
            "no arrow at {poll}"
        );
    }
    for head in &heads {
        assert!(events.iter().any(|s| ph(s) == "s" && s["id"] == head["id"]));
    }
    // b's second poll was woken by the root's cancel: its arrow starts on the root's track.
    let b_second = polls.iter().filter(|p| p["tid"] == 3).nth(1).unwrap();
    let head = heads
        .iter()
        .find(|f| f["tid"] == 3 && ts(f) == ts(b_second))
        .unwrap();
    let tail = events
        .iter()
        .find(|s| ph(s) == "s" && s["id"] == head["id"])
        .unwrap();
    assert_eq!(tail["tid"], 1);
}

/// Several tasks that log their steps and hand work around with yields and a channel.
async fn busy_program(log: Rc<RefCell<Vec<String>>>) {
    let (tx, mut rx) = oneloop::sync::mpsc::channel::<u32>(2);
    let mut handles = Vec::new();
    for i in 0..4u32 {
        let log = Rc::clone(&log);
        let tx = tx.clone();
        handles.push(task::spawn(async move {
            for step in 0..3 {
                log.borrow_mut().push(format!("task {i} step {step}"));
                tx.send(i * 10 + step).await.unwrap();
                task::yield_now().await.unwrap();
            }
        }));
    }
    drop(tx);
    while let Some(n) = rx.recv().await.unwrap() {
        log.borrow_mut().push(format!("got {n}"));
    }
    for h in handles {
        h.await.unwrap();
    }
}

fn run_busy(trace: Option<PathBuf>) -> Vec<String> {
    testkit::within(testkit::LIMIT, "the busy program", move || {
        let builder = Runtime::builder();
        let builder = match trace {
            Some(path) => builder.trace_file(path),
            None => builder,
        };
        let rt = builder.build().unwrap();
        let log = Rc::new(RefCell::new(Vec::new()));
        rt.block_on(busy_program(Rc::clone(&log)));
        drop(rt);
        let log = log.borrow().clone();
        log
    })
}

#[test]
fn tracing_does_not_change_output_or_task_order() {
    let path = trace_path("busy");
    let plain = run_busy(None);
    let traced = run_busy(Some(path.clone()));
    assert_eq!(plain.len(), 4 * 3 * 2);
    assert_eq!(plain, traced);
    assert!(std::fs::metadata(&path).is_ok_and(|m| m.len() > 0));
}
