//! `ChildStdin`, `ChildStdout`, `ChildStderr`: a child's standard streams as non-blocking
//! pipes registered with the reactor, read and written like sockets.
//!
//! Unlike files, pipes do have readiness, so no thread is needed: the pipe std created for
//! the child is switched to non-blocking mode and registered, and every read or write is
//! the drain contract of `Registration::poll_io`.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use mio::unix::pipe::{Receiver, Sender};

use crate::io::{AsyncRead, AsyncWrite};
use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// One end of a pipe, registered with the current loop's reactor.
struct Pipe<T: AsRawFd> {
    /// Deregistered in `Drop`, before the pipe closes.
    registration: Registration,
    inner: T,
}

impl<T: AsRawFd> Pipe<T> {
    fn new(inner: T) -> io::Result<Pipe<T>> {
        let registration = context::register(inner.as_raw_fd())?;
        Ok(Pipe {
            registration,
            inner,
        })
    }
}

impl<T: AsRawFd> Drop for Pipe<T> {
    fn drop(&mut self) {
        // Deregister before the descriptor is closed (when `inner` drops next).
        self.registration.deregister();
    }
}

impl Pipe<Receiver> {
    fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        what: &'static str,
    ) -> Poll<io::Result<usize>> {
        // Cancellation point first: a cancel must not cost bytes taken from the kernel.
        ready!(poll_proceed(cx, what))?;
        // Pending: woken by the reactor when the pipe has data or the child closed its end.
        let n = ready!(self
            .registration
            .poll_io(cx, Direction::Read, || (&self.inner).read(buf)))?;
        if n > 0 && n < buf.len() {
            self.registration.clear_data_readiness(Direction::Read); // drained
        }
        Poll::Ready(Ok(n))
    }
}

/// The child's standard input (tokio's `process::ChildStdin`): [`AsyncWrite`]. Dropping it
/// (or `shutdown`) closes the pipe, so the child reads end of file.
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
/// use oneloop::process::{Command, Stdio};
///
/// oneloop::run(async {
///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     let mut stdin: oneloop::process::ChildStdin = child.stdin.take().unwrap();
///     stdin.write_all(b"meow").await?;
///     drop(stdin); // end of file for cat
///     let mut out = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut out).await?;
///     assert_eq!(out, "meow");
///     child.wait().await?;
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct ChildStdin {
    pipe: Pipe<Sender>,
}

/// The child's standard output (tokio's `process::ChildStdout`): [`AsyncRead`].
///
/// ```
/// use oneloop::io::AsyncReadExt;
/// use oneloop::process::{Command, Stdio};
///
/// oneloop::run(async {
///     let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
///     let mut stdout: oneloop::process::ChildStdout = child.stdout.take().unwrap();
///     let mut out = String::new();
///     stdout.read_to_string(&mut out).await?;
///     assert_eq!(out, "hi\n");
///     child.wait().await?;
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct ChildStdout {
    pipe: Pipe<Receiver>,
}

/// The child's standard error (tokio's `process::ChildStderr`): [`AsyncRead`].
///
/// ```
/// use oneloop::io::AsyncReadExt;
/// use oneloop::process::{Command, Stdio};
///
/// oneloop::run(async {
///     let mut child = Command::new("sh").args(["-c", "echo oops >&2"]).stderr(Stdio::piped()).spawn()?;
///     let mut stderr: oneloop::process::ChildStderr = child.stderr.take().unwrap();
///     let mut err = String::new();
///     stderr.read_to_string(&mut err).await?;
///     assert_eq!(err, "oops\n");
///     child.wait().await?;
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct ChildStderr {
    pipe: Pipe<Receiver>,
}

impl ChildStdin {
    pub(crate) fn from_std(std: std::process::ChildStdin) -> io::Result<ChildStdin> {
        let sender = Sender::from(std);
        sender.set_nonblocking(true)?;
        Ok(ChildStdin {
            pipe: Pipe::new(sender)?,
        })
    }
}

impl ChildStdout {
    pub(crate) fn from_std(std: std::process::ChildStdout) -> io::Result<ChildStdout> {
        let receiver = Receiver::from(std);
        receiver.set_nonblocking(true)?;
        Ok(ChildStdout {
            pipe: Pipe::new(receiver)?,
        })
    }
}

impl ChildStderr {
    pub(crate) fn from_std(std: std::process::ChildStderr) -> io::Result<ChildStderr> {
        let receiver = Receiver::from(std);
        receiver.set_nonblocking(true)?;
        Ok(ChildStderr {
            pipe: Pipe::new(receiver)?,
        })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let pipe = &self.pipe;
        ready!(poll_proceed(cx, "ChildStdin write"))?;
        // Pending: woken by the reactor when the pipe has room or the child closed its end
        // (then the write fails with EPIPE: Rust ignores SIGPIPE).
        let n = ready!(pipe
            .registration
            .poll_io(cx, Direction::Write, || (&pipe.inner).write(buf)))?;
        if n < buf.len() {
            pipe.registration.clear_data_readiness(Direction::Write); // pipe buffer full
        }
        Poll::Ready(Ok(n))
    }

    /// A pipe has no user-space buffer: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Nothing to do before the close: dropping the `ChildStdin` closes the pipe.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_read(cx, buf, "ChildStdout read")
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_read(cx, buf, "ChildStderr read")
    }
}

macro_rules! raw_fd_and_debug {
    ($($t:ident),*) => {$(
        impl AsRawFd for $t {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.inner.as_raw_fd()
            }
        }

        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($t)).field("fd", &self.as_raw_fd()).finish()
            }
        }
    )*};
}

raw_fd_and_debug!(ChildStdin, ChildStdout, ChildStderr);
