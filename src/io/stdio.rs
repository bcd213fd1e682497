//! `io::stdin`, `io::stdout`, `io::stderr`: the process's standard streams, read and
//! written on the blocking thread pool ([`spawn_blocking`]), as tokio does.
//!
//! Why not register the descriptors with the reactor? Readiness needs `O_NONBLOCK`, and
//! that flag belongs to the *open file description*, which a terminal or pipe shares with
//! the parent shell and every other process holding it: setting it would make their
//! blocking reads and writes fail with `EAGAIN`. A regular file is never "not ready" either,
//! so epoll refuses it. A pool thread doing plain blocking calls works for every kind of
//! descriptor and changes nothing for anyone else.
//!
//! [`Blocking`] is the machine in between: one operation at a time on a pool thread, its
//! buffer and the std handle travelling with it and coming back when it is done.
//!
//! **Cancellation.** A read cancelled while the pool thread is still blocked does not lose
//! what that thread reads: the operation stays in flight in the `Stdin`, and the next read
//! returns its bytes. A write is accepted at once (its bytes copied into the buffer) and
//! carried out in the background; `flush` waits for it and reports its error, if any.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::{AsyncRead, AsyncWrite};
use crate::task::cancel::poll_proceed;
use crate::task::{spawn_blocking, JoinHandle};

/// The most one read or write moves through the pool at a time: bounds the copy (tokio's
/// figure is larger; standard streams rarely carry more than a pipe's 64 KiB at once).
const MAX_BUF: usize = 64 * 1024;

/// The process's standard input (tokio's `io::stdin`). Reads happen on the blocking pool.
///
/// ```no_run
/// use oneloop::io::{AsyncBufReadExt, BufReader};
///
/// #[oneloop::main]
/// async fn main() -> std::io::Result<()> {
///     let mut lines = BufReader::new(oneloop::io::stdin()).lines();
///     while let Some(line) = lines.next_line().await? {
///         println!("read: {line}");
///     }
///     Ok(())
/// }
/// ```
pub fn stdin() -> Stdin {
    Stdin(Blocking::new(io::stdin()))
}

/// The process's standard output (tokio's `io::stdout`). Writes happen on the blocking
/// pool; `flush` waits until they are done.
///
/// ```
/// use oneloop::io::AsyncWriteExt;
/// oneloop::run(async {
///     let mut out = oneloop::io::stdout();
///     out.write_all(b"hello from the loop\n").await?;
///     out.flush().await
/// })
/// .unwrap();
/// ```
pub fn stdout() -> Stdout {
    Stdout(Blocking::new(io::stdout()))
}

/// The process's standard error (tokio's `io::stderr`), written as [`stdout`] is.
///
/// ```
/// use oneloop::io::AsyncWriteExt;
/// oneloop::run(async {
///     let mut err = oneloop::io::stderr();
///     err.write_all(b"a warning\n").await?;
///     err.flush().await
/// })
/// .unwrap();
/// ```
pub fn stderr() -> Stderr {
    Stderr(Blocking::new(io::stderr()))
}

/// The reader returned by [`stdin`].
///
/// ```
/// let _input: oneloop::io::Stdin = oneloop::io::stdin();
/// ```
pub struct Stdin(Blocking<io::Stdin>);

/// The writer returned by [`stdout`].
///
/// ```
/// let _output: oneloop::io::Stdout = oneloop::io::stdout();
/// ```
pub struct Stdout(Blocking<io::Stdout>);

/// The writer returned by [`stderr`].
///
/// ```
/// let _errors: oneloop::io::Stderr = oneloop::io::stderr();
/// ```
pub struct Stderr(Blocking<io::Stderr>);

/// A blocking std handle driven from the loop: at most one operation in flight.
pub(crate) struct Blocking<T> {
    state: State<T>,
}

enum State<T> {
    /// No operation in flight: the handle, and a buffer (for a reader: bytes read and not
    /// yet handed out, from `pos`).
    Idle { inner: T, buf: Vec<u8>, pos: usize },
    /// An operation runs on the pool; the handle and buffer come back with its result.
    Busy(JoinHandle<Done<T>>),
    /// Only while switching between the two, or if the pool thread panicked.
    Gone,
}

/// What a pool thread hands back.
type Done<T> = (io::Result<usize>, Vec<u8>, T);

