//! Helpers for the reactor and networking tests (`net`, `io`, `fd_leak`, `fd_limit`,
//! `signal`): connected socket pairs, probes that say whether an operation is parked in the
//! reactor, fd counting, and child processes bounded by a deadline.
//!
//! Use it from a test file with `mod net_util;`.

#![allow(dead_code)]

use std::cell::Cell;
use std::future::Future;
use std::io::{self, BufRead, BufReader as StdBufReader, Read};
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::rc::Rc;
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use oneloop::io::{AsyncRead, AsyncWrite};
use oneloop::net::{TcpListener, TcpStream};

/// The bound on one wait inside a loop. Generous: it only turns a hang into a failure.
pub const WAIT: Duration = Duration::from_secs(10);

/// The bound on a whole test's loop.
pub const LIMIT: Duration = Duration::from_secs(30);

/// The general helpers (bounded runners, counters) are shared with the other test files.
#[path = "../util/mod.rs"]
pub mod util;

/// Runs `oneloop::run(make())` on its own thread; panics if it takes longer than [`LIMIT`].
pub fn run<Fut, M>(make: M) -> Fut::Output
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    util::run_within(LIMIT, make)
}

/// Awaits `fut`, failing the test with `what` if it takes longer than [`WAIT`].
pub async fn bounded<F: Future>(what: &str, fut: F) -> F::Output {
    match oneloop::time::timeout(WAIT, fut).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: still waiting after {WAIT:?}"),
    }
}

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

/// Turns the loop until `cond` holds; fails the test after [`WAIT`].
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
    pub bytes: Rc<Cell<usize>>,
    pub parked: Rc<Cell<bool>>,
    pub polls: Rc<Cell<usize>>,
}

impl Seen {
    pub fn bytes(&self) -> usize {
        self.bytes.get()
    }
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
    pub inner: T,
    pub seen: Seen,
}

impl<T> Probe<T> {
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

/// The command that re-runs this test binary for the single test `name`, with `CHILD_ENV`
/// set to `mode` so that test knows it is the child.
pub fn child_test(name: &str, mode: &str) -> Command {
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode);
    cmd
}

/// The environment variable that puts a test binary in child mode.
pub const CHILD_ENV: &str = "ONELOOP_TEST_CHILD";

/// The child mode this process was started in, if any.
pub fn child_mode() -> Option<String> {
    std::env::var(CHILD_ENV).ok()
}

/// A spawned child whose stdout lines arrive on a channel (read by a thread, so waiting
/// for a line can be bounded).
pub struct Watched {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Watched {
    pub fn spawn(mut cmd: Command) -> Watched {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in StdBufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Watched {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Waits (at most `limit`) for a stdout line for which `pick` gives `Some`.
    pub fn wait_line<T>(&mut self, limit: Duration, pick: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = pick(&line);
                    self.seen.push(line);
                    if let Some(found) = found {
                        return found;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let stderr = self.stderr_text();
                    panic!(
                        "the child did not print the expected line within {limit:?}; stdout so far: {:#?}\nstderr: {stderr}",
                        self.seen
                    );
                }
            }
        }
    }

    /// Sends SIGINT with `kill -INT` (no libc in the test crate).
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed: {status}");
    }

    /// Waits (at most `limit`) for the child to exit; returns its status and all its stdout.
    pub fn finish(mut self, limit: Duration) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr = self.stderr_text();
                panic!(
                    "the child did not exit within {limit:?}; stdout: {:#?}\nstderr: {stderr}",
                    self.seen
                );
            }
            thread::sleep(Duration::from_millis(5));
        };
        // The pipe closes when the child exits: the reader thread ends the channel.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let stderr = self.stderr_text();
        (status, std::mem::take(&mut self.seen), stderr)
    }

    fn stderr_text(&mut self) -> String {
        self.stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        // A test that failed half-way must not leave a child behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
