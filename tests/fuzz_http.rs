//! Property tests ("fuzzing") of everything in `oneloop::http` that reads bytes from the
//! network: the server's request heads and bodies (`Content-Length`, chunked, pipelined),
//! the client's response heads and bodies, URLs and redirect targets, query strings and their
//! percent-decoding.
//!
//! The server and the client are reached through the public API over loopback (a `serve`
//! on 127.0.0.1:0, an `http::Client` against a raw std server); the URL and query parsers
//! through the hidden `http::fuzz_hooks`. On every input: no panic anywhere (a panic hook
//! counts them, including those the loop catches inside a connection task), an answer or an
//! error within a bound (never a hang), and no single allocation over [`MAX_ALLOCATION`]
//! (a counting global allocator), so a peer's numbers (a length, a chunk size) never size a
//! buffer by themselves. Well-formed inputs must give exactly the right result.
//!
//! `FUZZ_CASES` sets the number of cases per property (CI uses the small default; `.ci/fuzz`
//! runs a long campaign). Every input that ever failed is kept below as a regression test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::thread;
use std::time::Duration;

use oneloop::http::{fuzz_hooks, Client, Request, Response};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

// ---------------------------------------------------------------------------------------
// Watchdogs: panics, allocations, hangs
// ---------------------------------------------------------------------------------------

/// The largest single allocation a peer may cause: the server's and the client's body
/// limits are set to 1 MiB below; 8 MiB leaves room for a buffer's doubling.
const MAX_ALLOCATION: usize = 8 << 20;

struct CountingAllocator;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to `System` unchanged; the only addition is a counter.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is `System::alloc`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: as `dealloc`; the caller's contract for `realloc` is `System::realloc`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Panics on the server's thread, and on the clients' threads.
static SERVER_PANICS: AtomicUsize = AtomicUsize::new(0);
static CLIENT_PANICS: AtomicUsize = AtomicUsize::new(0);
const SERVER_THREAD: &str = "fuzz server";
const CLIENT_THREAD: &str = "fuzz client";

/// Counts the panics of the server's and the clients' threads (the loop catches a
/// connection task's panic and goes on, so the count is the only way to see one). A panic
/// on a test's own thread fails its case directly.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            match thread::current().name() {
                Some(SERVER_THREAD) => SERVER_PANICS.fetch_add(1, Ordering::SeqCst),
                Some(CLIENT_THREAD) => CLIENT_PANICS.fetch_add(1, Ordering::SeqCst),
                _ => 0,
            };
            default(info);
        }));
    });
}

/// Fails the case if the server or a client panicked, or anything allocated too much,
/// since the last check (so that shrinking sees each case on its own).
fn check_watchdogs(what: &str) -> Result<(), TestCaseError> {
    let panics = SERVER_PANICS.swap(0, Ordering::SeqCst) + CLIENT_PANICS.swap(0, Ordering::SeqCst);
    prop_assert_eq!(panics, 0, "{}: {} panic(s) (see stderr)", what, panics);
    let largest = LARGEST.swap(0, Ordering::Relaxed);
    prop_assert!(
        largest <= MAX_ALLOCATION,
        "{}: an allocation of {} bytes",
        what,
        largest
    );
    Ok(())
}

fn runner(default_cases: u32) -> TestRunner {
    count_panics();
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    TestRunner::new(Config {
        cases,
        // Failures are kept as the regression tests at the end of this file instead.
        failure_persistence: None,
        ..Config::default()
    })
}

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// Text made of the characters that matter to HTTP parsers, and some that should not be
/// there at all.
fn http_text(max: usize) -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "aZ09-_.~/?#&=+%:;, \t\r\n\"[]@!é\u{0}\u{7f}"
        .chars()
        .collect();
    proptest::collection::vec(proptest::sample::select(alphabet), 0..max)
        .prop_map(|chars| chars.into_iter().collect())
}

