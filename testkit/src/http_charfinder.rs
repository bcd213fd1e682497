//! The `http_charfinder` server inside a test: the example's own `app.rs` (compiled into
//! this crate) served by a loop on a thread of its own, on `127.0.0.1:0`. Shared by the
//! HTTP-level tests, the browser test and the soak (which checks answers against
//! [`answer`]).

#[path = "../../examples/http_charfinder/app.rs"]
mod app;

pub use app::answer;

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use charindex::UnicodeNameIndex;
use oneloop::net::TcpListener;

use crate::limit;

/// The index, built once per test process (a debug build takes a moment).
pub fn index() -> &'static UnicodeNameIndex {
    static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
    INDEX.get_or_init(UnicodeNameIndex::new)
}

/// `app::serve` on its own thread and loop, on `127.0.0.1:0`; stopped (and joined, within
/// [`crate::limit`]) when dropped.
pub struct InProcess {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Dropped to stop the server.
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl InProcess {
    /// Starts the server; returns once it listens.
    pub fn start() -> InProcess {
        let (stop, stopped) = mpsc::channel::<()>();
        let (tx, rx) = mpsc::channel();
        let index = index().clone();
        let thread = thread::spawn(move || {
            oneloop::run(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                tx.send(listener.local_addr().expect("local_addr"))
                    .expect("send");
                // The test thread stops the server by dropping `stop`; a blocking task
                // waits for that and wakes the loop, as any work from another thread does.
                let shutdown = oneloop::task::spawn_blocking(move || {
                    let _ = stopped.recv();
                });
                app::serve(listener, Rc::new(index), shutdown)
                    .await
                    .expect("serve");
            })
        });
        let addr = rx.recv_timeout(limit()).expect("the server did not start");
        InProcess {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://ADDR` followed by `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let deadline = Instant::now() + limit();
            while !thread.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() && !thread::panicking() {
                thread.join().expect("the server thread panicked");
            }
        }
    }
}
