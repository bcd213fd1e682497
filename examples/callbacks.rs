//! The same small program twice on one loop: as asyncio-style callbacks, then as a
//! coroutine.
//!
//! The program: count down 3, 2, 1 with 100 ms between the numbers, then "fetch" a value (a
//! 100 ms sleep standing in for I/O) and print it. As callbacks, each step must schedule the
//! next and hand on everything the rest needs (the continuation), so the program turns
//! inside out; this is the "callback hell" that *Fluent Python* contrasts coroutines with.
//! As a coroutine, it reads top to bottom. Both run on the same loop with
//! `runtime::call_later` (asyncio's `loop.call_later`) and `time::sleep`, and print the same
//! lines.
//!
//! Run it: `cargo run --example callbacks`.

use std::time::Duration;

use oneloop::runtime::call_later;
use oneloop::sync::oneshot;
use oneloop::time::sleep;

const STEP: Duration = Duration::from_millis(100);

/// A continuation: what to do with the value once it is there.
type Then = Box<dyn FnOnce(u32)>;

/// Step 1, as callbacks: print `n`, and schedule the rest; at zero, go on to the fetch.
fn countdown_cb(n: u32, then: Then) {
    if n == 0 {
        fetch_cb(then);
        return;
    }
    println!("{n}...");
    call_later(STEP, move || countdown_cb(n - 1, then));
}

/// Step 2, as callbacks: the "I/O" completes in a later callback, which calls `then`.
fn fetch_cb(then: Then) {
    call_later(STEP, move || then(42));
}

/// The whole program as a coroutine.
async fn program_coroutine() -> Result<u32, oneloop::Cancelled> {
    for n in (1..=3).rev() {
        println!("{n}...");
        sleep(STEP).await?;
    }
    sleep(STEP).await?; // the fetch
    Ok(42)
}

#[oneloop::main]
async fn main() {
    println!("as callbacks:");
    // The callbacks' result comes out through a channel: the only way back into the
    // coroutine world is for some callback to hand the value over.
    let (tx, rx) = oneshot::channel();
    countdown_cb(
        3,
        Box::new(move |value| {
            let _ = tx.send(value);
        }),
    );
    match rx.await {
        Ok(value) => println!("fetched {value}"),
        Err(e) => {
            eprintln!("the callbacks never finished: {e}");
            std::process::exit(1);
        }
    }

    println!("as a coroutine:");
    match program_coroutine().await {
        Ok(value) => println!("fetched {value}"),
        Err(cancelled) => println!("{cancelled}"),
    }
}
