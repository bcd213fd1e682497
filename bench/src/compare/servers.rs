//! A server under test on a thread of its own: its loop runs there until the process
//! ends, and the comparison keeps its address (to load it) and its thread id (to read its
//! CPU time). The hello servers of oneloop and hyper, and hyper's accept loop, which the
//! charfinder comparison reuses with its own handler.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::{service_fn, Service};
use hyper_util::rt::TokioIo;

use super::thread_cpu::gettid;

/// The body of every hello answer: 13 bytes of text.
pub const HELLO: &str = "Hello, world!";

/// A server under test: its address, and the id of the thread its loop runs on.
#[derive(Debug, Clone, Copy)]
pub struct Served {
    /// Where it listens: 127.0.0.1 and the port the kernel chose.
    pub addr: SocketAddr,
    /// The kernel's id of its thread, for [`thread_cpu_ns`](super::thread_cpu::thread_cpu_ns).
    pub tid: i32,
}

/// Binds a non-blocking listener on 127.0.0.1, port 0, and runs `serve(listener)` on a new
/// thread (named `name`, which `top -H` shows).
pub fn on_thread(name: &str, serve: impl FnOnce(std::net::TcpListener) + Send + 'static) -> Served {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local_addr");
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _ = tx.send(gettid());
            serve(listener)
        })
        .expect("spawn the server thread");
    Served {
        addr,
        tid: rx.recv().expect("the server thread's id"),
    }
}

/// `oneloop::http::serve` with a handler that answers `Response::text(HELLO)`.
pub fn oneloop_hello() -> Served {
    on_thread("oneloop-hello", |listener| {
        oneloop::run(async move {
            let listener = oneloop::net::TcpListener::from_std(listener).expect("from_std");
            let hello = |_req| async { oneloop::http::Response::text(HELLO) };
            let _ = oneloop::http::serve(listener, hello).await;
        })
    })
}

/// hyper 1.x (`http1::Builder`) on a tokio `current_thread` runtime, answering `HELLO` as
/// `text/plain; charset=utf-8`, as oneloop's `Response::text` does.
pub fn hyper_hello() -> Served {
    on_thread("hyper-hello", |listener| {
        let service = service_fn(|_req| async {
            let resp = hyper::Response::builder()
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(Full::new(Bytes::from_static(HELLO.as_bytes())));
            Ok::<_, Infallible>(resp.expect("a valid response"))
        });
        hyper_serve(listener, service)
    })
}

/// Serves `service` on `listener` with hyper's HTTP/1 connection driver on a tokio
/// `current_thread` runtime (what `#[tokio::main(flavor = "current_thread")]` builds), one
/// task per connection with `TCP_NODELAY`, as oneloop's server does. Never returns.
pub fn hyper_serve<S>(listener: std::net::TcpListener, service: S)
where
    S: Service<
            hyper::Request<Incoming>,
            Response = hyper::Response<Full<Bytes>>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(accept_loop(listener, service));
}

/// Accepts for ever, one tokio task per connection.
async fn accept_loop<S>(listener: std::net::TcpListener, service: S)
where
    S: Service<
            hyper::Request<Incoming>,
            Response = hyper::Response<Full<Bytes>>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let listener = tokio::net::TcpListener::from_std(listener).expect("from_std");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
