//! # oneloop: the One Loop
//!
//! A single-threaded async event loop, the One Loop of Python's asyncio rebuilt in Rust,
//! small enough to read in an afternoon and shaped like tokio, so code ports by changing the
//! crate name. DESIGN.md walks through it; this page is the map, in the order the loop uses
//! each part.
//!
//! ```
//! use oneloop::time::{sleep, Duration};
//!
//! #[oneloop::main]
//! async fn main() {
//!     let spinner = oneloop::spawn(async {
//!         loop {
//!             if sleep(Duration::from_millis(10)).await.is_err() {
//!                 return "cancelled, cleaned up";
//!             }
//!         }
//!     });
//!     sleep(Duration::from_millis(30)).await.unwrap();
//!     spinner.cancel();
//!     assert_eq!(spinner.await.unwrap(), "cancelled, cleaned up");
//! }
//! ```
//!
//! | module | what lives there |
//! |---|---|
//! | [`runtime`] | the loop: [`run`], [`Runtime`], one turn in six phases (its invariants checked after each in debug builds), stats and task lists, the trace file, asyncio's callbacks (`call_soon`, `call_later`); inside, `runtime::task` (private): what a task is to the loop (cell, slab, key, states, the waker, the inject queue) |
//! | [`task`] | [`spawn`], [`JoinHandle`], the cancellation rule, `yield_now`, `shield` |
//! | [`time`] | `sleep`, `timeout`, `interval`; the timer wheel and its clock |
//! | `reactor` (private) | readiness from the OS (mio, or `polling` with the feature of that name) |
//! | [`io`], [`net`] | async read/write traits and helpers, `duplex`, std streams; TCP, UDP and Unix sockets, `lookup_host` |
//! | [`sync`] | semaphores, locks, events, `Notify`, channels: waiters in FIFO order, none lost |
//! | [`gather`], [`as_completed`]; `macros` (private): [`join!`], [`select!`] | waiting on many futures inside one task |
//! | [`signal`] | `ctrl_c`, `signal::unix::signal`: signals through self-pipes and the reactor |
//! | [`fs`] | files and directories, on the `spawn_blocking` pool (files are never "not ready") |
//! | [`process`] | `Command`, `Child`: exits through a pidfd (or SIGCHLD), stdio as registered pipes |
//! | `http` | HTTP/1.1 client (`Client`) and server (`serve`) on `httparse` (feature `http`) |
//!
//! Three layers, each using only those below it (DESIGN.md, "Layers"; `tests/layers.rs`
//! checks it): the public API (`task`, `time`'s futures, `net`, `io`, `sync`, ...), the
//! loop internals (`runtime`'s turn, `Core`, `runtime::task`), and the drivers (`reactor`,
//! the timer wheel). The `unsafe` corners are listed in DESIGN.md: building the `Waker`, pin projections, the
//! system calls the standard library does not wrap, and the owned lock guards of `sync`.

#![deny(unsafe_code)]
#![warn(missing_docs)]

// Lets `#[oneloop::main]` / `#[oneloop::test]` (which expand to `::oneloop::...`) work in
// this crate's own tests.
extern crate self as oneloop;

#[macro_use]
mod macros;
pub mod fs;
mod gather;
#[cfg(feature = "http")]
pub mod http;
pub mod io;
pub mod net;
pub mod process;
mod reactor;
pub mod runtime;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

#[doc(hidden)]
pub use oneloop_macros::__select_clean_pattern;
pub use oneloop_macros::{main, test};

/// README.md's code blocks, compiled and run as doctests so the README cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
pub use gather::{as_completed, gather, AsCompleted, AsCompletedNext, Gather};
pub use runtime::{run, Builder, Runtime};
pub use task::{is_cancelled, spawn, Cancelled, JoinError, JoinHandle};
