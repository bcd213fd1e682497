//! `http::Error`: what went wrong with one client request, and for which URL.
//!
//! One small hand-written type, so that a caller can branch on [`Error::kind`] (retry on
//! a timeout, give up on a malformed URL) and a person reading a log line learns both the
//! cause and the URL. The server never returns these to the handler: its failures are
//! answered on the wire with a status code (see `server.rs`).

use std::fmt;
use std::io;

/// Which kind of failure an [`Error`] is.
///
/// ```
/// use oneloop::http::{Client, ErrorKind};
/// oneloop::run(async {
///     let err = Client::new().get("ftp://example.com/").await.unwrap_err();
///     assert_eq!(err.kind(), ErrorKind::UnsupportedScheme);
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The URL could not be parsed (or a redirect's `Location` could not).
    InvalidUrl,
    /// The scheme is not `http` (`https` included: there is no TLS here).
    UnsupportedScheme,
    /// A request header name or value, or the method, is not valid HTTP.
    InvalidRequest,
    /// Resolving the host or connecting to it failed.
    Connect,
    /// A deadline passed; [`Error::timeout`] says which one.
    Timeout,
    /// Reading or writing the connection failed after it was established.
    Io,
    /// The server's answer is not valid HTTP/1.x (or ends before its body does).
    MalformedResponse,
    /// The body is larger than the client's `max_body_size`.
    BodyTooLarge,
    /// The server redirected more times than the client's `redirects` limit.
    TooManyRedirects,
    /// The task waiting for the request was cancelled.
    Cancelled,
}

/// Which deadline an [`ErrorKind::Timeout`] error hit.
///
/// ```
/// use oneloop::http::Timeout;
/// assert_ne!(Timeout::Connect, Timeout::Request);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// The builder's `connect_timeout`: establishing the TCP connection.
    Connect,
    /// The builder's `timeout`: the whole request, body included.
    Request,
}

/// The error of a client request: its kind, its detail and the URL it was for.
///
/// ```
/// use oneloop::http::Client;
/// oneloop::run(async {
///     let err = Client::new().get("https://example.com/").await.unwrap_err();
///     assert_eq!(err.to_string(), "https://example.com/: https is not supported");
///     assert!(!err.is_cancelled());
/// });
/// ```
pub struct Error {
    /// What the caller branches on.
    kind: ErrorKind,
    /// The human detail ("connection refused", "invalid chunk size", ...).
    detail: String,
    /// Which deadline, for `Timeout`.
    timeout: Option<Timeout>,
    /// The underlying I/O error, kept as the `source()`.
    source: Option<io::Error>,
    /// The URL of the request, as the caller gave it (or as a redirect produced it).
    url: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, detail: impl Into<String>) -> Error {
        Error {
            kind,
            detail: detail.into(),
            timeout: None,
            source: None,
            url: String::new(),
        }
    }

    pub(crate) fn timeout_of(which: Timeout) -> Error {
        let detail = match which {
            Timeout::Connect => "connect timed out",
            Timeout::Request => "request timed out",
        };
        let mut e = Error::new(ErrorKind::Timeout, detail);
        e.timeout = Some(which);
        e
    }

    pub(crate) fn cancelled() -> Error {
        Error::new(ErrorKind::Cancelled, "task was cancelled")
    }

    /// An I/O failure while talking to the server; a cancellation stays a cancellation.
    pub(crate) fn io(what: &str, err: io::Error) -> Error {
        if crate::is_cancelled(&err) {
            return Error::cancelled();
        }
        let mut e = Error::new(ErrorKind::Io, format!("{what}: {err}"));
        e.source = Some(err);
        e
    }

    /// Connecting to `addr` failed (or was cancelled).
    pub(crate) fn connect(addr: &str, err: io::Error) -> Error {
        if crate::is_cancelled(&err) {
            return Error::cancelled();
        }
        let mut e = Error::new(
            ErrorKind::Connect,
            format!("cannot connect to {addr}: {err}"),
        );
        e.source = Some(err);
        e
    }

    pub(crate) fn malformed(detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::MalformedResponse, detail)
    }

    /// Sets the URL, unless an inner step already named a more precise one.
    pub(crate) fn with_url(mut self, url: &str) -> Error {
        if self.url.is_empty() {
            self.url = url.to_string();
        }
        self
    }

    /// Which kind of failure this is.
    ///
    /// ```
    /// use oneloop::http::{Client, ErrorKind};
    /// oneloop::run(async {
    ///     let err = Client::new().get("http://[::1").await.unwrap_err();
    ///     assert_eq!(err.kind(), ErrorKind::InvalidUrl);
    /// });
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The URL of the failed request.
    ///
    /// ```
    /// use oneloop::http::Client;
    /// oneloop::run(async {
    ///     let err = Client::new().get("gopher://x/").await.unwrap_err();
    ///     assert_eq!(err.url(), "gopher://x/");
    /// });
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the task was cancelled while it waited for this request.
    ///
    /// ```
    /// use oneloop::http::Client;
    /// oneloop::run(async {
    ///     let err = Client::new().get("http://").await.unwrap_err();
    ///     assert!(!err.is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.kind == ErrorKind::Cancelled
    }

    /// Whether a deadline passed (see [`Error::timeout`] for which).
    ///
    /// ```
    /// use oneloop::http::Client;
    /// oneloop::run(async {
    ///     let err = Client::new().get("http://").await.unwrap_err();
    ///     assert!(!err.is_timeout());
    /// });
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// Which deadline passed, for a timeout.
    ///
    /// ```
    /// use oneloop::http::Client;
    /// oneloop::run(async {
    ///     let err = Client::new().get("http://").await.unwrap_err();
    ///     assert_eq!(err.timeout(), None);
    /// });
    /// ```
    pub fn timeout(&self) -> Option<Timeout> {
        self.timeout
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.url.is_empty() {
            write!(f, "{}", self.detail)
        } else {
            write!(f, "{}: {}", self.url, self.detail)
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("detail", &self.detail)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