/// A number as a peer might write it: right, huge, signed, hex, padded, listed.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..5000).prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_string()),
        Just("99999999999999999999999".to_string()),
        (0u64..100).prop_map(|n| format!("-{n}")),
        (0u64..100).prop_map(|n| format!("+{n}")),
        (0u64..100).prop_map(|n| format!(" {n} ")),
        (0u64..100).prop_map(|n| format!("{n},{n}")),
        (0u64..u64::MAX).prop_map(|n| format!("{n:x}")),
        http_text(8),
    ]
}

/// A chunked body: chunks whose size line may or may not match their data, extensions,
/// trailers, and a last chunk that may be missing.
fn chunked_body() -> impl Strategy<Value = Vec<u8>> {
    let chunk = (
        proptest::collection::vec(any::<u8>(), 0..300),
        prop_oneof![
            3 => Just(None),
            1 => (0u64..u64::MAX).prop_map(Some),
        ],
        prop_oneof![Just(""), Just(";ext=1"), Just(";;"), Just(" ")],
        prop_oneof![4 => Just("\r\n"), 1 => Just("\n"), 1 => Just("")],
    )
        .prop_map(|(data, size, ext, end)| {
            let size = size.unwrap_or(data.len() as u64);
            let mut out = format!("{size:x}{ext}\r\n").into_bytes();
            out.extend_from_slice(&data);
            out.extend_from_slice(end.as_bytes());
            out
        });
    (
        proptest::collection::vec(chunk, 0..5),
        any::<bool>(),
        http_text(40),
    )
        .prop_map(|(chunks, last, trailer)| {
            let mut out = chunks.concat();
            if last {
                out.extend_from_slice(b"0\r\n");
                out.extend_from_slice(trailer.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            out
        })
}

/// A header a peer might send, favouring those that decide framing.
fn header() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        number_text().prop_map(|v| ("Content-Length".to_string(), v)),
        prop_oneof![
            Just("chunked"),
            Just("gzip, chunked"),
            Just("chunked, gzip"),
            Just("identity"),
            Just("CHUNKED"),
            Just(""),
        ]
        .prop_map(|v| ("Transfer-Encoding".to_string(), v.to_string())),
        prop_oneof![Just("close"), Just("keep-alive"), Just("upgrade")]
            .prop_map(|v| ("Connection".to_string(), v.to_string())),
        Just(("Expect".to_string(), "100-continue".to_string())),
        (http_text(12), http_text(30)),
    ]
}

/// Replaces, inserts or drops a few bytes, or cuts the message short.
fn mutate(bytes: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = bytes.len();
    (
        proptest::collection::vec((0..len.max(1), any::<u8>(), 0u8..4), 0..3),
        prop_oneof![3 => Just(None), 1 => (0..len + 1).prop_map(Some)],
    )
        .prop_map(move |(edits, cut)| {
            let mut out = bytes.clone();
            for (at, byte, how) in edits {
                if out.is_empty() {
                    break;
                }
                let at = at % out.len();
                match how {
                    0 => out[at] = byte,
                    1 => out.insert(at, byte),
                    2 => {
                        out.remove(at);
                    }
                    _ => {}
                }
            }
            if let Some(cut) = cut {
                out.truncate(cut);
            }
            out
        })
}

/// A request: line, headers, body; sometimes two pipelined; sometimes mutated; sometimes
/// plain noise.
fn request_bytes() -> impl Strategy<Value = Vec<u8>> {
    let one = (
        prop_oneof![
            Just("GET"),
            Just("POST"),
            Just("HEAD"),
            Just("PUT"),
            Just("G T"),
            Just("")
        ],
        http_text(60),
        prop_oneof![
            Just("HTTP/1.1"),
            Just("HTTP/1.0"),
            Just("HTTP/2.0"),
            Just("HTTP/1.1 x")
        ],
        proptest::collection::vec(header(), 0..5),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            chunked_body()
        ],
    )
        .prop_map(|(method, target, version, headers, body)| {
            let mut out = format!("{method} /{target} {version}\r\nHost: fuzz\r\n");
            for (name, value) in headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("\r\n");
            let mut out = out.into_bytes();
            out.extend_from_slice(&body);
            out
        })
        .boxed();
    prop_oneof![
        4 => one.clone().prop_flat_map(mutate),
        2 => (one.clone(), one).prop_map(|(a, b)| [a, b].concat()),
        1 => proptest::collection::vec(any::<u8>(), 0..600),
    ]
}

