//! The spinner with an OS thread instead of a task, as the book shows first
//! (`spinner_thread.py`).
//!
//! What differs from the book: Python's `threading.Event` becomes a channel whose sender is
//! dropped; the thread waits on it with a 100 ms timeout instead of `Event.wait(.1)`.
//!
//! A thread spins a `|/-\` animation every 100 ms while the main thread blocks in a slow
//! function (`std::thread::sleep` for 3 s). A thread cannot be cancelled from outside, so the
//! supervisor sets an event — here a channel whose sender is dropped — that the spinner
//! checks between frames; the spinner then clears its line and `Answer: 42` is printed.
//!
//! Run it: `cargo run --example spinner_thread`, and compare with `--example spinner`.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

fn spin(msg: &str, done: mpsc::Receiver<()>) {
    let mut status = String::new();
    for c in ['|', '/', '-', '\\'].into_iter().cycle() {
        status = format!("{c} {msg}");
        print_frame(&format!("\r{status}"));
        // `done.wait(.1)` in the book: wait up to 100 ms for the event.
        match done.recv_timeout(Duration::from_millis(100)) {
            Err(RecvTimeoutError::Timeout) => continue,
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    print_frame(&format!("\r{}\r", " ".repeat(status.chars().count())));
}

fn print_frame(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn slow_function() -> u32 {
    // Pretend to wait for I/O for a while (this blocks the main thread).
    thread::sleep(Duration::from_secs(3));
    42
}

fn supervisor() -> u32 {
    let (done, wait) = mpsc::channel::<()>();
    // Python creates the thread, prints it, then calls `start()`; a Rust thread starts at
    // once, so it waits for this `start` signal to keep the print first.
    let (start, started) = mpsc::channel::<()>();
    let spinner = thread::Builder::new()
        .name("spin".into())
        .spawn(move || {
            if started.recv().is_ok() {
                spin("thinking!", wait);
            }
        })
        .expect("cannot start the spinner thread");
    println!("spinner object: {:?}", spinner.thread());
    let _ = start.send(());
    let result = slow_function();
    drop(done); // set the event: the spinner sees the channel close
    if spinner.join().is_err() {
        eprintln!("the spinner thread panicked");
    }
    result
}

fn main() {
    let result = supervisor();
    println!("Answer: {result}");
}
