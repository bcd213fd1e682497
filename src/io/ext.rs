//! The `Ext` traits: `read`, `write_all`, `read_line`, ... as futures, over the poll traits.
//!
//! Each method is a small loop over `poll_read`/`poll_write`/`poll_fill_buf`; the leaf
//! (a socket) is where the cancellation point and the cooperative budget live.

use std::future::{poll_fn, Future};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Poll};

use super::{AsyncBufRead, AsyncRead, AsyncWrite};

/// Reading helpers for every [`AsyncRead`] (tokio's `AsyncReadExt`).
///
/// ```
/// use oneloop::io::AsyncReadExt;
///
/// oneloop::run(async {
///     let mut src: &[u8] = b"hello world";
///     let mut word = [0; 5];
///     src.read_exact(&mut word).await.unwrap();
///     let mut rest = String::new();
///     src.read_to_string(&mut rest).await.unwrap();
///     assert_eq!((&word, rest.as_str()), (b"hello", " world"));
/// });
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Reads some bytes into `buf`; `Ok(0)` at end of stream.
    ///
    /// ```
    /// use oneloop::io::AsyncReadExt;
    /// oneloop::run(async {
    ///     let mut buf = [0; 4];
    ///     assert_eq!((&b"ab"[..]).read(&mut buf).await.unwrap(), 2);
    /// });
    /// ```
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_read(cx, buf))
    }

    /// Fills `buf` completely, or fails with `UnexpectedEof`. On an error (a cancellation
    /// included) the bytes read so far are in `buf`, their count unknown: treat it as spoilt.
    ///
    /// ```
    /// use oneloop::io::AsyncReadExt;
    /// oneloop::run(async {
    ///     let mut buf = [0; 3];
    ///     let err = (&b"ab"[..]).read_exact(&mut buf).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// });
    /// ```
    fn read_exact<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        let mut filled = 0;
        poll_fn(move |cx| {
            while filled < buf.len() {
                match ready!(Pin::new(&mut *self).poll_read(cx, &mut buf[filled..]))? {
                    0 => return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into())),
                    n => filled += n,
                }
            }
            Poll::Ready(Ok(filled))
        })
    }

    /// Reads to end of stream, appending to `buf`; returns how many bytes it appended. On an
    /// error the bytes read so far stay appended.
    ///
    /// ```
    /// use oneloop::io::AsyncReadExt;
    /// oneloop::run(async {
    ///     let mut all = Vec::new();
    ///     (&b"abc"[..]).read_to_end(&mut all).await.unwrap();
    ///     assert_eq!(all, b"abc");
    /// });
    /// ```
    fn read_to_end<'a>(
        &'a mut self,
        buf: &'a mut Vec<u8>,
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        let start = buf.len();
        poll_fn(move |cx| {
            ready!(poll_read_to_end(Pin::new(&mut *self), cx, buf))?;
            Poll::Ready(Ok(buf.len() - start))
        })
    }

    /// Reads to end of stream as UTF-8, appending to `buf` as it arrives (one complete
    /// character at a time, so a cancellation keeps what was read, as `read_line` does).
    /// Fails with `InvalidData` at the first invalid byte; `buf` then holds the text before it.
    ///
    /// ```
    /// use oneloop::io::AsyncReadExt;
    /// oneloop::run(async {
    ///     let mut text = String::new();
    ///     (&b"abc"[..]).read_to_string(&mut text).await.unwrap();
    ///     assert_eq!(text, "abc");
    /// });
    /// ```
    fn read_to_string<'a>(
        &'a mut self,
        buf: &'a mut String,
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        // Bytes read but not yet appended: at most an incomplete character between polls.
        let mut pending = Vec::new();
        let mut appended = 0;
        poll_fn(move |cx| {
            let poll = poll_read_to_end(Pin::new(&mut *self), cx, &mut pending);
            appended += append_utf8(&mut pending, buf)?;
            match poll {
                Poll::Pending => Poll::Pending, // the reader will wake us
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) if !pending.is_empty() => Poll::Ready(Err(not_utf8())),
                Poll::Ready(Ok(())) => Poll::Ready(Ok(std::mem::take(&mut appended))),
            }
        })
    }

    for_each_number!(read_number_methods);
}

/// Reads into `buf` until end of stream.
fn poll_read_to_end<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut std::task::Context<'_>,
    buf: &mut Vec<u8>,
) -> Poll<io::Result<()>> {
    /// How much spare capacity one read may fill. The window is zeroed before each read
    /// (the reader gets an initialised `&mut [u8]`), so it must stay bounded: zeroing all the
    /// spare capacity, which doubles with the buffer, made reading N bytes cost O(N²).
    const WINDOW: usize = 16 * 1024;
    loop {
        if buf.capacity() - buf.len() < 1024 {
            buf.reserve(8 * 1024);
        }
        let len = buf.len();
        let window = (buf.capacity() - len).min(WINDOW);
        buf.resize(len + window, 0);
        let result = reader.as_mut().poll_read(cx, &mut buf[len..]);
        let n = match &result {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        buf.truncate(len + n);
        match result {
            Poll::Pending => return Poll::Pending, // the reader will wake us
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(0)) => return Poll::Ready(Ok(())),
            Poll::Ready(Ok(_)) => {}
        }
    }
}

