//! What the standalone comparison binaries (`src/bin/http_vs_hyper.rs`,
//! `http_client_vs_reqwest.rs`, `charfinder_vs_hyper.rs`) share: each includes this folder
//! with `#[path = "../compare/mod.rs"] mod compare;`. The harness (`src/main.rs`) does not
//! use it.
//!
//! - [`rounds`]: two contenders run in turn, first one then the other, for a number of
//!   rounds; medians and the per-round ratios.
//! - [`thread_cpu`]: the id of a thread, and the CPU time it has used.
//! - [`servers`]: a server on its own thread (its address and thread id); the hello
//!   servers of oneloop and hyper; hyper's accept loop.
//! - [`wrk`]: running `wrk` and reading its answer.
//! - [`strace`]: counting a child process's system calls with `strace -c -f`.

// Each binary uses a part of these helpers (only the client comparison counts system
// calls, only the servers' comparisons run wrk).
#![allow(dead_code)]

pub mod rounds;
pub mod servers;
pub mod strace;
pub mod thread_cpu;
pub mod wrk;
