//! The server: an accept loop that spawns one task per connection (see `connection.rs`),
//! its limits, and graceful shutdown.

mod connection;
mod date;
pub(crate) mod message;

use std::future::{poll_fn, Future};
use std::io;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use connection::{serve_connection, Shared};
pub use message::{InvalidQuery, Request, Response};

use crate::net::TcpListener;
use crate::sync::Event;
use crate::task::JoinSet;

/// How long the accept loop pauses after an accept error such as EMFILE (out of file
/// descriptors): the connection stays queued in the kernel, so the listener stays ready and
/// an immediate retry would fail again at once, for ever, at 100% CPU. Pausing lets other
/// connections finish and free their descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The server's limits (see [`ServerBuilder`] for what each does).
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) max_head: usize,
    pub(crate) max_body: usize,
    pub(crate) header_timeout: Duration,
    pub(crate) idle_timeout: Duration,
}

/// An HTTP/1.1 server with its limits; [`serve`] is `Server::new().serve(..)`.
///
/// ```
/// use oneloop::http::{Client, Response, Server};
/// use oneloop::net::TcpListener;
/// use oneloop::time::Duration;
///
/// oneloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = Server::builder()
///         .max_body_bytes(64 * 1024)
///         .header_read_timeout(Duration::from_secs(5))
///         .build();
///     oneloop::spawn(async move { server.serve(listener, |_req| async { Response::text("ok") }).await });
///     let resp = Client::new().post(&format!("http://{addr}/"), vec![0; 100_000]).await.unwrap();
///     assert_eq!(resp.status(), 413);
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Server {
    limits: Limits,
    /// How long in-flight requests may run on after a shutdown signal.
    grace: Duration,
}

/// Sets a [`Server`]'s limits.
///
/// ```
/// use oneloop::http::Server;
/// use oneloop::time::Duration;
/// let server = Server::builder()
///     .max_header_bytes(8 * 1024)
///     .max_body_bytes(10 << 20)
///     .header_read_timeout(Duration::from_secs(5))
///     .idle_timeout(Duration::from_secs(30))
///     .shutdown_grace(Duration::from_secs(2))
///     .build();
/// # let _ = server;
/// ```
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    server: Server,
}

impl ServerBuilder {
    /// The most bytes a request line plus headers may take (default 16 KiB); more is
    /// answered with 431.
    ///
    /// ```
    /// let _ = oneloop::http::Server::builder().max_header_bytes(4096);
    /// ```
    pub fn max_header_bytes(mut self, bytes: usize) -> ServerBuilder {
        self.server.limits.max_head = bytes;
        self
    }

    /// The largest request body accepted (default 1 MiB); a larger one is answered with
    /// 413, without reading it when its `Content-Length` says so up front.
    ///
    /// ```
    /// let _ = oneloop::http::Server::builder().max_body_bytes(1024);
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> ServerBuilder {
        self.server.limits.max_body = bytes;
        self
    }

    /// How long a client may take to send a request's head, from its first byte (from the
    /// accept for the first request); default 10 s. Late is answered with 408: this is the
    /// defence against slowloris clients that trickle headers to hold connections open.
    ///
    /// ```
    /// let _ = oneloop::http::Server::builder().header_read_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> ServerBuilder {
        self.server.limits.header_timeout = timeout;
        self
    }

    /// How long a kept-alive connection may sit idle between requests before it is closed,
    /// and how long each wait for body bytes or for the client to take the response may
    /// last; default 60 s.
    ///
    /// ```
    /// let _ = oneloop::http::Server::builder().idle_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn idle_timeout(mut self, timeout: Duration) -> ServerBuilder {
        self.server.limits.idle_timeout = timeout;
        self
    }

    /// How long [`Server::serve_with_shutdown`] lets in-flight requests finish once the
    /// signal came, before it closes their connections; default 10 s.
    ///
    /// ```
    /// let _ = oneloop::http::Server::builder().shutdown_grace(std::time::Duration::from_secs(1));
    /// ```
    pub fn shutdown_grace(mut self, grace: Duration) -> ServerBuilder {
        self.server.grace = grace;
        self
    }

    /// The server.
    ///
    /// ```
    /// let server = oneloop::http::Server::builder().build();
    /// # let _ = server;
    /// ```
    pub fn build(self) -> Server {
        self.server
    }
}

impl Default for Server {
    fn default() -> Server {
        Server {
            limits: Limits {
                max_head: 16 * 1024,
                max_body: 1024 * 1024,
                header_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(60),
            },
            grace: Duration::from_secs(10),
        }
    }
}

impl Server {
    /// A server with the default limits.
    ///
    /// ```
    /// let server = oneloop::http::Server::new();
    /// # let _ = server;
    /// ```
    pub fn new() -> Server {
        Server::default()
    }

