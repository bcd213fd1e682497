//! One exchange on a connection: the request goes out, the response head comes in, and
//! the head says where the body ends.

use crate::http::body::{self, Framing};
use crate::http::conn::Conn;
use crate::http::error::Error;
use crate::http::headers::Headers;

/// How many headers a response may have (`httparse` parses into a fixed array on the
/// stack): 100, as hyper allows; real servers send a dozen or two.
const MAX_HEADERS: usize = 100;
/// The largest response head accepted; a server sending more is not speaking HTTP.
const MAX_HEAD: usize = 64 * 1024;

/// A parsed response head.
pub(super) struct Head {
    pub(super) status: u16,
    pub(super) reason: String,
    pub(super) version: u8,
    pub(super) headers: Headers,
    pub(super) framing: Framing,
}

/// Writes the request and reads the response head (skipping `1xx` interim answers). The
/// error comes with whether any byte of an answer arrived (then a retry is not safe). The
/// answer to a HEAD has no body, whatever its headers say.
pub(super) async fn exchange(
    conn: &mut Conn,
    wire: &[u8],
    is_head: bool,
) -> Result<Head, (Error, bool)> {
    conn.write_all(wire)
        .await
        .map_err(|e| (Error::io("sending the request", e), false))?;
    let mut answered = false;
    loop {
        if let Some(head) = parse_head(conn).map_err(|e| (e, true))? {
            if (100..200).contains(&head.status) && head.status != 101 {
                continue; // 100 Continue, 103 Early Hints: the real answer follows
            }
            let framing = if is_head {
                Framing::Empty
            } else {
                response_framing(&head).map_err(|e| (e, true))?
            };
            return Ok(Head { framing, ..head });
        }
        match conn.fill().await {
            Ok(0) if answered => {
                return Err((
                    Error::malformed("the connection closed in the response head"),
                    true,
                ))
            }
            Ok(0) => {
                let e = std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed before any response",
                );
                return Err((Error::io("reading the response", e), false));
            }
            Ok(_) => answered = true,
            Err(e) => return Err((Error::io("reading the response", e), answered)),
        }
    }
}

/// Parses the response head in `conn`'s buffer, if it is complete, and consumes it. A
/// function of its own, not inline in `exchange`: `httparse`'s array of 100 headers (3.2 KB)
/// then lives on the stack during the parse, not in every request's future while it waits.
fn parse_head(conn: &mut Conn) -> Result<Option<Head>, Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(conn.buffered()) {
        Ok(httparse::Status::Complete(used)) => {
            let head = Head {
                status: resp.code.unwrap_or(0),
                reason: resp.reason.unwrap_or("").to_string(),
                version: resp.version.unwrap_or(1),
                headers: Headers::from_parsed(resp.headers),
                framing: Framing::Empty,
            };
            conn.consume(used);
            Ok(Some(head))
        }
        Ok(httparse::Status::Partial) if conn.buffered().len() > MAX_HEAD => {
            Err(Error::malformed("response head too large"))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(Error::malformed(format!("invalid response head: {e}"))),
    }
}

/// Where a response body ends (RFC 9112, section 6.3).
fn response_framing(head: &Head) -> Result<Framing, Error> {
    if head.status < 200 || head.status == 204 || head.status == 304 {
        return Ok(Framing::Empty);
    }
    let codings: Vec<&str> = head.headers.get_all("transfer-encoding").collect();
    if let Some(last) = codings.last() {
        return Ok(if body::ends_in_chunked(last) {
            Framing::Chunked
        } else {
            Framing::Close
        });
    }
    let lengths: Vec<&str> = head.headers.get_all("content-length").collect();
    let Some(first) = lengths.first() else {
        return Ok(Framing::Close);
    };
    match body::parse_content_length(first) {
        Some(n)
            if lengths
                .iter()
                .all(|v| body::parse_content_length(v) == Some(n)) =>
        {
            Ok(Framing::Length(n))
        }
        _ => Err(Error::malformed("invalid Content-Length")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{TcpListener, TcpStream};

    #[test]
    fn a_waiting_exchange_does_not_hold_the_header_array() {
        crate::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let stream = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let mut conn = Conn::new(stream);
            let future = exchange(&mut conn, b"GET / HTTP/1.1\r\n\r\n", false);
            let array = std::mem::size_of::<[httparse::Header<'_>; MAX_HEADERS]>();
            let size = std::mem::size_of_val(&future);
            assert!(
                size < array,
                "the exchange future is {size} bytes, the header array {array}"
            );
        });
    }
}
