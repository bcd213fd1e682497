//! The client: [`Client`] and its builder, and one request's journey (pool checkout,
//! connect, the exchange, redirects, one retry).
//!
//! The pool lives in `pool.rs`; the request builder and the request's wire form in
//! `request.rs`; writing it and reading the response head in `exchange.rs`; the response
//! and its body in `response.rs`.

mod exchange;
mod pool;
mod request;
mod response;

use std::rc::Rc;
use std::time::{Duration, Instant};

use exchange::{exchange, Head};
use pool::{Pool, Slot};
pub use request::RequestBuilder;
use request::{encode_request, is_idempotent};
use response::Incoming;
pub use response::Response;

use super::body::{Decoder, Framing};
use super::conn::Conn;
use super::error::{Error, ErrorKind, Timeout};
use super::headers::{is_valid_name, is_valid_value, Headers};
use super::url::Url;
use crate::net::TcpStream;
use crate::time::timeout_at;

/// How much of a redirect's body is read to keep its connection; a longer one is dropped
/// (and its connection closed) rather than downloaded for nothing.
const REDIRECT_DRAIN: usize = 64 * 1024;

/// An HTTP/1.1 client with a keep-alive connection pool. Cheap to clone (the clones share
/// the pool), so many tasks can share one.
///
/// ```
/// use oneloop::http::{serve, Client, Response};
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let url = format!("http://{}/", listener.local_addr().unwrap());
///     oneloop::spawn(serve(listener, |_req| async { Response::text("hello") }));
///     let client = Client::new();
///     for _ in 0..3 {
///         let resp = client.get(&url).await.unwrap();
///         assert_eq!(resp.text().await.unwrap(), "hello"); // one connection, reused
///     }
/// });
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

/// What the clones of a client share.
struct Inner {
    pool: Pool,
    config: ClientBuilder,
}

/// Configures a [`Client`].
///
/// ```
/// use oneloop::http::Client;
/// use oneloop::time::Duration;
/// let client = Client::builder()
///     .timeout(Duration::from_secs(30))
///     .connect_timeout(Duration::from_secs(5))
///     .max_connections_per_host(4)
///     .pool_idle_timeout(Duration::from_secs(60))
///     .max_body_size(10 << 20)
///     .redirects(3)
///     .build();
/// # let _ = client;
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_per_host: usize,
    idle_timeout: Duration,
    max_body: usize,
    redirects: usize,
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            timeout: None,
            connect_timeout: None,
            max_per_host: 100,
            idle_timeout: Duration::from_secs(90),
            max_body: 64 << 20,
            redirects: 5,
        }
    }
}

impl ClientBuilder {
    /// A deadline for each whole request: connect, send, head, redirects and reading the
    /// body. Default: none.
    ///
    /// ```
    /// let _ = oneloop::http::Client::builder().timeout(std::time::Duration::from_secs(10));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = Some(timeout);
        self
    }

    /// A deadline for resolving the host and establishing the TCP connection. Default:
    /// none (the system's own connect timeout, about two minutes on Linux).
    ///
    /// ```
    /// let _ = oneloop::http::Client::builder().connect_timeout(std::time::Duration::from_secs(3));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The most connections open at once to one host and port (default 100, at least 1).
    /// Requests beyond it wait, first come first served, for a connection to come back.
    ///
    /// ```
    /// let _ = oneloop::http::Client::builder().max_connections_per_host(8);
    /// ```
    pub fn max_connections_per_host(mut self, n: usize) -> ClientBuilder {
        self.max_per_host = n.max(1);
        self
    }

    /// How long an idle pooled connection is kept for reuse (default 90 s); older ones are
    /// closed when next looked at instead of reused.
    ///
    /// ```
    /// let _ = oneloop::http::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.idle_timeout = timeout;
        self
    }

    /// The largest body `bytes()` and `text()` will hold (default 64 MiB).
    ///
    /// ```
    /// let _ = oneloop::http::Client::builder().max_body_size(1 << 20);
    /// ```
    pub fn max_body_size(mut self, bytes: usize) -> ClientBuilder {
        self.max_body = bytes;
        self
    }

    /// How many redirects (301, 302, 303, 307, 308 to a GET or HEAD) are followed (default
    /// 5); one more is [`ErrorKind::TooManyRedirects`]. With 0, redirects are returned as
    /// they are.
    ///
    /// ```
    /// let _ = oneloop::http::Client::builder().redirects(0);
    /// ```
    pub fn redirects(mut self, n: usize) -> ClientBuilder {
        self.redirects = n;
        self
    }

    /// The client.
    ///
    /// ```
    /// let client = oneloop::http::Client::builder().build();
    /// # let _ = client;
    /// ```
    pub fn build(self) -> Client {
        Client {
            inner: Rc::new(Inner {
                pool: Pool::new(self.max_per_host, self.idle_timeout),
                config: self,
            }),
        }
    }
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("idle_connections", &self.inner.pool.idle_count())
            .finish()
    }
}

