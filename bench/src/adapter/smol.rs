//! smol: a `LocalExecutor` driven by `async_io::block_on`, so the reactor (async-io) runs on
//! this thread while the executor is idle — smol's recommended single-threaded setup.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::LocalExecutor;

pub const NAME: &str = "smol";

thread_local! {
    /// The executor of the `block_on` running on this thread, so `spawn` works like
    /// tokio's free function.
    static EX: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
}

/// Runs `f` on a fresh `LocalExecutor`.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let ex = Rc::new(LocalExecutor::new());
    let previous = EX.with(|e| e.borrow_mut().replace(Rc::clone(&ex)));
    let out = smol::block_on(ex.run(f));
    EX.with(|e| *e.borrow_mut() = previous);
    out
}

pub type Join<T> = smol::Task<T>;

pub fn spawn<F>(f: F) -> Join<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    EX.with(|e| {
        e.borrow()
            .as_ref()
            .expect("smol adapter: spawn outside block_on")
            .spawn(f)
    })
}

/// Spawns and forgets (the task keeps running: smol cancels a dropped `Task`, so detach).
pub fn spawn_detached<F>(f: F)
where
    F: Future<Output = ()> + 'static,
{
    spawn(f).detach();
}

pub async fn join<T>(h: Join<T>) -> T {
    h.await
}

/// `Task::cancel` is smol's abort-and-wait.
pub async fn abort_join<T>(h: Join<T>) {
    let _ = h.cancel().await;
}

pub async fn cancel_join<T>(h: Join<T>) -> Option<()> {
    abort_join(h).await;
    None
}

pub fn sleep_future(d: Duration) -> smol::Timer {
    smol::Timer::after(d)
}

pub async fn sleep(d: Duration) {
    smol::Timer::after(d).await;
}

pub async fn yield_now() {
    smol::future::yield_now().await
}

// ---- sync ----------------------------------------------------------------------------------

pub type Tx<T> = smol::channel::Sender<T>;
pub type Rx<T> = smol::channel::Receiver<T>;

pub fn channel<T>(cap: usize) -> (Tx<T>, Rx<T>) {
    smol::channel::bounded(cap)
}

pub async fn send<T>(tx: &Tx<T>, v: T) {
    if tx.send(v).await.is_err() {
        panic!("channel closed");
    }
}

pub async fn recv<T>(rx: &mut Rx<T>) -> Option<T> {
    rx.recv().await.ok()
}

pub type Semaphore = smol::lock::Semaphore;

pub fn semaphore(permits: usize) -> Semaphore {
    smol::lock::Semaphore::new(permits)
}

pub async fn acquire_release(s: &Semaphore) {
    let permit = s.acquire().await;
    drop(permit);
}

// ---- net -----------------------------------------------------------------------------------

pub type Listener = smol::net::TcpListener;
pub type Stream = smol::net::TcpStream;

pub fn listener_from_std(l: std::net::TcpListener) -> Listener {
    smol::net::TcpListener::try_from(l).expect("from_std")
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
    use futures_lite::io::{AsyncBufReadExt, BufReader, BufWriter};
    let (mut r, mut w) = (BufReader::new(s.clone()), BufWriter::new(s));
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

/// Read-only state shared by every connection task (`LocalExecutor` tasks need not be `Send`).
pub type Shared<T> = Rc<T>;
