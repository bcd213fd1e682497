//! `io::duplex`: an in-memory, two-way pipe (tokio's `DuplexStream`), for tests and for
//! joining two pieces of code that each expect a stream.
//!
//! Each direction is a [`Pipe`]: a byte queue of bounded size with the waker of the task
//! that waits to read it and of the one that waits to write it. Both ends share the two
//! pipes (`Rc`: everything is on the loop's thread).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll, Waker};

use super::{AsyncRead, AsyncWrite};
use crate::task::cancel::poll_proceed;

/// Makes a connected pair of in-memory streams (tokio's `io::duplex`): what one end writes,
/// the other reads. At most `max_buf_size` bytes wait in each direction; a writer then
/// waits until the reader takes some (back-pressure). When an end is dropped, the other
/// reads end of stream after the bytes already sent, and its writes fail with `BrokenPipe`.
///
/// ```
/// use oneloop::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// oneloop::run(async {
///     let (mut left, mut right) = duplex(16);
///     left.write_all(b"hello").await?;
///     drop(left);
///     let mut text = String::new();
///     right.read_to_string(&mut text).await?;
///     assert_eq!(text, "hello");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Rc::new(RefCell::new(Pipe::new(max_buf_size)));
    let two = Rc::new(RefCell::new(Pipe::new(max_buf_size)));
    (
        DuplexStream {
            read: Rc::clone(&one),
            write: Rc::clone(&two),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// One end of a [`duplex`] pair: [`AsyncRead`] + [`AsyncWrite`]. Not `Send` (the pair
/// lives on the loop's thread).
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
///
/// oneloop::run(async {
///     let (mut a, mut b): (DuplexStream, DuplexStream) = oneloop::io::duplex(8);
///     b.write_u32(7).await.unwrap();
///     assert_eq!(a.read_u32().await.unwrap(), 7);
/// });
/// ```
pub struct DuplexStream {
    /// The pipe this end reads from (the other end writes it).
    read: Rc<RefCell<Pipe>>,
    /// The pipe this end writes to.
    write: Rc<RefCell<Pipe>>,
}

/// One direction of the pair.
struct Pipe {
    /// Bytes written and not yet read.
    buffer: VecDeque<u8>,
    /// The most `buffer` may hold (at least 1, so a write can always make progress).
    max: usize,
    /// The writing end shut down or was dropped: the reader gets end of stream once
    /// `buffer` is empty.
    write_closed: bool,
    /// The reading end was dropped: writes fail with `BrokenPipe`.
    read_closed: bool,
    /// The task waiting for bytes (or end of stream).
    reader: Option<Waker>,
    /// The task waiting for room.
    writer: Option<Waker>,
}

impl Pipe {
    fn new(max: usize) -> Pipe {
        Pipe {
            buffer: VecDeque::new(),
            max: max.max(1),
            write_closed: false,
            read_closed: false,
            reader: None,
            writer: None,
        }
    }
}

/// Wakes `waker`, if any, after the pipe's borrow is released (a waker may re-enter).
fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Stores `cx`'s waker in `slot` unless the one there already wakes the same task.
fn store(slot: &mut Option<Waker>, cx: &Context<'_>) -> Option<Waker> {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => None,
        _ => slot.replace(cx.waker().clone()),
    }
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "duplex read"))?;
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut pipe = self.read.borrow_mut();
        if pipe.buffer.is_empty() {
            if pipe.write_closed {
                return Poll::Ready(Ok(0));
            }
            let old = store(&mut pipe.reader, cx);
            drop(pipe);
            drop(old);
            // Woken by the other end's write, shutdown or drop.
            return Poll::Pending;
        }
        let n = buf.len().min(pipe.buffer.len());
        for (dst, src) in buf.iter_mut().zip(pipe.buffer.drain(..n)) {
            *dst = src;
        }
        let writer = pipe.writer.take();
        drop(pipe);
        wake(writer);
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "duplex write"))?;
        let mut pipe = self.write.borrow_mut();
        if pipe.read_closed || pipe.write_closed {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let room = pipe.max.saturating_sub(pipe.buffer.len());
        if room == 0 {
            let old = store(&mut pipe.writer, cx);
            drop(pipe);
            drop(old);
            // Woken by the other end's read (room made) or drop.
            return Poll::Pending;
        }
        let n = room.min(buf.len());
        pipe.buffer.extend(&buf[..n]);
        let reader = pipe.reader.take();
        drop(pipe);
        wake(reader);
        Poll::Ready(Ok(n))
    }

    /// Nothing is buffered on the way: written bytes are already readable.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// The other end reads end of stream after the bytes already written.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let reader = {
            let mut pipe = self.write.borrow_mut();
            pipe.write_closed = true;
            pipe.reader.take()
        };
        wake(reader);
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        let reader = {
            let mut pipe = self.write.borrow_mut();
            pipe.write_closed = true;
            pipe.reader.take()
        };
        let writer = {
            let mut pipe = self.read.borrow_mut();
            pipe.read_closed = true;
            pipe.writer.take()
        };
        wake(reader);
        wake(writer);
    }
}

impl fmt::Debug for DuplexStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DuplexStream")
            .field("readable", &self.read.borrow().buffer.len())
            .field("written", &self.write.borrow().buffer.len())
            .finish()
    }
}
