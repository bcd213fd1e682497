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
//! Environment: `SOAK_SECS` (default 10), `SOAK_GOOD` / `SOAK_RUDE` (client threads,
//! default 3 / 2), `SOAK_WRAP` (a command put before the server, such as `valgrind ...`; the
//! memory bound is then not checked, as valgrind's own memory dominates).

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use charindex::{py_strip, UnicodeNameIndex};
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

// ---------------------------------------------------------------------------------------
// tcp_charfinder
// ---------------------------------------------------------------------------------------

struct Charfinder;

const QUERIES: &[&str] = &[
    "registered",
    "chess black",
    "sign dollar",
    "U+1F525",
    "cat face",
    "é€",
    "xyzzy nothing",
];

fn index() -> &'static UnicodeNameIndex {
    static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
    INDEX.get_or_init(UnicodeNameIndex::new)
}

/// The answer to one query line, with the next prompt.
fn charfinder_answer(query: &str) -> Vec<u8> {
    let query = py_strip(query);
    let lines = index().describe(query);
    let mut out = String::new();
    for line in &lines {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&UnicodeNameIndex::status(query, lines.len()));
    out.push_str("\r\n?> ");
    out.into_bytes()
}

impl Protocol for Charfinder {
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String> {
        let mut stream = connect(addr).map_err(|e| format!("connect: {e}"))?;
        expect(&mut stream, b"?> ", "the first prompt")?;
        for _ in 0..1 + rng.below(3) {
            let query = QUERIES[rng.below(QUERIES.len() as u64) as usize];
            stream
                .write_all(format!("{query}\r\n").as_bytes())
                .map_err(|e| format!("send {query:?}: {e}"))?;
            expect(&mut stream, &charfinder_answer(query), query)?;
        }
        stream
            .shutdown(Shutdown::Write)
            .map_err(|e| format!("shutdown: {e}"))?;
        expect_eof(&mut stream, "after the end of stream")
    }

    fn rude(&self, addr: SocketAddr, rng: &mut Rng) {
        let Ok(mut stream) = connect(addr) else {
            return;
        };
        let _ = match rng.below(5) {
            0 => Ok(()), // gone at once
            // A large answer (every LATIN letter), of which a little is read.
            1 => stream.write_all(b"latin\r\n"),
            2 => stream.write_all(b"chess wh"), // half a line
            3 => stream
                .write_all(b"cat\r\n")
                .and_then(|()| stream.shutdown(Shutdown::Write)),
            _ => {
                let junk: Vec<u8> = (0..rng.below(300)).map(|_| rng.below(256) as u8).collect();
                stream.write_all(&junk)
            }
        };
        vanish(stream, rng);
    }
}

#[test]
#[ignore = "a soak; run by .ci/soak"]
fn soak_tcp_charfinder() {
    soak("tcp_charfinder", &["127.0.0.1", "0"], Charfinder);
}

// ---------------------------------------------------------------------------------------
// http_hello
// ---------------------------------------------------------------------------------------

struct Hello;

/// Names sent (percent-encoded, `+` for a space) and the text they decode to.
const NAMES: &[(&str, &str)] = &[
    ("loop", "loop"),
    ("caf%C3%A9", "café"),
    ("one+loop", "one loop"),
    ("a%26b", "a&b"),
];

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

impl Protocol for Hello {
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String> {
        let mut stream = connect(addr).map_err(|e| format!("connect: {e}"))?;
        let requests = 1 + rng.below(3);
        for i in 0..requests {
            let (sent, name) = NAMES[rng.below(NAMES.len() as u64) as usize];
            let close = if i + 1 == requests {
                "Connection: close\r\n"
            } else {
                ""
            };
            let request = format!("GET /?name={sent} HTTP/1.1\r\nHost: soak\r\n{close}\r\n");
            stream
                .write_all(request.as_bytes())
                .map_err(|e| format!("send: {e}"))?;
            let (status, body) = read_response(&mut stream)?;
            if status != "HTTP/1.1 200 OK" || body != format!("Hello, {name}!\n").as_bytes() {
                return Err(format!(
                    "for {sent:?}: {status:?} with body {:?}",
                    String::from_utf8_lossy(&body)
                ));
            }
        }
        expect_eof(&mut stream, "after Connection: close")
    }

