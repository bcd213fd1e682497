//! The soak's client side for `http_hello`: keep-alive sessions ending with `Connection:
//! close`, every answer checked; the rude clients shared by every HTTP server of the soak
//! (half a head, pipelined requests left unread, a body cut short, junk).

use std::io::Write;
use std::net::SocketAddr;

use super::{connect, expect_eof, read_response, vanish, Protocol, Rng};

/// HTTP/1.1 to `http_hello`.
pub struct Hello;

/// Names sent (percent-encoded, `+` for a space) and the text they decode to.
const NAMES: &[(&str, &str)] = &[
    ("loop", "loop"),
    ("caf%C3%A9", "café"),
    ("one+loop", "one loop"),
    ("a%26b", "a&b"),
];

impl Protocol for Hello {
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String> {
        let mut stream = connect(addr).map_err(|e| format!("connect: {e}"))?;
        let requests = 1 + rng.below(3);
        for i in 0..requests {
            let (sent, name) = NAMES[rng.below(NAMES.len() as u64) as usize];
            let close = if i + 1 == requests {
                "Connection: close\r\n"
            } else {
                ""
            };
            let request = format!("GET /?name={sent} HTTP/1.1\r\nHost: soak\r\n{close}\r\n");
            stream
                .write_all(request.as_bytes())
                .map_err(|e| format!("send: {e}"))?;
            let (status, body) = read_response(&mut stream)?;
            if status != "HTTP/1.1 200 OK" || body != format!("Hello, {name}!\n").as_bytes() {
                return Err(format!(
                    "for {sent:?}: {status:?} with body {:?}",
                    String::from_utf8_lossy(&body)
                ));
            }
        }
        expect_eof(&mut stream, "after Connection: close")
    }

    fn rude(&self, addr: SocketAddr, rng: &mut Rng) {
        let Ok(mut stream) = connect(addr) else {
            return;
        };
        let _ = match rng.below(5) {
            0 => Ok(()),
            1 => stream.write_all(b"GET /?name=half HTTP/1.1\r\nHost: x\r\n"), // half a head
            // Pipelined requests, whose answers are left unread.
            2 => stream.write_all(&b"GET /?name=p HTTP/1.1\r\nHost: x\r\n\r\n".repeat(20)),
            3 => {
                stream.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort")
            }
            _ => {
                let junk: Vec<u8> = (0..rng.below(300)).map(|_| rng.below(256) as u8).collect();
                stream.write_all(&junk)
            }
        };
        vanish(stream, rng);
    }
}
