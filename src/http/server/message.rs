//! What a handler sees and what it gives back: [`Request`] and [`Response`].
//!
//! The server reads the whole request body before the handler runs (bounded by the
//! server's body limit), so a handler is plain code over bytes; the response body is
//! handed over whole too, and the server adds `Content-Length` and `Date`.

use crate::http::headers::Headers;
use crate::http::url::decode_query_component;

/// An HTTP request as a handler receives it.
///
/// ```
/// use oneloop::http::{serve, Client, Request, Response};
/// use oneloop::net::TcpListener;
///
/// oneloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     oneloop::spawn(serve(listener, |req: Request| async move {
///         let who = req.query("name").unwrap_or_else(|| "world".into());
///         Response::text(format!("{} {} hello, {who}", req.method(), req.path()))
///     }));
///     let resp = Client::new().get(&format!("http://{addr}/greet?name=J%C3%BCrgen+M")).await.unwrap();
///     assert_eq!(resp.text().await.unwrap(), "GET /greet hello, Jürgen M");
/// });
/// ```
#[derive(Debug)]
pub struct Request {
    /// As sent: `GET`, `POST`, ... (methods are case-sensitive).
    pub(crate) method: String,
    /// The request target as sent, path and query.
    pub(crate) target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub(crate) version: u8,
    pub(crate) headers: Headers,
    /// The whole body (empty when there was none).
    pub(crate) body: Vec<u8>,
    /// The client's address, if the socket could tell.
    pub(crate) peer: Option<std::net::SocketAddr>,
}

impl Request {
    /// The method, e.g. `"GET"`.
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn is_read(req: &Request) -> bool { matches!(req.method(), "GET" | "HEAD") }
    /// ```
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path as sent, without the query string (not percent-decoded: `/a%20b`). A
    /// target in absolute form (`GET http://host/path`, as sent to proxies) gives its path.
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn is_root(req: &Request) -> bool { req.path() == "/" }
    /// ```
    pub fn path(&self) -> &str {
        let path = self.target.split('?').next().unwrap_or("");
        match path.split_once("://") {
            Some((scheme, rest)) if scheme.bytes().all(|b| b.is_ascii_alphabetic()) => {
                rest.find('/').map_or("/", |i| &rest[i..])
            }
            _ => path,
        }
    }

    /// The raw query string after `?`, if any.
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn has_query(req: &Request) -> bool { req.query_string().is_some() }
    /// ```
    pub fn query_string(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The value of the first query parameter called `name`, percent-decoded, with `+` as a
    /// space. `None` if it is absent, or if its name or value is not valid percent-encoded
    /// UTF-8 (never a panic). A parameter without `=` has the value `""`.
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn search(req: &Request) -> String { req.query("q").unwrap_or_default() }
    /// ```
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.query_string()?;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if decode_query_component(key)? == name {
                decode_query_component(value)
            } else {
                None
            }
        })
    }

    /// Like [`query`](Self::query), but tells a missing parameter (`Ok(None)`) from one
    /// whose value is not valid percent-encoded UTF-8 (`Err`), so a handler can answer
    /// `400 Bad Request` instead of treating bad input as absent. The first parameter
    /// called `name` decides; parameters whose names do not decode are skipped.
    ///
    /// ```
    /// # use oneloop::http::{Request, Response};
    /// fn search(req: &Request) -> Response {
    ///     match req.try_query("q") {
    ///         Ok(Some(q)) => Response::text(format!("looking for {q}")),
    ///         Ok(None) => Response::text("no query"),
    ///         Err(e) => Response::new(400).body(e.to_string()),
    ///     }
    /// }
    /// ```
    pub fn try_query(&self, name: &str) -> Result<Option<String>, InvalidQuery> {
        let Some(query) = self.query_string() else {
            return Ok(None);
        };
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if decode_query_component(key).as_deref() == Some(name) {
                return match decode_query_component(value) {
                    Some(value) => Ok(Some(value)),
                    None => Err(InvalidQuery {
                        name: name.to_owned(),
                    }),
                };
            }
        }
        Ok(None)
    }

    /// The first value of header `name` (case-insensitive).
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn agent(req: &Request) -> &str { req.header("user-agent").unwrap_or("?") }
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// Every header, in arrival order.
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn count(req: &Request) -> usize { req.headers().count() }
    /// ```
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter()
    }

    /// The request body (empty if there was none).
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn size(req: &Request) -> usize { req.body().len() }
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The client's address (`None` in the rare case the socket could not tell).
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn local(req: &Request) -> bool { req.peer_addr().is_some_and(|a| a.ip().is_loopback()) }
    /// ```
    pub fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        self.peer
    }

    /// `"HTTP/1.0"` or `"HTTP/1.1"`.
    ///
    /// ```
    /// # use oneloop::http::Request;
    /// fn old(req: &Request) -> bool { req.version() == "HTTP/1.0" }
    /// ```
    pub fn version(&self) -> &'static str {
        if self.version == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        }
    }
}