    fn rude(&self, addr: SocketAddr, rng: &mut Rng) {
        let Ok(mut stream) = connect(addr) else {
            return;
        };
        let _ = match rng.below(5) {
            0 => Ok(()),
            1 => stream.write_all(b"GET /?name=half HTTP/1.1\r\nHost: x\r\n"), // half a head
            // Pipelined requests, whose answers are left unread.
            2 => stream.write_all(&b"GET /?name=p HTTP/1.1\r\nHost: x\r\n\r\n".repeat(20)),
            3 => {
                stream.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort")
            }
            _ => {
                let junk: Vec<u8> = (0..rng.below(300)).map(|_| rng.below(256) as u8).collect();
                stream.write_all(&junk)
            }
        };
        vanish(stream, rng);
    }
}

#[test]
#[ignore = "a soak; run by .ci/soak"]
fn soak_http_hello() {
    soak("http_hello", &["127.0.0.1:0"], Hello);
}

// ---------------------------------------------------------------------------------------
// flags_server (its LOCAL site: no faults, so every answer is checked)
// ---------------------------------------------------------------------------------------

struct Flags;

/// Paths asked for: flags and metadata of a few countries, and one that does not exist.
const FLAG_PATHS: &[&str] = &[
    "/flags/br/br.gif",
    "/flags/br/metadata.json",
    "/flags/jp/jp.gif",
    "/flags/cn/metadata.json",
    "/flags/zz/zz.gif",
];

fn site() -> &'static flagsite::Site {
    static SITE: OnceLock<flagsite::Site> = OnceLock::new();
    SITE.get_or_init(flagsite::Site::new)
}

impl Protocol for Flags {
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String> {
        let mut stream = connect(addr).map_err(|e| format!("connect: {e}"))?;
        let requests = 1 + rng.below(3);
        for i in 0..requests {
            let path = FLAG_PATHS[rng.below(FLAG_PATHS.len() as u64) as usize];
            let close = if i + 1 == requests {
                "Connection: close\r\n"
            } else {
                ""
            };
            let request = format!("GET {path} HTTP/1.1\r\nHost: soak\r\n{close}\r\n");
            stream
                .write_all(request.as_bytes())
                .map_err(|e| format!("send: {e}"))?;
            let (status, body) = read_response(&mut stream)?;
            let right = match site().get(path) {
                Some(file) => status == "HTTP/1.1 200 OK" && body == file.bytes,
                None => status.starts_with("HTTP/1.1 404"),
            };
            if !right {
                return Err(format!("for {path}: {status:?} with {} bytes", body.len()));
            }
        }
        expect_eof(&mut stream, "after Connection: close")
    }

