// Network servers, written once; included per runtime by `crate::on`. The load generators
// (`crate::load`) are the same for every server and run on the other core.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use crate::alloc::{CountingOn, Snapshot};
use crate::sys;

/// Echo: read what comes, write it back, until EOF. The 256-byte buffer lives in the task's
/// future, the same for every runtime.
async fn echo_conn(mut s: rt::Stream) {
    let mut buf = [0u8; 256];
    loop {
        match rt::read(&mut s, &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if rt::write_all(&mut s, &buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Serves `conns` echo connections, one task each, until the client closes them all.
/// Returns the CPU time this (the loop's) thread spent meanwhile.
pub fn echo_server(listener: std::net::TcpListener, conns: usize) -> Duration {
    rt::block_on(async move {
        let l = rt::listener_from_std(listener);
        let cpu = sys::thread_cpu_time();
        let mut handles = Vec::with_capacity(conns);
        for _ in 0..conns {
            let s = rt::accept(&l).await.expect("accept");
            handles.push(rt::spawn(echo_conn(s)));
        }
        for h in handles {
            rt::join(h).await;
        }
        sys::thread_cpu_time() - cpu
    })
}

/// Accepts `n` connections, each handled by an echo task (`prompt`: the runtime's
/// `BufReader`/`BufWriter` prompt loop, `rt::prompt_conn`) that then waits in `read`; once
/// all are idle, returns the heap bytes still held per connection and the RSS growth per
/// connection. Run in a fresh process (`--idle-server`), so RSS starts clean.
pub fn idle_server(listener: std::net::TcpListener, n: usize, prompt: bool) -> (f64, f64) {
    rt::block_on(async move {
        let l = rt::listener_from_std(listener);
        let mut handles = Vec::with_capacity(n);
        rt::sleep(Duration::from_millis(1)).await; // the runtime's own first-use setup
        let rss = sys::rss_bytes();
        let counting = CountingOn::start();
        let before = Snapshot::now();
        for _ in 0..n {
            let s = rt::accept(&l).await.expect("accept");
            if prompt {
                handles.push(rt::spawn(rt::prompt_conn(s)));
            } else {
                handles.push(rt::spawn(echo_conn(s)));
            }
        }
        rt::sleep(Duration::from_millis(20)).await; // every handler reaches its first read
        let heap = before.live_since() as f64 / n as f64;
        let rss = (sys::rss_bytes() as f64 - rss as f64) / n as f64;
        drop(counting);
        (heap, rss)
    })
}

const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!";

/// HTTP/1.1 hello world with keep-alive and pipelining, parsed with httparse.
async fn http_conn(mut s: rt::Stream) {
    let mut buf = vec![0u8; 4096];
    let mut filled = 0;
    let mut out = Vec::with_capacity(4096);
    loop {
        match rt::read(&mut s, &mut buf[filled..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        let mut start = 0;
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&buf[start..filled]) {
                Ok(httparse::Status::Complete(len)) => {
                    // GET only: no body to skip.
                    start += len;
                    out.extend_from_slice(HELLO);
                }
                Ok(httparse::Status::Partial) => break,
                Err(_) => return,
            }
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            return; // a header block larger than the buffer
        }
        if !out.is_empty() {
            if rt::write_all(&mut s, &out).await.is_err() {
                return;
            }
            out.clear();
        }
    }
}

/// Serves HTTP until `stop` is set (and one more connection arrives to wake the accept).
/// Returns the CPU time this (the loop's) thread spent meanwhile.
pub fn http_server(listener: std::net::TcpListener, stop: Arc<AtomicBool>) -> Duration {
    let cpu = sys::thread_cpu_time();
    rt::block_on(async move {
        let l = rt::listener_from_std(listener);
        loop {
            let s = match rt::accept(&l).await {
                Ok(s) => s,
                Err(_) => {
                    rt::sleep(Duration::from_millis(1)).await;
                    continue;
                }
            };
            if stop.load(SeqCst) {
                return;
            }
            rt::spawn_detached(http_conn(s));
        }
    });
    sys::thread_cpu_time() - cpu
}