impl Client {
    /// A client with the default settings.
    ///
    /// ```
    /// let client = oneloop::http::Client::new();
    /// # let _ = client;
    /// ```
    pub fn new() -> Client {
        ClientBuilder::default().build()
    }

    /// A builder for the settings.
    ///
    /// ```
    /// let client = oneloop::http::Client::builder().redirects(0).build();
    /// # let _ = client;
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// `GET url`.
    ///
    /// ```no_run
    /// # oneloop::run(async {
    /// let resp = oneloop::http::Client::new().get("http://example.com/").await?;
    /// println!("{}", resp.text().await?);
    /// # Ok::<(), oneloop::http::Error>(()) }).unwrap();
    /// ```
    pub async fn get(&self, url: &str) -> Result<Response, Error> {
        self.request("GET", url).send().await
    }

    /// `HEAD url`: the status and headers a GET would give, no body.
    ///
    /// ```no_run
    /// # oneloop::run(async {
    /// let resp = oneloop::http::Client::new().head("http://example.com/").await?;
    /// println!("{:?}", resp.header("content-length"));
    /// # Ok::<(), oneloop::http::Error>(()) }).unwrap();
    /// ```
    pub async fn head(&self, url: &str) -> Result<Response, Error> {
        self.request("HEAD", url).send().await
    }

    /// `POST url` with `body` (sent with a `Content-Length`).
    ///
    /// ```no_run
    /// # oneloop::run(async {
    /// let resp = oneloop::http::Client::new().post("http://example.com/form", "a=1").await?;
    /// # Ok::<(), oneloop::http::Error>(()) }).unwrap();
    /// ```
    pub async fn post(&self, url: &str, body: impl Into<Vec<u8>>) -> Result<Response, Error> {
        self.request("POST", url).body(body).send().await
    }