impl<T: Send + 'static> Blocking<T> {
    pub(crate) fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle {
                inner,
                buf: Vec::new(),
                pos: 0,
            },
        }
    }

    /// Waits for the operation in flight, if any; gives its result (`Ok(0)` if none).
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let State::Busy(handle) = &mut self.state else {
            return Poll::Ready(Ok(0));
        };
        // Woken by the pool thread when the operation is done.
        let done = ready!(Pin::new(handle).poll(cx));
        match done {
            Ok((result, buf, inner)) => {
                self.state = State::Idle { inner, buf, pos: 0 };
                Poll::Ready(result)
            }
            Err(join_error) => {
                self.state = State::Gone;
                Poll::Ready(Err(io::Error::from(join_error)))
            }
        }
    }

    fn gone() -> io::Error {
        io::Error::other("a standard stream's pool thread panicked")
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "read"))?;
        loop {
            match &mut self.state {
                State::Idle { buf, pos, .. } if *pos < buf.len() => {
                    let n = out.len().min(buf.len() - *pos);
                    out[..n].copy_from_slice(&buf[*pos..*pos + n]);
                    *pos += n;
                    return Poll::Ready(Ok(n));
                }
                State::Idle { .. } if out.is_empty() => return Poll::Ready(Ok(0)),
                State::Idle { .. } => {
                    let State::Idle {
                        mut inner, mut buf, ..
                    } = std::mem::replace(&mut self.state, State::Gone)
                    else {
                        unreachable!("matched Idle just above")
                    };
                    let want = out.len().min(MAX_BUF);
                    self.state = State::Busy(spawn_blocking(move || {
                        buf.resize(want, 0);
                        let result = loop {
                            match inner.read(&mut buf) {
                                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                                other => break other,
                            }
                        };
                        buf.truncate(*result.as_ref().unwrap_or(&0));
                        (result, buf, inner)
                    }));
                }
                State::Busy(_) => match ready!(self.poll_done(cx)) {
                    Ok(0) => return Poll::Ready(Ok(0)), // end of stream
                    Ok(_) => {}                         // hand the bytes out, above
                    Err(e) => return Poll::Ready(Err(e)),
                },
                State::Gone => return Poll::Ready(Err(Self::gone())),
            }
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "write"))?;
        ready!(self.poll_done(cx))?; // one write at a time; an earlier error is reported here
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let State::Idle {
            mut inner, mut buf, ..
        } = std::mem::replace(&mut self.state, State::Gone)
        else {
            return Poll::Ready(Err(Self::gone()));
        };
        let n = data.len().min(MAX_BUF);
        buf.clear();
        buf.extend_from_slice(&data[..n]);
        self.state = State::Busy(spawn_blocking(move || {
            let result = inner.write_all(&buf).and_then(|()| inner.flush());
            buf.clear();
            (result.map(|()| 0), buf, inner)
        }));
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_proceed(cx, "flush"))?;
        match ready!(self.poll_done(cx)) {
            Ok(_) if matches!(self.state, State::Gone) => Poll::Ready(Err(Self::gone())),
            Ok(_) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.poll_read(cx, buf)
    }
}

/// `Stdout` and `Stderr` write alike.
macro_rules! blocking_writer {
    ($ty:ident) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().0.poll_write(cx, buf)
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().0.poll_flush(cx)
            }
            /// Flushes: a standard stream is not closed by the program that holds it.
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().0.poll_flush(cx)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(stringify!($ty))
            }
        }
    };
}
blocking_writer!(Stdout);
blocking_writer!(Stderr);

impl fmt::Debug for Stdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Stdin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::AsyncReadExt;
    use std::os::unix::net::UnixStream;

    /// `AsyncRead` over a `Blocking`, for the tests (as `Stdin` is over the real stdin).
    struct Reader(Blocking<UnixStream>);
    impl AsyncRead for Reader {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            self.get_mut().0.poll_read(cx, buf)
        }
    }

    #[test]
    fn cancelled_read_keeps_what_the_pool_thread_reads() {
        crate::run(async {
            let (ours, mut theirs) = UnixStream::pair().unwrap();
            let mut reader = Reader(Blocking::new(ours));
            let (to_reader, from_test) = std::sync::mpsc::channel::<()>();
            let task = crate::spawn(async move {
                let mut buf = [0; 16];
                let first = reader.read(&mut buf).await; // the cancel arrives here
                to_reader.send(()).unwrap();
                let n = reader.read(&mut buf).await.unwrap(); // the in-flight read's bytes
                (crate::is_cancelled(&first.unwrap_err()), buf[..n].to_vec())
            });
            crate::task::yield_now().await.unwrap(); // the read is in flight on the pool
            task.cancel();
            let writer = crate::task::spawn_blocking(move || {
                from_test.recv().unwrap(); // only once the cancel was delivered
                theirs.write_all(b"kept").unwrap();
            });
            assert_eq!(task.await.unwrap(), (true, b"kept".to_vec()));
            writer.await.unwrap();
        });
    }

    #[test]
    fn writes_reach_the_stream_by_flush() {
        crate::run(async {
            let (ours, mut theirs) = UnixStream::pair().unwrap();
            let mut writer = Blocking::new(ours);
            let mut out = std::future::poll_fn(|cx| writer.poll_write(cx, b"one two"));
            assert_eq!((&mut out).await.unwrap(), 7);
            std::future::poll_fn(|cx| writer.poll_flush(cx))
                .await
                .unwrap();
            let mut got = [0; 7];
            theirs.read_exact(&mut got).unwrap();
            assert_eq!(&got, b"one two");
        });
    }
}
