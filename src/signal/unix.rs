//! `signal::unix`: tokio's `signal(SignalKind) -> Signal`, a stream of one Unix signal.
//!
//! A [`Signal`] is a listener of the shared machinery (`registry.rs`): while it lives, its
//! signal reaches this loop's pipe for it, so a signal that arrives between two `recv()`
//! calls completes the next one.

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use super::registry::{Listener, MAX_SIGNAL};
use crate::task::Cancelled;

/// Which signal to listen for (tokio's `signal::unix::SignalKind`).
///
/// ```
/// use oneloop::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
/// assert_eq!(SignalKind::from_raw(libc::SIGUSR1), SignalKind::user_defined1());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal by number (`signal()` refuses those that cannot be caught).
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::from_raw(libc::SIGTERM), SignalKind::terminate());
    /// ```
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    /// ```
    pub const fn as_raw_value(&self) -> libc::c_int {
        self.0
    }

    /// SIGALRM: a timer set with `alarm(2)` ran out.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::alarm().as_raw_value(), libc::SIGALRM);
    /// ```
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGCHLD: a child process exited or stopped.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::child().as_raw_value(), libc::SIGCHLD);
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGHUP: the terminal went away; by convention, "reload your configuration".
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGINT: Ctrl-C.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGIO: I/O is possible on a descriptor set up for it.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::io().as_raw_value(), libc::SIGIO);
    /// ```
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// SIGPIPE: a write to a pipe nobody reads.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::pipe().as_raw_value(), libc::SIGPIPE);
    /// ```
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGQUIT: Ctrl-\.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    /// ```
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGTERM: please end (what `kill` sends by default).
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::terminate().as_raw_value(), libc::SIGTERM);
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGUSR1.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::user_defined1().as_raw_value(), libc::SIGUSR1);
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::user_defined2().as_raw_value(), libc::SIGUSR2);
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGWINCH: the terminal's size changed.
    ///
    /// ```
    /// use oneloop::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::window_change().as_raw_value(), libc::SIGWINCH);
    /// ```
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }
}

/// Starts listening for `kind` on the current loop (tokio's `signal::unix::signal`).
///
/// As tokio's, the first listener of a signal installs its handler for the rest of the
/// process: from then on the signal no longer has its default action (for SIGTERM or
/// SIGHUP, ending the process), even after every `Signal` is dropped; a signal that arrives
/// while no `Signal` of it exists is kept and completes the next `recv()` of a new one.
/// A handler installed before by other code (another runtime's, say) keeps working: ours
/// calls it after its own work. Only the default action and "ignore" are replaced.
///
/// Fails for signals that cannot or must not be caught (SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,
/// SIGILL, SIGFPE, and numbers out of range), and outside a loop it panics.
///
/// ```
/// use oneloop::signal::unix::{signal, SignalKind};
///
/// oneloop::run(async {
///     let mut usr1 = signal(SignalKind::user_defined1())?;
///     // A signal sent to ourselves while nobody waits is not lost.
///     assert_eq!(unsafe { libc::raise(libc::SIGUSR1) }, 0);
///     assert_eq!(usr1.recv().await, Ok(Some(())));
///     assert!(signal(SignalKind::from_raw(libc::SIGKILL)).is_err());
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.0;
    let forbidden = [
        libc::SIGKILL,
        libc::SIGSTOP,
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGFPE,
    ];
    if signum <= 0 || signum as usize >= MAX_SIGNAL || forbidden.contains(&signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signum} cannot be listened for"),
        ));
    }
    Ok(Signal {
        listener: Listener::new(signum, "oneloop::signal::unix::signal")?,
    })
}

/// A stream of one signal's arrivals (tokio's `signal::unix::Signal`); see [`signal`].
///
/// Several arrivals before a `recv()` runs count as one (as tokio's): a signal says
/// "something happened at least once", not how many times.
///
/// ```
/// use oneloop::signal::unix::{signal, Signal, SignalKind};
///
/// oneloop::run(async {
///     let mut hup: Signal = signal(SignalKind::hangup()).unwrap();
///     assert_eq!(unsafe { libc::raise(libc::SIGHUP) }, 0);
///     hup.recv().await.unwrap();
/// });
/// ```
pub struct Signal {
    listener: Listener,
}

impl Signal {
    /// Waits for the next arrival of the signal. A cancellation point:
    /// `Err(Cancelled)` when the task is cancelled (tokio's returns `Option<()>`; add `?`
    /// as for `mpsc::Receiver::recv`). `Ok(None)` would mean no more signals can come
    /// (the pipe failed); it does not happen in practice.
    ///
    /// ```
    /// use oneloop::signal::unix::{signal, SignalKind};
    ///
    /// oneloop::run(async {
    ///     let mut term = signal(SignalKind::terminate()).unwrap();
    ///     let waiter = oneloop::spawn(async move { term.recv().await });
    ///     oneloop::task::yield_now().await.unwrap();
    ///     waiter.cancel();
    ///     assert_eq!(waiter.await.unwrap(), Err(oneloop::Cancelled));
    /// });
    /// ```
    pub async fn recv(&mut self) -> Result<Option<()>, Cancelled> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The poll behind [`recv`](Signal::recv), for hand-written futures.
    ///
    /// ```
    /// use oneloop::signal::unix::{signal, SignalKind};
    ///
    /// oneloop::run(async {
    ///     let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
    ///     assert_eq!(unsafe { libc::raise(libc::SIGUSR2) }, 0);
    ///     let got = std::future::poll_fn(|cx| usr2.poll_recv(cx)).await;
    ///     assert_eq!(got, Ok(Some(())));
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<()>, Cancelled>> {
        // Pending: woken by the reactor when the handler writes to this loop's pipe.
        match self.listener.poll_recv(cx, "signal::unix::Signal::recv") {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => Poll::Ready(Ok(Some(()))),
            Poll::Ready(Err(e)) if crate::is_cancelled(&e) => Poll::Ready(Err(Cancelled)),
            Poll::Ready(Err(_)) => Poll::Ready(Ok(None)),
        }
    }
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal").finish_non_exhaustive()
    }
}