/// A response built by a handler: a status, headers, a body.
///
/// The server sets `Content-Length` and `Date` (replacing any the handler set), and
/// `Connection: close` when it is going to close; a handler that sets `Connection: close`
/// itself gets the connection closed after this response.
///
/// ```
/// use oneloop::http::Response;
/// let not_found = Response::new(404)
///     .header("Content-Type", "text/plain")
///     .body("no such page");
/// assert_eq!(not_found.status(), 404);
/// assert_eq!(not_found.get_header("content-type"), Some("text/plain"));
/// assert_eq!(not_found.body_bytes(), b"no such page");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Headers,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// An empty response with `status` (100 to 999; anything else is sent as 500).
    ///
    /// ```
    /// let r = oneloop::http::Response::new(204);
    /// assert!(r.body_bytes().is_empty());
    /// ```
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    /// Adds a header. One whose name or value could not be written on the wire (CR, LF) is
    /// dropped when the response is sent.
    ///
    /// ```
    /// let r = oneloop::http::Response::new(200).header("Cache-Control", "no-store");
    /// assert_eq!(r.get_header("cache-control"), Some("no-store"));
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Response {
        self.headers.0.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    ///
    /// ```
    /// let r = oneloop::http::Response::new(200).body(vec![1, 2, 3]);
    /// assert_eq!(r.body_bytes(), [1, 2, 3]);
    /// ```
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }

    /// 200 with `Content-Type: text/plain; charset=utf-8`.
    ///
    /// ```
    /// let r = oneloop::http::Response::text("hi");
    /// assert_eq!(r.get_header("content-type"), Some("text/plain; charset=utf-8"));
    /// ```
    pub fn text(body: impl Into<String>) -> Response {
        Response::typed("text/plain; charset=utf-8", body.into())
    }

    /// 200 with `Content-Type: text/html; charset=utf-8`.
    ///
    /// ```
    /// let r = oneloop::http::Response::html("<p>hi</p>");
    /// assert_eq!(r.status(), 200);
    /// ```
    pub fn html(body: impl Into<String>) -> Response {
        Response::typed("text/html; charset=utf-8", body.into())
    }

    /// 200 with `Content-Type: application/json` (the string is sent as is).
    ///
    /// ```
    /// let r = oneloop::http::Response::json(r#"{"ok":true}"#);
    /// assert_eq!(r.get_header("Content-Type"), Some("application/json"));
    /// ```
    pub fn json(body: impl Into<String>) -> Response {
        Response::typed("application/json", body.into())
    }

    fn typed(content_type: &str, body: String) -> Response {
        Response::new(200)
            .header("Content-Type", content_type)
            .body(body)
    }

    /// The status code.
    ///
    /// ```
    /// assert_eq!(oneloop::http::Response::new(418).status(), 418);
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first value of header `name` (case-insensitive).
    ///
    /// ```
    /// assert_eq!(oneloop::http::Response::new(200).get_header("x"), None);
    /// ```
    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The body.
    ///
    /// ```
    /// assert_eq!(oneloop::http::Response::text("ab").body_bytes(), b"ab");
    /// ```
    pub fn body_bytes(&self) -> &[u8] {
        &self.body
    }
}

/// A query parameter whose value is not valid percent-encoded UTF-8, from
/// [`Request::try_query`].
///
/// ```
/// # use oneloop::http::InvalidQuery;
/// fn explain(e: &InvalidQuery) -> String { format!("400: {e}") }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidQuery {
    name: String,
}

impl InvalidQuery {
    /// The name of the parameter whose value did not decode.
    ///
    /// ```
    /// # use oneloop::http::InvalidQuery;
    /// fn which(e: &InvalidQuery) -> &str { e.name() }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Display for InvalidQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "query parameter `{}` is not valid percent-encoded UTF-8",
            self.name
        )
    }
}

impl std::error::Error for InvalidQuery {}

/// The reason phrase of every status code registered for HTTP (RFC 9110 and the codes
/// IANA lists beside it); `""` for an unregistered code, which HTTP/1.1 allows.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        511 => "Network Authentication Required",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str) -> Request {
        Request {
            method: "GET".into(),
            target: target.into(),
            version: 1,
            headers: Headers::default(),
            body: Vec::new(),
            peer: None,
        }
    }

    #[test]
    fn query_decoding() {
        let r = request("/p?a=1&b=x+y%21&flag&a=2&bad=%ZZ&n%61me=v&utf=%C3%A9");
        assert_eq!(r.path(), "/p");
        assert_eq!(r.query("a").as_deref(), Some("1"));
        assert_eq!(r.query("b").as_deref(), Some("x y!"));
        assert_eq!(r.query("flag").as_deref(), Some(""));
        assert_eq!(r.query("bad"), None);
        assert_eq!(r.query("name").as_deref(), Some("v"));
        assert_eq!(r.query("utf").as_deref(), Some("é"));
        assert_eq!(r.query("missing"), None);
        assert_eq!(request("/p").query("a"), None);
        assert_eq!(request("/p?%FF=1").query("a"), None);
        assert_eq!(request("http://h:1/abs/p?x=1").path(), "/abs/p");
        assert_eq!(request("http://h").path(), "/");
        assert_eq!(request("/a://b").path(), "/a://b");
    }

    #[test]
    fn try_query_tells_missing_from_invalid() {
        let r = request("/p?a=1&bad=%ZZ&bad=ok&utf=%FF&%ZZ=x&b=x+y");
        assert_eq!(r.try_query("a"), Ok(Some("1".into())));
        assert_eq!(r.try_query("b"), Ok(Some("x y".into())));
        assert_eq!(r.try_query("missing"), Ok(None));
        let bad = r.try_query("bad").unwrap_err();
        assert_eq!(bad.name(), "bad");
        assert_eq!(
            bad.to_string(),
            "query parameter `bad` is not valid percent-encoded UTF-8"
        );
        assert!(r.try_query("utf").is_err());
        // `query` keeps its documented meaning: an invalid value reads as absent.
        assert_eq!(r.query("utf"), None);
        assert_eq!(request("/p").try_query("a"), Ok(None));
    }

    #[test]
    fn every_common_status_has_its_reason() {
        for (status, phrase) in [(200, "OK"), (404, "Not Found"), (502, "Bad Gateway")] {
            assert_eq!(reason(status), phrase);
        }
        assert_eq!(reason(599), "");
    }
}
