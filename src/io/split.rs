//! `io::split`: one reader-writer as two halves that different tasks can own.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{AsyncRead, AsyncWrite};

/// Splits `io` into a read half and a write half, shared through an `Rc<RefCell<_>>` (the
/// loop is single-threaded, so no lock is needed: a half borrows `io` only for one poll).
/// For a `TcpStream`, prefer its own `split`/`into_split`, which share nothing.
///
/// ```
/// use oneloop::io::{split, AsyncReadExt, AsyncWriteExt, BufReader};
/// use oneloop::net::{TcpListener, TcpStream};
///
/// oneloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     let (mut reader, mut writer) = split(BufReader::new(server));
///     let (mut client_reader, mut client_writer) = split(client);
///     client_writer.write_all(b"ping").await?;
///     let mut word = [0; 4];
///     reader.read_exact(&mut word).await?;
///     writer.write_all(&word).await?;
///     client_reader.read_exact(&mut word).await?;
///     assert_eq!(&word, b"ping");
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(io: T) -> (ReadHalf<T>, WriteHalf<T>) {
    let shared = Rc::new(RefCell::new(io));
    (
        ReadHalf {
            io: Rc::clone(&shared),
        },
        WriteHalf { io: shared },
    )
}

/// The read half from [`split`].
///
/// ```
/// use oneloop::io::{split, ReadHalf};
/// use oneloop::net::{TcpListener, TcpStream};
/// oneloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let stream = TcpStream::connect(listener.local_addr()?).await?;
///     let (_reader, _writer): (ReadHalf<TcpStream>, _) = split(stream);
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
#[derive(Debug)]
pub struct ReadHalf<T> {
    io: Rc<RefCell<T>>,
}

/// The write half from [`split`].
///
/// ```
/// use oneloop::io::{split, AsyncWriteExt, WriteHalf};
/// use oneloop::net::{TcpListener, TcpStream};
/// oneloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let stream = TcpStream::connect(listener.local_addr()?).await?;
///     let (_reader, mut writer): (_, WriteHalf<TcpStream>) = split(stream);
///     writer.write_all(b"hi").await?;
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
#[derive(Debug)]
pub struct WriteHalf<T> {
    io: Rc<RefCell<T>>,
}

impl<T: AsyncRead + Unpin> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.io.borrow_mut()).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.io.borrow_mut()).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.io.borrow_mut()).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.io.borrow_mut()).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.io.borrow_mut()).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.borrow().is_write_vectored()
    }
}
