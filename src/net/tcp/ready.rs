//! `TcpStream`'s readiness API (tokio's): wait with `readable()`, `writable()` or
//! `ready(interest)`, then act with `try_read`/`try_write`, which never wait; and `peek`.
//!
//! The reactor keeps one readiness state per socket; the waits read it without a system
//! call, so they may return when a `try_*` then says `WouldBlock` (the readiness was stale,
//! or another task drained the socket). That `WouldBlock` clears the readiness, and the
//! next wait waits for a new event. A loop of "wait, try, on `WouldBlock` wait again" is the
//! intended use. One task waits per direction at a time, as for reads and writes.

use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::task::ready;

use super::stream::TcpStream;
use crate::io::{Interest, Ready};
use crate::reactor::Direction;
use crate::task::cancel::poll_proceed;

impl TcpStream {
    /// Waits until the stream may be readable (tokio's `readable`). A cancellation point.
    ///
    /// ```
    /// use oneloop::io::AsyncWriteExt;
    /// use oneloop::net::{TcpListener, TcpStream};
    ///
    /// oneloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     server.write_all(b"hi").await?;
    ///     let mut buf = [0; 8];
    ///     let n = loop {
    ///         client.readable().await?;
    ///         match client.try_read(&mut buf) {
    ///             Ok(n) => break n,
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///             Err(e) => return Err(e),
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"hi");
    ///     Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until the stream may be writable (tokio's `writable`). A cancellation point.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     client.writable().await?;
    ///     assert_eq!(client.try_write(b"hello")?, 5);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Waits until the stream may be ready for `interest`, and says what it is ready for
    /// (tokio's `ready`). A cancellation point.
    ///
    /// ```
    /// use oneloop::io::Interest;
    ///
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let ready = client.ready(Interest::READABLE | Interest::WRITABLE).await?;
    ///     assert!(ready.is_writable());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        poll_fn(|cx| {
            ready!(poll_proceed(cx, "ready"))?;
            self.registration
                .poll_ready(cx, interest.is_readable(), interest.is_writable())
                .map_ok(Ready::from_bits)
        })
        .await
    }

    /// Reads what is there without waiting (tokio's `try_read`): `WouldBlock` if nothing is,
    /// `Ok(0)` at end of stream.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let err = client.try_read(&mut [0; 8]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock); // nothing sent yet
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.registration
            .try_io(Direction::Read, || (&self.inner).read(buf))
    }

    /// Writes what the socket takes without waiting (tokio's `try_write`): `WouldBlock` if
    /// its send buffer is full.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(client.try_write(b"abc")?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.registration
            .try_io(Direction::Write, || (&self.inner).write(buf))
    }

    /// Waits for data and copies it into `buf` without taking it off the stream (tokio's
    /// `peek`): the next read returns the same bytes. `Ok(0)` at end of stream. A
    /// cancellation point.
    ///
    /// ```
    /// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     server.write_all(b"GET").await?;
    ///     let mut first = [0; 3];
    ///     let n = client.peek(&mut first).await?;
    ///     let mut again = [0; 3];
    ///     client.read_exact(&mut again[..n]).await?;
    ///     assert_eq!(&first[..n], &again[..n]);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            ready!(poll_proceed(cx, "peek"))?;
            self.registration
                .poll_io(cx, Direction::Read, || self.inner.peek(buf))
        })
        .await
    }
}
