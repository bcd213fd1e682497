//! tcp_charfinder: the book's Unicode character finder served over TCP (`tcp_charfinder.py`),
//! one task per client.
//!
//! Run it: `cargo run --release --example tcp_charfinder [-- ADDR [PORT] [--workers N]]` (default
//! `127.0.0.1 2323`), then talk to it from another terminal with `nc 127.0.0.1 2323` or
//! `telnet 127.0.0.1 2323`. At the `?> ` prompt type words (`chess black`, `cat face`), a
//! code point (`U+1F525`) or characters to describe (`é€`). An empty line prompts again; a
//! control character (Ctrl-D on some clients sends one) or end of stream ends the session.
//! Ctrl-C stops the server: `Server shutting down.`, every connection closed, exit 0.
//!
//! `--workers N` serves from N processes, each one loop on one thread, sharing the port
//! through `SO_REUSEPORT` (asyncio's and nginx's model of using more cores; DESIGN.md,
//! "Beyond one core"). The workers are started and stopped by
//! `workers_common/` (shared with `http_charfinder`), the worker variable being
//! `TCP_CHARFINDER_WORKER`. Each worker's log lines start with `[pid N] `; Ctrl-C on the first one is passed on
//! to the others, and it exits after they have.
//!
//! What it fixes from the book's version: end of stream closes the connection (the original
//! looped for ever, sending prompts to nobody); a line over 64 KiB is refused without being
//! buffered; a client that never reads its answers is held back by TCP back-pressure in its
//! own task, and never slows the others; results are streamed in 64 KiB chunks, not built up
//! in memory; each answer and the next prompt leave in one write, with `TCP_NODELAY` set (as
//! asyncio does).
//!
//! What it does faster: the book formats a fresh string per result line. Here the index keeps
//! every character's description line ready in one buffer (`charindex::DescriptionLines`),
//! so an answer is whole runs of lines copied into the write buffer, and a query costs
//! about one `write` (see the `charfinder_cpu` row of `bench/`: server CPU per query
//! against the book's asyncio server).

mod workers_common;

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::OnceLock;

use charindex::{py_strip, repr, UnicodeNameIndex};
use oneloop::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, LineTooLong};
use oneloop::net::{TcpListener, TcpStream};
use workers_common::{listen, log_prefix, options, start_workers, stop_workers, Options};

const CRLF: &[u8] = b"\r\n";
const PROMPT: &[u8] = b"?> ";
/// The longest line accepted, in bytes before its `\n`. Longer lines are refused as soon as
/// this many bytes have arrived, so memory per client stays bounded whatever it sends.
const MAX_LINE: usize = 64 * 1024;
/// Answers are sent in writes of about this size: `sign` (137 KB) is three system calls,
/// most answers one, and a connection's answer buffer never grows much past it.
const CHUNK: usize = 64 * 1024;
/// How long the accept loop pauses after an error such as EMFILE (see the `echo` example).
const ACCEPT_BACKOFF: std::time::Duration = std::time::Duration::from_millis(100);
/// Set (to the worker's number) in the environment of the workers the first process starts.
const WORKER_ENV: &str = "TCP_CHARFINDER_WORKER";

/// What starts every log line: empty with one process, `[pid N] ` with several.
static LOG_PREFIX: OnceLock<String> = OnceLock::new();

/// `println!`, with this worker's [`LOG_PREFIX`].
macro_rules! log {
    ($($arg:tt)*) => {
        println!("{}{}", LOG_PREFIX.get().map_or("", String::as_str), format_args!($($arg)*))
    };
}

