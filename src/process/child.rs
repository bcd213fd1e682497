//! `Child`: a running child process, and how the loop learns that it exited.
//!
//! **pidfd first.** On Linux 5.3 and later, `pidfd_open(2)` gives a descriptor that becomes
//! readable when the process exits; it is registered with the reactor like a socket, so a
//! `wait()` costs one registration and one event, concerns only this child, and needs no
//! process-wide state. **SIGCHLD otherwise** (an older kernel, another Unix): `wait()`
//! listens for SIGCHLD through the signal machinery (`signal/registry.rs`) and calls
//! `try_wait` after each arrival; SIGCHLD says "some child changed", so every waiting
//! child checks its own. In both cases the exit status is collected with `waitpid` (std's
//! `try_wait`), which also reaps the zombie. The environment variable
//! `ONELOOP_PROCESS_SIGCHLD=1` forces the fallback (for tests of it).

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::ExitStatus;
use std::task::{ready, Context, Poll};

use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::signal::registry::Listener;
use crate::task::cancel::poll_proceed;

/// A spawned child process (tokio's `process::Child`), from [`Command::spawn`](super::Command::spawn).
///
/// Dropping it does not end the process unless [`kill_on_drop`](super::Command::kill_on_drop)
/// was set (tokio's rule); a child dropped while running is not reaped by this crate and
/// stays a zombie after it exits, until this process ends.
///
/// ```
/// use oneloop::process::Command;
///
/// oneloop::run(async {
///     let mut child = Command::new("true").spawn()?;
///     assert!(child.id().is_some());
///     let status = child.wait().await?;
///     assert!(status.success());
///     assert_eq!(child.id(), None); // reaped
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct Child {
    /// The child's stdin, if it was set to `Stdio::piped()`; take it to write.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if it was set to `Stdio::piped()`; take it to read.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if it was set to `Stdio::piped()`; take it to read.
    pub stderr: Option<ChildStderr>,
    /// `Some` until `Drop` hands a killed child to a reaper thread.
    std: Option<std::process::Child>,
    exit: ExitWatch,
    /// The exit status, once collected (the process is reaped then: its pid may be reused).
    status: Option<ExitStatus>,
    kill_on_drop: bool,
}

/// How this child's exit reaches the loop.
enum ExitWatch {
    Pidfd(PidFd),
    /// The SIGCHLD listener, made by the first `wait()` (before its first `try_wait`, so no
    /// exit can slip between the two).
    Sigchld(Option<Listener>),
}

/// A pidfd registered with the reactor; readable once the process has exited.
struct PidFd {
    /// Deregistered in `Drop`, before the descriptor closes.
    registration: Registration,
    /// Closed when the `PidFd` drops, after `Drop` deregistered it.
    _fd: OwnedFd,
}

impl Drop for PidFd {
    fn drop(&mut self) {
        self.registration.deregister();
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(unsafe_code)]
fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open(2) takes a pid and flags (none) and returns a new descriptor
    // (close-on-exec) or -1; it touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just created this descriptor for us; nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as std::os::fd::RawFd) })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn pidfd_open(_pid: u32) -> io::Result<OwnedFd> {
    Err(io::ErrorKind::Unsupported.into())
}

impl ExitWatch {
    fn new(pid: u32) -> io::Result<ExitWatch> {
        if std::env::var_os("ONELOOP_PROCESS_SIGCHLD").is_some_and(|v| v == "1") {
            return Ok(ExitWatch::Sigchld(None));
        }
        match pidfd_open(pid) {
            Ok(fd) => Ok(ExitWatch::Pidfd(PidFd {
                registration: context::register(fd.as_raw_fd())?,
                _fd: fd,
            })),
            // ENOSYS: a kernel before 5.3 (or seccomp forbids it): fall back to SIGCHLD.
            Err(_) => Ok(ExitWatch::Sigchld(None)),
        }
    }
}

impl Child {
    pub(crate) fn new(mut std: std::process::Child, kill_on_drop: bool) -> io::Result<Child> {
        let exit = ExitWatch::new(std.id())?;
        Ok(Child {
            stdin: std.stdin.take().map(ChildStdin::from_std).transpose()?,
            stdout: std.stdout.take().map(ChildStdout::from_std).transpose()?,
            stderr: std.stderr.take().map(ChildStderr::from_std).transpose()?,
            std: Some(std),
            exit,
            status: None,
            kill_on_drop,
        })
    }

