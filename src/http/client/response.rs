//! The client's [`Response`]: status and headers at once, the body on demand, read from the
//! connection it arrived on.
//!
//! The response owns its connection while the body is unread. The connection goes back to
//! the pool only when the body has been read to its end (by `bytes`, `text`, or `chunk`
//! until `None`) and both sides allow keep-alive; a response dropped or cancelled half-way
//! drops its connection, which closes it: the unread rest of the body cannot be skipped
//! without reading it, and reading it could take for ever.

use std::time::Instant;

use super::pool::Slot;
use crate::http::body::{BodyError, Decoder};
use crate::http::conn::Conn;
use crate::http::error::{Error, ErrorKind, Timeout};
use crate::http::headers::Headers;
use crate::time::timeout_at;

/// The most `bytes` reserves up front from a `Content-Length`.
const PRE_ALLOCATE_MAX: u64 = 16 << 20;

/// A response received by the [`Client`](super::Client).
///
/// ```
/// use oneloop::http::{serve, Client, Response};
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let url = format!("http://{}/", listener.local_addr().unwrap());
///     oneloop::spawn(serve(listener, |_req| async { Response::text("hello").header("X-Id", "7") }));
///     let resp = Client::new().get(&url).await.unwrap();
///     assert_eq!((resp.status(), resp.reason()), (200, "OK"));
///     assert_eq!(resp.header("x-id"), Some("7"));
///     assert_eq!(resp.bytes().await.unwrap(), b"hello");
/// });
/// ```
pub struct Response {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) version: u8,
    pub(crate) headers: Headers,
    /// Where the body comes from.
    pub(crate) body: Incoming,
    /// The URL this response answers (after redirects), for errors.
    pub(crate) url: String,
}

/// A body being read from its connection.
pub(crate) struct Incoming {
    /// The connection and its pool slot, until the body ends (then released) or fails (then
    /// dropped: closed).
    pub(crate) conn: Option<(Conn, Slot)>,
    pub(crate) decoder: Decoder,
    /// Whether the connection may carry another request after this body.
    pub(crate) keep_alive: bool,
    /// The client's `max_body_size`, for `bytes` and `text`.
    pub(crate) max_body: usize,
    /// The whole request's deadline (the client's `timeout`), if any.
    pub(crate) deadline: Option<Instant>,
    /// Set when reading failed: later reads fail too, rather than look like a clean end.
    pub(crate) failed: Option<ErrorKind>,
}

impl Incoming {
    /// The body is over: the connection goes back to the pool if it may carry another
    /// request, or closes; the slot's permit goes back either way.
    pub(crate) fn release(&mut self) {
        if let Some((conn, slot)) = self.conn.take() {
            if self.keep_alive {
                slot.release(conn);
            }
        }
    }

    /// The next piece; at the end the connection goes back to the pool.
    async fn next(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if let Some(kind) = self.failed {
            return Err(Error::new(kind, "the body already failed to read"));
        }
        let Some((conn, _)) = self.conn.as_mut() else {
            return Ok(None);
        };
        let piece = match self.deadline {
            None => self.decoder.next(conn).await,
            Some(deadline) => match timeout_at(deadline, self.decoder.next(conn)).await {
                Ok(piece) => piece,
                Err(_) => {
                    self.conn = None;
                    self.failed = Some(ErrorKind::Timeout);
                    return Err(Error::timeout_of(Timeout::Request));
                }
            },
        };
        match piece {
            Ok(Some(piece)) => {
                // The last piece of a length-framed body: the connection can go back now,
                // even if the caller never asks for the `None` that follows.
                if self.decoder.is_done() {
                    self.release();
                }
                Ok(Some(piece))
            }
            Ok(None) => {
                self.release();
                Ok(None)
            }
            Err(e) => {
                self.conn = None; // closed: its position in the stream is lost
                let error = match e {
                    BodyError::Io(e) => Error::io("reading the body", e),
                    BodyError::Truncated => {
                        Error::malformed("the connection closed before the end of the body")
                    }
                    BodyError::Malformed(why) => Error::malformed(why),
                };
                self.failed = Some(error.kind());
                Err(error)
            }
        }
    }
}

