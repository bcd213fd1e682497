//! Soak: each server example under load while rude clients vanish mid-answer; nothing may
//! be lost. Run by `.ci/soak SECONDS` (and by `.ci/valgrind`, behind valgrind); ignored by a
//! plain `cargo test`, since its length is the point.
//!
//! For each server: start the example (port 0), warm it with one session, note its open
//! descriptors, then run well-behaved clients (each session checks every byte of every
//! answer) beside rude ones (they close at once, stop half-way through a line or a request,
//! or read part of a large answer and reset the connection) for the soak's length. After the
//! load: every well-behaved answer was right, the server's descriptors are back to the
//! baseline (nothing leaked per connection), its resident memory is within a small bound of
//! the figure after the warm-up phase, and SIGINT makes it exit with status 0 (valgrind's
//! exit status, when wrapped, which is 1 on any error or definite leak).
//!
//! The harness is here; each server's client side (a [`Protocol`]: what a good session
//! sends and expects, how a rude one misbehaves) is in `tests/soak/`.
//!
//! Environment: `SOAK_SECS` (default 10), `SOAK_GOOD` / `SOAK_RUDE` (client threads,
//! default 3 / 2), `SOAK_WRAP` (a command put before the server, such as `valgrind ...`; the
//! memory bound is then not checked, as valgrind's own memory dominates).

use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use charindex::UnicodeNameIndex;
use testkit::example::{example_binary, example_exists, Server};
use testkit::limit;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One server's client side: a well-behaved session whose every byte is checked, and a rude
/// one that may go away at any point.
trait Protocol: Send + Sync + 'static {
    /// One checked session; `Err` says what was wrong.
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String>;
    /// One session that misbehaves; nothing is checked.
    fn rude(&self, addr: SocketAddr, rng: &mut Rng);
}

/// What the load generator saw.
#[derive(Default)]
struct Tally {
    good: AtomicU64,
    failed: AtomicU64,
    rude: AtomicU64,
    first_failure: Mutex<Option<String>>,
}

/// Starts `example` with `args` (behind `SOAK_WRAP`, if set) and soaks it with `protocol`.
fn soak(example: &str, args: &[&str], protocol: impl Protocol) {
    let secs: f64 = env_or("SOAK_SECS", 10.0);
    let good_threads: usize = env_or("SOAK_GOOD", 3);
    let rude_threads: usize = env_or("SOAK_RUDE", 2);
    let wrap: Vec<String> = std::env::var("SOAK_WRAP")
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let binary = example_binary(example);
    let mut command = match wrap.split_first() {
        Some((program, wrap_args)) => {
            let mut c = Command::new(program);
            c.args(wrap_args).arg(&binary);
            c
        }
        None => Command::new(&binary),
    };
    command.args(args);
    let mut server = Server::start(command, false);
    let addr = server.addr;
    let protocol = Arc::new(protocol);

    // Warm-up: one session initialises whatever is lazy (the Ctrl-C pipe, buffers).
    let mut rng = Rng(0x5EED);
    protocol.good(addr, &mut rng).expect("the warm-up session");
    let base_fds = server.open_fds();
    let length = Duration::from_secs_f64(secs);
    let warm_phase = length / 5;
    let tally = Arc::new(Tally::default());
    load(
        &protocol,
        addr,
        warm_phase,
        good_threads,
        rude_threads,
        &tally,
    );
    let after_warm_fds = server.wait_fds(base_fds);
    let warm_rss = server.rss_kib();
    load(
        &protocol,
        addr,
        length - warm_phase,
        good_threads,
        rude_threads,
        &tally,
    );
    let end_fds = server.wait_fds(base_fds);
    let end_rss = server.rss_kib();
    let (good, failed, rude) = (
        tally.good.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed),
        tally.rude.load(Ordering::Relaxed),
    );
    println!(
        "soak {example}: {secs} s, {good} good sessions, {failed} failed, {rude} rude; \
         fds {base_fds} at rest, {after_warm_fds} after warm-up, {end_fds} at the end; \
         VmRSS {warm_rss} KiB warm, {end_rss} KiB at the end"
    );
    let status = server.interrupt_and_wait(limit());
    if let Some(first) = tally.first_failure.lock().unwrap().take() {
        panic!(
            "{failed} of {} good sessions failed; the first: {first}",
            good + failed
        );
    }
    assert!(good > 0, "no good session completed");
    // At most the baseline (which may count the warm-up session's socket, still closing).
    assert!(
        after_warm_fds <= base_fds,
        "descriptors leaked in the warm-up phase"
    );
    assert!(end_fds <= base_fds, "descriptors leaked under load");
    if wrap.is_empty() {
        // Growth allowed: a quarter of the warm figure plus 4 MiB, room for the allocator's
        // free lists; a per-connection leak over thousands of sessions goes far beyond.
        let bound = warm_rss + warm_rss / 4 + 4096;
        assert!(
            end_rss <= bound,
            "resident memory grew from {warm_rss} KiB to {end_rss} KiB (bound {bound} KiB)"
        );
    }
    assert!(status.success(), "the server's exit after SIGINT: {status}");
}

