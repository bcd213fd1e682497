//! oneloop. The sleep and yield futures give a `Result` (the cancellation rule); the adapter
//! drops it, which costs nothing.

use std::future::Future;
use std::io;
use std::time::Duration;

use oneloop::io::{AsyncReadExt, AsyncWriteExt};

pub const NAME: &str = "oneloop";

/// Runs `f` on a fresh `oneloop::Runtime`.
pub fn block_on<F: Future>(f: F) -> F::Output {
    oneloop::Runtime::new()
        .expect("oneloop runtime")
        .block_on(f)
}

pub type Join<T> = oneloop::JoinHandle<T>;

pub fn spawn<F>(f: F) -> Join<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    oneloop::spawn(f)
}

pub async fn join<T: 'static>(h: Join<T>) -> T {
    h.await.expect("task failed")
}

pub async fn abort_join<T: 'static>(h: Join<T>) {
    h.abort();
    let _ = h.await;
}

/// `cancel()` (asyncio's rule: `Err(Cancelled)` at the task's next await), then the join.
pub async fn cancel_join<T: 'static>(h: Join<T>) -> Option<()> {
    h.cancel();
    let _ = h.await;
    Some(())
}

pub fn sleep_future(d: Duration) -> oneloop::time::Sleep {
    oneloop::time::sleep(d)
}

pub async fn sleep(d: Duration) {
    let _ = oneloop::time::sleep(d).await;
}

pub async fn yield_now() {
    let _ = oneloop::task::yield_now().await;
}

// ---- sync ------------------------------------------------------------------------------

pub type Tx<T> = oneloop::sync::mpsc::Sender<T>;
pub type Rx<T> = oneloop::sync::mpsc::Receiver<T>;

pub fn channel<T>(cap: usize) -> (Tx<T>, Rx<T>) {
    oneloop::sync::mpsc::channel(cap)
}

pub async fn send<T>(tx: &Tx<T>, v: T) {
    if tx.send(v).await.is_err() {
        panic!("channel closed");
    }
}

pub async fn recv<T>(rx: &mut Rx<T>) -> Option<T> {
    rx.recv().await.expect("cancelled")
}

pub type Semaphore = oneloop::sync::Semaphore;

pub fn semaphore(permits: usize) -> Semaphore {
    oneloop::sync::Semaphore::new(permits)
}

pub async fn acquire_release(s: &Semaphore) {
    let permit = s.acquire().await.expect("acquire");
    drop(permit);
}

// ---- broadcast, watch, RwLock (the fan-out workloads) ----------------------------------

pub type BTx<T> = oneloop::sync::broadcast::Sender<T>;
pub type BRx<T> = oneloop::sync::broadcast::Receiver<T>;

pub fn broadcast<T: Clone>(cap: usize) -> (BTx<T>, BRx<T>) {
    oneloop::sync::broadcast::channel(cap)
}

pub fn subscribe<T: Clone>(tx: &BTx<T>) -> BRx<T> {
    tx.subscribe()
}

pub fn bsend<T>(tx: &BTx<T>, v: T) {
    let _ = tx.send(v);
}

/// The next message; `None` once closed (a lag is skipped over).
pub async fn brecv<T: Clone>(rx: &mut BRx<T>) -> Option<T> {
    use oneloop::sync::broadcast::error::RecvError;
    loop {
        match rx.recv().await {
            Ok(v) => return Some(v),
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed | RecvError::Cancelled) => return None,
        }
    }
}

pub type WTx<T> = oneloop::sync::watch::Sender<T>;
pub type WRx<T> = oneloop::sync::watch::Receiver<T>;

pub fn watch<T>(init: T) -> (WTx<T>, WRx<T>) {
    oneloop::sync::watch::channel(init)
}

pub fn wsend<T>(tx: &WTx<T>, v: T) {
    let _ = tx.send(v);
}

/// `false` once the sender is gone.
pub async fn changed<T>(rx: &mut WRx<T>) -> bool {
    rx.changed().await.is_ok()
}

/// `Rc`: oneloop's tasks need not be `Send`.
pub type RwLock<T> = std::rc::Rc<oneloop::sync::RwLock<T>>;

pub fn rwlock<T>(v: T) -> RwLock<T> {
    std::rc::Rc::new(oneloop::sync::RwLock::new(v))
}

pub async fn read_across_yield(lock: &RwLock<u64>) {
    let guard = lock.read().await.expect("read");
    let _ = oneloop::task::yield_now().await;
    drop(guard);
}

pub async fn write_across_yield(lock: &RwLock<u64>) {
    let mut guard = lock.write().await.expect("write");
    *guard += 1;
    let _ = oneloop::task::yield_now().await;
    drop(guard);
}

/// Spawns and forgets (dropping a `JoinHandle` detaches, as in tokio).
pub fn spawn_detached<F>(f: F)
where
    F: std::future::Future<Output = ()> + 'static,
{
    drop(oneloop::spawn(f));
}

// ---- net -------------------------------------------------------------------------------

pub type Listener = oneloop::net::TcpListener;
pub type Stream = oneloop::net::TcpStream;

pub fn listener_from_std(l: std::net::TcpListener) -> Listener {
    oneloop::net::TcpListener::from_std(l).expect("from_std")
}

pub async fn accept(l: &Listener) -> io::Result<Stream> {
    let (s, _) = l.accept().await?;
    s.set_nodelay(true)?;
    Ok(s)
}

pub async fn read(s: &mut Stream, buf: &mut [u8]) -> io::Result<usize> {
    s.read(buf).await
}

pub async fn write_all(s: &mut Stream, buf: &[u8]) -> io::Result<()> {
    s.write_all(buf).await
}

pub fn peer_addr(s: &Stream) -> io::Result<std::net::SocketAddr> {
    s.peer_addr()
}
/// The tcp_charfinder connection's shape with the runtime's own `BufReader` and `BufWriter`
/// (8 KiB each) over the split stream: send the `?> ` prompt, flush, read a line, answer it
/// with its length; until the client closes. The idle-prompt row parks 10,000 of these in
/// `read_line`.
pub async fn prompt_conn(s: Stream) {
    use oneloop::io::{AsyncBufReadExt, BufReader, BufWriter};
    let (r, w) = s.into_split();
    let (mut r, mut w) = (BufReader::new(r), BufWriter::new(w));
    let mut line = String::new();
    loop {
        if w.write_all(b"?> ").await.is_err() || w.flush().await.is_err() {
            return;
        }
        line.clear();
        match r.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let _ = w.write_all(format!("{n}\r\n").as_bytes()).await;
            }
        }
    }
}

/// Read-only state shared by every connection task (oneloop's tasks need not be `Send`;
/// the tcp_charfinder example holds its index in an `Rc`).
pub type Shared<T> = std::rc::Rc<T>;