impl Response {
    /// The status code.
    ///
    /// ```
    /// # async fn f(resp: oneloop::http::ClientResponse) {
    /// if resp.status() == 404 { println!("not found"); }
    /// # }
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase the server sent ("OK", "Not Found", ...; may be empty).
    ///
    /// ```
    /// # async fn f(resp: oneloop::http::ClientResponse) {
    /// println!("{} {}", resp.status(), resp.reason());
    /// # }
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// `"HTTP/1.0"` or `"HTTP/1.1"`.
    ///
    /// ```
    /// # async fn f(resp: oneloop::http::ClientResponse) {
    /// println!("{} {}", resp.version(), resp.status());
    /// # }
    /// ```
    pub fn version(&self) -> &'static str {
        if self.version == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        }
    }

    /// The first value of header `name`, compared case-insensitively.
    ///
    /// ```
    /// # async fn f(resp: oneloop::http::ClientResponse) {
    /// let kind = resp.header("content-type").unwrap_or("?");
    /// # }
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// Every header as received, in order.
    ///
    /// ```
    /// # async fn f(resp: oneloop::http::ClientResponse) {
    /// for (name, value) in resp.headers() { println!("{name}: {value}"); }
    /// # }
    /// ```
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter()
    }

    /// The URL this response answers: the request's, or the last redirect's.
    ///
    /// ```
    /// # async fn f(resp: oneloop::http::ClientResponse) {
    /// println!("fetched {}", resp.url());
    /// # }
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next piece of the body as it arrives, `None` at the end: a large body streamed
    /// without holding it whole. (Not bounded by `max_body_size`, which bounds what
    /// `bytes` and `text` hold.)
    ///
    /// ```
    /// # async fn f(mut resp: oneloop::http::ClientResponse) -> Result<(), oneloop::http::Error> {
    /// let mut total = 0;
    /// while let Some(piece) = resp.chunk().await? {
    ///     total += piece.len();
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let url = &self.url;
        self.body.next().await.map_err(|e| e.with_url(url))
    }

    /// The whole body. Fails with [`ErrorKind::BodyTooLarge`] beyond the client's
    /// `max_body_size` (checked against `Content-Length` before reading, when there is one).
    ///
    /// ```
    /// # async fn f(resp: oneloop::http::ClientResponse) -> Result<(), oneloop::http::Error> {
    /// let bytes: Vec<u8> = resp.bytes().await?;
    /// # Ok(()) }
    /// ```
    pub async fn bytes(mut self) -> Result<Vec<u8>, Error> {
        let max = self.body.max_body;
        let too_large = || {
            Error::new(
                ErrorKind::BodyTooLarge,
                format!("body larger than {max} bytes"),
            )
        };
        let declared = self
            .header("content-length")
            .and_then(crate::http::body::parse_content_length);
        if declared.is_some_and(|n| n > max as u64) {
            return Err(too_large().with_url(&self.url));
        }
        // Reserve what the server announced, but not more than a sane first allocation on
        // its word alone (a client may allow huge bodies; the server may lie).
        let reserve = declared.map_or(0, |n| n.min(PRE_ALLOCATE_MAX) as usize);
        let mut body = Vec::with_capacity(reserve);
        while let Some(piece) = self.chunk().await? {
            if body.len() + piece.len() > max {
                return Err(too_large().with_url(&self.url));
            }
            body.extend_from_slice(&piece);
        }
        Ok(body)
    }

    /// The whole body as text (invalid UTF-8 replaced by U+FFFD, as browsers do); the
    /// same limit as [`bytes`](Response::bytes).
    ///
    /// ```
    /// # async fn f(resp: oneloop::http::ClientResponse) -> Result<(), oneloop::http::Error> {
    /// let page: String = resp.text().await?;
    /// # Ok(()) }
    /// ```
    pub async fn text(self) -> Result<String, Error> {
        let bytes = self.bytes().await?;
        Ok(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("url", &self.url)
            .field("status", &self.status)
            .field("headers", &self.headers.0)
            .finish_non_exhaustive()
    }
}
