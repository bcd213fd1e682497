//! End-to-end tests of the `tcp_charfinder` example: the real binary, started as a child
//! process on `127.0.0.1:0`, talked to with plain blocking `std::net::TcpStream`s.
//!
//! The protocol (the example's header states it) is checked byte for byte: each
//! transcript writes a whole request, usually shuts down its write half so the server sees
//! the end of stream, reads to the end and compares every byte received. Expected answers
//! come from the `charindex` crate (the same index the server uses) except for a few
//! literal facts written out in full.
//!
//! Every blocking step is bounded by [`limit`] (socket read and write timeouts, channel
//! receive timeouts, a `try_wait` loop), so a hung server fails a test instead of hanging
//! it, and every server is killed when its test ends ([`Server`]'s `Drop`).

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use charindex::{py_strip, UnicodeNameIndex};
use testkit::example::example_binary;
use testkit::limit;

const PROMPT: &str = "?> ";

// ---------------------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------------------

/// A running `tcp_charfinder`, killed when dropped. Its stdout is read by a thread that
/// forwards each line into `lines`, so a test can both learn the port and check the log.
struct Server {
    child: Child,
    addr: SocketAddr,
    lines: Receiver<String>,
}

impl Server {
    /// Starts the example on `127.0.0.1 0` and waits for its `Serving on ...` line.
    fn start() -> Server {
        let mut child = Command::new(example_binary("tcp_charfinder"))
            .args(["127.0.0.1", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start the tcp_charfinder example");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        thread::Builder::new()
            .name("tcp_charfinder stdout".into())
            .spawn(move || {
                let mut stdout = BufReader::new(stdout);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match stdout.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {
                            let text = String::from_utf8_lossy(&line);
                            let text = text.strip_suffix('\n').unwrap_or(&text);
                            if tx.send(text.to_string()).is_err() {
                                return;
                            }
                        }
                    }
                }
            })
            .expect("cannot spawn the stdout reader");
        // The guard exists before the first wait, so a failure below still kills the child.
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lines,
        };
        let first = server.next_line();
        let addr = first
            .strip_prefix("Serving on ")
            .and_then(|rest| rest.strip_suffix(". Hit CTRL-C to stop."))
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
        server.addr = addr
            .parse()
            .unwrap_or_else(|e| panic!("bad address {addr:?}: {e}"));
        assert_eq!(server.addr.ip().to_string(), "127.0.0.1");
        assert_ne!(server.addr.port(), 0, "the server must say the port it got");
        server
    }

    /// The next line the server printed, waiting at most [`limit`].
    fn next_line(&self) -> String {
        match self.lines.recv_timeout(limit()) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                panic!("the server printed nothing for {:?}", limit())
            }
            Err(RecvTimeoutError::Disconnected) => panic!("the server's stdout closed"),
        }
    }

    /// The server's lines up to and including the first one equal to `last`.
    fn lines_until(&self, last: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self.next_line();
            let done = line == last;
            seen.push(line);
            if done {
                return seen;
            }
        }
    }

    fn connect(&self) -> TcpStream {
        connect(self.addr)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the child to exit, at most [`limit`].
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + limit();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait failed") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {:?}",
                limit()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Clients and expected answers
// ---------------------------------------------------------------------------------------

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, limit()).expect("cannot connect to the server");
    stream.set_read_timeout(Some(limit())).unwrap();
    stream.set_write_timeout(Some(limit())).unwrap();
    stream
}

/// One `read`, allowed at most what is left until `deadline`: a server that sends without
/// end (as the book's version did at end of stream, prompting nobody for ever) fails the
/// test instead of hanging it.
fn read_before(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::Error::new(ErrorKind::TimedOut, "the deadline passed"));
    }
    stream.set_read_timeout(Some(left))?;
    stream.read(buf)
}

/// Reads until the server closes the connection; panics on an error or when [`limit`]
/// passes, showing what had arrived.
fn read_to_eof(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buf = [0; 64 * 1024];
    let deadline = Instant::now() + limit();
    loop {
        match read_before(stream, &mut buf, deadline) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!(
                "reading to the end of stream failed: {e} (kind {:?}); received so far: {:?}",
                e.kind(),
                shown(&received)
            ),
        }
    }
}

