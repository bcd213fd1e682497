//! The spinner of *Fluent Python*'s asyncio chapter, on the One Loop.
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

use oneloop::{task, time};

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

async fn slow_function() -> u32 {
    // Pretend to wait for I/O for a while.
    let _ = time::sleep(Duration::from_secs(3)).await;
    42
}

async fn supervisor() -> u32 {
    let spinner = task::Builder::new().name("spin").spawn(spin("thinking!"));
    println!("spinner object: {spinner:?}");
    let result = slow_function().await;
    spinner.cancel();
    let _ = spinner.await; // let the spinner run its cleanup
    result
}

#[oneloop::main]
async fn main() {
    let result = supervisor().await;
    println!("Answer: {result}");
}
