//! Property tests ("fuzzing") of the `tcp_charfinder` example's line reader and protocol:
//! arbitrary bytes (query words, whitespace, control characters, broken UTF-8, lines with
//! and without their `\n`) go to the real server over loopback, and every byte that comes
//! back is compared with a model of the protocol built from the `charindex` crate (the same
//! index the server uses). The server must never crash and must keep answering.
//!
//! `FUZZ_CASES` sets the number of cases (`.ci/fuzz` runs a long campaign). Every input that
//! ever failed is kept below as a regression test.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::Command;
use std::sync::OnceLock;
use std::thread;

use charindex::{py_strip, UnicodeNameIndex};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use testkit::example::{example_binary, Server};
use testkit::limit;

fn index() -> &'static UnicodeNameIndex {
    static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
    INDEX.get_or_init(UnicodeNameIndex::new)
}

/// What the server must send for `input` followed by the end of the stream: the protocol
/// of the example's `handle_queries`, line by line.
fn model(input: &[u8]) -> Vec<u8> {
    let mut out = b"?> ".to_vec();
    let mut rest = input;
    while !rest.is_empty() {
        let (line, eof) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                (line, false)
            }
            None => (std::mem::take(&mut rest), true),
        };
        let text = std::str::from_utf8(line).unwrap_or("\0");
        let query = py_strip(text);
        if !query.is_empty() {
            if query.starts_with(|c: char| c < ' ') {
                break; // the server closes
            }
            for line in index().describe(query) {
                out.extend_from_slice(line.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            let count = index().describe(query).len();
            out.extend_from_slice(UnicodeNameIndex::status(query, count).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"?> ");
        if eof {
            break;
        }
    }
    out
}

/// Sends `input` (from a thread, so a large answer cannot block both sides), closes the
/// write side, and reads all. Returns the bytes, and whether the stream ended cleanly (a
/// reset, after the server closed on a line with input still unread, may cut the answer).
fn exchange(addr: SocketAddr, input: &[u8]) -> Result<(Vec<u8>, bool), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(limit())).ok();
    stream.set_write_timeout(Some(limit())).ok();
    let mut writer = stream.try_clone().map_err(|e| format!("clone: {e}"))?;
    let input = input.to_vec();
    let sender = thread::spawn(move || {
        let _ = writer.write_all(&input); // the server may close first: not a failure
        let _ = writer.shutdown(Shutdown::Write);
    });
    let mut answer = Vec::new();
    let clean = match stream.read_to_end(&mut answer) {
        Ok(_) => true,
        Err(e) if e.kind() == ErrorKind::ConnectionReset => false,
        Err(e) => return Err(format!("reading: {e} after {} bytes", answer.len())),
    };
    let _ = sender.join();
    Ok((answer, clean))
}

fn check(addr: SocketAddr, input: &[u8]) -> Result<(), TestCaseError> {
    let expected = model(input);
    let (got, clean) = exchange(addr, input).map_err(TestCaseError::fail)?;
    let shown = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if clean {
        prop_assert_eq!(shown(&got), shown(&expected), "for {:?}", shown(input));
    } else {
        prop_assert!(
            expected.starts_with(&got),
            "for {:?}: {:?} is not a prefix of {:?}",
            shown(input),
            shown(&got),
            shown(&expected)
        );
    }
    Ok(())
}

fn start() -> Server {
    let mut command = Command::new(example_binary("tcp_charfinder"));
    command.args(["127.0.0.1", "0"]);
    Server::start(command, false)
}

/// Input made of query words, whitespace, line ends, control characters and broken UTF-8.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let pieces: Vec<&'static [u8]> = vec![
        b"cat",
        b"face",
        b"chess",
        b"black",
        b"registered",
        b"U+00E9",
        b"u+1f525",
        b"xyzzy",
        "é€".as_bytes(),
        b" ",
        b"  ",
        b"\t",
        b"\r",
        b"\n",
        b"\r\n",
        b"\n",
        b"\x00",
        b"\x1b",
        b"\x7f",
        b"\xff",
        b"\xc3",
        b"\xe2\x82",
        "\u{a0}".as_bytes(),
        "\u{3000}".as_bytes(),
    ];
    prop_oneof![
        4 => proptest::collection::vec(proptest::sample::select(pieces), 0..40)
            .prop_map(|p| p.concat()),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

#[test]
fn any_input_gets_exactly_the_protocol_s_answer() {
    let mut server = start();
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let addr = server.addr;
    runner.run(&input(), |input| check(addr, &input)).unwrap();
    assert!(
        server.child.try_wait().expect("try_wait").is_none(),
        "the server exited"
    );
    check(addr, b"registered\n").unwrap();
    let status = server.interrupt_and_wait(limit());
    assert!(status.success(), "exit after SIGINT: {status}");
}

#[test]
fn the_model_agrees_with_the_literal_facts() {
    assert_eq!(model(b""), b"?> ");
    assert_eq!(model(b"\n\n"), b"?> ?> ?> ");
    assert_eq!(
        model(b"registered\n"),
        "?> U+00AE \t®\tREGISTERED SIGN\r\n1 match for 'registered'\r\n?> ".as_bytes()
    );
    assert_eq!(model(b"\x1b\nregistered\n"), b"?> ");
    assert_eq!(
        model(b"\xff\n"),
        b"?> ",
        "invalid UTF-8 is a NUL query: closes"
    );
}

// ---------------------------------------------------------------------------------------
// Regressions: every input that ever failed the property above
// ---------------------------------------------------------------------------------------
