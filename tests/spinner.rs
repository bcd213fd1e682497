//! Runs the `spinner` and `spinner_thread` examples end to end and checks what they print:
//! the spinner object, the `|/-\` frames in cycle order, the line being cleared, and the
//! answer. Only a lower bound is put on the time taken (the slow function sleeps 3 s); the
//! run is bounded so a hung example fails the test.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use testkit::example::example_binary;
use testkit::wait_exit;

const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
const MESSAGE: &str = "thinking!";

/// Builds the example, then runs it alone (so the build does not count in its time) and
/// returns its stdout and how long it ran.
fn run_example(name: &str) -> (String, Duration) {
    let mut child = Command::new(example_binary(name))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the example");
    let start = Instant::now();
    let mut stdout = child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).map(|_| out)
    });
    let status = wait_exit(&mut child, name);
    let elapsed = start.elapsed();
    assert!(status.success(), "example {name} exited with {status}");
    let out = reader.join().unwrap().expect("read the example's stdout");
    (String::from_utf8(out).expect("utf-8 output"), elapsed)
}

/// Checks everything after the first line: frames in cycle order, the clear, the answer.
fn check_frames(name: &str, rest: &str) {
    let clear = format!("\r{}\r", " ".repeat(MESSAGE.len() + 2));
    let frames = rest
        .strip_suffix("Answer: 42\n")
        .unwrap_or_else(|| panic!("{name}: `Answer: 42` is not the last line: {rest:?}"));
    let frames = frames
        .strip_suffix(&clear)
        .unwrap_or_else(|| panic!("{name}: the line is not cleared before the answer: {rest:?}"));
    let frames = frames
        .strip_prefix('\r')
        .unwrap_or_else(|| panic!("{name}: frames start with a carriage return: {rest:?}"));
    let frames: Vec<&str> = frames.split('\r').collect();
    for (i, frame) in frames.iter().enumerate() {
        let expected = format!("{} {MESSAGE}", FRAMES[i % 4]);
        assert_eq!(*frame, expected, "{name}: frame #{i} out of order");
    }
    // One frame every 100 ms for 3 s: about 30. Loose bounds, the machine may be slow.
    assert!(
        (25..=35).contains(&frames.len()),
        "{name}: {} frames, expected about 30",
        frames.len()
    );
}

#[test]
fn spinner_example_spins_then_answers() {
    let (out, elapsed) = run_example("spinner");
    let (first, rest) = out.split_once('\n').expect("a first line");
    assert_eq!(
        first,
        r#"spinner object: Task { id: 2, name: "spin", state: Pending }"#
    );
    check_frames("spinner", rest);
    assert!(
        elapsed >= Duration::from_millis(2900),
        "the slow function sleeps 3 s, the example took {elapsed:?}"
    );
}

#[test]
fn spinner_thread_example_spins_then_answers() {
    let (out, elapsed) = run_example("spinner_thread");
    let (first, rest) = out.split_once('\n').expect("a first line");
    assert!(
        first.starts_with("spinner object: Thread {"),
        "first line: {first:?}"
    );
    check_frames("spinner_thread", rest);
    assert!(
        elapsed >= Duration::from_millis(2900),
        "the slow function sleeps 3 s, the example took {elapsed:?}"
    );
}