/// Reads exactly `expected.len()` bytes and compares them with `expected`.
fn expect_bytes(stream: &mut TcpStream, expected: &[u8]) {
    let mut received = vec![0; expected.len()];
    let mut filled = 0;
    let deadline = Instant::now() + limit();
    while filled < expected.len() {
        match read_before(stream, &mut received[filled..], deadline) {
            Ok(0) => panic!(
                "end of stream after {filled} bytes; expected {:?}, received {:?}",
                shown(expected),
                shown(&received[..filled])
            ),
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!(
                "read failed after {filled} bytes: {e}; expected {:?}, received {:?}",
                shown(expected),
                shown(&received[..filled])
            ),
        }
    }
    assert_bytes_eq(&received, expected);
}

/// Writes `request`, shuts down the write half, reads to the end and returns every byte.
fn transcript(server: &Server, request: &[u8]) -> Vec<u8> {
    let mut stream = server.connect();
    stream.write_all(request).expect("cannot send the request");
    stream
        .shutdown(Shutdown::Write)
        .expect("cannot shut down the write half");
    read_to_eof(&mut stream)
}

fn assert_bytes_eq(received: &[u8], expected: &[u8]) {
    if received != expected {
        let at = received
            .iter()
            .zip(expected)
            .take_while(|(a, b)| a == b)
            .count();
        panic!(
            "transcripts differ at byte {at}\n  received ({} bytes): {:?}\n  expected ({} bytes): {:?}",
            received.len(),
            shown(received),
            expected.len(),
            shown(expected)
        );
    }
}

/// Bytes as text for failure messages, long ones cut in the middle.
fn shown(bytes: &[u8]) -> String {
    const KEEP: usize = 600;
    if bytes.len() <= 2 * KEEP {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    format!(
        "{}[... {} bytes ...]{}",
        String::from_utf8_lossy(&bytes[..KEEP]),
        bytes.len() - 2 * KEEP,
        String::from_utf8_lossy(&bytes[bytes.len() - KEEP..])
    )
}

/// The index, built once per test process.
fn index() -> &'static UnicodeNameIndex {
    static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
    INDEX.get_or_init(UnicodeNameIndex::new)
}

/// What the server sends for one line `line` (without its `\n`): the description lines and
/// the status line, each + CRLF. Only for lines that are answered (not empty, no control
/// character first).
fn answer(line: &str) -> String {
    let query = py_strip(line);
    assert!(
        !query.is_empty() && !query.starts_with(|c: char| c < ' '),
        "{line:?} is not answered"
    );
    let lines = index().describe(query);
    let mut out = String::new();
    for line in &lines {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&UnicodeNameIndex::status(query, lines.len()));
    out.push_str("\r\n");
    out
}

/// The literal answer to `registered`.
const REGISTERED: &str = "U+00AE \t®\tREGISTERED SIGN\r\n1 match for 'registered'\r\n";
/// The answer to `sign dollar` (on the full index, every DOLLAR SIGN: more than one).
fn sign_dollar() -> String {
    answer("sign dollar")
}

