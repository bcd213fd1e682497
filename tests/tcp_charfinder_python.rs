//! The `tcp_charfinder` example and the book's server ported to Python 3 asyncio
//! (`bench/python/tcp_charfinder.py`, what the benchmark's `charfinder_cpu` row compares it
//! with) answer the same bytes: the comparison is like for like.
//!
//! Each server gets the same transcript (every query of [`QUERIES`], the write half shut
//! down after them, so the last one also checks the end of stream) on plain blocking
//! sockets, and the two byte streams must be equal. The queries are ones whose answers do
//! not depend on the Unicode version (Python 3.11's `unicodedata` is Unicode 14.0,
//! `charindex` is 17.0: `sign` or `chess black` find more characters in ours). Without
//! `python3` the test prints why and passes.
//!
//! Every blocking step is bounded (socket timeouts, the helpers' bounded waits), and both
//! servers are killed when the test ends.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;

use testkit::example::{example_binary, Server};

/// Words (one, several, repeated, mixed case), a code point, characters to describe, no
/// match, a quote in the query (the status line's `repr`), an empty line. The test adds
/// all of them on one connection, and the longest line accepted and one byte longer.
const QUERIES: &[&str] = &[
    "braille",
    "hexagram",
    "registered",
    "Cat FACE",
    "circled digit",
    "U+1F525",
    "u+00e9",
    "é€",
    "jabberwocky",
    "jabberwocky's vest",
    "",
    "  digit   zero fullwidth  ",
    "black black chess king",
];

/// The book's server under `python3 -u` (unbuffered, so its first line arrives at once),
/// killed when dropped.
struct PythonServer {
    child: Child,
    addr: SocketAddr,
}

impl PythonServer {
    fn start(python: &str) -> PythonServer {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("bench")
            .join("python")
            .join("tcp_charfinder.py");
        let mut child = Command::new(python)
            .arg("-u")
            .arg(&script)
            .args(["127.0.0.1", "0"])
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start python3");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        // Drains the log for the server's whole life; only the first line is needed.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let _ = tx.send(line);
            }
        });
        let first = rx
            .recv_timeout(testkit::limit())
            .expect("the Python server printed nothing");
        let addr = parse_python_serving_on(&first)
            .unwrap_or_else(|| panic!("unexpected first line from Python: {first:?}"));
        PythonServer { child, addr }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in the book's `Serving on ('127.0.0.1', 43567). Hit CTRL-C to stop.`
fn parse_python_serving_on(line: &str) -> Option<SocketAddr> {
    let inside = line.split_once("('")?.1;
    let (host, rest) = inside.split_once("', ")?;
    let port: u16 = rest.split_once(')')?.0.parse().ok()?;
    Some(SocketAddr::new(host.parse().ok()?, port))
}

/// Sends `request`, shuts down the write half and reads everything the server sends until
/// it closes (bounded by the socket timeouts).
fn transcript(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect_timeout(&addr, testkit::limit()).expect("connect");
    stream
        .set_read_timeout(Some(testkit::limit()))
        .expect("timeout");
    stream
        .set_write_timeout(Some(testkit::limit()))
        .expect("timeout");
    stream.write_all(request).expect("send the queries");
    stream.shutdown(Shutdown::Write).expect("shutdown");
    let mut received = Vec::new();
    let mut buf = [0; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            // A server that refuses a long line closes at once; should any of our bytes be
            // left unread, the kernel ends the connection with a reset.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return received,
            Err(e) => panic!("reading the answers: {e}"),
        }
    }
}

fn python3() -> Option<String> {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    found.then(|| "python3".to_string())
}

#[test]
fn python_port_answers_the_same_bytes_as_the_example() {
    let Some(python) = python3() else {
        println!("skipped: no python3 on this machine");
        return;
    };
    let ours = Server::start(
        {
            let mut command = Command::new(example_binary("tcp_charfinder"));
            command.args(["127.0.0.1", "0"]);
            command
        },
        false,
    );
    let book = PythonServer::start(&python);
    // Every query alone, then all of them on one connection, the last without its `\n`.
    let mut requests: Vec<Vec<u8>> = QUERIES.iter().map(|q| format!("{q}\n").into()).collect();
    let mut all = QUERIES.join("\n").into_bytes();
    requests.push(all.clone());
    all.push(b'\n');
    requests.push(all);
    // The longest line accepted, and one byte more: `line too long`.
    for len in [64 * 1024, 64 * 1024 + 1] {
        let mut line = vec![b'a'; len];
        line.push(b'\n');
        requests.push(line);
    }
    for request in &requests {
        let expected = transcript(ours.addr, request);
        let got = transcript(book.addr, request);
        assert!(
            expected.starts_with(b"?> ") && expected.len() > 3,
            "{:?}",
            String::from_utf8_lossy(&expected)
        );
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expected),
            "different answers to {:?}",
            String::from_utf8_lossy(request)
        );
    }
}

#[test]
fn python_serving_line_is_parsed() {
    assert_eq!(
        parse_python_serving_on("Serving on ('127.0.0.1', 43567). Hit CTRL-C to stop."),
        Some(SocketAddr::from(([127, 0, 0, 1], 43567)))
    );
    assert_eq!(parse_python_serving_on("Serving on 127.0.0.1:1"), None);
}
