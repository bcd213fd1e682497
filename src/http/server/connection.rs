//! One connection's task: read a request, run the handler, write the response, repeat
//! while the connection is kept alive.
//!
//! Requests on a connection are handled one at a time, in order, so pipelined requests are
//! answered in order for free: the bytes of the next request simply wait in the buffer.
//! Every wait is bounded by a limit from the [`Limits`]; a request that breaks one gets its
//! status code (400, 408, 413, 431, 501) with `Connection: close`, and the connection ends.

use std::future::{poll_fn, Future};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::date;
use super::message::{reason, Request, Response};
use super::Limits;
use crate::http::body::{self, BodyError, Decoder, Framing};
use crate::http::conn::Conn;
use crate::http::headers::{is_valid_name, is_valid_value, Headers};
use crate::net::TcpStream;
use crate::sync::Event;
use crate::time::timeout_at;

/// How many headers a request may have (`httparse` parses into a fixed array on the
/// stack). Browsers send about 20; 100 (hyper's figure) leaves room for proxies' additions.
/// More is answered with 431, like a head over the byte limit.
const MAX_HEADERS: usize = 100;

/// How long, and how much, a connection is drained after an error answer before it is
/// closed: closing with unread bytes makes the kernel send a reset, which can destroy the
/// answer before the client reads it.
const LINGER_TIME: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1 << 20;

/// What the server shares with every connection task.
pub(crate) struct Shared<H> {
    pub(crate) handler: H,
    pub(crate) limits: Limits,
    /// Set when a graceful shutdown starts: idle connections close, busy ones close after
    /// the response they are writing.
    pub(crate) stopping: Event,
}

/// A request head, copied out of the buffer `httparse` parsed it in.
struct Head {
    method: String,
    target: String,
    version: u8,
    headers: Headers,
}