// ---------------------------------------------------------------------------------------
// The server side
// ---------------------------------------------------------------------------------------

/// What the handler answers: everything it could read of the request, so each accessor
/// runs on fuzzed input.
async fn echo(req: Request) -> Response {
    let mut out = format!(
        "{} {} {:?} {}\n",
        req.method(),
        req.path(),
        req.query_string(),
        req.version()
    );
    for name in ["a", "name", "", "%", "a b", "é"] {
        out.push_str(&format!("{:?}\n", req.query(name)));
    }
    out.push_str(&format!(
        "{} {:?} {}\n",
        req.body().len(),
        req.header("host"),
        req.headers().count()
    ));
    Response::text(out)
}

/// One `serve` for the whole test binary, on its own thread.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = thread::Builder::new().name(SERVER_THREAD.into());
        let _ = thread.spawn(move || {
            oneloop::run(async move {
                let listener = oneloop::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                tx.send(listener.local_addr().expect("local_addr"))
                    .expect("send the address");
                // Publishes the loop's live tasks, so that a case can wait until its
                // connection's task has ended, and a panic there is charged to that case.
                oneloop::spawn(async {
                    loop {
                        SERVER_LIVE.store(oneloop::runtime::stats().live_tasks, Ordering::SeqCst);
                        SERVER_SAMPLES.fetch_add(1, Ordering::SeqCst);
                        let _ = oneloop::time::sleep(Duration::from_millis(1)).await;
                    }
                });
                let server = oneloop::http::Server::builder()
                    .max_body_bytes(1 << 20)
                    .build();
                let _ = server.serve(listener, echo).await;
            })
        });
        rx.recv_timeout(testkit::limit())
            .expect("the server started")
    })
}

/// The server loop's live tasks, and how many times the monitor has looked.
static SERVER_LIVE: AtomicU64 = AtomicU64::new(0);
static SERVER_SAMPLES: AtomicU64 = AtomicU64::new(0);
/// Live tasks of the idle server: the root (which runs `serve`) and the monitor.
const SERVER_IDLE: u64 = 2;

/// Waits until the server's connection tasks have all ended (seen by a fresh sample).
fn wait_server_idle() -> Result<(), String> {
    let deadline = std::time::Instant::now() + testkit::limit();
    loop {
        let seen = SERVER_SAMPLES.load(Ordering::SeqCst);
        while SERVER_SAMPLES.load(Ordering::SeqCst) < seen + 2 {
            if std::time::Instant::now() > deadline {
                return Err("the server's monitor stopped".into());
            }
            thread::sleep(Duration::from_micros(200));
        }
        if SERVER_LIVE.load(Ordering::SeqCst) <= SERVER_IDLE {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err("a connection task of the server did not end".into());
        }
    }
}

/// Sends `request`, closes the write side, reads everything the server says, and waits
/// until the server has finished with the connection.
fn exchange(request: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = StdStream::connect(server()).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(testkit::limit())).ok();
    stream.set_write_timeout(Some(testkit::limit())).ok();
    // The server may close early (an error answer) and reset the rest: not a failure.
    let _ = stream.write_all(request);
    let _ = stream.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => {
            return Err(format!(
                "reading the answer: {e} (after {} bytes)",
                answer.len()
            ))
        }
    }
    wait_server_idle()?;
    Ok(answer)
}

