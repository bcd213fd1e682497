//! The soak's client side for `flags_server`'s LOCAL site (no faults, so every answer is
//! checked against the drawn site); the rude clients are `http_hello`'s.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::OnceLock;

use super::http_hello::Hello;
use super::{connect, expect_eof, read_response, Protocol, Rng};

/// HTTP/1.1 to `flags_server`.
pub struct Flags;

/// Paths asked for: flags and metadata of a few countries, and one that does not exist.
const FLAG_PATHS: &[&str] = &[
    "/flags/br/br.gif",
    "/flags/br/metadata.json",
    "/flags/jp/jp.gif",
    "/flags/cn/metadata.json",
    "/flags/zz/zz.gif",
];

fn site() -> &'static flagsite::Site {
    static SITE: OnceLock<flagsite::Site> = OnceLock::new();
    SITE.get_or_init(flagsite::Site::new)
}

impl Protocol for Flags {
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String> {
        let mut stream = connect(addr).map_err(|e| format!("connect: {e}"))?;
        let requests = 1 + rng.below(3);
        for i in 0..requests {
            let path = FLAG_PATHS[rng.below(FLAG_PATHS.len() as u64) as usize];
            let close = if i + 1 == requests {
                "Connection: close\r\n"
            } else {
                ""
            };
            let request = format!("GET {path} HTTP/1.1\r\nHost: soak\r\n{close}\r\n");
            stream
                .write_all(request.as_bytes())
                .map_err(|e| format!("send: {e}"))?;
            let (status, body) = read_response(&mut stream)?;
            let right = match site().get(path) {
                Some(file) => status == "HTTP/1.1 200 OK" && body == file.bytes,
                None => status.starts_with("HTTP/1.1 404"),
            };
            if !right {
                return Err(format!("for {path}: {status:?} with {} bytes", body.len()));
            }
        }
        expect_eof(&mut stream, "after Connection: close")
    }

    fn rude(&self, addr: SocketAddr, rng: &mut Rng) {
        Hello.rude(addr, rng) // the same misbehaviours against the same HTTP server
    }
}