/// Why reading a request stopped.
enum Stop {
    /// Answer with this status and close.
    Answer(u16, &'static str),
    /// Close without a word: the client went away, or it was idle too long.
    Close,
}

/// Parses the head in `conn`'s buffer, if it is complete, and consumes it. A function of its
/// own, not inline in `read_head`: `httparse`'s array of 100 headers (3.2 KB) then lives on
/// the stack during the parse, instead of in every connection task's future, where it would
/// take the space of a buffer while the connection waits.
fn parse_head(conn: &mut Conn, max_head: usize) -> Result<Option<Head>, Stop> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(conn.buffered()) {
        Ok(httparse::Status::Complete(used)) => {
            if used > max_head {
                return Err(Stop::Answer(431, "request head too large"));
            }
            let head = Head {
                method: req.method.unwrap_or("").to_string(),
                target: req.path.unwrap_or("").to_string(),
                version: req.version.unwrap_or(1),
                headers: Headers::from_parsed(req.headers),
            };
            conn.consume(used);
            Ok(Some(head))
        }
        Ok(httparse::Status::Partial) if conn.buffered().len() >= max_head => {
            Err(Stop::Answer(431, "request head too large"))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(Stop::Answer(431, "too many headers")),
        Err(_) => Err(Stop::Answer(400, "malformed request")),
    }
}

/// Serves one connection until it closes.
pub(crate) async fn serve_connection<H, F>(stream: TcpStream, shared: Rc<Shared<H>>)
where
    H: Fn(Request) -> F,
    F: Future<Output = Response>,
{
    // Responses are written whole, so Nagle's algorithm would only delay them.
    let _ = stream.set_nodelay(true);
    let peer = stream.peer_addr().ok();
    let mut conn = Conn::new(stream);
    let limits = &shared.limits;
    // The first request's head must arrive within the header timeout of the accept; later
    // ones within the header timeout of their first byte (step 5).
    let mut deadline = Instant::now() + limits.header_timeout;
    loop {
        // 1. The head, then the framing of the body.
        let head = match read_head(&mut conn, limits.max_head, deadline).await {
            Ok(head) => head,
            Err(stop) => return Box::pin(stop_with(conn, stop)).await,
        };
        let framing = match request_framing(&head.headers, limits.max_body) {
            Ok(framing) => framing,
            Err(stop) => return Box::pin(stop_with(conn, stop)).await,
        };

        // 2. The body ("100 Continue" first if the client waits for it).
        if framing != Framing::Empty
            && head.version == 1
            && head.headers.has_token("expect", "100-continue")
            && conn
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .is_err()
        {
            return;
        }
        // Boxed, and only when there is a body: the decoder's future is large (1.2 KB), and
        // inline it would enlarge every connection task, idle ones included, by its size
        // (a future is as large as its largest state). `stop_with` is boxed for the same reason.
        let body = if framing == Framing::Empty {
            Ok(Vec::new())
        } else {
            Box::pin(read_body(&mut conn, framing, limits)).await
        };
        let body = match body {
            Ok(body) => body,
            Err(stop) => return Box::pin(stop_with(conn, stop)).await,
        };

        // 3. The handler; a panic in it is this request's 500, nothing more.
        let keep_alive = wants_keep_alive(&head);
        let is_head = head.method == "HEAD";
        let version = head.version;
        let request = Request {
            method: head.method,
            target: head.target,
            version: head.version,
            headers: head.headers,
            body,
            peer,
        };
        let response = run_handler(&shared.handler, request)
            .await
            .unwrap_or_else(|| {
                Response::new(500)
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .body("500 Internal Server Error: the handler panicked\n")
            });

        // 4. The response, then decide whether to go on.
        // A handler may ask for the close itself with `Connection: close`.
        let close = !keep_alive
            || shared.stopping.is_set()
            || response.headers.has_token("connection", "close");
        let (head, send_body) = encode_response(&response, version, close, is_head);
        let body = if send_body { &response.body[..] } else { &[] };
        let write = timeout_at(
            Instant::now() + limits.idle_timeout,
            conn.write_all_parts([&head, body]),
        );
        if !matches!(write.await, Ok(Ok(()))) || close {
            return; // the client stopped reading, went away, or we close as announced
        }

        // 5. Wait for the first byte of the next request (unless it is already buffered:
        // pipelined), under the idle timeout, and for no longer than a shutdown.
        if conn.buffered().is_empty() {
            let idle = timeout_at(Instant::now() + limits.idle_timeout, conn.fill());
            match until_stopped(&shared.stopping, idle).await {
                Some(Ok(Ok(n))) if n > 0 => {}
                _ => return, // closed, failed, idle too long, or shutting down
            }
        }
        deadline = Instant::now() + limits.header_timeout;
    }
}

/// Reads and parses one request head, waiting until `deadline` at most.
async fn read_head(conn: &mut Conn, max_head: usize, deadline: Instant) -> Result<Head, Stop> {
    loop {
        if let Some(head) = parse_head(conn, max_head)? {
            return Ok(head);
        }
        match timeout_at(deadline, conn.fill()).await {
            Err(_) => return Err(Stop::Answer(408, "request head not received in time")),
            Ok(Ok(0)) | Ok(Err(_)) => return Err(Stop::Close),
            Ok(Ok(_)) => {}
        }
    }
}

/// Where the request body ends, or the answer that refuses it.
fn request_framing(headers: &Headers, max_body: usize) -> Result<Framing, Stop> {
    let codings: Vec<&str> = headers.get_all("transfer-encoding").collect();
    let lengths: Vec<&str> = headers.get_all("content-length").collect();
    if !codings.is_empty() {
        // Both framings at once is how request smuggling starts: refuse it.
        if !lengths.is_empty() {
            return Err(Stop::Answer(
                400,
                "both Transfer-Encoding and Content-Length",
            ));
        }
        if codings.len() == 1 && body::is_plain_chunked(codings[0]) {
            return Ok(Framing::Chunked);
        }
        return Err(Stop::Answer(501, "unsupported transfer coding"));
    }
    let Some(first) = lengths.first() else {
        return Ok(Framing::Empty);
    };
    let length = body::parse_content_length(first).filter(|n| {
        lengths
            .iter()
            .all(|v| body::parse_content_length(v) == Some(*n))
    });
    match length {
        None => Err(Stop::Answer(400, "invalid Content-Length")),
        Some(n) if n > max_body as u64 => Err(Stop::Answer(413, "request body too large")),
        Some(n) => Ok(Framing::Length(n)),
    }
}

/// Reads the whole body, at most `max_body` bytes; each wait for bytes is bounded by the
/// idle timeout.
async fn read_body(conn: &mut Conn, framing: Framing, limits: &Limits) -> Result<Vec<u8>, Stop> {
    let mut decoder = Decoder::new(framing);
    let mut body = Vec::new();
    loop {
        let piece = timeout_at(Instant::now() + limits.idle_timeout, decoder.next(conn)).await;
        match piece {
            Err(_) => return Err(Stop::Answer(408, "request body not received in time")),
            Ok(Ok(None)) => return Ok(body),
            Ok(Ok(Some(piece))) => {
                if body.len() + piece.len() > limits.max_body {
                    return Err(Stop::Answer(413, "request body too large"));
                }
                body.extend_from_slice(&piece);
            }
            Ok(Err(BodyError::Malformed(_))) => {
                return Err(Stop::Answer(400, "malformed chunked body"));
            }
            Ok(Err(BodyError::Io(_) | BodyError::Truncated)) => return Err(Stop::Close),
        }
    }
}

/// HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 closes unless told
/// `keep-alive`.
fn wants_keep_alive(head: &Head) -> bool {
    if head.version == 0 {
        head.headers.has_token("connection", "keep-alive")
    } else {
        !head.headers.has_token("connection", "close")
    }
}

/// Runs the handler for one request, catching a panic in it (in the call, or in any poll
/// of its future): `None` then. The panic message still goes to the panic hook (stderr).
async fn run_handler<H, F>(handler: &H, request: Request) -> Option<Response>
where
    H: Fn(Request) -> F,
    F: Future<Output = Response>,
{
    let future = panic::catch_unwind(AssertUnwindSafe(|| handler(request))).ok()?;
    let mut future = std::pin::pin!(future);
    poll_fn(|cx| {
        match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(response)) => Poll::Ready(Some(response)),
            // The handler's own awaits registered the waker that will poll it again.
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        }
    })
    .await
}

