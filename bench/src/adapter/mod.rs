//! One module per runtime, each with the same free functions and type names (`block_on`,
//! `spawn`, `join`, `sleep`, `yield_now`, `channel`, `Semaphore`, `Listener`, `read`, ...).
//!
//! The workloads in `../workload/` are written once against these names and compiled once
//! per runtime (see `crate::on`). A trait would not do: `tokio::spawn` needs `Send` and
//! oneloop's `spawn` does not, and measuring tokio through a `LocalSet` instead would not be
//! the path tokio users take.

pub mod oneloop;
pub mod smol;
pub mod tokio;