#[test]
fn expected_answers_agree_with_the_literal_facts() {
    // The oracle itself, so a broken index fails here rather than in a transcript.
    assert_eq!(answer("registered"), REGISTERED);
    let sign_dollar = answer("  sign dollar\r");
    assert!(
        sign_dollar.starts_with("U+0024 \t$\tDOLLAR SIGN\r\n"),
        "{sign_dollar:?}"
    );
    assert!(
        sign_dollar.ends_with(" matches for 'sign dollar'\r\n"),
        "{sign_dollar:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------------------

#[test]
fn prompt_first_and_end_of_stream_closes() {
    let server = Server::start();
    // The prompt arrives before the client says anything.
    let mut stream = server.connect();
    expect_bytes(&mut stream, PROMPT.as_bytes());
    // End of stream at the prompt: the server closes, sending nothing more.
    stream.shutdown(Shutdown::Write).unwrap();
    assert_bytes_eq(&read_to_eof(&mut stream), b"");
    // The same as one transcript.
    assert_bytes_eq(&transcript(&server, b""), b"?> ");
}

#[test]
fn query_with_lf_and_with_crlf() {
    let server = Server::start();
    let expected = format!("?> {REGISTERED}?> ");
    assert_bytes_eq(&transcript(&server, b"registered\n"), expected.as_bytes());
    // `strip()` removes the `\r` of a CRLF line ending.
    assert_bytes_eq(&transcript(&server, b"registered\r\n"), expected.as_bytes());
    // Surrounding spaces and tabs go too; the status line quotes the stripped query.
    assert_bytes_eq(
        &transcript(&server, b" \t registered \t\r\n"),
        expected.as_bytes(),
    );
}

#[test]
fn interactive_exchange_without_closing() {
    let server = Server::start();
    let mut stream = server.connect();
    expect_bytes(&mut stream, b"?> ");
    stream.write_all(b"registered\r\n").unwrap();
    expect_bytes(&mut stream, format!("{REGISTERED}?> ").as_bytes());
    stream.write_all(b"sign dollar\n").unwrap();
    expect_bytes(&mut stream, format!("{}?> ", sign_dollar()).as_bytes());
    stream.shutdown(Shutdown::Write).unwrap();
    assert_bytes_eq(&read_to_eof(&mut stream), b"");
}

#[test]
fn empty_line_prompts_again() {
    let server = Server::start();
    assert_bytes_eq(&transcript(&server, b"\n"), b"?> ?> ");
    assert_bytes_eq(&transcript(&server, b"\r\n\n\r\n"), b"?> ?> ?> ?> ");
    let expected = format!("?> ?> {REGISTERED}?> ");
    assert_bytes_eq(&transcript(&server, b"\nregistered\n"), expected.as_bytes());
}

#[test]
fn whitespace_only_line_prompts_again() {
    let server = Server::start();
    // Python's `str.isspace()` set: ASCII space and \t\n\v\f\r, the separators U+001C to
    // U+001F, NEL, NBSP, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    let lines = [
        " ",
        "\t",
        "\x0b",
        "\x0c",
        "\r",
        "\x1c",
        "\x1d",
        "\x1e",
        "\x1f",
        "\u{3000}",
        "\u{85}\u{a0}\u{1680}\u{2000}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}",
        " \t\x0b\x0c\x1c\x1d\x1e\x1f\u{3000} \r",
    ];
    for line in lines {
        let request = format!("{line}\nregistered\n");
        let expected = format!("?> ?> {REGISTERED}?> ");
        let received = transcript(&server, request.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&received),
            expected,
            "after the whitespace-only line {line:?}"
        );
    }
    // Whitespace around a query is stripped with the same rule.
    let expected = format!("?> {REGISTERED}?> ");
    let request = "\u{3000}\x1c\tregistered\x0b\u{a0}\r\n";
    assert_bytes_eq(
        &transcript(&server, request.as_bytes()),
        expected.as_bytes(),
    );
}

#[test]
fn control_character_closes_the_connection() {
    let server = Server::start();
    // Nothing at all after the prompt, even with more queries behind it.
    assert_bytes_eq(&transcript(&server, b"\x01abc\n"), b"?> ");
    assert_bytes_eq(&transcript(&server, b"\x04\nregistered\n"), b"?> ");
    assert_bytes_eq(&transcript(&server, b"\x1babc\r\n"), b"?> ");
    // Without shutting down our side: the server closes on its own.
    let mut stream = server.connect();
    stream.write_all(b"\x01abc\n").unwrap();
    assert_bytes_eq(&read_to_eof(&mut stream), b"?> ");
    // After an answered query, a control character still ends the session.
    let expected = format!("?> {REGISTERED}?> ");
    assert_bytes_eq(
        &transcript(&server, b"registered\n\x03\n"),
        expected.as_bytes(),
    );
}

#[test]
fn invalid_utf8_is_a_nul_query_and_closes() {
    let server = Server::start();
    assert_bytes_eq(&transcript(&server, b"\xff\xfe\n"), b"?> ");
    // Also when the bad bytes follow good ones, and without our end of stream.
    let mut stream = server.connect();
    stream.write_all(b"registered \xc3\n").unwrap();
    assert_bytes_eq(&read_to_eof(&mut stream), b"?> ");
}

#[test]
fn last_line_without_newline_is_answered_then_closed() {
    let server = Server::start();
    // Answered and followed by the next prompt, as the book's loop writes the prompt
    // before it reads (and finds the end of the stream); then closed.
    let expected = format!("?> {}?> ", sign_dollar());
    assert_bytes_eq(&transcript(&server, b"sign dollar"), expected.as_bytes());
    // The same after an earlier complete line.
    let expected = format!("?> {REGISTERED}?> {}?> ", sign_dollar());
    assert_bytes_eq(
        &transcript(&server, b"registered\nsign dollar"),
        expected.as_bytes(),
    );
    // A last whitespace-only line is an empty query: nothing sent but the prompt, closed.
    assert_bytes_eq(&transcript(&server, b" \t "), b"?> ?> ");
    // A last control-character line: closed.
    assert_bytes_eq(&transcript(&server, b"\x01abc"), b"?> ");
}