/// Splits the server's output into responses and checks that each is well framed: a
/// status line, headers, a `Content-Length` body (or none, for HEAD's answer). Returns the
/// status codes. The last response may be cut short only by a reset, never mid-head.
fn responses(mut bytes: &[u8], head_request: bool) -> Result<Vec<u16>, String> {
    let mut statuses = Vec::new();
    while !bytes.is_empty() {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| {
                format!(
                    "a head without its end: {:?}",
                    String::from_utf8_lossy(bytes)
                )
            })?;
        let head = std::str::from_utf8(&bytes[..end]).map_err(|_| "a head that is not UTF-8")?;
        let status: u16 = head
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| format!("a bad status line in {head:?}"))?;
        if (100..200).contains(&status) {
            // An interim answer (`100 Continue`): a head alone.
            statuses.push(status);
            bytes = &bytes[end + 4..];
            continue;
        }
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
        let body = if head_request && status == 200 {
            0
        } else {
            length
        };
        let total = end + 4 + body;
        if total > bytes.len() {
            return Err(format!("a body cut short in {head:?}"));
        }
        statuses.push(status);
        bytes = &bytes[total..];
    }
    Ok(statuses)
}

fn check_server_case(request: &[u8]) -> Result<(), TestCaseError> {
    let answer = exchange(request).map_err(TestCaseError::fail)?;
    let head_request = request.starts_with(b"HEAD ");
    if let Err(e) = responses(&answer, head_request) {
        // Pipelined requests mixing HEAD and others cannot be framed by this simple reader;
        // only single-method streams are judged.
        let methods = request.windows(5).filter(|w| w == b"HEAD ").count();
        prop_assert!(methods > 0 && !request.starts_with(b"HEAD "), "{}", e);
    }
    check_watchdogs("server")
}

#[test]
fn the_server_survives_any_request_bytes() {
    runner(200)
        .run(&request_bytes(), |request| check_server_case(&request))
        .unwrap();
    // And it still answers a plain request, exactly.
    let answer = exchange(b"GET /x?name=caf%C3%A9+au+lait HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Some(\"café au lait\")"), "{text}");
}

#[test]
fn a_chunked_request_body_arrives_whole_however_it_is_cut() {
    let strategy = (
        proptest::collection::vec(any::<u8>(), 0..4000),
        proptest::collection::vec(1usize..700, 1..12),
    );
    runner(100)
        .run(&strategy, |(body, cuts)| {
            let mut request =
                b"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            let mut rest = &body[..];
            for cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (chunk, after) = rest.split_at((*cut).min(rest.len()));
                request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend_from_slice(chunk);
                request.extend_from_slice(b"\r\n");
                rest = after;
            }
            request.extend_from_slice(b"0\r\n\r\n");
            let answer = exchange(&request).map_err(TestCaseError::fail)?;
            let text = String::from_utf8_lossy(&answer);
            prop_assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", text);
            let line = format!("\n{} Some(\"h\") 2\n", body.len());
            prop_assert!(text.contains(&line), "{} not in {}", line, text);
            check_watchdogs("chunked request")
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// The client side
// ---------------------------------------------------------------------------------------

/// A raw server that answers each connection with the bytes in `RESPONSE`, then closes.
fn raw_server() -> (SocketAddr, Arc<Mutex<Vec<u8>>>) {
    static RAW: OnceLock<(SocketAddr, Arc<Mutex<Vec<u8>>>)> = OnceLock::new();
    RAW.get_or_init(|| {
        let listener = StdListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let response = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&response);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(testkit::limit()));
                // Read the request head, then answer and close.
                let mut head = Vec::new();
                let mut byte = [0];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => break,
                    }
                }
                let answer = shared.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let _ = stream.write_all(&answer);
                let _ = stream.shutdown(Shutdown::Both);
            }
        });
        (addr, response)
    })
    .clone()
}

