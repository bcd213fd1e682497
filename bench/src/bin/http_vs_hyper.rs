//! `oneloop::http::serve` against hyper 1.x on tokio's `current_thread` runtime: the same
//! hello handler (13 bytes of text, keep-alive), each server on its own thread, loaded in
//! turn by `wrk -t1 -c50`. Rounds alternate between the servers so that drift on a shared
//! machine hits both; the table gives each server's median and the median of the per-round
//! ratios.
//!
//! `cargo run --release -p oneloop-bench --bin http_vs_hyper [-- ROUNDS SECS]` (default
//! 5 rounds of 3 s). Needs `wrk`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;
use std::thread;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const HELLO: &str = "Hello, world!";

/// Starts oneloop's server on its own thread; returns its address.
fn start_oneloop() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    thread::spawn(move || {
        oneloop::run(async move {
            let listener = oneloop::net::TcpListener::from_std(listener).expect("from_std");
            let hello = |_req| async { oneloop::http::Response::text(HELLO) };
            let _ = oneloop::http::serve(listener, hello).await;
        })
    });
    addr
}

/// Starts hyper's server on a tokio `current_thread` runtime on its own thread.
fn start_hyper() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local_addr");
    thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("from_std");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = service_fn(|_req| async {
                        let resp = hyper::Response::builder()
                            .header("Content-Type", "text/plain; charset=utf-8")
                            .body(Full::new(Bytes::from_static(HELLO.as_bytes())));
                        Ok::<_, Infallible>(resp.expect("a valid response"))
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        })
    });
    addr
}

/// `wrk -t1 -c50 -d<secs>s`: requests per second, or why not.
fn wrk(addr: SocketAddr, secs: u64) -> Result<f64, String> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            "-c50",
            &format!("-d{secs}s"),
            &format!("http://{addr}/"),
        ])
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        eprintln!("note: wrk reported errors:\n{text}");
    }
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let secs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    let servers = [
        ("oneloop::http", start_oneloop()),
        ("hyper 1 / tokio current_thread", start_hyper()),
    ];
    let mut rps = [Vec::new(), Vec::new()];
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let mut this = [0.0; 2];
        // Alternate which server goes first, so neither always gets the warmer machine.
        for k in 0..2 {
            let i = (k + round) % 2;
            match wrk(servers[i].1, secs) {
                Ok(r) => this[i] = r,
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        println!(
            "round {}: {:>10.0} vs {:>10.0} req/s",
            round + 1,
            this[0],
            this[1]
        );
        rps[0].push(this[0]);
        rps[1].push(this[1]);
        ratios.push(this[0] / this[1]);
    }
    println!("\nwrk -t1 -c50, {rounds} rounds of {secs} s, hello handler, keep-alive:");
    for (i, (name, _)) in servers.iter().enumerate() {
        println!(
            "  {name:<32} {:>10.0} req/s (median)",
            median(rps[i].clone())
        );
    }
    println!(
        "  oneloop / hyper                  {:>10.2} (median of per-round ratios)",
        median(ratios)
    );
}
