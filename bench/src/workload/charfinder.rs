// The tcp_charfinder server (`examples/tcp_charfinder.rs`, whose header states the protocol),
// written once and included per runtime by `crate::on`. The load client
// (`crate::load::charfinder_client`) is the same for every server and runs on the other core.
//
// The protocol per connection, as the example: send `?> ` and flush; read one line of at most
// 64 KiB; decode (invalid UTF-8 is the query "\x00"); strip as Python's `str.strip()`; log
// the query; one starting with a control character closes; otherwise stream each
// description line + CRLF (copied in runs from the index's ready-made lines), then the
// status line + CRLF; then the next prompt, and flush the
// answer and the prompt together; log.
// The same index code (`charindex`), one index per server built before it starts.
//
// What differs from the example, identically on every runtime: the two log lines per query
// are formatted into `io::sink()` instead of stdout (the terminal would dominate the
// figure), and the 8 KiB read and write buffers are written here over the adapter's `read`
// and `write_all` (oneloop's `BufReader`/`BufWriter` over split halves have no tokio/smol
// twins with the same code), with `BufReader`/`BufWriter`'s rules: read when the buffer is
// empty, write through when a piece would overflow the buffer.

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::time::Duration;

use charindex::{py_strip, repr, UnicodeNameIndex};

use crate::sys;

const CRLF: &[u8] = b"\r\n";
const PROMPT: &[u8] = b"?> ";
/// The longest line accepted, in bytes before its `\n`.
const MAX_LINE: usize = 64 * 1024;
/// `BufReader`'s and `BufWriter`'s default capacity.
const BUF: usize = 8 * 1024;

/// One line read from a client.
enum Line {
    /// Bytes up to and without the `\n`; `eof` if the stream ended right after them.
    Complete { bytes: Vec<u8>, eof: bool },
    /// End of stream with nothing read.
    Eof,
    /// More than `MAX_LINE` bytes without a `\n`.
    TooLong,
}

/// A connection with an 8 KiB read buffer and an 8 KiB write buffer.
struct Conn {
    s: rt::Stream,
    inbuf: Box<[u8]>,
    pos: usize,
    filled: usize,
    out: Vec<u8>,
}

impl Conn {
    fn new(s: rt::Stream) -> Conn {
        Conn {
            s,
            inbuf: vec![0u8; BUF].into_boxed_slice(),
            pos: 0,
            filled: 0,
            out: Vec::with_capacity(BUF),
        }
    }

    /// Reads one line of at most `MAX_LINE` bytes (plus its `\n`).
    async fn read_line(&mut self) -> io::Result<Line> {
        let mut line = Vec::new();
        loop {
            if self.pos == self.filled {
                self.pos = 0;
                self.filled = 0;
                let n = rt::read(&mut self.s, &mut self.inbuf).await?;
                if n == 0 {
                    return Ok(if line.is_empty() {
                        Line::Eof
                    } else {
                        Line::Complete {
                            bytes: line,
                            eof: true,
                        }
                    });
                }
                self.filled = n;
            }
            let available = &self.inbuf[self.pos..self.filled];
            let (take, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (available.len(), false),
            };
            if line.len() + take > MAX_LINE {
                return Ok(Line::TooLong);
            }
            line.extend_from_slice(&available[..take]);
            self.pos += if done { take + 1 } else { take };
            if done {
                return Ok(Line::Complete {
                    bytes: line,
                    eof: false,
                });
            }
        }
    }

    async fn write(&mut self, b: &[u8]) -> io::Result<()> {
        if self.out.len() + b.len() > BUF {
            self.flush().await?;
        }
        if b.len() >= BUF {
            return rt::write_all(&mut self.s, b).await;
        }
        self.out.extend_from_slice(b);
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            rt::write_all(&mut self.s, &self.out).await?;
            self.out.clear();
        }
        Ok(())
    }
}

/// The protocol loop of one client (`handle_queries` in the example).
async fn handle_queries(
    s: rt::Stream,
    peer: SocketAddr,
    index: rt::Shared<UnicodeNameIndex>,
) -> io::Result<()> {
    let mut c = Conn::new(s);
    c.write(PROMPT).await?;
    c.flush().await?;
    loop {
        let (bytes, eof) = match c.read_line().await? {
            Line::Complete { bytes, eof } => (bytes, eof),
            Line::Eof => return Ok(()),
            Line::TooLong => {
                c.write(b"line too long\r\n").await?;
                return c.flush().await;
            }
        };
        let text = String::from_utf8(bytes).unwrap_or_else(|_| "\x00".to_string());
        let query = py_strip(&text);
        let _ = writeln!(io::sink(), "Received from {peer}: {}", repr(query));
        let mut sent = None;
        if !query.is_empty() {
            if query.starts_with(|c: char| c < ' ') {
                return Ok(());
            }
            // As the example: runs of the index's ready-made lines, copied straight into
            // the write buffer, which goes out each time it fills.
            let found = index.find(query);
            let mut rest = &found[..];
            while !rest.is_empty() {
                let written = index.lines().copy_lines(rest, &mut c.out, BUF);
                rest = &rest[written..];
                if c.out.len() >= BUF {
                    c.flush().await?;
                }
            }
            let count = found.len();
            c.write(UnicodeNameIndex::status(query, count).as_bytes())
                .await?;
            c.write(CRLF).await?;
            sent = Some(count);
        }
        // The answer and the next prompt leave in one flush (no Nagle stall on the prompt).
        c.write(PROMPT).await?;
        c.flush().await?;
        if let Some(count) = sent {
            let _ = writeln!(io::sink(), "Sent {count} results");
        }
        if eof {
            return Ok(());
        }
    }
}

/// Serves `conns` charfinder connections, one task each, until the client closes them all,
/// with one index shared by every task. Returns the CPU time this (the loop's) thread spent
/// meanwhile (the index is built by the caller, outside it).
pub fn charfinder_server(
    listener: std::net::TcpListener,
    conns: usize,
    index: UnicodeNameIndex,
) -> Duration {
    let index = rt::Shared::new(index);
    rt::block_on(async move {
        let l = rt::listener_from_std(listener);
        let cpu = sys::thread_cpu_time();
        let mut handles = Vec::with_capacity(conns);
        for _ in 0..conns {
            let s = rt::accept(&l).await.expect("accept");
            let peer = rt::peer_addr(&s).expect("peer_addr");
            let index = rt::Shared::clone(&index);
            handles.push(rt::spawn(async move {
                if let Err(e) = handle_queries(s, peer, index).await {
                    let _ = writeln!(io::sink(), "Error with {peer}: {e}");
                }
                let _ = writeln!(io::sink(), "Close the client socket");
            }));
        }
        for h in handles {
            rt::join(h).await;
        }
        sys::thread_cpu_time() - cpu
    })
}
