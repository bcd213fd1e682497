//! The spinner of *Fluent Python*'s asyncio chapter (`spinner_asyncio.py`), on the One Loop.
//!
//! What differs from the book: `cancel()` is asyncio's, so the code reads the same; the
//! `Cancelled` arrives as a `Result` from each await instead of an exception, and is passed
//! on with `?` where Python lets `CancelledError` propagate.
//!
//! A task spins a `|/-\` animation every 100 ms while the supervisor awaits a slow
//! function (an async sleep of 3 s). Then the supervisor cancels the spinner: the spinner
//! receives `Cancelled` from its sleep, leaves its loop and clears its line — cleanup code
//! runs after a cancel, which is the point of the example — and `Answer: 42` is printed.
//!
//! Run it: `cargo run --release --example spinner` (about 3 s). Compare with the thread
//! version, `cargo run --example spinner_thread`, and watch one turn of the loop per line
//! with `ONELOOP_TRACE=1 cargo run --example spinner`.

use std::io::Write;
use std::time::Duration;

use oneloop::{task, time, Cancelled};

async fn spin(msg: &str) {
    let mut status = String::new();
    for c in ['|', '/', '-', '\\'].into_iter().cycle() {
        status = format!("{c} {msg}");
        print_frame(&format!("\r{status}"));
        if time::sleep(Duration::from_millis(100)).await.is_err() {
            break; // cancelled: leave the loop and clean up below
        }
    }
    print_frame(&format!("\r{}\r", " ".repeat(status.chars().count())));
}

/// Writes a frame and flushes it. A closed stdout (say, `| head -c 10`) must not make the
/// spinner panic: the frame is simply lost.
fn print_frame(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

async fn slow_function() -> Result<u32, Cancelled> {
    // Pretend to wait for I/O for a while. A cancel of this task would come out of the sleep
    // and be passed on by `?`, as `CancelledError` comes out of `await asyncio.sleep(3)`.
    time::sleep(Duration::from_secs(3)).await?;
    Ok(42)
}

async fn supervisor() -> Result<u32, Cancelled> {
    let spinner = task::Builder::new().name("spin").spawn(spin("thinking!"));
    println!("spinner object: {spinner:?}");
    let result = slow_function().await;
    spinner.cancel();
    let _ = spinner.await; // let the spinner run its cleanup
    result
}

#[oneloop::main]
async fn main() {
    match supervisor().await {
        Ok(result) => println!("Answer: {result}"),
        Err(cancelled) => println!("supervisor: {cancelled}"),
    }
}