/// Moves every complete UTF-8 character at the front of `pending` into `buf` and returns
/// how many bytes it moved; what stays is an incomplete character (at most 3 bytes). Fails
/// with `InvalidData` (clearing `pending`) if `pending` holds an invalid sequence.
fn append_utf8(pending: &mut Vec<u8>, buf: &mut String) -> io::Result<usize> {
    let (valid, invalid) = match std::str::from_utf8(pending) {
        Ok(text) => (text.len(), false),
        Err(e) => (e.valid_up_to(), e.error_len().is_some()),
    };
    buf.push_str(std::str::from_utf8(&pending[..valid]).unwrap_or_default());
    pending.drain(..valid);
    if invalid {
        pending.clear();
        return Err(not_utf8());
    }
    Ok(valid)
}

fn not_utf8() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// Writing helpers for every [`AsyncWrite`] (tokio's `AsyncWriteExt`).
///
/// ```
/// use oneloop::io::AsyncWriteExt;
///
/// oneloop::run(async {
///     let mut out = Vec::new();
///     out.write_all(b"abc").await.unwrap();
///     out.flush().await.unwrap();
///     assert_eq!(out, b"abc");
/// });
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `buf`, returning how much.
    ///
    /// ```
    /// use oneloop::io::AsyncWriteExt;
    /// oneloop::run(async {
    ///     let mut out = Vec::new();
    ///     assert_eq!(out.write(b"ab").await.unwrap(), 2);
    /// });
    /// ```
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_write(cx, buf))
    }

    /// Writes some of the bytes of `bufs`, in order, returning how many (tokio's
    /// `write_vectored`): on a socket, one system call. On a oneloop socket a cancellation
    /// point, like `write`: a pending cancel is an error for which [`crate::is_cancelled`]
    /// is true, and nothing is written. To write everything, loop, dropping what was
    /// written (a short count can end inside a slice).
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use oneloop::io::AsyncWriteExt;
    /// oneloop::run(async {
    ///     let mut out = Vec::new();
    ///     let bufs = [IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cd")];
    ///     assert_eq!(out.write_vectored(&bufs).await.unwrap(), 4);
    ///     assert_eq!(out, b"abcd");
    /// });
    /// ```
    fn write_vectored<'a, 'b>(
        &'a mut self,
        bufs: &'a [IoSlice<'b>],
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_write_vectored(cx, bufs))
    }

    /// Writes all of `buf`. It waits while the peer is not reading (back-pressure); nothing
    /// is buffered beyond what the kernel accepts. On an error, an unknown prefix was written.
    ///
    /// ```
    /// use oneloop::io::AsyncWriteExt;
    /// oneloop::run(async {
    ///     let mut out = Vec::new();
    ///     out.write_all(b"abc").await.unwrap();
    ///     assert_eq!(out, b"abc");
    /// });
    /// ```
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a
    where
        Self: Unpin,
    {
        let mut written = 0;
        poll_fn(move |cx| {
            while written < buf.len() {
                match ready!(Pin::new(&mut *self).poll_write(cx, &buf[written..]))? {
                    0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    n => written += n,
                }
            }
            Poll::Ready(Ok(()))
        })
    }

    /// Flushes buffered data.
    ///
    /// ```
    /// use oneloop::io::AsyncWriteExt;
    /// oneloop::run(async { Vec::new().flush().await.unwrap() });
    /// ```
    fn flush(&mut self) -> impl Future<Output = io::Result<()>> + '_
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_flush(cx))
    }

    /// Flushes, then shuts the write side down (the peer reads end of stream).
    ///
    /// ```
    /// use oneloop::io::AsyncWriteExt;
    /// oneloop::run(async { Vec::new().shutdown().await.unwrap() });
    /// ```
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + '_
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_shutdown(cx))
    }

    for_each_number!(write_number_methods);
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}