    fn rude(&self, addr: SocketAddr, rng: &mut Rng) {
        Hello.rude(addr, rng) // the same misbehaviours against the same HTTP server
    }
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

// ---------------------------------------------------------------------------------------
// http_charfinder (the page and the `/chars` API; every byte checked against the index)
// ---------------------------------------------------------------------------------------

struct HttpCharfinder;

/// Queries sent (percent-encoded, `+` for a space) and the text they decode to: words,
/// a code point, characters to describe, nothing found, markup the page must escape, and
/// `cjk`, whose 90,000-odd results make `/chars` pages deep into one postings list.
const CHAR_QUERIES: &[(&str, &str)] = &[
    ("cat+face", "cat face"),
    ("chess+black", "chess black"),
    ("U%2B1F525", "U+1F525"),
    ("%C3%A9%E2%82%AC", "\u{e9}\u{20ac}"),
    ("xyzzy", "xyzzy"),
    ("%3Cb%3Esign%3C%2Fb%3E", "<b>sign</b>"),
    ("cjk", "cjk"),
    ("+registered+", " registered "),
];

/// `start` values for `/chars`: the first page, the second, one deep into `cjk`, and one
/// past the end of most results (an empty page).
const STARTS: &[&str] = &["0", "200", "90000", "100000"];

/// One request of a good session: its path and query, and the answer expected (status
/// line and body), computed the way the example's handler (`app.rs`) does.
fn charfinder_request(rng: &mut Rng) -> (String, &'static str, Vec<u8>) {
    use charindex::web::{chars_json, home_page, parse_window, PAGE_SIZE};
    let (sent, query) = CHAR_QUERIES[rng.below(CHAR_QUERIES.len() as u64) as usize];
    let query = py_strip(query);
    match rng.below(5) {
        0 | 1 => {
            let page = index().find_page(query, 0..PAGE_SIZE);
            (
                format!("/?query={sent}"),
                "HTTP/1.1 200 OK",
                home_page(query, &page).into_bytes(),
            )
        }
        2 | 3 => {
            let start = STARTS[rng.below(STARTS.len() as u64) as usize];
            let window = parse_window(Some(start), None).expect("a valid start");
            let page = index().find_page(query, window);
            (
                format!("/chars?query={sent}&start={start}"),
                "HTTP/1.1 200 OK",
                chars_json(&page).into_bytes(),
            )
        }
        _ => (
            "/favicon.ico".to_string(),
            "HTTP/1.1 404 Not Found",
            b"not found\n".to_vec(),
        ),
    }
}

impl Protocol for HttpCharfinder {
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String> {
        let mut stream = connect(addr).map_err(|e| format!("connect: {e}"))?;
        // Keep-alive for all but the last request, which asks the server to close.
        let requests = 1 + rng.below(4);
        for i in 0..requests {
            let (target, want_status, want_body) = charfinder_request(rng);
            let close = if i + 1 == requests {
                "Connection: close\r\n"
            } else {
                ""
            };
            let request = format!("GET {target} HTTP/1.1\r\nHost: soak\r\n{close}\r\n");
            stream
                .write_all(request.as_bytes())
                .map_err(|e| format!("send {target}: {e}"))?;
            let (status, body) = read_response(&mut stream)?;
            if status != want_status || body != want_body {
                let at = body
                    .iter()
                    .zip(&want_body)
                    .position(|(a, b)| a != b)
                    .unwrap_or(body.len().min(want_body.len()));
                return Err(format!(
                    "for {target}: {status:?} with {} bytes, expected {want_status:?} with {} \
                     bytes; first difference at byte {at}",
                    body.len(),
                    want_body.len()
                ));
            }
        }
        expect_eof(&mut stream, "after Connection: close")
    }

    fn rude(&self, addr: SocketAddr, rng: &mut Rng) {
        if rng.below(2) == 0 {
            // The generic misbehaviours: gone at once, half a head, pipelined requests left
            // unread, a body cut short, junk.
            return Hello.rude(addr, rng);
        }
        let Ok(mut stream) = connect(addr) else {
            return;
        };
        // A large answer (a 30 KB page, or a page of `cjk` deep in its list), of which at
        // most a little is read before the connection is reset.
        let request: &[u8] = match rng.below(3) {
            0 => b"GET /?query=latin+capital HTTP/1.1\r\nHost: x\r\n\r\n",
            1 => b"GET /chars?query=cjk&start=50000 HTTP/1.1\r\nHost: x\r\n\r\n",
            _ => b"GET /chars?query=cjk&start=0 HTTP/1.1\r\nHost: x\r\n\r\nGET /?query=cjk HTTP/1.1\r\nHost: x\r\n\r\n",
        };
        let _ = stream.write_all(request);
        vanish(stream, rng);
    }
}

#[test]
#[ignore = "a soak; run by .ci/soak"]
fn soak_http_charfinder() {
    soak("http_charfinder", &["127.0.0.1", "0"], HttpCharfinder);
}
