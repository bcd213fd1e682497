//! The halves of a `TcpStream`: borrowed (`split`) and owned (`into_split`).
//!
//! Reading and writing use different readiness bits and different wakers in the reactor,
//! so a reader task and a writer task never disturb each other.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::stream::TcpStream;
use crate::io::{AsyncRead, AsyncWrite};

/// The read half of [`TcpStream::split`].
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     server.write_all(b"hi").await?;
///     let (mut reader, _writer): (oneloop::net::ReadHalf<'_>, _) = client.split();
///     let mut buf = [0; 2];
///     reader.read_exact(&mut buf).await?;
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a TcpStream);

/// The write half of [`TcpStream::split`].
///
/// ```
/// use oneloop::io::AsyncWriteExt;
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (_reader, mut writer): (_, oneloop::net::WriteHalf<'_>) = client.split();
///     writer.write_all(b"hi").await?;
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a TcpStream);

impl<'a> ReadHalf<'a> {
    pub(crate) fn pair(stream: &'a mut TcpStream) -> (ReadHalf<'a>, WriteHalf<'a>) {
        let stream: &TcpStream = stream;
        (ReadHalf(stream), WriteHalf(stream))
    }
}

/// The owned read half of [`TcpStream::into_split`].
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
///     let client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (mut reader, _writer) = client.into_split();
///     let reading = oneloop::spawn(async move {
///         let mut text = String::new();
///         reader.read_to_string(&mut text).await.map(|_| text)
///     });
///     server.write_all(b"bye").await?;
///     drop(server);
///     assert_eq!(reading.await.unwrap()?, "bye");
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct OwnedReadHalf(Rc<TcpStream>);

/// The owned write half of [`TcpStream::into_split`]. Dropping it shuts the write side
/// down (the peer reads end of stream), as tokio's does.
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
///     let client = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (_reader, mut writer) = client.into_split();
///     writer.write_all(b"hi").await?;
///     drop(writer); // shuts the write side down: the server reads to the end
///     let mut text = String::new();
///     server.read_to_string(&mut text).await?;
///     assert_eq!(text, "hi");
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct OwnedWriteHalf(Rc<TcpStream>, ShutdownOnDrop);

/// Whether dropping the write half shuts the write side down (not when it is reunited).
struct ShutdownOnDrop(bool);

impl OwnedReadHalf {
    pub(crate) fn pair(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Rc::new(stream);
        (
            OwnedReadHalf(Rc::clone(&stream)),
            OwnedWriteHalf(stream, ShutdownOnDrop(true)),
        )
    }

    /// Puts the halves back together; gives them back if they are from different streams.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// let (r, w) = stream.into_split();
    /// assert!(r.reunite(w).is_ok());
    /// # });
    /// ```
    pub fn reunite(self, mut other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Rc::ptr_eq(&self.0, &other.0) {
            return Err(ReuniteError(self, other));
        }
        other.1 .0 = false; // being reunited, not closed
        let rc = Rc::clone(&self.0);
        drop((self, other));
        Rc::try_unwrap(rc).map_err(|_| unreachable!("both halves were given back"))
    }

    /// The remote address.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let (r, _w) = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap().into_split();
    /// assert_eq!(r.peer_addr().unwrap(), l.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.0.peer_addr()
    }
}

impl OwnedWriteHalf {
    /// The remote address.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let (_r, w) = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap().into_split();
    /// assert_eq!(w.peer_addr().unwrap(), l.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.0.peer_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.1 .0 {
            let _ = self.0.shutdown_write();
        }
    }
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different streams.
///
/// ```
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await?;
///     let a = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
///     let b = oneloop::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (a_reader, _a_writer) = a.into_split();
///     let (_b_reader, b_writer) = b.into_split();
///     let err: oneloop::net::ReuniteError = a_reader.reunite(b_writer).unwrap_err();
///     assert!(err.to_string().contains("not from the same socket"));
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Debug for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}

impl fmt::Debug for OwnedReadHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedReadHalf").field(&*self.0).finish()
    }
}

impl fmt::Debug for OwnedWriteHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedWriteHalf").field(&*self.0).finish()
    }
}

macro_rules! read_half {
    ($ty:ty) => {
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_read_priv(cx, buf)
            }
        }
    };
}

macro_rules! write_half {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_write_priv(cx, buf)
            }
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.0.shutdown_write())
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_write_vectored_priv(cx, bufs)
            }
            fn is_write_vectored(&self) -> bool {
                true
            }
        }
    };
}

read_half!(ReadHalf<'_>);
read_half!(OwnedReadHalf);
write_half!(WriteHalf<'_>);
write_half!(OwnedWriteHalf);