/// Line and delimiter helpers for every [`AsyncBufRead`] (tokio's `AsyncBufReadExt`).
///
/// ```
/// use oneloop::io::{AsyncBufReadExt, BufReader};
///
/// oneloop::run(async {
///     let mut r = BufReader::new(&b"k=v;rest"[..]);
///     let mut key = Vec::new();
///     r.read_until(b';', &mut key).await.unwrap();
///     assert_eq!(key, b"k=v;");
/// });
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Reads up to and including `delim` (or to end of stream), appending to `buf` as it goes;
    /// returns how many bytes it appended (0 at end of stream). Bytes read before an error or
    /// a cancellation stay in `buf`: call again to continue the same line.
    ///
    /// ```
    /// use oneloop::io::{AsyncBufReadExt, BufReader};
    /// oneloop::run(async {
    ///     let mut r = BufReader::new(&b"a\nb"[..]);
    ///     let mut line = Vec::new();
    ///     assert_eq!(r.read_until(b'\n', &mut line).await.unwrap(), 2);
    /// });
    /// ```
    fn read_until<'a>(
        &'a mut self,
        delim: u8,
        buf: &'a mut Vec<u8>,
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        let mut read = 0;
        poll_fn(move |cx| {
            let result = ready!(poll_read_until(
                Pin::new(&mut *self),
                cx,
                delim,
                buf,
                usize::MAX,
                &mut read
            ));
            Poll::Ready(result.map(|_| std::mem::take(&mut read)))
        })
    }

    /// [`read_until`](AsyncBufReadExt::read_until) with a bound, as asyncio's
    /// `StreamReader(limit=..)`: at most `limit` bytes before `delim`. Once more than that
    /// have arrived without `delim`, it fails with an error for which
    /// [`LineTooLong::is`](crate::io::LineTooLong::is) is true (kind `InvalidData`), having
    /// buffered no more than `limit + 1` bytes however long the line is. A line of exactly
    /// `limit` bytes and its `delim` is fine. Returns how many bytes it appended, `delim`
    /// included (0 at end of stream). The bound counts from what `buf` held when called.
    ///
    /// ```
    /// use oneloop::io::{AsyncBufReadExt, BufReader, LineTooLong};
    /// oneloop::run(async {
    ///     let mut r = BufReader::new(&b"short\nmuch too long\n"[..]);
    ///     let mut line = Vec::new();
    ///     assert_eq!(r.read_until_max(b'\n', &mut line, 8).await.unwrap(), 6);
    ///     let err = r.read_until_max(b'\n', &mut line, 8).await.unwrap_err();
    ///     assert!(LineTooLong::is(&err));
    /// });
    /// ```
    fn read_until_max<'a>(
        &'a mut self,
        delim: u8,
        buf: &'a mut Vec<u8>,
        limit: usize,
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        super::line_limit::read_until_max(self, delim, buf, limit)
    }

    /// Reads a line (up to and including `\n`) as UTF-8, appending it to `buf` as it
    /// arrives; returns how many bytes it appended (0 at end of stream).
    ///
    /// Text is appended one complete character at a time, so if the future is cancelled or
    /// dropped mid-line, `buf` holds the line read so far: call again to continue it. A
    /// character split across two reads at that moment stays in the reader's buffer (for a
    /// [`BufReader`](crate::io::BufReader); another `AsyncBufRead` loses its first bytes,
    /// at most 3), so no byte is lost. Invalid UTF-8 fails with `InvalidData` as soon as it
    /// is seen; `buf` then holds the text before it (what of the line had arrived with it
    /// has been consumed).
    ///
    /// ```
    /// use oneloop::io::{AsyncBufReadExt, BufReader};
    /// oneloop::run(async {
    ///     let mut r = BufReader::new(&b"one\ntwo"[..]);
    ///     let mut line = String::new();
    ///     r.read_line(&mut line).await.unwrap();
    ///     assert_eq!(line, "one\n");
    /// });
    /// ```
    fn read_line<'a>(
        &'a mut self,
        buf: &'a mut String,
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        // A reader that can read more while bytes are buffered (`BufReader`) keeps an
        // incomplete character in its own buffer: nothing is taken out that is not appended
        // to `buf`, so a cancellation loses nothing. `kept`: how many bytes at the front of
        // its buffer are such a character.
        let mut kept = 0;
        // Other readers: bytes read but not yet appended, an incomplete character of at most
        // 3 bytes between polls (lost if the future is dropped then).
        let mut pending = Vec::new();
        let mut appended = 0;
        let mut read = 0;
        poll_fn(move |cx| {
            if !self.__can_fill_more() {
                return poll_read_line_carrying(
                    Pin::new(&mut *self),
                    cx,
                    buf,
                    &mut pending,
                    &mut appended,
                    &mut read,
                );
            }
            loop {
                let mut reader = Pin::new(&mut *self);
                // Pending here (either way) means the reader will wake us.
                let available = if kept > 0 {
                    ready!(reader.as_mut().__poll_fill_more(cx))?
                } else {
                    ready!(reader.as_mut().poll_fill_buf(cx))?
                };
                if available.len() == kept {
                    // End of stream: on a character boundary, or inside one (not UTF-8).
                    let inside = !available.is_empty();
                    reader.consume(std::mem::take(&mut kept));
                    return Poll::Ready(if inside {
                        Err(not_utf8())
                    } else {
                        Ok(std::mem::take(&mut appended))
                    });
                }
                let (len, found) = match memchr(b'\n', available) {
                    Some(i) => (i + 1, true),
                    None => (available.len(), false),
                };
                let line = &available[..len];
                let (valid, invalid) = match std::str::from_utf8(line) {
                    Ok(_) => (len, false),
                    Err(e) => (e.valid_up_to(), e.error_len().is_some()),
                };
                buf.push_str(std::str::from_utf8(&line[..valid]).unwrap_or_default());
                appended += valid;
                if invalid {
                    reader.consume(len);
                    kept = 0;
                    return Poll::Ready(Err(not_utf8()));
                }
                // What is left is an incomplete character at the end of the buffer (a `\n`
                // cannot end inside one): leave it there and read more after it.
                reader.consume(valid);
                kept = len - valid;
                if found {
                    return Poll::Ready(Ok(std::mem::take(&mut appended)));
                }
            }
        })
    }

    /// The lines of this reader, without their `\n` (or `\r\n`).
    ///
    /// ```
    /// use oneloop::io::{AsyncBufReadExt, BufReader};
    /// oneloop::run(async {
    ///     let mut lines = BufReader::new(&b"a\r\nb"[..]).lines();
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("a"));
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("b"));
    ///     assert_eq!(lines.next_line().await.unwrap(), None);
    /// });
    /// ```
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines {
            reader: self,
            buf: String::new(),
        }
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}

