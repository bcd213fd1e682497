//! Network helpers for the reactor, I/O and socket tests: loopback listeners and connected
//! pairs on port 0, probes that say whether an operation is parked in the reactor, a
//! deterministic byte pattern, and descriptor counts.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use oneloop::io::{AsyncRead, AsyncWrite};
use oneloop::net::{TcpListener, TcpStream};

use crate::bounded;

/// A listener on 127.0.0.1, port 0.
pub async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local_addr");
    (listener, addr)
}

/// Two connected streams over loopback: (client side, server side).
pub async fn pair() -> (TcpStream, TcpStream) {
    let (listener, addr) = listener().await;
    let client = oneloop::spawn(async move { TcpStream::connect(addr).await });
    let (server, _) = bounded("accept", listener.accept()).await.expect("accept");
    let client = bounded("connect", client).await.unwrap().expect("connect");
    (client, server)
}

/// Fills the accept queue of a listener that never accepts, so that the next connect to it
/// stays in progress (Linux drops SYNs to a listener whose queue is full). `None` if the
/// queue did not fill within 1100 connections (std listens with a backlog of 128).
pub async fn full_backlog() -> Option<(std::net::TcpListener, Vec<TcpStream>)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    let mut stuck_in_a_row = 0;
    while held.len() < 1100 {
        // A probe that has not connected after this long is stuck behind the full queue (a
        // connect that succeeds takes microseconds on loopback; the SYN retry takes 1 s).
        // Two stuck in a row, so that one slow connect on a loaded machine is not taken
        // for a full queue.
        match oneloop::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                held.push(stream);
                stuck_in_a_row = 0;
            }
            Ok(Err(e)) => panic!("filler connect failed: {e}"),
            Err(_) if stuck_in_a_row == 1 => return Some((listener, held)),
            Err(_) => stuck_in_a_row += 1,
        }
    }
    None
}

/// Lets the loop turn `n` times (ready tasks, timers and I/O get a go each time).
pub async fn turns(n: usize) {
    for _ in 0..n {
        oneloop::task::yield_now().await.expect("not cancelled");
    }
}

/// Turns the loop until `cond` holds; fails the test after [`bounded`]'s bound.
pub async fn until(what: &str, cond: impl Fn() -> bool) {
    bounded(what, async {
        while !cond() {
            oneloop::task::yield_now().await.expect("not cancelled");
        }
    })
    .await
}

/// What a [`Probe`] saw: bytes that went through it, and whether its last poll was
/// `Pending` (the task is parked in the reactor, waiting for readiness).
#[derive(Clone, Default, Debug)]
pub struct Seen {
    /// Bytes read or written through the probe.
    pub bytes: Rc<Cell<usize>>,
    /// Whether the last poll was `Pending`.
    pub parked: Rc<Cell<bool>>,
    /// Polls of `poll_read` / `poll_write`.
    pub polls: Rc<Cell<usize>>,
}

impl Seen {
    /// Bytes that went through so far.
    pub fn bytes(&self) -> usize {
        self.bytes.get()
    }
    /// Whether the last poll was `Pending`.
    pub fn parked(&self) -> bool {
        self.parked.get()
    }
    fn note<T>(&self, poll: &Poll<io::Result<T>>, n: impl FnOnce(&T) -> usize) {
        self.polls.set(self.polls.get() + 1);
        self.parked.set(poll.is_pending());
        if let Poll::Ready(Ok(value)) = poll {
            self.bytes.set(self.bytes.get() + n(value));
        }
    }
}

/// Wraps a reader or writer and records, in a [`Seen`], what went through it.
pub struct Probe<T> {
    /// The wrapped reader or writer.
    pub inner: T,
    /// What went through it.
    pub seen: Seen,
}

impl<T> Probe<T> {
    /// Wraps `inner`; the [`Seen`] returned shares the probe's record.
    pub fn new(inner: T) -> (Probe<T>, Seen) {
        let seen = Seen::default();
        (
            Probe {
                inner,
                seen: seen.clone(),
            },
            seen,
        )
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Probe<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.seen.note(&poll, |n| *n);
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Probe<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.seen.note(&poll, |n| *n);
        poll
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Wraps any future and records whether its last poll was `Pending`.
pub struct Parked<F> {
    inner: Pin<Box<F>>,
    parked: Rc<Cell<bool>>,
}

/// Wraps `future`; the flag says whether its last poll was `Pending`.
pub fn parked<F: Future>(future: F) -> (Parked<F>, Rc<Cell<bool>>) {
    let flag = Rc::new(Cell::new(false));
    let wrapped = Parked {
        inner: Box::pin(future),
        parked: Rc::clone(&flag),
    };
    (wrapped, flag)
}

impl<F: Future> Future for Parked<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let poll = self.inner.as_mut().poll(cx);
        self.parked.set(poll.is_pending());
        poll
    }
}

/// Polls two futures together until both are done (a local `join!`, so these tests do not
/// depend on the macro).
pub async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready((ra.take().unwrap(), rb.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// A deterministic byte pattern: the byte at stream offset `i`.
pub fn pattern(i: u64) -> u8 {
    (i % 251) as u8
}

/// `len` bytes of [`pattern`] from offset 0, built by copying whole periods (a byte-by-byte
/// loop over 64 MB takes seconds in a debug build).
pub fn pattern_bytes(len: usize) -> Vec<u8> {
    let period: Vec<u8> = (0..251).map(pattern).collect();
    let mut bytes = Vec::with_capacity(len + period.len());
    while bytes.len() < len {
        bytes.extend_from_slice(&period);
    }
    bytes.truncate(len);
    bytes
}

/// Open file descriptors of this process (Linux: the entries of /proc/self/fd, minus the
/// one the listing itself uses).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
        - 1
}

/// A port on 127.0.0.1 on which nobody listens (bound, then closed).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().unwrap().port()
}