#[test]
fn zero_results_still_send_the_status_line() {
    let server = Server::start();
    assert_bytes_eq(
        &transcript(&server, b"jabberwocky\n"),
        b"?> No match for 'jabberwocky'\r\n?> ",
    );
    // A query with no words at all finds nothing either, and is answered.
    let expected = format!("?> {}?> ", answer("!!!"));
    assert_eq!(expected, "?> No match for '!!!'\r\n?> ");
    assert_bytes_eq(&transcript(&server, b"!!!\n"), expected.as_bytes());
}

#[test]
fn status_line_uses_python_repr_quoting() {
    let server = Server::start();
    let expected = format!("?> {}?> ", answer("it's"));
    assert!(expected.ends_with(" for \"it's\"\r\n?> "), "{expected:?}");
    assert_bytes_eq(&transcript(&server, b"it's\n"), expected.as_bytes());

    let expected = "?> No match for \"jabberwocky's vest\"\r\n?> ";
    assert_eq!(format!("?> {}?> ", answer("jabberwocky's vest")), expected);
    assert_bytes_eq(
        &transcript(&server, b"jabberwocky's vest\n"),
        expected.as_bytes(),
    );

    // Both quote kinds: single quotes, the inner one escaped; an inner tab is escaped too.
    let expected = "?> No match for 'say \"jabberwocky\\'s\\tvest\"'\r\n?> ";
    assert_eq!(
        format!("?> {}?> ", answer("say \"jabberwocky's\tvest\"")),
        expected
    );
    let request = "say \"jabberwocky's\tvest\"\n";
    assert_bytes_eq(
        &transcript(&server, request.as_bytes()),
        expected.as_bytes(),
    );
}

#[test]
fn code_point_query() {
    let server = Server::start();
    let expected = "?> U+1F525\t🔥\tFIRE\r\n1 match for 'U+1F525'\r\n?> ";
    assert_eq!(format!("?> {}?> ", answer("U+1F525")), expected);
    assert_bytes_eq(&transcript(&server, b"U+1F525\n"), expected.as_bytes());
    // Lower case works too; the status quotes the query as typed.
    let expected = "?> U+00E9 \té\tLATIN SMALL LETTER E WITH ACUTE\r\n1 match for 'u+00e9'\r\n?> ";
    assert_bytes_eq(&transcript(&server, b"u+00e9\n"), expected.as_bytes());
}

#[test]
fn describe_mode() {
    let server = Server::start();
    let expected = "?> U+00E9 \té\tLATIN SMALL LETTER E WITH ACUTE\r\n\
                    U+20AC \t€\tEURO SIGN\r\n\
                    2 matches for 'é€'\r\n?> ";
    assert_eq!(format!("?> {}?> ", answer("é€")), expected);
    assert_bytes_eq(&transcript(&server, "é€\n".as_bytes()), expected.as_bytes());
    // Each distinct character once, in code point order.
    let expected = "?> U+00E9 \té\tLATIN SMALL LETTER E WITH ACUTE\r\n\
                    U+20AC \t€\tEURO SIGN\r\n\
                    2 matches for '€éé'\r\n?> ";
    assert_bytes_eq(
        &transcript(&server, "€éé\n".as_bytes()),
        expected.as_bytes(),
    );
}

#[test]
fn pipelined_queries_are_answered_in_order() {
    let server = Server::start();
    let queries = [
        "registered",
        "sign dollar",
        "U+1F525",
        "chess black",
        "é€",
        "jabberwocky",
        "cat face",
    ];
    let request: String = queries.iter().map(|q| format!("{q}\n")).collect();
    let mut expected = String::from(PROMPT);
    for query in queries {
        expected.push_str(&answer(query));
        expected.push_str(PROMPT);
    }
    // All in one write, and read back without closing our side first.
    let mut stream = server.connect();
    stream.write_all(request.as_bytes()).unwrap();
    expect_bytes(&mut stream, expected.as_bytes());
    stream.shutdown(Shutdown::Write).unwrap();
    assert_bytes_eq(&read_to_eof(&mut stream), b"");
}

