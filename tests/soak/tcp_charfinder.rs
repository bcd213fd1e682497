//! The soak's client side for `tcp_charfinder`: sessions of one to three queries, each
//! answer checked byte for byte against the index; rude clients that ask for a large answer
//! and vanish, stop half-way through a line, or send junk.

use std::io::Write;
use std::net::{Shutdown, SocketAddr};

use charindex::{py_strip, UnicodeNameIndex};

use super::{connect, expect, expect_eof, index, vanish, Protocol, Rng};

/// The line protocol of `tcp_charfinder`.
pub struct Charfinder;

const QUERIES: &[&str] = &[
    "registered",
    "chess black",
    "sign dollar",
    "U+1F525",
    "cat face",
    "é€",
    "xyzzy nothing",
];

/// The answer to one query line, with the next prompt.
fn charfinder_answer(query: &str) -> Vec<u8> {
    let query = py_strip(query);
    let lines = index().describe(query);
    let mut out = String::new();
    for line in &lines {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&UnicodeNameIndex::status(query, lines.len()));
    out.push_str("\r\n?> ");
    out.into_bytes()
}

impl Protocol for Charfinder {
    fn good(&self, addr: SocketAddr, rng: &mut Rng) -> Result<(), String> {
        let mut stream = connect(addr).map_err(|e| format!("connect: {e}"))?;
        expect(&mut stream, b"?> ", "the first prompt")?;
        for _ in 0..1 + rng.below(3) {
            let query = QUERIES[rng.below(QUERIES.len() as u64) as usize];
            stream
                .write_all(format!("{query}\r\n").as_bytes())
                .map_err(|e| format!("send {query:?}: {e}"))?;
            expect(&mut stream, &charfinder_answer(query), query)?;
        }
        stream
            .shutdown(Shutdown::Write)
            .map_err(|e| format!("shutdown: {e}"))?;
        expect_eof(&mut stream, "after the end of stream")
    }

    fn rude(&self, addr: SocketAddr, rng: &mut Rng) {
        let Ok(mut stream) = connect(addr) else {
            return;
        };
        let _ = match rng.below(5) {
            0 => Ok(()), // gone at once
            // A large answer (every LATIN letter), of which a little is read.
            1 => stream.write_all(b"latin\r\n"),
            2 => stream.write_all(b"chess wh"), // half a line
            3 => stream
                .write_all(b"cat\r\n")
                .and_then(|()| stream.shutdown(Shutdown::Write)),
            _ => {
                let junk: Vec<u8> = (0..rng.below(300)).map(|_| rng.below(256) as u8).collect();
                stream.write_all(&junk)
            }
        };
        vanish(stream, rng);
    }
}