    /// A request with any method, headers and body, sent by [`RequestBuilder::send`].
    ///
    /// ```no_run
    /// # oneloop::run(async {
    /// let resp = oneloop::http::Client::new()
    ///     .request("PUT", "http://example.com/item/1")
    ///     .header("Content-Type", "application/json")
    ///     .body(r#"{"name":"one"}"#)
    ///     .send()
    ///     .await?;
    /// # Ok::<(), oneloop::http::Error>(()) }).unwrap();
    /// ```
    pub fn request(&self, method: &str, url: &str) -> RequestBuilder {
        RequestBuilder {
            client: self.clone(),
            method: method.to_string(),
            url: url.to_string(),
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    /// Sends one request, following redirects, within the whole-request deadline.
    async fn execute(&self, req: RequestBuilder) -> Result<Response, Error> {
        let config = &self.inner.config;
        let deadline = config.timeout.map(|t| Instant::now() + t);
        let result = match deadline {
            None => self.follow(&req, deadline).await,
            Some(at) => match timeout_at(at, self.follow(&req, deadline)).await {
                Ok(result) => result,
                Err(_) => Err(Error::timeout_of(Timeout::Request)),
            },
        };
        result.map_err(|e| e.with_url(&req.url))
    }

    /// The redirect loop.
    async fn follow(
        &self,
        req: &RequestBuilder,
        deadline: Option<Instant>,
    ) -> Result<Response, Error> {
        if !is_valid_name(&req.method) {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("invalid method {:?}", req.method),
            ));
        }
        if let Some((name, _)) = req
            .headers
            .iter()
            .find(|(n, v)| !is_valid_name(n) || !is_valid_value(v))
        {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("invalid header {name:?}"),
            ));
        }
        let mut url = Url::parse(&req.url)?;
        let origin = (url.host.clone(), url.port);
        let mut url_text = req.url.clone();
        let max = self.inner.config.redirects;
        let can_redirect = req.method == "GET" || req.method == "HEAD";
        let mut hops = 0;
        loop {
            let resp = self
                .attempt(
                    req,
                    &url,
                    &url_text,
                    deadline,
                    origin == (url.host.clone(), url.port),
                )
                .await
                .map_err(|e| e.with_url(&url_text))?;
            let location = match resp.header("location") {
                Some(location) if can_redirect && max > 0 && is_redirect(resp.status) => {
                    location.to_string()
                }
                _ => return Ok(resp),
            };
            if hops == max {
                return Err(Error::new(
                    ErrorKind::TooManyRedirects,
                    format!("more than {max} redirects"),
                ));
            }
            let next = url.join(&location).map_err(|e| e.with_url(&location))?;
            discard(resp).await;
            hops += 1;
            url_text = next.to_text();
            url = next;
        }
    }

    /// One request and its response head, on a pooled connection or a new one. A request
    /// that failed on a reused connection before any byte of an answer came is retried once
    /// on a new connection (the server may have closed the idle connection just as we sent
    /// on it), if repeating it is harmless.
    async fn attempt(
        &self,
        req: &RequestBuilder,
        url: &Url,
        url_text: &str,
        deadline: Option<Instant>,
        same_origin: bool,
    ) -> Result<Response, Error> {
        let wire = encode_request(req, url, same_origin);
        let checkout = self
            .inner
            .pool
            .checkout(&url.host, url.port, is_idempotent(&req.method))
            .await
            .map_err(|_| Error::cancelled())?;
        let slot = checkout.slot;
        let mut reused = checkout.idle.is_some();
        let mut idle = checkout.idle;
        loop {
            let mut conn = match idle.take() {
                Some(conn) => conn,
                None => self.connect(url).await?,
            };
            match exchange(&mut conn, &wire, req.method == "HEAD").await {
                Ok(head) => return Ok(self.response(head, conn, slot, req, url_text, deadline)),
                Err((error, answered)) => {
                    let retry =
                        reused && !answered && !error.is_cancelled() && is_idempotent(&req.method);
                    if !retry {
                        return Err(error);
                    }
                    reused = false;
                }
            }
        }
    }

    /// Resolves and connects, within the connect timeout.
    async fn connect(&self, url: &Url) -> Result<Conn, Error> {
        let authority = url.authority();
        let connect = TcpStream::connect((url.host.as_str(), url.port));
        let stream = match self.inner.config.connect_timeout {
            None => connect.await,
            Some(t) => match crate::time::timeout(t, connect).await {
                Ok(result) => result,
                Err(_) => return Err(Error::timeout_of(Timeout::Connect)),
            },
        };
        let stream = stream.map_err(|e| Error::connect(&authority, e))?;
        // Requests go out in one write; do not let Nagle hold back a small one.
        let _ = stream.set_nodelay(true);
        Ok(Conn::new(stream))
    }

    /// Builds the response around its head: the framing of its body and whether the
    /// connection can be reused after it.
    fn response(
        &self,
        head: Head,
        conn: Conn,
        slot: Slot,
        req: &RequestBuilder,
        url_text: &str,
        deadline: Option<Instant>,
    ) -> Response {
        let framing = head.framing;
        let keep_alive = framing != Framing::Close
            && !req.headers.has_token("connection", "close")
            && if head.version == 0 {
                head.headers.has_token("connection", "keep-alive")
            } else {
                !head.headers.has_token("connection", "close")
            };
        let decoder = Decoder::new(framing);
        let mut body = Incoming {
            conn: Some((conn, slot)),
            decoder,
            keep_alive,
            max_body: self.inner.config.max_body,
            deadline,
            failed: None,
        };
        // A body that is already over (HEAD, 204, 304, length 0): the connection goes back now.
        if body.decoder.is_done() {
            body.release();
        }
        Response {
            status: head.status,
            reason: head.reason,
            version: head.version,
            headers: head.headers,
            body,
            url: url_text.to_string(),
        }
    }
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Reads a redirect's short body so that its connection goes back to the pool; a long one
/// is dropped with its connection.
async fn discard(mut resp: Response) {
    let mut read = 0;
    while read <= REDIRECT_DRAIN {
        match resp.chunk().await {
            Ok(Some(piece)) => read += piece.len(),
            _ => return,
        }
    }
}
