//! `File`'s `AsyncRead`, `AsyncWrite` and `AsyncSeek`: each poll first collects the job in
//! flight (see the parent module), then starts its own or answers from the buffer.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::{seek_back, File, Operation, State, MAX_BUF};
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite};
use crate::task::cancel::poll_proceed;
use crate::task::spawn_blocking;

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(poll_proceed(cx, "fs::File read"))?;
        loop {
            match ready!(this.poll_job(cx))? {
                Some(Operation::Read(Err(e))) => return Poll::Ready(Err(e)),
                Some(Operation::Read(Ok(0))) => return Poll::Ready(Ok(0)), // end of file
                Some(Operation::Write(Err(e))) => this.last_write_err = Some(e.kind()),
                _ => {}
            }
            let mut buf = this.take_buf()?;
            if buf.unread() > 0 || dst.is_empty() {
                let n = buf.copy_to(dst);
                this.state = State::Idle(Some(buf));
                return Poll::Ready(Ok(n));
            }
            buf.clear();
            let len = dst.len().min(MAX_BUF);
            let std = Arc::clone(&this.std);
            this.state = State::Busy(spawn_blocking(move || {
                buf.bytes.resize(len, 0);
                let result = (&*std).read(&mut buf.bytes);
                buf.bytes.truncate(*result.as_ref().unwrap_or(&0));
                (Operation::Read(result), buf)
            }));
            // Loop: poll the new job once, so its waker is registered.
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(poll_proceed(cx, "fs::File write"))?;
        ready!(this.poll_flush_priv(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut buf = this.take_buf()?;
        let back = buf.unread() as i64;
        buf.clear();
        let n = src.len().min(MAX_BUF);
        buf.bytes.extend_from_slice(&src[..n]);
        let std = Arc::clone(&this.std);
        this.state = State::Busy(spawn_blocking(move || {
            let result = seek_back(&std, back).and_then(|()| (&*std).write_all(&buf.bytes));
            buf.clear();
            (Operation::Write(result), buf)
        }));
        // Write-behind: the bytes are the job's now; the next operation waits for it.
        Poll::Ready(Ok(n))
    }

    /// Waits for the write job in flight and reports its error.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(poll_proceed(cx, "fs::File flush"))?;
        this.poll_flush_priv(cx)
    }

    /// A file has no write side to shut: the same as `flush`.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Seeking needs no pool thread: `lseek(2)` only sets the descriptor's offset, it never
/// waits for the disk. What the pool is for is the operation in flight, which
/// `poll_complete` waits for first (the `seek` future calls it before `start_seek`).
impl AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        let mut buf = this.take_buf()?;
        // Bytes read ahead and not handed out: the reader's position is that far back.
        let position = match position {
            SeekFrom::Current(n) => SeekFrom::Current(n - buf.unread() as i64),
            other => other,
        };
        buf.clear();
        this.state = State::Idle(Some(buf));
        this.seek_result = Some((&*this.std).seek(position));
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        ready!(poll_proceed(cx, "fs::File seek"))?;
        // Pending: woken by the pool thread when the job in flight is done.
        ready!(this.poll_flush_priv(cx))?;
        if let Some(result) = this.seek_result.take() {
            return Poll::Ready(result);
        }
        let unread = match &this.state {
            State::Idle(Some(buf)) => buf.unread() as u64,
            _ => 0,
        };
        Poll::Ready(
            (&*this.std)
                .stream_position()
                .map(|p| p.saturating_sub(unread)),
        )
    }
}