/// `read_line` over a reader that cannot keep an incomplete character in its buffer: the
/// character's first bytes wait in `pending` (and are lost if the future is dropped).
fn poll_read_line_carrying<R: AsyncBufRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut std::task::Context<'_>,
    buf: &mut String,
    pending: &mut Vec<u8>,
    appended: &mut usize,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    let poll = poll_read_until(reader, cx, b'\n', pending, usize::MAX, read);
    // Append every complete character, whatever the poll's outcome.
    *appended += append_utf8(pending, buf)?;
    match poll {
        // Pending: the reader will wake us.
        Poll::Pending => Poll::Pending,
        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        // The line ended (or the stream did) inside a character: not UTF-8.
        Poll::Ready(Ok(_)) if !pending.is_empty() => {
            pending.clear();
            Poll::Ready(Err(not_utf8()))
        }
        Poll::Ready(Ok(_)) => Poll::Ready(Ok(std::mem::take(appended))),
    }
}

/// Reads into `buf` until `delim` (included), end of stream, or `limit` bytes in `buf`.
/// `read` counts the bytes appended so far, across polls. `Ok(true)` if `delim` was found.
pub(super) fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut std::task::Context<'_>,
    delim: u8,
    buf: &mut Vec<u8>,
    limit: usize,
    read: &mut usize,
) -> Poll<io::Result<bool>> {
    loop {
        // Pending here means the reader will wake us.
        let available = ready!(reader.as_mut().poll_fill_buf(cx))?;
        if available.is_empty() {
            return Poll::Ready(Ok(false));
        }
        let room = limit.saturating_sub(buf.len());
        let (used, found) = match memchr(delim, available) {
            Some(i) if i < room => (i + 1, true),
            _ => (available.len().min(room), false),
        };
        buf.extend_from_slice(&available[..used]);
        reader.as_mut().consume(used);
        *read += used;
        if found || buf.len() >= limit {
            return Poll::Ready(Ok(found));
        }
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// The lines of an [`AsyncBufRead`], from [`AsyncBufReadExt::lines`].
///
/// ```
/// use oneloop::io::{AsyncBufReadExt, BufReader, Lines};
/// oneloop::run(async {
///     let mut lines: Lines<BufReader<&[u8]>> = BufReader::new(&b"a\nb\n"[..]).lines();
///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("a"));
/// });
/// ```
#[derive(Debug)]
pub struct Lines<R> {
    reader: R,
    buf: String,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    /// The next line without its line ending, or `None` at end of stream.
    ///
    /// ```
    /// use oneloop::io::{AsyncBufReadExt, BufReader};
    /// oneloop::run(async {
    ///     let mut lines = BufReader::new(&b"x\n"[..]).lines();
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("x"));
    /// });
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        let n = self.reader.read_line(&mut self.buf).await?;
        if n == 0 && self.buf.is_empty() {
            return Ok(None);
        }
        let mut line = std::mem::take(&mut self.buf);
        if line.ends_with('\n') {
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
        }
        Ok(Some(line))
    }

    /// The underlying reader.
    ///
    /// ```
    /// use oneloop::io::{AsyncBufReadExt, BufReader};
    /// let lines = BufReader::new(&b""[..]).lines();
    /// let _reader = lines.into_inner();
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }
}
