//! `UnixListener`: accepts connections on a Unix domain socket.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::task::{ready, Context, Poll};

use super::stream::UnixStream;
use super::SocketAddr;
use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// A Unix stream socket server (tokio's `UnixListener`).
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
/// use oneloop::net::{UnixListener, UnixStream};
///
/// oneloop::run(async {
///     let path = std::env::temp_dir().join(format!("oneloop-doc-listener-{}", std::process::id()));
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path)?;
///     let client = oneloop::spawn({
///         let path = path.clone();
///         async move {
///             let mut stream = UnixStream::connect(&path).await?;
///             stream.write_all(b"hello").await
///         }
///     });
///     let (mut conn, _addr) = listener.accept().await?;
///     let mut text = String::new();
///     conn.read_to_string(&mut text).await?;
///     assert_eq!(text, "hello");
///     client.await.unwrap()?;
///     std::fs::remove_file(&path)
/// })
/// .unwrap();
/// ```
pub struct UnixListener {
    /// Deregistered in `Drop`, before the socket closes.
    registration: Registration,
    inner: mio::net::UnixListener,
}

impl UnixListener {
    /// Binds to `path` (creating the socket file; it must not exist) and listens. Not
    /// async, as tokio's; must be called inside a loop (it registers with the reactor).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("oneloop-doc-bind-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = oneloop::net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        UnixListener::from_mio(mio::net::UnixListener::bind(path)?)
    }

    /// Wraps a listening `std::os::unix::net::UnixListener` (switched to non-blocking).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("oneloop-doc-from-std-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    ///     let _listener = oneloop::net::UnixListener::from_std(std_listener)?;
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::from_mio(mio::net::UnixListener::from_std(listener))
    }

    fn from_mio(inner: mio::net::UnixListener) -> io::Result<UnixListener> {
        let registration = context::register(inner.as_raw_fd())?;
        Ok(UnixListener {
            registration,
            inner,
        })
    }

    /// Waits for a connection. A cancellation point.
    ///
    /// See [`UnixListener`] for an example.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("oneloop-doc-accept-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = oneloop::net::UnixListener::bind(&path)?;
    ///     let _client = oneloop::net::UnixStream::connect(&path).await?;
    ///     let (_stream, addr) = listener.accept().await?;
    ///     assert!(addr.is_unnamed()); // the client did not bind
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// The polling form of [`UnixListener::accept`].
    ///
    /// ```
    /// oneloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("oneloop-doc-poll-accept-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = oneloop::net::UnixListener::bind(&path)?;
    ///     let _client = oneloop::net::UnixStream::connect(&path).await?;
    ///     let _accepted = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        ready!(poll_proceed(cx, "accept"))?;
        let (stream, addr) = ready!(self
            .registration
            .poll_io(cx, Direction::Read, || self.inner.accept()))?;
        Poll::Ready(UnixStream::from_mio(stream).map(|s| (s, addr)))
    }

    /// The address it is bound to.
    ///
    /// See [`UnixListener::bind`] for an example.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let path = std::env::temp_dir().join(format!("oneloop-doc-local-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = oneloop::net::UnixListener::bind(&path).unwrap();
    /// assert!(listener.local_addr().unwrap().as_pathname().is_some());
    /// # std::fs::remove_file(&path).unwrap();
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.inner.local_addr().ok())
            .finish()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl Drop for UnixListener {
    fn drop(&mut self) {
        // Deregister before the socket's descriptor is closed (when the fields drop next).
        self.registration.deregister();
    }
}