#[test]
fn log_lines_of_one_session() {
    let server = Server::start();
    let mut stream = server.connect();
    let port = stream.local_addr().unwrap().port();
    stream.write_all(b"registered\r\n").unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let expected = format!("?> {REGISTERED}?> ");
    assert_bytes_eq(&read_to_eof(&mut stream), expected.as_bytes());
    assert_eq!(
        server.lines_until("Close the client socket"),
        [
            format!("Received from 127.0.0.1:{port}: 'registered'"),
            "Sent 1 results".to_string(),
            "Close the client socket".to_string(),
        ]
    );
    // An empty line is logged as received, and nothing is sent.
    let mut stream = server.connect();
    let port = stream.local_addr().unwrap().port();
    stream.write_all(b"\n\x01\n").unwrap();
    assert_bytes_eq(&read_to_eof(&mut stream), b"?> ?> ");
    assert_eq!(
        server.lines_until("Close the client socket"),
        [
            format!("Received from 127.0.0.1:{port}: ''"),
            format!("Received from 127.0.0.1:{port}: '\\x01'"),
            "Close the client socket".to_string(),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Line limit, many clients, a slow client
// ---------------------------------------------------------------------------------------

#[test]
fn line_too_long_closes_and_the_server_goes_on() {
    let server = Server::start();
    let mut request = vec![b'a'; 70_000];
    request.push(b'\n');
    let mut stream = server.connect();
    stream
        .write_all(&request)
        .expect("cannot send the 70 KB line");
    let received = read_to_eof(&mut stream);
    assert_bytes_eq(&received, b"?> line too long\r\n");
    drop(stream);
    // The server keeps serving.
    let expected = format!("?> {REGISTERED}?> ");
    assert_bytes_eq(&transcript(&server, b"registered\n"), expected.as_bytes());
}

/// Reads until the connection ends: what arrived, and whether it ended with a reset
/// rather than an end of stream.
fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut received = Vec::new();
    let mut buf = [0; 64 * 1024];
    let deadline = Instant::now() + limit();
    loop {
        match read_before(stream, &mut buf, deadline) {
            Ok(0) => return (received, false),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (received, true),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!(
                "the connection did not end: {e}; received {:?}",
                shown(&received)
            ),
        }
    }
}

#[test]
fn line_of_megabytes_is_refused_while_still_arriving() {
    let server = Server::start();
    // 4 MB without a `\n`, more than the socket buffers hold: the server must refuse it
    // after 64 KiB, not wait for (or buffer) the rest. The writer ends with an error once
    // the server has closed; that is expected.
    let mut stream = server.connect();
    let mut writer = stream.try_clone().unwrap();
    let writing = thread::spawn(move || {
        let _ = writer.write_all(&vec![b'a'; 4 << 20]);
        let _ = writer.write_all(b"\n");
    });
    // The refusal, then the end of the connection (a reset is a fair end here: the
    // server closes with our unread bytes in its buffer).
    let (received, _reset) = read_until_closed(&mut stream);
    assert_bytes_eq(&received, b"?> line too long\r\n");
    writing.join().unwrap();
    let expected = format!("?> {REGISTERED}?> ");
    assert_bytes_eq(&transcript(&server, b"registered\n"), expected.as_bytes());
}

#[test]
fn line_of_exactly_64_kib_is_accepted() {
    let server = Server::start();
    // 65,536 bytes before the `\n` is the longest line accepted: one unknown word.
    let word = "a".repeat(65_536);
    let expected = format!("?> No match for '{word}'\r\n?> ");
    let received = transcript(&server, format!("{word}\n").as_bytes());
    assert_bytes_eq(&received, expected.as_bytes());
    // One more byte is too long.
    let mut stream = server.connect();
    stream.write_all(format!("{word}a\n").as_bytes()).unwrap();
    assert_bytes_eq(&read_to_eof(&mut stream), b"?> line too long\r\n");
}

#[test]
fn hundred_concurrent_clients() {
    const CLIENTS: usize = 100;
    let server = Server::start();
    let queries = [
        "registered",
        "sign dollar",
        "U+1F525",
        "chess black",
        "é€",
        "jabberwocky",
        "it's",
        "cat face",
    ];
    let answers: Arc<HashMap<&str, String>> =
        Arc::new(queries.iter().map(|&q| (q, answer(q))).collect());
    // Everyone connects before anyone asks, so the server holds 100 connections at once.
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let addr = server.addr;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let answers = Arc::clone(&answers);
            let (first, second) = (
                queries[i % queries.len()],
                queries[(i * 3 + 1) % queries.len()],
            );
            thread::spawn(move || {
                let connected = TcpStream::connect_timeout(&addr, limit());
                barrier.wait(); // reached even when the connection failed: nobody waits forever
                let mut stream = connected.expect("cannot connect");
                stream.set_read_timeout(Some(limit())).unwrap();
                stream.set_write_timeout(Some(limit())).unwrap();
                expect_bytes(&mut stream, b"?> ");
                stream.write_all(format!("{first}\n").as_bytes()).unwrap();
                expect_bytes(&mut stream, format!("{}?> ", answers[first]).as_bytes());
                stream
                    .write_all(format!("{second}\r\n").as_bytes())
                    .unwrap();
                stream.shutdown(Shutdown::Write).unwrap();
                let received = read_to_eof(&mut stream);
                assert_bytes_eq(&received, format!("{}?> ", answers[second]).as_bytes());
            })
        })
        .collect();
    let mut failures = 0;
    for client in clients {
        if client.join().is_err() {
            failures += 1;
        }
    }
    assert_eq!(failures, 0, "{failures} of {CLIENTS} clients failed");
    // Every session ended: one `Close the client socket` per client.
    let mut closed = 0;
    while closed < CLIENTS {
        if server.next_line() == "Close the client socket" {
            closed += 1;
        }
    }
}