/// Runs good and rude client threads against `addr` for `length`.
fn load(
    protocol: &Arc<impl Protocol>,
    addr: SocketAddr,
    length: Duration,
    good_threads: usize,
    rude_threads: usize,
    tally: &Arc<Tally>,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for i in 0..good_threads + rude_threads {
        let (protocol, tally, stop) = (Arc::clone(protocol), Arc::clone(tally), Arc::clone(&stop));
        let good = i < good_threads;
        threads.push(thread::spawn(move || {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1) << 17);
            while !stop.load(Ordering::Relaxed) {
                if good {
                    match protocol.good(addr, &mut rng) {
                        Ok(()) => tally.good.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            tally.first_failure.lock().unwrap().get_or_insert(e);
                            tally.failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                } else {
                    protocol.rude(addr, &mut rng);
                    tally.rude.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let until = Instant::now() + length;
    while Instant::now() < until {
        thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("a client thread panicked");
    }
}

/// xorshift64: reproducible client behaviour.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, limit())?;
    stream.set_read_timeout(Some(limit()))?;
    stream.set_write_timeout(Some(limit()))?;
    Ok(stream)
}

/// Reads exactly `expected.len()` bytes and compares them.
fn expect(stream: &mut TcpStream, expected: &[u8], what: &str) -> Result<(), String> {
    let mut got = vec![0; expected.len()];
    stream
        .read_exact(&mut got)
        .map_err(|e| format!("{what}: reading {} bytes: {e}", expected.len()))?;
    if got != expected {
        let at = got
            .iter()
            .zip(expected)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        return Err(format!(
            "{what}: wrong bytes from offset {at}: got {:?}, expected {:?}",
            String::from_utf8_lossy(&got[at..(at + 60).min(got.len())]),
            String::from_utf8_lossy(&expected[at..(at + 60).min(expected.len())]),
        ));
    }
    Ok(())
}

/// Reads until the peer closes; `Err` if bytes arrive instead.
fn expect_eof(stream: &mut TcpStream, what: &str) -> Result<(), String> {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) if rest.is_empty() => Ok(()),
        Ok(_) => Err(format!(
            "{what}: {} unexpected bytes before the end",
            rest.len()
        )),
        Err(e) if e.kind() == ErrorKind::ConnectionReset => Ok(()),
        Err(e) => Err(format!("{what}: waiting for the end: {e}")),
    }
}

/// Reads a random part of what the server sends, then drops the connection; unread bytes
/// make the kernel answer with a reset, the harshest way to vanish mid-answer.
fn vanish(mut stream: TcpStream, rng: &mut Rng) {
    // A rude client does not wait for answers that may never come (half a request).
    let _ = stream.set_read_timeout(Some(Duration::from_millis(20)));
    let mut buf = [0; 4096];
    for _ in 0..rng.below(4) {
        if !matches!(stream.read(&mut buf), Ok(n) if n > 0) {
            break;
        }
    }
}

/// The index the charfinder servers use, built once, from which their answers are known.
fn index() -> &'static UnicodeNameIndex {
    static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
    INDEX.get_or_init(UnicodeNameIndex::new)
}

/// Reads one response (head, then a `Content-Length` body); returns status and body.
fn read_response(stream: &mut TcpStream) -> Result<(String, Vec<u8>), String> {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err("a response head over 16 KiB".into());
        }
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => return Err(format!("the end of stream inside a head: {head:?}")),
            Err(e) => return Err(format!("reading a head: {e}")),
        }
    }
    let head = String::from_utf8(head).map_err(|_| "a head that is not UTF-8".to_string())?;
    let status = head.lines().next().unwrap_or_default().to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
    let mut body = vec![0; length];
    stream
        .read_exact(&mut body)
        .map_err(|e| format!("reading a body of {length}: {e}"))?;
    Ok((status, body))
}

// ---------------------------------------------------------------------------------------
// The servers: each one's client side is in `tests/soak/`.
// ---------------------------------------------------------------------------------------

#[path = "soak/flags_server.rs"]
mod flags_server;
#[path = "soak/http_charfinder.rs"]
mod http_charfinder;
#[path = "soak/http_hello.rs"]
mod http_hello;
#[path = "soak/tcp_charfinder.rs"]
mod tcp_charfinder;

use flags_server::Flags;
use http_charfinder::HttpCharfinder;
use http_hello::Hello;
use tcp_charfinder::Charfinder;

#[test]
#[ignore = "a soak; run by .ci/soak"]
fn soak_tcp_charfinder() {
    soak("tcp_charfinder", &["127.0.0.1", "0"], Charfinder);
}

#[test]
#[ignore = "a soak; run by .ci/soak"]
fn soak_http_hello() {
    soak("http_hello", &["127.0.0.1:0"], Hello);
}

#[test]
#[ignore = "a soak; run by .ci/soak"]
fn soak_flags_server() {
    if !example_exists("flags_server") {
        println!("soak: no examples/flags_server.rs in this checkout; not soaked");
        return;
    }
    soak(
        "flags_server",
        &[
            "--host",
            "127.0.0.1",
            "--local-port",
            "0",
            "--delay-port",
            "0",
            "--error-port",
            "0",
        ],
        Flags,
    );
}

#[test]
#[ignore = "a soak; run by .ci/soak"]
fn soak_http_charfinder() {
    soak("http_charfinder", &["127.0.0.1", "0"], HttpCharfinder);
}
