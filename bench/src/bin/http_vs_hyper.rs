//! `oneloop::http::serve` against hyper 1.x on tokio's `current_thread` runtime: the same
//! hello handler (13 bytes of text, keep-alive), each server on its own thread, loaded in
//! turn by `wrk -t1 -c50`. Rounds alternate between the servers so that drift on a shared
//! machine hits both; the table gives each server's median and the median of the per-round
//! ratios, for requests per second and for the server thread's CPU time per request (read
//! from `/proc`, so other processes on a busy machine disturb it much less than req/s).
//!
//! `cargo run --release -p oneloop-bench --bin http_vs_hyper [-- ROUNDS SECS]` (default
//! 5 rounds of 3 s). Needs `wrk`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::mpsc;
use std::thread;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const HELLO: &str = "Hello, world!";

/// A server under test: its address, and the id of the thread its loop runs on.
struct Served {
    addr: SocketAddr,
    tid: i32,
}

/// Starts oneloop's server on its own thread.
fn start_oneloop() -> Served {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(gettid());
        oneloop::run(async move {
            let listener = oneloop::net::TcpListener::from_std(listener).expect("from_std");
            let hello = |_req| async { oneloop::http::Response::text(HELLO) };
            let _ = oneloop::http::serve(listener, hello).await;
        })
    });
    Served {
        addr,
        tid: rx.recv().expect("the server thread's id"),
    }
}

/// Starts hyper's server on a tokio `current_thread` runtime on its own thread.
fn start_hyper() -> Served {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local_addr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(gettid());
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
    Served {
        addr,
        tid: rx.recv().expect("the server thread's id"),
    }
}

fn gettid() -> i32 {
    // SAFETY: a system call without arguments.
    unsafe { libc::gettid() }
}

/// CPU time (user + system) a thread of this process has used, in nanoseconds, from
/// `/proc/self/task/TID/stat` (clock ticks: 10 ms each, so a 3 s run at full load reads to
/// about 0.3%).
fn thread_cpu_ns(tid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the name.
    // SAFETY: sysconf only reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz * 1e9
}

/// `wrk -t1 -c50 -d<secs>s`: requests per second and requests done, or why not.
fn wrk(addr: SocketAddr, secs: u64) -> Result<(f64, f64), String> {
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
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok());
    // "  123456 requests in 3.00s, 10.1MB read"
    let count = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok());
    match (rps, count) {
        (Some(rps), Some(count)) => Ok((rps, count)),
        _ => Err(format!("no Requests/sec in wrk's output:\n{text}")),
    }
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
    let mut cpu = [Vec::new(), Vec::new()];
    let (mut rps_ratios, mut cpu_ratios) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut this = [(0.0, 0.0); 2];
        // Alternate which server goes first, so neither always gets the warmer machine.
        for k in 0..2 {
            let i = (k + round) % 2;
            let served = &servers[i].1;
            let before = thread_cpu_ns(served.tid);
            match wrk(served.addr, secs) {
                Ok((r, count)) => this[i] = (r, (thread_cpu_ns(served.tid) - before) / count),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        println!(
            "round {}: {:>8.0} vs {:>8.0} req/s, {:>6.0} vs {:>6.0} ns CPU/req",
            round + 1,
            this[0].0,
            this[1].0,
            this[0].1,
            this[1].1
        );
        for i in 0..2 {
            rps[i].push(this[i].0);
            cpu[i].push(this[i].1);
        }
        rps_ratios.push(this[0].0 / this[1].0);
        cpu_ratios.push(this[1].1 / this[0].1);
    }
    println!("\nwrk -t1 -c50, {rounds} rounds of {secs} s, hello handler, keep-alive (medians):");
    for (i, (name, _)) in servers.iter().enumerate() {
        println!(
            "  {name:<32} {:>8.0} req/s  {:>6.0} ns server CPU per request",
            median(rps[i].clone()),
            median(cpu[i].clone())
        );
    }
    println!(
        "  oneloop vs hyper: {:.2}x req/s, {:.2}x CPU efficiency (hyper's CPU/req over oneloop's)",
        median(rps_ratios),
        median(cpu_ratios)
    );
}