#[test]
fn a_client_that_never_reads_does_not_hold_up_another() {
    let server = Server::start();
    // The slow client asks for `cjk` (about 100,000 lines, megabytes) several times over, more
    // than any socket buffers hold, and never reads: its task must wait on back-pressure.
    let mut slow = server.connect();
    slow.write_all(b"cjk\ncjk\ncjk\ncjk\ncjk\n").unwrap();
    // Another client's whole exchange completes meanwhile.
    let expected = format!("?> {REGISTERED}?> {}?> ", sign_dollar());
    assert_bytes_eq(
        &transcript(&server, b"registered\nsign dollar\n"),
        expected.as_bytes(),
    );
    // The slow client is still connected and its answer starts as it should.
    let cjk = index().describe("cjk");
    assert!(cjk.len() > 90_000, "cjk finds {} characters", cjk.len());
    // The server's log up to the other client's end: the slow one's five answers (over
    // 20 MB) cannot all have been sent, so its task really was waiting meanwhile.
    let cjk_sent = format!("Sent {} results", cjk.len());
    let log = server.lines_until("Close the client socket");
    let answered = log.iter().filter(|line| **line == cjk_sent).count();
    assert!(
        answered < 5,
        "all of the slow client's answers sent: {log:?}"
    );
    expect_bytes(
        &mut slow,
        format!("?> {}\r\n{}\r\n", cjk[0], cjk[1]).as_bytes(),
    );
}

// ---------------------------------------------------------------------------------------
// Ctrl-C
// ---------------------------------------------------------------------------------------

fn send_sigint(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("cannot run kill");
    assert!(status.success(), "kill -INT {pid} failed: {status}");
}

#[test]
fn ctrl_c_closes_everything_and_exits_zero() {
    let mut server = Server::start();
    // One client left open at the prompt.
    let mut client = server.connect();
    expect_bytes(&mut client, b"?> ");
    send_sigint(server.pid());
    server.lines_until("Server shutting down.");
    let status = server.wait_exit();
    assert_eq!(status.code(), Some(0), "exit status {status}");
    // The open client sees the end of stream.
    assert_bytes_eq(&read_to_eof(&mut client), b"");
    // And the listener is gone.
    let refused = TcpStream::connect_timeout(&server.addr, limit());
    assert!(refused.is_err(), "the listener still accepts after Ctrl-C");
}

#[test]
fn ctrl_c_with_a_client_held_by_back_pressure() {
    let mut server = Server::start();
    let mut slow = server.connect();
    slow.write_all(b"cjk\ncjk\ncjk\ncjk\ncjk\n").unwrap();
    // Its task is running; soon it is blocked writing answers nobody reads.
    expect_bytes(&mut slow, b"?> ");
    let mut idle = server.connect();
    expect_bytes(&mut idle, b"?> ");
    send_sigint(server.pid());
    server.lines_until("Server shutting down.");
    let status = server.wait_exit();
    assert_eq!(status.code(), Some(0), "exit status {status}");
    assert_bytes_eq(&read_to_eof(&mut idle), b"");
    // The slow client's connection ends too: what was in flight, then end of stream (or a
    // reset, since the server closed with our unread queries in its buffer).
    read_until_closed(&mut slow);
}
