//! `Conn`: a TCP connection plus the read buffer that HTTP parsing works on, shared by the
//! client and the server.
//!
//! Parsing with `httparse` is "try on what has arrived, read more if it says `Partial`":
//! the buffer keeps the bytes of a head until it is complete, and whatever arrived after it
//! (the start of the body, or a pipelined next request) stays for the next reader.

use std::io;

use crate::io::{AsyncReadExt, AsyncWriteExt};
use crate::net::TcpStream;

/// How much is read from the socket at a time: one system call fills a typical head, or
/// a sizeable piece of a body.
const READ_SIZE: usize = 16 * 1024;

/// A connection and its unread bytes.
pub(crate) struct Conn {
    /// The socket.
    pub(crate) stream: TcpStream,
    /// Storage for bytes read but not yet consumed; `buf[start..end]` are those bytes.
    buf: Vec<u8>,
    /// Where the unconsumed bytes start.
    start: usize,
    /// Where they end.
    end: usize,
}

impl Conn {
    pub(crate) fn new(stream: TcpStream) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
        }
    }

    /// The bytes read but not consumed yet.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks the first `n` buffered bytes as used (all of them if `n` is larger: an error
    /// answer's drain passes `usize::MAX`, so the sum must not overflow).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Takes up to `max` buffered bytes out.
    pub(crate) fn take(&mut self, max: usize) -> Vec<u8> {
        let n = max.min(self.end - self.start);
        let out = self.buf[self.start..self.start + n].to_vec();
        self.consume(n);
        out
    }

    /// Reads once more from the socket, appending to the buffer; `Ok(0)` at end of stream.
    /// A cancellation point (the read is).
    pub(crate) async fn fill(&mut self) -> io::Result<usize> {
        // Move the unconsumed bytes to the front rather than growing for ever.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_SIZE {
            self.buf.resize(self.end + READ_SIZE, 0);
        }
        let n = self.stream.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n)
    }

    /// Writes all of `data`. A cancellation point.
    pub(crate) async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.stream.write_all(data).await
    }

    /// Whether an idle connection can carry another request: nothing unread is buffered and
    /// the server has neither closed it nor sent anything unasked (a peek, which does not
    /// wait and does not consume).
    pub(crate) fn is_reusable(&self) -> bool {
        if self.end > self.start {
            return false;
        }
        let mut probe = [0u8; 1];
        match self.stream.peek_now(&mut probe) {
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
            Ok(_) => false, // 0: closed; more: bytes nobody asked for
        }
    }
}