/// The protocol loop of one client.
async fn handle_queries(
    stream: TcpStream,
    peer: SocketAddr,
    index: Rc<UnicodeNameIndex>,
) -> io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer.write_all(PROMPT).await?;
    loop {
        // The book's `data = await reader.readline()`, with asyncio's `limit`.
        let mut bytes = Vec::new();
        match reader.read_until_max(b'\n', &mut bytes, MAX_LINE).await {
            Ok(0) => return Ok(()), // end of stream
            Ok(_) => {}
            Err(e) if LineTooLong::is(&e) => return writer.write_all(b"line too long\r\n").await,
            Err(e) => return Err(e),
        }
        // A last line without `\n` before the end of the stream is handled like any other;
        // the end is seen when reading again.
        let eof = bytes.last() != Some(&b'\n');
        if !eof {
            bytes.pop();
        }
        let text = String::from_utf8(bytes).unwrap_or_else(|_| "\x00".to_string());
        let query = py_strip(&text);
        log!("Received from {peer}: {}", repr(query));
        // The answer, its status line and the next prompt, gathered for one `write`.
        let mut answer = Vec::new();
        let mut sent = None;
        if !query.is_empty() {
            if query.starts_with(|c: char| c < ' ') {
                return Ok(());
            }
            let found = index.find(query);
            answer.reserve(CHUNK);
            // The book formats a string per result; here every line is ready-made in the
            // index, in code point order, so runs of neighbouring results are copied in one
            // piece. A huge answer (`cjk` finds ~100,000 characters) leaves in chunks of
            // about CHUNK bytes, `write_all` waiting whenever the client is slow: memory
            // stays flat.
            let mut rest = &found[..];
            while !rest.is_empty() {
                let written = index.lines().copy_lines(rest, &mut answer, CHUNK);
                rest = &rest[written..];
                if !rest.is_empty() {
                    writer.write_all(&answer).await?;
                    answer.clear();
                }
            }
            answer.extend_from_slice(UnicodeNameIndex::status(query, found.len()).as_bytes());
            answer.extend_from_slice(CRLF);
            sent = Some(found.len());
        }
        // The next prompt goes out in the same write as the answer: a second, tiny write
        // would wait for the client's delayed ACK (Nagle), some 40 ms per query. As in the
        // book's loop, the prompt is written even after a last line without `\n`; the end
        // of the stream is seen when reading again.
        answer.extend_from_slice(PROMPT);
        writer.write_all(&answer).await?;
        if let Some(count) = sent {
            log!("Sent {count} results");
        }
        if eof {
            return Ok(());
        }
    }
}

async fn serve(listener: TcpListener, index: Rc<UnicodeNameIndex>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if oneloop::is_cancelled(&e) => return,
            Err(e) => {
                eprintln!("accept failed: {e}; pausing {ACCEPT_BACKOFF:?}");
                let _ = oneloop::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        // Each answer goes out in one flush, but a client that sends its next query before
        // reading the last answer would still meet Nagle's algorithm: turn it off, as
        // Python's asyncio does on every TCP transport.
        if let Err(e) = stream.set_nodelay(true) {
            log!("Error with {peer}: cannot set TCP_NODELAY: {e}");
        }
        let index = Rc::clone(&index);
        oneloop::spawn(async move {
            if let Err(e) = handle_queries(stream, peer, index).await {
                if !oneloop::is_cancelled(&e) {
                    log!("Error with {peer}: {e}");
                }
            }
            log!("Close the client socket");
        });
    }
}

#[oneloop::main(shutdown = "cancel")]
async fn main() {
    let Options {
        addr,
        port,
        workers,
    } = options("tcp_charfinder", 2323);
    if workers > 1 {
        let _ = LOG_PREFIX.set(log_prefix());
    }
    // Build the index before accepting anyone (tens of milliseconds in release mode).
    let index = Rc::new(UnicodeNameIndex::new());
    let listener = match listen(&addr, port, workers > 1).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}:{port}: {e}");
            std::process::exit(1);
        }
    };
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    log!("Serving on {local}. Hit CTRL-C to stop.");
    // The first process starts the others once it knows the port (it may have asked for 0).
    let children = start_workers(workers, &addr, local.port(), WORKER_ENV);
    let server = oneloop::spawn(serve(listener, index));
    if let Err(e) = oneloop::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {e}");
        std::process::exit(1);
    }
    log!("Server shutting down.");
    // Dropping the server task closes the listener. Returning from main makes `run` cancel
    // every connection task: each gets `Cancelled` at its next read or write and closes.
    server.abort();
    let _ = server.await;
    stop_workers(children).await;
}
