//! Helpers for the HTTP tests (`http_server`, `http_client`, `http_peers`, `http_examples`):
//! a server on 127.0.0.1 port 0, raw-socket exchanges, external programs run off the loop
//! thread, and "is the server still fine" checks.

use std::net::SocketAddr;
use std::process::{Command, Output};
use std::time::Duration;

use oneloop::http::{Client, Request, Response, Server};
use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use oneloop::net::{TcpListener, TcpStream};

use crate::bounded;

/// Starts `server` with `handler` on 127.0.0.1 port 0, in its own task; returns the address.
pub async fn start<H, F>(server: Server, handler: H) -> SocketAddr
where
    H: Fn(Request) -> F + 'static,
    F: std::future::Future<Output = Response> + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    oneloop::spawn(async move { server.serve(listener, handler).await });
    addr
}

/// A handler that answers with what it saw: `METHOD PATH len=N body=...`.
pub async fn echo(req: Request) -> Response {
    let body = String::from_utf8_lossy(req.body()).into_owned();
    Response::text(format!(
        "{} {} len={} body={}",
        req.method(),
        req.path(),
        req.body().len(),
        body
    ))
}

/// Connects, writes `request`, and reads until the server closes (bounded).
pub async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    read_all(&mut stream).await
}

/// Reads until the peer closes (or resets: what arrived before counts), bounded.
pub async fn read_all(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    bounded("read until close", async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    String::from_utf8_lossy(&out).into_owned()
}

/// The status codes of every response in `text`, in order.
pub fn statuses(text: &str) -> Vec<u16> {
    text.match_indices("HTTP/1.1 ")
        .filter_map(|(i, _)| text.get(i + 9..i + 12)?.parse().ok())
        .collect()
}

/// A normal GET on a new connection still gets 200: the server survived.
pub async fn still_serves(addr: SocketAddr) {
    let client = Client::new();
    let resp = bounded(
        "GET after the test",
        client.get(&format!("http://{addr}/alive")),
    )
    .await
    .expect("the server still answers");
    assert_eq!(resp.status(), 200);
    let _ = resp.bytes().await;
}

/// Runs an external program on the blocking pool (so the loop keeps serving meanwhile);
/// `None` if it could not be started (not installed).
pub async fn program(mut cmd: Command) -> Option<Output> {
    let job = oneloop::task::spawn_blocking(move || cmd.output().ok());
    bounded("external program", job).await.expect("join")
}

/// Whether `name` can be run (`name --version` works).
pub fn installed(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A short timeout for the limit tests: long enough for loopback under load, short enough
/// to keep the suite quick. Nothing asserts it was met quickly.
pub const SHORT: Duration = Duration::from_millis(300);