    /// The process id, `None` once the exit status was collected (the id may belong to
    /// another process by then).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let child = oneloop::process::Command::new("true").spawn()?;
    /// assert!(child.id().unwrap() > 0);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn id(&self) -> Option<u32> {
        match (&self.std, self.status) {
            (Some(std), None) => Some(std.id()),
            _ => None,
        }
    }

    /// Waits for the child to exit and returns its status; closes `stdin` first (as
    /// tokio's), so a child reading it sees end of file instead of waiting for ever. A
    /// cancellation point; a cancelled wait leaves the child running, and waiting again
    /// works.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let status = oneloop::process::Command::new("sh").args(["-c", "exit 3"]).spawn()?.wait().await?;
    /// assert_eq!(status.code(), Some(3));
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        ready!(poll_proceed(cx, "Child::wait"))?;
        if let Some(status) = self.status {
            return Poll::Ready(Ok(status));
        }
        let Some(std) = &mut self.std else {
            return Poll::Ready(Err(io::Error::other("the child was handed to a reaper")));
        };
        let status = match &mut self.exit {
            // Pending: woken by the reactor when the pidfd becomes readable (the exit).
            ExitWatch::Pidfd(pidfd) => {
                ready!(pidfd.registration.poll_io(cx, Direction::Read, || std
                    .try_wait()?
                    .ok_or_else(|| io::ErrorKind::WouldBlock.into())))?
            }
            ExitWatch::Sigchld(listener) => loop {
                let listener = match listener {
                    Some(listener) => listener,
                    None => listener.insert(Listener::new(libc::SIGCHLD, "Child::wait")?),
                };
                if let Some(status) = std.try_wait()? {
                    break status;
                }
                // Pending: woken by the reactor when a SIGCHLD reaches this loop's pipe.
                ready!(listener.poll_recv(cx, "Child::wait"))?;
            },
        };
        self.status = Some(status);
        Poll::Ready(Ok(status))
    }

    /// The exit status if the child has exited, without waiting.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let mut child = oneloop::process::Command::new("sleep").arg("10").kill_on_drop(true).spawn()?;
    /// assert_eq!(child.try_wait()?, None);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            if let Some(std) = &mut self.std {
                self.status = std.try_wait()?;
            }
        }
        Ok(self.status)
    }

    /// Sends SIGKILL without waiting (tokio's `start_kill`); fails with `InvalidInput` if
    /// the exit status was already collected.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let mut child = oneloop::process::Command::new("sleep").arg("10").spawn()?;
    /// child.start_kill()?;
    /// assert!(!child.wait().await?.success());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        match (&mut self.std, self.status) {
            (Some(std), None) => std.kill(),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "cannot kill a child whose exit status was collected",
            )),
        }
    }

    /// Sends SIGKILL and waits for the exit (tokio's `kill`). A cancellation point (the
    /// signal is sent already; waiting again collects the status).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let mut child = oneloop::process::Command::new("sleep").arg("10").spawn()?;
    /// child.kill().await?;
    /// assert_eq!(child.id(), None);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the exit while reading all of stdout and stderr (those that are piped),
    /// both at once so a child that fills one pipe cannot block on it.
    ///
    /// ```
    /// use oneloop::process::{Command, Stdio};
    ///
    /// # oneloop::run(async {
    /// let child = Command::new("echo").arg("out").stdout(Stdio::piped()).spawn()?;
    /// let output = child.wait_with_output().await?;
    /// assert_eq!(output.stdout, b"out\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<std::process::Output> {
        drop(self.stdin.take());
        let (mut stdout, mut stderr) = (self.stdout.take(), self.stderr.take());
        let (out, err) = crate::join!(read_all(stdout.as_mut()), read_all(stderr.as_mut()));
        let status = self.wait().await?;
        Ok(std::process::Output {
            status,
            stdout: out?,
            stderr: err?,
        })
    }
}

/// Everything a pipe gives until end of file (nothing for a stream that is not piped).
async fn read_all<R: crate::io::AsyncRead + Unpin>(pipe: Option<&mut R>) -> io::Result<Vec<u8>> {
    use crate::io::AsyncReadExt;
    let mut bytes = Vec::new();
    if let Some(pipe) = pipe {
        pipe.read_to_end(&mut bytes).await?;
    }
    Ok(bytes)
}

impl Drop for Child {
    fn drop(&mut self) {
        if !self.kill_on_drop || self.status.is_some() {
            return;
        }
        let Some(mut std) = self.std.take() else {
            return;
        };
        if let Ok(Some(_)) = std.try_wait() {
            return; // exited and reaped now
        }
        if std.kill().is_ok() {
            // SIGKILL ends it promptly but not synchronously: a thread collects the status
            // so no zombie stays (a production runtime keeps an orphan queue instead).
            let _ = std::thread::Builder::new()
                .name("oneloop-reaper".into())
                .spawn(move || std.wait());
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("id", &self.id())
            .field("status", &self.status)
            .field("pidfd", &matches!(self.exit, ExitWatch::Pidfd(_)))
            .finish()
    }
}