    /// A builder for the limits.
    ///
    /// ```
    /// let server = oneloop::http::Server::builder().max_body_bytes(1 << 20).build();
    /// # let _ = server;
    /// ```
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            server: Server::default(),
        }
    }

    /// Serves connections from `listener` with `handler` until the task is cancelled
    /// (then every connection is closed and the cancellation returned as the error).
    ///
    /// ```no_run
    /// use oneloop::http::{Response, Server};
    /// # oneloop::run(async {
    /// let listener = oneloop::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// Server::new().serve(listener, |_req| async { Response::text("hello") }).await
    /// # }).unwrap();
    /// ```
    pub async fn serve<H, F>(&self, listener: TcpListener, handler: H) -> io::Result<()>
    where
        H: Fn(Request) -> F + 'static,
        F: Future<Output = Response> + 'static,
    {
        self.serve_with_shutdown(listener, handler, std::future::pending::<()>())
            .await
    }

    /// Serves until `signal` completes (its output is ignored, so `signal::ctrl_c()` fits),
    /// then shuts down gracefully: stops accepting, closes idle connections, lets requests
    /// in flight finish for the grace period, then closes what is left.
    ///
    /// ```
    /// use oneloop::http::{Response, Server};
    /// use oneloop::sync::oneshot;
    ///
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let (stop, stopped) = oneshot::channel::<()>();
    ///     let server = oneloop::spawn(async move {
    ///         Server::new().serve_with_shutdown(listener, |_req| async { Response::text("hi") }, stopped).await
    ///     });
    ///     stop.send(()).unwrap();
    ///     server.await.unwrap().unwrap(); // returns once shut down
    /// });
    /// ```
    pub async fn serve_with_shutdown<H, F, S>(
        &self,
        listener: TcpListener,
        handler: H,
        signal: S,
    ) -> io::Result<()>
    where
        H: Fn(Request) -> F + 'static,
        F: Future<Output = Response> + 'static,
        S: Future,
    {
        let shared = Rc::new(Shared {
            handler,
            limits: self.limits.clone(),
            stopping: Event::new(),
        });
        // Dropping the set (on every way out of this function) aborts what is left in it.
        let mut connections = JoinSet::new();
        let mut signal = std::pin::pin!(signal);
        loop {
            // Wait for a connection, the signal, or a connection task to finish (joined
            // so that the set does not grow with finished tasks).
            let step = poll_fn(|cx| {
                if signal.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Step::Stop);
                }
                // The accept comes before the reaping below: it is where a cancel of this
                // task is delivered (`join_next` would pass it on to the connections).
                if let Poll::Ready(accepted) = listener.poll_accept(cx) {
                    return Poll::Ready(Step::Accepted(accepted));
                }
                while !connections.is_empty() {
                    match std::pin::pin!(connections.join_next()).poll(cx) {
                        Poll::Ready(_) => continue,
                        Poll::Pending => break,
                    }
                }
                // Woken by the listener's readiness, the signal, or a finishing task.
                Poll::Pending
            })
            .await;
            match step {
                Step::Stop => break,
                Step::Accepted(Ok((stream, _peer))) => {
                    connections.spawn(serve_connection(stream, Rc::clone(&shared)));
                }
                Step::Accepted(Err(e)) if crate::is_cancelled(&e) => return Err(e),
                Step::Accepted(Err(_)) => {
                    if let Err(cancelled) = crate::time::sleep(ACCEPT_BACKOFF).await {
                        return Err(cancelled.into());
                    }
                }
            }
        }
        // Graceful shutdown: no new connections; idle ones close as they see `stopping`.
        drop(listener);
        shared.stopping.set();
        // The grace period is a `sleep`, so a cancel of this task during it is delivered
        // at once (the `JoinSet` is then dropped, aborting what is left).
        let mut grace = std::pin::pin!(crate::time::sleep(self.grace));
        poll_fn(|cx| {
            // The grace timer first: it is where a cancel of this task is delivered.
            if let Poll::Ready(Err(cancelled)) = grace.as_mut().poll(cx) {
                return Poll::Ready(Err(cancelled));
            }
            while !connections.is_empty() {
                match std::pin::pin!(connections.join_next()).poll(cx) {
                    Poll::Ready(_) => continue,
                    Poll::Pending => break,
                }
            }
            if connections.is_empty() {
                return Poll::Ready(Ok(()));
            }
            // Woken by a finishing connection task or by the grace timer.
            grace.as_mut().poll(cx)
        })
        .await
        .map_err(io::Error::from)?;
        Ok(())
    }
}

/// What woke the accept loop.
enum Step {
    Accepted(io::Result<(crate::net::TcpStream, std::net::SocketAddr)>),
    Stop,
}

/// Serves HTTP/1.1 on `listener`: each connection is a task, each request is answered by
/// `handler`. Runs until its task is cancelled. The limits are [`Server`]'s defaults.
///
/// ```
/// use oneloop::http::{serve, Client, Request, Response};
/// use oneloop::net::TcpListener;
///
/// oneloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let url = format!("http://{}/", listener.local_addr().unwrap());
///     oneloop::spawn(serve(listener, |req: Request| async move {
///         Response::html(format!("<h1>{}</h1>", req.path()))
///     }));
///     let resp = Client::new().get(&url).await.unwrap();
///     assert_eq!(resp.status(), 200);
///     assert_eq!(resp.text().await.unwrap(), "<h1>/</h1>");
/// });
/// ```
pub async fn serve<H, F>(listener: TcpListener, handler: H) -> io::Result<()>
where
    H: Fn(Request) -> F + 'static,
    F: Future<Output = Response> + 'static,
{
    Server::new().serve(listener, handler).await
}

/// [`serve`] until `signal` completes, then a graceful shutdown (see
/// [`Server::serve_with_shutdown`]).
///
/// ```no_run
/// use oneloop::http::{serve_with_shutdown, Response};
/// # oneloop::run(async {
/// let listener = oneloop::net::TcpListener::bind("127.0.0.1:8080").await?;
/// serve_with_shutdown(listener, |_req| async { Response::text("hi") }, oneloop::signal::ctrl_c()).await
/// # }).unwrap();
/// ```
pub async fn serve_with_shutdown<H, F, S>(
    listener: TcpListener,
    handler: H,
    signal: S,
) -> io::Result<()>
where
    H: Fn(Request) -> F + 'static,
    F: Future<Output = Response> + 'static,
    S: Future,
{
    Server::new()
        .serve_with_shutdown(listener, handler, signal)
        .await
}