/// Serialises a response's head: status line, the handler's headers (minus the framing
/// ones the server owns), `Date`, `Content-Length`, `Connection`. The second value says
/// whether the body is sent after it (not for HEAD, 1xx, 204 and 304); the body is never
/// copied: head and body leave together in one vectored write (see `Conn::write_all_parts`).
fn encode_response(
    response: &Response,
    version: u8,
    close: bool,
    is_head: bool,
) -> (Vec<u8>, bool) {
    use std::io::Write as _; // writing into a Vec cannot fail
    let status = if (100..1000).contains(&response.status) {
        response.status
    } else {
        500
    };
    // 1xx, 204 and 304 never carry a body, nor a length.
    let bodiless = status < 200 || status == 204 || status == 304;
    let send_body = !is_head && !bodiless;
    let mut out = Vec::with_capacity(256);
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in response.headers.iter() {
        let owned_by_server = ["content-length", "transfer-encoding", "connection", "date"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n));
        if owned_by_server || !is_valid_name(name) || !is_valid_value(value) {
            continue;
        }
        let _ = write!(out, "{name}: {value}\r\n");
    }
    out.extend_from_slice(b"Date: ");
    date::append(&mut out);
    out.extend_from_slice(b"\r\n");
    if !bodiless {
        let _ = write!(out, "Content-Length: {}\r\n", response.body.len());
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if version == 0 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
    (out, send_body)
}

/// Ends a connection for `stop`: with an answer (then a short drain, see [`LINGER_TIME`]),
/// or silently.
async fn stop_with(mut conn: Conn, stop: Stop) {
    let Stop::Answer(status, why) = stop else {
        return;
    };
    let response = Response::new(status)
        .header("Content-Type", "text/plain; charset=utf-8")
        .body(format!("{status} {}: {why}\n", reason(status)));
    let (head, _) = encode_response(&response, 1, true, false); // 4xx/5xx: a body
    let deadline = Instant::now() + LINGER_TIME;
    if !matches!(
        timeout_at(deadline, conn.write_all_parts([&head, &response.body])).await,
        Ok(Ok(()))
    ) {
        return;
    }
    let _ = conn.stream.shutdown_write();
    let _ = timeout_at(deadline, async {
        let mut drained = 0;
        while drained < LINGER_BYTES {
            conn.consume(usize::MAX);
            match conn.fill().await {
                Ok(n) if n > 0 => drained += n,
                _ => return,
            }
        }
    })
    .await;
}

/// Runs `future` unless `stopping` is set first: `None` then.
async fn until_stopped<F: Future>(stopping: &Event, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut stop = std::pin::pin!(stopping.wait());
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        // Woken by the socket (through `future`) or by `Event::set`.
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::TcpListener;

    /// What every connection costs while it waits is mostly this future (its buffer is
    /// freed while idle, see `http/conn.rs`): keep parsing scratch space out of it.
    #[test]
    fn a_connection_task_is_small() {
        crate::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let _client = TcpStream::connect(addr).await.unwrap();
            let (stream, _) = listener.accept().await.unwrap();
            let shared = Rc::new(Shared {
                handler: |_req: Request| async { Response::text("hi") },
                limits: Limits {
                    max_head: 8192,
                    max_body: 1 << 20,
                    header_timeout: Duration::from_secs(5),
                    idle_timeout: Duration::from_secs(5),
                },
                stopping: Event::new(),
            });
            let size = std::mem::size_of_val(&serve_connection(stream, shared));
            assert!(size <= 1024, "the connection future is {size} bytes");
        });
    }
}
