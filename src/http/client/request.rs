//! [`RequestBuilder`]: a request's method, URL, headers and body, and how they are written
//! on the wire.

use super::{Client, Response};
use crate::http::error::Error;
use crate::http::headers::Headers;
use crate::http::url::Url;

/// A request being built by [`Client::request`].
///
/// ```no_run
/// # oneloop::run(async {
/// let resp = oneloop::http::Client::new()
///     .request("DELETE", "http://127.0.0.1:8080/item/1")
///     .header("Authorization", "Bearer t0k3n")
///     .send()
///     .await?;
/// # Ok::<(), oneloop::http::Error>(()) }).unwrap();
/// ```
#[must_use = "a request does nothing until it is sent"]
#[derive(Debug)]
pub struct RequestBuilder {
    pub(super) client: Client,
    pub(super) method: String,
    pub(super) url: String,
    pub(super) headers: Headers,
    pub(super) body: Vec<u8>,
}

impl RequestBuilder {
    /// Adds a header (`Host`, `Content-Length` and `Transfer-Encoding` are the client's).
    ///
    /// ```
    /// let req = oneloop::http::Client::new().request("GET", "http://h/").header("Accept", "text/html");
    /// # let _ = req;
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> RequestBuilder {
        self.headers.0.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    ///
    /// ```
    /// let req = oneloop::http::Client::new().request("PUT", "http://h/x").body("data");
    /// # let _ = req;
    /// ```
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.body = body.into();
        self
    }

    /// Sends the request; the response comes back once its head has arrived.
    ///
    /// ```no_run
    /// # oneloop::run(async {
    /// let resp = oneloop::http::Client::new().request("OPTIONS", "http://h/").send().await?;
    /// # Ok::<(), oneloop::http::Error>(()) }).unwrap();
    /// ```
    pub async fn send(self) -> Result<Response, Error> {
        let client = self.client.clone();
        client.execute(self).await
    }
}

/// The request as bytes: request line, headers, body.
///
/// After a redirect to another host or port (`same_origin` false), the caller's `Host`,
/// `Authorization`, `Proxy-Authorization` and `Cookie` headers are left out: they were
/// meant for the first server (reqwest and browsers do the same).
pub(super) fn encode_request(req: &RequestBuilder, url: &Url, same_origin: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + req.body.len());
    out.extend_from_slice(format!("{} {} HTTP/1.1\r\n", req.method, url.target).as_bytes());
    let origin_only = ["host", "authorization", "proxy-authorization", "cookie"];
    if !same_origin || req.headers.get("host").is_none() {
        out.extend_from_slice(format!("Host: {}\r\n", url.host_header()).as_bytes());
    }
    if req.headers.get("user-agent").is_none() {
        out.extend_from_slice(b"User-Agent: oneloop/0.1\r\n");
    }
    if req.headers.get("accept").is_none() {
        out.extend_from_slice(b"Accept: */*\r\n");
    }
    for (name, value) in req.headers.iter() {
        let framing = ["content-length", "transfer-encoding"];
        if framing.iter().any(|h| name.eq_ignore_ascii_case(h))
            || (!same_origin && origin_only.iter().any(|h| name.eq_ignore_ascii_case(h)))
        {
            continue;
        }
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    let needs_length =
        !req.body.is_empty() || matches!(req.method.as_str(), "POST" | "PUT" | "PATCH");
    if needs_length {
        out.extend_from_slice(format!("Content-Length: {}\r\n", req.body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&req.body);
    out
}

/// Methods whose repetition is harmless (RFC 9110, section 9.2.2).
pub(super) fn is_idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}
