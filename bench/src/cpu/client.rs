//! The pipelined tcp_charfinder client of the `charfinder_cpu` row: a fixed number of queries
//! over many connections, several in flight on each, every answer checked.
//!
//! Unlike `load::charfinder_client` (one query in flight, for a fixed time), this one asks a
//! fixed number of queries, so two servers answer exactly the same work and their CPU time
//! divides by the same count. Each connection keeps `depth` queries in flight: a server
//! that reads several lines in one `read` may answer them in one turn of its loop, as a busy
//! real server would.
//!
//! The client knows where an answer ends without knowing its length: every answer ends with
//! the status line's CRLF and the next prompt, `\r\n?> `, and no description line can hold
//! that sequence (a line after a CRLF starts with `U+`). The status line (the last line of
//! the answer) must end with ` for Q`, Q the Python `repr` of the query asked, and no answer
//! may be missing or extra: a server that answered anything else fails the row.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What ends every answer: the status line's CRLF and the next prompt.
const END: &[u8] = b"\r\n?> ";
/// What a connection receives first.
const PROMPT: &[u8] = b"?> ";

/// How much load to apply.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Queries to ask in all, spread evenly over the connections.
    pub queries: usize,
    /// Connections, all open at once.
    pub conns: usize,
    /// Queries in flight per connection.
    pub depth: usize,
}

/// What the client saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Answers received (each checked), equal to `Load::queries` on success.
    pub answers: u64,
    /// Bytes of those answers, their status lines and prompts included.
    pub bytes: u64,
}

/// One query of the mix: the line to send, and the ending its status line must have.
struct Asked {
    line: Vec<u8>,
    status_end: Vec<u8>,
}

/// Connects `load.conns` times to `addr` and asks `load.queries` queries of `mix` (connection
/// `i` starts at query `i`, so the mix is spread evenly), on a tokio current-thread runtime
/// on the calling thread. Fails on the first wrong or missing answer, or when the whole run
/// takes longer than `limit`.
pub fn drive(
    addr: SocketAddr,
    mix: &[&str],
    load: Load,
    limit: Duration,
) -> Result<Outcome, String> {
    if mix.is_empty() || load.conns == 0 || load.depth == 0 {
        return Err("the client needs queries, connections and a depth".into());
    }
    let asked: Arc<Vec<Asked>> = Arc::new(
        mix.iter()
            .map(|q| Asked {
                line: format!("{q}\n").into_bytes(),
                status_end: format!(" for {}", charindex::repr(charindex::py_strip(q)))
                    .into_bytes(),
            })
            .collect(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let run = async move {
        let mut tasks = Vec::with_capacity(load.conns);
        for i in 0..load.conns {
            // The first `queries % conns` connections take one more.
            let quota = load.queries / load.conns + usize::from(i < load.queries % load.conns);
            let stream = TcpStream::connect(addr)
                .await
                .map_err(|e| format!("connect to {addr}: {e}"))?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let asked = Arc::clone(&asked);
            tasks.push(tokio::spawn(async move {
                converse(stream, &asked, i, quota, load.depth)
                    .await
                    .map_err(|e| format!("connection {i}: {e}"))
            }));
        }
        let mut total = Outcome::default();
        for task in tasks {
            let one = task.await.map_err(|e| format!("client task: {e}"))??;
            total.answers += one.answers;
            total.bytes += one.bytes;
        }
        Ok(total)
    };
    rt.block_on(async move {
        tokio::time::timeout(limit, run)
            .await
            .unwrap_or_else(|_| Err(format!("the answers took longer than {limit:?}")))
    })
}

/// One connection: the first prompt, then `quota` queries from `asked[first..]` (cycling),
/// `depth` of them in flight.
async fn converse(
    mut stream: TcpStream,
    asked: &[Asked],
    first: usize,
    quota: usize,
    depth: usize,
) -> io::Result<Outcome> {
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    while buf.len() < PROMPT.len() {
        read_more(&mut stream, &mut buf).await?;
    }
    if !buf.starts_with(PROMPT) {
        return Err(bad("the first bytes are not the prompt"));
    }
    buf.drain(..PROMPT.len());

    let mut in_flight: VecDeque<usize> = VecDeque::with_capacity(depth);
    let mut next = first;
    let mut sent = 0;
    let mut outcome = Outcome::default();
    // Start of the first unanswered byte, and where the search for `END` resumes.
    let (mut start, mut scanned) = (0, 0);
    while (outcome.answers as usize) < quota {
        // Top up the pipeline: the writes are a few bytes and go straight to the socket.
        while in_flight.len() < depth && sent < quota {
            let k = next % asked.len();
            stream.write_all(&asked[k].line).await?;
            in_flight.push_back(k);
            next += 1;
            sent += 1;
        }
        // Every complete answer already received.
        let found = buf[scanned..]
            .windows(END.len())
            .position(|w| w == END)
            .map(|p| scanned + p);
        let Some(end) = found else {
            scanned = buf.len().saturating_sub(END.len() - 1).max(start);
            if start > 0 {
                buf.drain(..start);
                scanned -= start;
                start = 0;
            }
            read_more(&mut stream, &mut buf).await?;
            continue;
        };
        let k = in_flight
            .pop_front()
            .ok_or_else(|| bad("an answer to no query"))?;
        let answer = &buf[start..end];
        let status = answer
            .windows(2)
            .rposition(|w| w == b"\r\n")
            .map_or(answer, |p| &answer[p + 2..]);
        if !status.ends_with(&asked[k].status_end) {
            return Err(bad(&format!(
                "the status line {:?} does not end with {:?}",
                String::from_utf8_lossy(status),
                String::from_utf8_lossy(&asked[k].status_end)
            )));
        }
        outcome.answers += 1;
        outcome.bytes += (end + END.len() - start) as u64;
        start = end + END.len();
        scanned = start;
    }
    if start != buf.len() {
        return Err(bad("bytes after the last answer"));
    }
    Ok(outcome)
}

/// Appends what the server sent next; the end of the stream is an error (the server must
/// answer every query).
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.reserve(64 * 1024);
    match stream.read_buf(buf).await? {
        0 => Err(bad("the server closed the connection")),
        _ => Ok(()),
    }
}

fn bad(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_string())
}
