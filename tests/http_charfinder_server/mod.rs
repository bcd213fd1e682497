//! The `http_charfinder` server inside a test: the example's own `app.rs` (compiled into
//! the test crate) served by a loop on a thread of its own, on `127.0.0.1:0`. Shared by the
//! HTTP-level tests and the browser test; use it with `mod http_charfinder_server;`.

#![allow(dead_code)]

#[path = "../../examples/http_charfinder/app.rs"]
mod app;

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use charindex::UnicodeNameIndex;
use oneloop::net::TcpListener;

/// The bound on starting and stopping the server.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The index, built once per test process (a debug build takes a moment).
pub fn index() -> &'static UnicodeNameIndex {
    static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
    INDEX.get_or_init(UnicodeNameIndex::new)
}

/// `app::serve` on its own thread and loop, on `127.0.0.1:0`; stopped (and joined, within
/// [`TIMEOUT`]) when dropped.
pub struct InProcess {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl InProcess {
    pub fn start() -> InProcess {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let index = index().clone();
        let flag = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            oneloop::run(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                tx.send(listener.local_addr().expect("local_addr"))
                    .expect("send");
                // The test thread cannot wake this loop, so the shutdown signal looks at
                // the flag every few milliseconds.
                let shutdown = async move {
                    while !flag.load(Ordering::SeqCst) {
                        let _ = oneloop::time::sleep(Duration::from_millis(10)).await;
                    }
                };
                app::serve(listener, Rc::new(index), shutdown)
                    .await
                    .expect("serve");
            })
        });
        let addr = rx.recv_timeout(TIMEOUT).expect("the server did not start");
        InProcess {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let deadline = Instant::now() + TIMEOUT;
            while !thread.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() && !thread::panicking() {
                thread.join().expect("the server thread panicked");
            }
        }
    }
}
