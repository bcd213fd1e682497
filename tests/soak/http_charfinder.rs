//! The soak's client side for `http_charfinder`: sessions of one to four requests for the
//! page (`/?query=`) and the `/chars` API (`start` from the first page to past the end),
//! keep-alive then `Connection: close`, every answer's status and bytes checked against what
//! the example's handler makes of the index; rude clients that ask for a large answer and
//! vanish before reading it, beside `http_hello`'s misbehaviours.

use std::io::Write;
use std::net::SocketAddr;

use charindex::py_strip;

use super::http_hello::Hello;
use super::{connect, expect_eof, index, read_response, vanish, Protocol, Rng};

/// HTTP/1.1 to `http_charfinder`.
pub struct HttpCharfinder;

/// Queries sent (percent-encoded, `+` for a space) and the text they decode to: words,
/// a code point, characters to describe, nothing found, markup the page must escape, and
/// `cjk`, whose 90,000-odd results make `/chars` pages deep into one postings list.
const CHAR_QUERIES: &[(&str, &str)] = &[
    ("cat+face", "cat face"),
    ("chess+black", "chess black"),
    ("U%2B1F525", "U+1F525"),
    ("%C3%A9%E2%82%AC", "\u{e9}\u{20ac}"),
    ("xyzzy", "xyzzy"),
    ("%3Cb%3Esign%3C%2Fb%3E", "<b>sign</b>"),
    ("cjk", "cjk"),
    ("+registered+", " registered "),
];

/// `start` values for `/chars`: the first page, the second, one deep into `cjk`, and one
/// past the end of most results (an empty page).
const STARTS: &[&str] = &["0", "200", "90000", "100000"];

/// One request of a good session: its path and query, and the answer expected (status
/// line and body), computed the way the example's handler (`app.rs`) does.
fn charfinder_request(rng: &mut Rng) -> (String, &'static str, Vec<u8>) {
    use charindex::web::{chars_json, home_page, parse_window, PAGE_SIZE};
    let (sent, query) = CHAR_QUERIES[rng.below(CHAR_QUERIES.len() as u64) as usize];
    let query = py_strip(query);
    match rng.below(5) {
        0 | 1 => {
            let page = index().find_page(query, 0..PAGE_SIZE);
            (
                format!("/?query={sent}"),
                "HTTP/1.1 200 OK",
                home_page(query, &page).into_bytes(),
            )
        }
        2 | 3 => {
            let start = STARTS[rng.below(STARTS.len() as u64) as usize];
            let window = parse_window(Some(start), None).expect("a valid start");
            let page = index().find_page(query, window);
            (
                format!("/chars?query={sent}&start={start}"),
                "HTTP/1.1 200 OK",
                chars_json(&page).into_bytes(),
            )
        }
        _ => (
            "/favicon.ico".to_string(),
            "HTTP/1.1 404 Not Found",
            b"not found\n".to_vec(),
        ),
    }
}

impl Protocol for HttpCharfinder {
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String> {
        let mut stream = connect(addr).map_err(|e| format!("connect: {e}"))?;
        // Keep-alive for all but the last request, which asks the server to close.
        let requests = 1 + rng.below(4);
        for i in 0..requests {
            let (target, want_status, want_body) = charfinder_request(rng);
            let close = if i + 1 == requests {
                "Connection: close\r\n"
            } else {
                ""
            };
            let request = format!("GET {target} HTTP/1.1\r\nHost: soak\r\n{close}\r\n");
            stream
                .write_all(request.as_bytes())
                .map_err(|e| format!("send {target}: {e}"))?;
            let (status, body) = read_response(&mut stream)?;
            if status != want_status || body != want_body {
                let at = body
                    .iter()
                    .zip(&want_body)
                    .position(|(a, b)| a != b)
                    .unwrap_or(body.len().min(want_body.len()));
                return Err(format!(
                    "for {target}: {status:?} with {} bytes, expected {want_status:?} with {} \
                     bytes; first difference at byte {at}",
                    body.len(),
                    want_body.len()
                ));
            }
        }
        expect_eof(&mut stream, "after Connection: close")
    }

    fn rude(&self, addr: SocketAddr, rng: &mut Rng) {
        if rng.below(2) == 0 {
            // The generic misbehaviours: gone at once, half a head, pipelined requests left
            // unread, a body cut short, junk.
            return Hello.rude(addr, rng);
        }
        let Ok(mut stream) = connect(addr) else {
            return;
        };
        // A large answer (a 30 KB page, or a page of `cjk` deep in its list), of which at
        // most a little is read before the connection is reset.
        let request: &[u8] = match rng.below(3) {
            0 => b"GET /?query=latin+capital HTTP/1.1\r\nHost: x\r\n\r\n",
            1 => b"GET /chars?query=cjk&start=50000 HTTP/1.1\r\nHost: x\r\n\r\n",
            _ => b"GET /chars?query=cjk&start=0 HTTP/1.1\r\nHost: x\r\n\r\nGET /?query=cjk HTTP/1.1\r\nHost: x\r\n\r\n",
        };
        let _ = stream.write_all(request);
        vanish(stream, rng);
    }
}
