//! The body codec: how a message says where its body ends, and a decoder that reads it
//! piece by piece from a [`Conn`].
//!
//! HTTP/1.1 has three framings (RFC 9112, section 6): a `Content-Length`, the `chunked`
//! transfer coding (sizes in hex, optional `;extensions`, then trailers that this decoder
//! skips), and, for responses only, "until the server closes the connection". Chunk sizes
//! and trailers are parsed by `httparse`.

use std::io;

use super::conn::Conn;

/// Where a body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body at all (HEAD, 204, 304, a request without length).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the peer closes: a response with neither length nor chunking (HTTP/1.0).
    Close,
}

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The socket failed (or the task was cancelled: see `is_cancelled`).
    Io(io::Error),
    /// The connection closed before the framing said the body ends.
    Truncated,
    /// The chunked framing is broken.
    Malformed(&'static str),
}

impl From<io::Error> for BodyError {
    fn from(e: io::Error) -> BodyError {
        BodyError::Io(e)
    }
}

/// The longest chunk-size line, or block of trailers, that is waited for (a peer sending
/// an endless size line must not make the buffer grow without bound). 16 KiB: the head
/// limit, since trailers are headers too; a size line with extensions is far shorter.
const MAX_LINE: usize = 16 * 1024;

/// Where the decoder is in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// This many bytes of a `Content-Length` body are left.
    Length(u64),
    /// Reading until end of stream.
    Close,
    /// Expecting a chunk-size line.
    ChunkSize,
    /// This many bytes of the current chunk are left.
    ChunkData(u64),
    /// Expecting the CRLF after a chunk's data.
    ChunkEnd,
    /// After the last (zero-size) chunk: trailers up to an empty line.
    Trailers,
    /// The body is over; the connection is positioned at the next message.
    Done,
}

/// Reads one body from a connection.
#[derive(Debug)]
pub(crate) struct Decoder {
    state: State,
}

impl Decoder {
    pub(crate) fn new(framing: Framing) -> Decoder {
        let state = match framing {
            Framing::Empty | Framing::Length(0) => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::ChunkSize,
            Framing::Close => State::Close,
        };
        Decoder { state }
    }

    /// Whether the whole body has been read.
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The next piece of the body, `None` after the end. The pieces are what arrived, so a
    /// large body never sits whole in the connection's buffer. A cancellation point while
    /// it waits for bytes.
    pub(crate) async fn next(&mut self, conn: &mut Conn) -> Result<Option<Vec<u8>>, BodyError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Length(left) | State::ChunkData(left) => {
                    if conn.buffered().is_empty() && conn.fill().await? == 0 {
                        return Err(BodyError::Truncated);
                    }
                    let n = usize::try_from(left).unwrap_or(usize::MAX);
                    let piece = conn.take(n);
                    let left = left - piece.len() as u64;
                    self.state = match (self.state, left) {
                        (State::Length(_), 0) => State::Done,
                        (State::Length(_), _) => State::Length(left),
                        (_, 0) => State::ChunkEnd,
                        _ => State::ChunkData(left),
                    };
                    return Ok(Some(piece));
                }
                State::Close => {
                    if conn.buffered().is_empty() && conn.fill().await? == 0 {
                        self.state = State::Done;
                        return Ok(None);
                    }
                    return Ok(Some(conn.take(usize::MAX)));
                }
                State::ChunkSize => match httparse::parse_chunk_size(conn.buffered()) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        conn.consume(used);
                        self.state = if size == 0 {
                            State::Trailers
                        } else {
                            State::ChunkData(size)
                        };
                    }
                    Ok(httparse::Status::Partial) => self.more(conn).await?,
                    Err(_) => return Err(BodyError::Malformed("invalid chunk size line")),
                },
                State::ChunkEnd => {
                    let got = conn.buffered();
                    if got.len() >= 2 {
                        if &got[..2] != b"\r\n" {
                            return Err(BodyError::Malformed("chunk data not followed by CRLF"));
                        }
                        conn.consume(2);
                        self.state = State::ChunkSize;
                    } else if got != &b"\r"[..got.len()] {
                        return Err(BodyError::Malformed("chunk data not followed by CRLF"));
                    } else {
                        self.more(conn).await?;
                    }
                }
                State::Trailers => {
                    // Trailers are skipped: parsed only to find where they end.
                    let mut headers = [httparse::EMPTY_HEADER; 32];
                    match httparse::parse_headers(conn.buffered(), &mut headers) {
                        Ok(httparse::Status::Complete((used, _))) => {
                            conn.consume(used);
                            self.state = State::Done;
                            return Ok(None);
                        }
                        Ok(httparse::Status::Partial) => self.more(conn).await?,
                        Err(_) => return Err(BodyError::Malformed("invalid trailer section")),
                    }
                }
            }
        }
    }

    /// Reads more bytes for an incomplete size line or trailer section.
    async fn more(&mut self, conn: &mut Conn) -> Result<(), BodyError> {
        if conn.buffered().len() > MAX_LINE {
            return Err(BodyError::Malformed("chunk size line or trailers too long"));
        }
        if conn.fill().await? == 0 {
            return Err(BodyError::Truncated);
        }
        Ok(())
    }
}

/// Whether a `Transfer-Encoding` value ends in `chunked` and names nothing else (the only
/// coding this module implements; anything else the server answers with 501).
pub(crate) fn is_plain_chunked(transfer_encoding: &str) -> bool {
    transfer_encoding.trim().eq_ignore_ascii_case("chunked")
}

/// Whether a `Transfer-Encoding` value's last coding is `chunked` (what a client needs to
/// know to find the end of a response body).
pub(crate) fn ends_in_chunked(transfer_encoding: &str) -> bool {
    transfer_encoding
        .rsplit(',')
        .next()
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
}

/// Parses a `Content-Length` value: digits only (no sign, no spaces inside).
pub(crate) fn parse_content_length(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_is_digits_only() {
        assert_eq!(parse_content_length(" 42 "), Some(42));
        for bad in ["", "-1", "+1", "1 2", "0x10", "99999999999999999999999"] {
            assert_eq!(parse_content_length(bad), None, "{bad}");
        }
    }

    #[test]
    fn transfer_codings() {
        assert!(is_plain_chunked("Chunked"));
        assert!(!is_plain_chunked("gzip, chunked"));
        assert!(ends_in_chunked("gzip, chunked"));
        assert!(!ends_in_chunked("chunked, gzip"));
    }
}
