//! Signals, through the reactor: [`ctrl_c()`] for SIGINT, and [`unix::signal`] for any
//! signal a process may catch, both on the self-pipe machinery of `registry.rs`.
//!
//! As tokio's, the first listener of a signal installs its handler for the rest of the
//! process, and a signal that arrives while nobody waits completes the next wait.

pub(crate) mod registry;
pub mod unix;

use std::future::poll_fn;
use std::io;

use registry::Listener;

/// Waits for Ctrl-C (SIGINT). A cancellation point. Each signal completes every future
/// waiting at that moment, on every loop of the process.
///
/// As tokio's: the first call installs the SIGINT handler for the rest of the process (from
/// then on Ctrl-C no longer ends it by itself), and a SIGINT that arrives while nobody
/// waits is kept and completes the next wait at once. So a server that handles one Ctrl-C
/// and then waits again loses none.
///
/// ```no_run
/// #[oneloop::main]
/// async fn main() {
///     println!("press Ctrl-C");
///     oneloop::signal::ctrl_c().await.expect("cannot listen for Ctrl-C");
///     println!("bye");
/// }
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut listener = Listener::new(libc::SIGINT, "oneloop::signal::ctrl_c")?;
    poll_fn(|cx| listener.poll_recv(cx, "ctrl_c")).await
}
