//! Load generators and the blocking floor. The same ones for every server; they run on the
//! core the loop does not use.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::sys;

/// Whether threads are pinned (false on a machine with one CPU).
pub static PIN: AtomicBool = AtomicBool::new(false);
pub const LOOP_CPU: usize = 0;
pub const LOAD_CPU: usize = 1;

/// `--same-core`: the load generators share the loop's core instead of using their own.
pub static SAME_CORE: AtomicBool = AtomicBool::new(false);

pub fn pin(cpu: usize) {
    if PIN.load(Relaxed) {
        let cpu = if SAME_CORE.load(Relaxed) {
            LOOP_CPU
        } else {
            cpu
        };
        sys::pin_current_thread(cpu);
    }
}

/// Runs `f` on a new thread pinned to `cpu`.
pub fn on_cpu<T: Send + 'static>(
    cpu: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    std::thread::spawn(move || {
        pin(cpu);
        f()
    })
}

/// The echo load client: a tokio current-thread runtime driving `conns` connections, each
/// writing `msg` bytes and reading them back, one message in flight per connection, for
/// `dur`. Returns (round trips, elapsed).
pub fn echo_client(addr: SocketAddr, conns: usize, msg: usize, dur: Duration) -> (u64, Duration) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let mut streams = Vec::with_capacity(conns);
        for _ in 0..conns {
            let s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.set_nodelay(true).expect("nodelay");
            streams.push(s);
        }
        let start = Instant::now();
        let deadline = start + dur;
        let tasks: Vec<_> = streams
            .into_iter()
            .map(|mut s| {
                tokio::spawn(async move {
                    let out = vec![7u8; msg];
                    let mut back = vec![0u8; msg];
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        s.write_all(&out).await.expect("write");
                        s.read_exact(&mut back).await.expect("read");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("client task");
        }
        (total, start.elapsed())
    })
}

/// One blocking connection: write `msg` bytes, read them back, for `dur`.
pub fn std_echo_client(addr: SocketAddr, msg: usize, dur: Duration) -> (u64, Duration) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    let out = vec![7u8; msg];
    let mut back = vec![0u8; msg];
    let start = Instant::now();
    let deadline = start + dur;
    let mut n = 0;
    while Instant::now() < deadline {
        s.write_all(&out).expect("write");
        s.read_exact(&mut back).expect("read");
        n += 1;
    }
    (n, start.elapsed())
}

/// The floor's server: one blocking connection, one thread.
pub fn std_echo_server(listener: TcpListener) {
    listener.set_nonblocking(false).expect("blocking");
    let (mut s, _) = listener.accept().expect("accept");
    s.set_nonblocking(false).expect("blocking");
    s.set_nodelay(true).expect("nodelay");
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if s.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// `wrk -t1 -c<conns> -d<secs>s URL`; returns its Requests/sec and its count of requests,
/// or why it could not.
pub fn wrk(addr: SocketAddr, conns: usize, secs: u64) -> Result<(f64, f64), String> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{conns}"),
            &format!("-d{secs}s"),
            &format!("http://{addr}/"),
        ])
        .output()
        .map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        eprintln!("note: wrk reported errors:\n{text}");
    }
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok());
    // "  123456 requests in 2.00s, 10.1MB read"
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

/// The idle-connection client (`--idle-client ADDR N KIND`, a child process so its sockets
/// count against neither the server's fd limit nor its memory): opens `n` connections (with
/// `http`, sends one keep-alive GET on each and reads its answer), says "ok", and holds them
/// until its standard input closes.
pub fn idle_client(addr: SocketAddr, n: usize, http: bool) -> ! {
    pin(LOAD_CPU);
    sys::raise_nofile();
    let mut held = Vec::with_capacity(n);
    for i in 0..n {
        match TcpStream::connect(addr) {
            Ok(s) => held.push(s),
            Err(e) => {
                eprintln!("idle client: connection {i} of {n}: {e}");
                std::process::exit(1);
            }
        }
    }
    if http {
        for s in &mut held {
            let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n");
        }
        for (i, s) in held.iter_mut().enumerate() {
            let mut answer = Vec::new();
            let mut chunk = [0u8; 512];
            while !answer.ends_with(b"Hello, world!") {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => {
                        eprintln!("idle client: no answer on connection {i}");
                        std::process::exit(1);
                    }
                    Ok(k) => answer.extend_from_slice(&chunk[..k]),
                }
            }
        }
    }
    println!("ok");
    let _ = std::io::stdout().flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(held);
    std::process::exit(0);
}

/// The tcp_charfinder load client: a tokio current-thread runtime (like the echo client)
/// driving `conns` connections for `dur`. Each waits for the first `?> ` prompt, then asks
/// the `queries` in turn (connection i starts at query i, so the mix is even), one query in
/// flight per connection: it sends `query\n` and reads until the answer ends with the status
/// line and the next prompt (`...\r\n?> `), and checks that status line against the expected
/// one (each pair is (query, status line)). Returns (queries answered, answer bytes, elapsed).
pub fn charfinder_client(
    addr: SocketAddr,
    conns: usize,
    queries: Vec<(String, String)>,
    dur: Duration,
) -> (u64, u64, Duration) {
    const END: &[u8] = b"\r\n?> ";
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let queries: std::sync::Arc<Vec<(Vec<u8>, Vec<u8>)>> = std::sync::Arc::new(
        queries
            .into_iter()
            .map(|(q, st)| (format!("{q}\n").into_bytes(), st.into_bytes()))
            .collect(),
    );
    rt.block_on(async move {
        let mut streams = Vec::with_capacity(conns);
        for _ in 0..conns {
            let s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.set_nodelay(true).expect("nodelay");
            streams.push(s);
        }
        /// Reads until `buf` ends with `END` (the status line's CRLF, then the prompt).
        async fn read_answer(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) {
            buf.clear();
            while !buf.ends_with(END) && buf.as_slice() != b"?> " {
                buf.reserve(64 * 1024);
                let n = s.read_buf(buf).await.expect("read");
                assert!(n > 0, "the charfinder server closed the connection");
            }
        }
        let start = Instant::now();
        let deadline = start + dur;
        let tasks: Vec<_> = streams
            .into_iter()
            .enumerate()
            .map(|(i, mut s)| {
                let queries = std::sync::Arc::clone(&queries);
                tokio::spawn(async move {
                    let mut buf = Vec::with_capacity(64 * 1024);
                    read_answer(&mut s, &mut buf).await; // the first prompt
                    let (mut n, mut bytes) = (0u64, 0u64);
                    let mut k = i;
                    while Instant::now() < deadline {
                        let (q, status) = &queries[k % queries.len()];
                        k += 1;
                        s.write_all(q).await.expect("write");
                        read_answer(&mut s, &mut buf).await;
                        let body = &buf[..buf.len() - END.len()];
                        let last = body
                            .windows(2)
                            .rposition(|w| w == b"\r\n")
                            .map_or(body, |p| &body[p + 2..]);
                        assert_eq!(
                            String::from_utf8_lossy(last),
                            String::from_utf8_lossy(status),
                            "a wrong status line from the charfinder server"
                        );
                        n += 1;
                        bytes += buf.len() as u64;
                    }
                    (n, bytes)
                })
            })
            .collect();
        let (mut total, mut bytes) = (0, 0);
        for t in tasks {
            let (n, b) = t.await.expect("client task");
            total += n;
            bytes += b;
        }
        (total, bytes, start.elapsed())
    })
}