/// A response: status line, headers, body; mutated at times.
fn response_bytes() -> impl Strategy<Value = Vec<u8>> {
    let one = (
        prop_oneof![
            Just("HTTP/1.1 200 OK"),
            Just("HTTP/1.0 200 OK"),
            Just("HTTP/1.1 204 No Content"),
            Just("HTTP/1.1 304 Not Modified"),
            Just("HTTP/1.1 301 Moved"),
            Just("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"),
            Just("HTTP/1.1 999 ?"),
            Just("HTTP/1.1 20 short"),
            Just("ICY 200 OK"),
        ],
        proptest::collection::vec(header(), 0..5),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            chunked_body()
        ],
    )
        .prop_map(|(status, headers, body)| {
            let mut out = format!("{status}\r\n");
            for (name, value) in headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("\r\n");
            let mut out = out.into_bytes();
            out.extend_from_slice(&body);
            out
        });
    prop_oneof![
        4 => one.prop_flat_map(mutate),
        1 => proptest::collection::vec(any::<u8>(), 0..600),
    ]
}

/// GETs `/` from the raw server answering `response`, reading the body with `bytes()` or
/// `chunk()`; returns the body or the error's text. Never follows a redirect (a fuzzed
/// `Location` could name any host; `join_url` is fuzzed on its own).
fn fetch(response: &[u8], method: &'static str, streaming: bool) -> Result<Vec<u8>, String> {
    // One fetch at a time: the raw server is shared by the tests, which run in parallel.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (addr, shared) = raw_server();
    *shared.lock().unwrap_or_else(|e| e.into_inner()) = response.to_vec();
    let url = format!("http://{addr}/");
    let outcome = std::sync::mpsc::channel();
    let tx = outcome.0;
    let thread = thread::Builder::new().name(CLIENT_THREAD.into());
    let _ = thread.spawn(move || {
        let result = oneloop::run(async move {
            let client = Client::builder()
                .timeout(Duration::from_secs(10))
                .max_body_size(1 << 20)
                .redirects(0)
                .build();
            let resp = client
                .request(method, &url)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !streaming {
                return resp.bytes().await.map_err(|e| e.to_string());
            }
            let mut resp = resp;
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        });
        let _ = tx.send(result);
    });
    outcome
        .1
        .recv_timeout(testkit::limit())
        .unwrap_or_else(|_| Err("the client hung (or panicked)".to_string()))
}

#[test]
fn the_client_survives_any_response_bytes() {
    let strategy = (response_bytes(), any::<bool>(), any::<bool>());
    runner(200)
        .run(&strategy, |(response, head, streaming)| {
            let method = if head { "HEAD" } else { "GET" };
            let result = fetch(&response, method, streaming);
            prop_assert!(
                !matches!(&result, Err(e) if e.contains("hung")),
                "the client hung on {:?}",
                String::from_utf8_lossy(&response)
            );
            check_watchdogs("client")
        })
        .unwrap();
}

