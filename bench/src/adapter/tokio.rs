//! tokio, `current_thread` flavour with every driver enabled: what `#[tokio::main(flavor =
//! "current_thread")]` builds. Tasks go through `tokio::spawn`, the path tokio users take (it
//! needs `Send`, which the workloads satisfy).

use std::future::Future;
use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const NAME: &str = "tokio";

/// Runs `f` on a fresh current-thread runtime.
pub fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}

pub type Join<T> = tokio::task::JoinHandle<T>;

pub fn spawn<F>(f: F) -> Join<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(f)
}

/// Spawns and forgets (the task keeps running).
pub fn spawn_detached<F>(f: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    drop(tokio::spawn(f));
}

pub async fn join<T>(h: Join<T>) -> T {
    h.await.expect("task failed")
}

/// `abort()`, then wait for the join to resolve.
pub async fn abort_join<T>(h: Join<T>) {
    h.abort();
    let _ = h.await;
}

/// tokio has no cooperative cancel; `None` means "not applicable".
pub async fn cancel_join<T>(h: Join<T>) -> Option<()> {
    abort_join(h).await;
    None
}

pub fn sleep_future(d: Duration) -> tokio::time::Sleep {
    tokio::time::sleep(d)
}

pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await
}

pub async fn yield_now() {
    tokio::task::yield_now().await
}

// ---- sync ----------------------------------------------------------------------------------

pub type Tx<T> = tokio::sync::mpsc::Sender<T>;
pub type Rx<T> = tokio::sync::mpsc::Receiver<T>;

pub fn channel<T>(cap: usize) -> (Tx<T>, Rx<T>) {
    tokio::sync::mpsc::channel(cap)
}

pub async fn send<T>(tx: &Tx<T>, v: T) {
    if tx.send(v).await.is_err() {
        panic!("channel closed");
    }
}

pub async fn recv<T>(rx: &mut Rx<T>) -> Option<T> {
    rx.recv().await
}

pub type Semaphore = tokio::sync::Semaphore;

pub fn semaphore(permits: usize) -> Semaphore {
    tokio::sync::Semaphore::new(permits)
}

pub async fn acquire_release(s: &Semaphore) {
    let permit = s.acquire().await.expect("semaphore closed");
    drop(permit);
}

// ---- broadcast, watch, RwLock (the fan-out workloads) --------------------------------------

pub type BTx<T> = tokio::sync::broadcast::Sender<T>;
pub type BRx<T> = tokio::sync::broadcast::Receiver<T>;

pub fn broadcast<T: Clone>(cap: usize) -> (BTx<T>, BRx<T>) {
    tokio::sync::broadcast::channel(cap)
}

pub fn subscribe<T: Clone>(tx: &BTx<T>) -> BRx<T> {
    tx.subscribe()
}

pub fn bsend<T>(tx: &BTx<T>, v: T) {
    let _ = tx.send(v);
}

/// The next message; `None` once closed (a lag is skipped over).
pub async fn brecv<T: Clone>(rx: &mut BRx<T>) -> Option<T> {
    loop {
        match rx.recv().await {
            Ok(v) => return Some(v),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
        }
    }
}

pub type WTx<T> = tokio::sync::watch::Sender<T>;
pub type WRx<T> = tokio::sync::watch::Receiver<T>;

pub fn watch<T>(init: T) -> (WTx<T>, WRx<T>) {
    tokio::sync::watch::channel(init)
}

pub fn wsend<T>(tx: &WTx<T>, v: T) {
    let _ = tx.send(v);
}

/// `false` once the sender is gone.
pub async fn changed<T>(rx: &mut WRx<T>) -> bool {
    rx.changed().await.is_ok()
}

/// `Arc`: the tasks that share it go through `tokio::spawn`, which needs `Send`.
pub type RwLock<T> = std::sync::Arc<tokio::sync::RwLock<T>>;

pub fn rwlock<T>(v: T) -> RwLock<T> {
    std::sync::Arc::new(tokio::sync::RwLock::new(v))
}

pub async fn read_across_yield(lock: &RwLock<u64>) {
    let guard = lock.read().await;
    tokio::task::yield_now().await;
    drop(guard);
}

pub async fn write_across_yield(lock: &RwLock<u64>) {
    let mut guard = lock.write().await;
    *guard += 1;
    tokio::task::yield_now().await;
    drop(guard);
}

// ---- net -----------------------------------------------------------------------------------

pub type Listener = tokio::net::TcpListener;
pub type Stream = tokio::net::TcpStream;

pub fn listener_from_std(l: std::net::TcpListener) -> Listener {
    tokio::net::TcpListener::from_std(l).expect("from_std")
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

/// Read-only state shared by every connection task: `Arc`, because `tokio::spawn` needs
/// `Send` (what a tokio user writes; oneloop and smol use `Rc`).
pub type Shared<T> = std::sync::Arc<T>;