#[test]
fn the_client_reads_every_well_formed_body_exactly() {
    let strategy = (
        proptest::collection::vec(any::<u8>(), 0..3000),
        proptest::collection::vec(1usize..500, 1..8),
        0u8..3,
        any::<bool>(),
    );
    runner(100)
        .run(&strategy, |(body, cuts, framing, streaming)| {
            let mut response = b"HTTP/1.1 200 OK\r\n".to_vec();
            match framing {
                0 => {
                    response.extend_from_slice(
                        format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes(),
                    );
                    response.extend_from_slice(&body);
                }
                1 => {
                    response.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                    let mut rest = &body[..];
                    for cut in cuts.iter().cycle() {
                        if rest.is_empty() {
                            break;
                        }
                        let (chunk, after) = rest.split_at((*cut).min(rest.len()));
                        response.extend_from_slice(format!("{:X};x=y\r\n", chunk.len()).as_bytes());
                        response.extend_from_slice(chunk);
                        response.extend_from_slice(b"\r\n");
                        rest = after;
                    }
                    response.extend_from_slice(b"0\r\nTrailer: t\r\n\r\n");
                }
                _ => {
                    // Neither: the body runs until the server closes.
                    response.extend_from_slice(b"Connection: close\r\n\r\n");
                    response.extend_from_slice(&body);
                }
            }
            let got = fetch(&response, "GET", streaming).map_err(TestCaseError::fail)?;
            prop_assert_eq!(got, body);
            check_watchdogs("well-formed response")
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// URLs and query strings
// ---------------------------------------------------------------------------------------

#[test]
fn urls_parse_without_panic_and_print_back_to_themselves() {
    let strategy = (
        prop_oneof![Just("http://"), Just("HTTP://"), Just("https://"), Just("")],
        http_text(60),
    );
    runner(2000)
        .run(&strategy, |(scheme, rest)| {
            let text = format!("{scheme}{rest}");
            if let Ok(url) = fuzz_hooks::parse_url(&text) {
                let again = fuzz_hooks::parse_url(&url).map_err(|e| {
                    TestCaseError::fail(format!("{text:?} gave {url:?}, which fails: {e}"))
                })?;
                prop_assert_eq!(again, url, "from {:?}", text);
            }
            check_watchdogs("url")
        })
        .unwrap();
}

#[test]
fn redirect_targets_join_without_panic() {
    let strategy = (http_text(30), http_text(40));
    runner(2000)
        .run(&strategy, |(path, location)| {
            let base = format!("http://base.test/{path}");
            if let Ok(url) = fuzz_hooks::join_url(&base, &location) {
                let again = fuzz_hooks::parse_url(&url).map_err(|e| {
                    TestCaseError::fail(format!("{location:?} gave {url:?}, which fails: {e}"))
                })?;
                prop_assert_eq!(again, url, "from {:?} against {:?}", location, base);
            }
            check_watchdogs("join")
        })
        .unwrap();
}

/// `application/x-www-form-urlencoded`, as a browser writes a query component.
fn form_encode(text: &str) -> String {
    let mut out = String::new();
    for &b in text.as_bytes() {
        match b {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[test]
fn query_components_decode_what_was_encoded_and_refuse_without_panic() {
    runner(2000)
        .run(&(any::<String>(), http_text(40)), |(text, noise)| {
            let decoded = fuzz_hooks::decode_query_component(&form_encode(&text));
            prop_assert_eq!(decoded.as_deref(), Some(text.as_str()));
            let _ = fuzz_hooks::decode_query_component(&noise);
            check_watchdogs("query")
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// Regressions: every input that ever failed a property above
// ---------------------------------------------------------------------------------------

/// A pipelined request after a good one, refused: the error answer's drain consumed
/// "everything" from a non-zero offset, and the offset overflowed (a panic in debug builds,
/// a wrong offset in release).
#[test]
fn regression_an_error_answer_after_a_pipelined_request_drains_without_overflow() {
    count_panics();
    // The shrunk input: a good request, then one byte that cannot start a request.
    let request = b"GET / HTTP/1.1\r\nHost: fuzz\r\n\r\n\0";
    let answer = exchange(request).unwrap();
    assert_eq!(responses(&answer, false), Ok(vec![200, 400]));
    check_watchdogs("regression").unwrap();
}

/// `Expect: 100-continue` on a request without a body, then a pipelined one: the interim
/// `100 Continue` is a head alone (this test's framing reader once wanted a length in it).
#[test]
fn regression_an_interim_100_continue_is_a_head_alone() {
    count_panics();
    let request = b"GET / HTTP/1.1\r\nHost: fuzz\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\nPUT / HTTP/1.1\r\nHost: fuzz\r\n\r\n";
    let answer = exchange(request).unwrap();
    let statuses = responses(&answer, false).unwrap();
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        2,
        "{statuses:?}"
    );
    check_watchdogs("regression").unwrap();
}
