//! `File`: an open file as `AsyncRead` + `AsyncWrite` + `AsyncSeek` (their impls are in
//! `file/traits.rs`), one operation in flight at a time on the blocking pool (tokio's
//! design).
//!
//! The file and a buffer travel together: an idle `File` holds its buffer; a read or write
//! moves the buffer to a pool thread with the job and gets it back with the result, so no
//! byte is shared between threads while a job runs and the buffer is reused.
//!
//! * **Read**: the pool thread reads at most `buf.len()` bytes (at most [`MAX_BUF`]) into
//!   the buffer; the next poll copies them out. Cancelled while the job runs, the bytes stay
//!   in the buffer and the next read returns them: nothing is lost.
//! * **Write**: the bytes are copied into the buffer, a job runs `write_all`, and
//!   `poll_write` returns at once (write-behind). The next operation waits for the job, and
//!   `flush` reports its error. So a write whose future returned `Ok` completes even if the
//!   task is then cancelled or the `File` dropped; a write cancelled before it returned did
//!   nothing.
//! * **Seek**: waits for the job in flight, then `lseek(2)` on the loop thread (it never
//!   touches the disk).

use std::fmt;
use std::future::Future;
use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::{asyncify, OpenOptions};
use crate::task::cancel::poll_proceed;
use crate::task::JoinHandle;

mod traits;

/// The most one job reads or writes (tokio's default too): a bigger slice is done in
/// several jobs, so one call cannot pin an unbounded copy of the caller's data.
const MAX_BUF: usize = 2 * 1024 * 1024;

/// An open file (tokio's `fs::File`).
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
///
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-file-{}", std::process::id()));
/// let mut file = oneloop::fs::File::create(&path).await?;
/// file.write_all(b"hello").await?;
/// file.flush().await?; // waits for the write-behind job; reports its error
/// let mut text = String::new();
/// oneloop::fs::File::open(&path).await?.read_to_string(&mut text).await?;
/// assert_eq!(text, "hello");
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub struct File {
    /// Shared with the job in flight, which reads or writes through `&std::fs::File`.
    std: Arc<std::fs::File>,
    state: State,
    /// A write-behind job failed while a read waited for it: the next write or flush says
    /// so (the kind only: the error itself was consumed where it surfaced, as in tokio).
    last_write_err: Option<io::ErrorKind>,
    /// The outcome of a seek started by `start_seek`, for `poll_complete` to hand out.
    seek_result: Option<io::Result<u64>>,
}

enum State {
    /// No job: the buffer is here (`None` only after a job panicked).
    Idle(Option<Buf>),
    /// A job runs on the pool with the buffer; it gives both back.
    Busy(JoinHandle<(Operation, Buf)>),
}

/// What a job did.
enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
}

/// Bytes read but not yet handed out (`bytes[pos..]`), or bytes to write.
#[derive(Default)]
struct Buf {
    bytes: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn unread(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = self.unread().min(dst.len());
        dst[..n].copy_from_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.pos = 0;
    }
}

impl File {
    /// Opens a file for reading.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let err = oneloop::fs::File::open("/no/such/oneloop/file").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or cutting it to length 0.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-create-{}", std::process::id()));
    /// let file = oneloop::fs::File::create(&path).await?;
    /// assert_eq!(file.metadata().await?.len(), 0);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// A blank [`OpenOptions`].
    ///
    /// ```
    /// # oneloop::run(async {
    /// let file = oneloop::fs::File::options().read(true).open(std::env::temp_dir()).await;
    /// assert!(file.is_ok()); // a directory opens for reading (reads then fail)
    /// # });
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std::fs::File`.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let std = std::fs::File::open(std::env::temp_dir())?;
    /// let file = oneloop::fs::File::from_std(std);
    /// assert!(file.metadata().await?.is_dir());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            state: State::Idle(Some(Buf::default())),
            last_write_err: None,
            seek_result: None,
        }
    }

    /// The file's metadata. Does not wait for a write in flight (as tokio's). A
    /// cancellation point.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let file = oneloop::fs::File::open(std::env::temp_dir()).await?;
    /// assert!(file.metadata().await?.is_dir());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        let std = Arc::clone(&self.std);
        asyncify("fs::File::metadata", move || std.metadata()).await
    }

    /// Waits for the operation in flight, then `fsync(2)`: data and metadata on disk. A
    /// cancellation point (a cancelled sync still runs to its end).
    ///
    /// Takes `&mut self` where tokio's takes `&self` (tokio's `File` has a lock inside).
    ///
    /// ```
    /// use oneloop::io::AsyncWriteExt;
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-sync-{}", std::process::id()));
    /// let mut file = oneloop::fs::File::create(&path).await?;
    /// file.write_all(b"durable").await?;
    /// file.sync_all().await?;
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.complete_inflight().await?;
        let std = Arc::clone(&self.std);
        asyncify("fs::File::sync_all", move || std.sync_all()).await
    }

    /// Waits for the operation in flight, then `fdatasync(2)`: data on disk.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let path = std::env::temp_dir().join(format!("oneloop-doc-sd-{}", std::process::id()));
    /// let mut file = oneloop::fs::File::create(&path).await?;
    /// file.sync_data().await?;
    /// # oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.complete_inflight().await?;
        let std = Arc::clone(&self.std);
        asyncify("fs::File::sync_data", move || std.sync_data()).await
    }

    /// Waits for the operation in flight, then truncates or extends the file to `size`
    /// bytes (the position does not move). Takes `&mut self` (tokio: `&self`).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-len-{}", std::process::id()));
    /// let mut file = oneloop::fs::File::create(&path).await?;
    /// file.set_len(10).await?;
    /// assert_eq!(file.metadata().await?.len(), 10);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        let back = self.complete_inflight().await?;
        let std = Arc::clone(&self.std);
        asyncify("fs::File::set_len", move || {
            seek_back(&std, back)?;
            std.set_len(size)
        })
        .await
    }

    /// Waits for the operation in flight, then gives the `std::fs::File` back, at the
    /// position the bytes handed out so far reached.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let file = oneloop::fs::File::open(std::env::temp_dir()).await?;
    /// let std: std::fs::File = file.into_std().await?;
    /// # let _ = std;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn into_std(mut self) -> io::Result<std::fs::File> {
        let back = self.complete_inflight().await?;
        seek_back(&self.std, back)?;
        // The job just finished and gave back its clone: ours is the only one left.
        Arc::try_unwrap(self.std).map_err(|_| io::Error::other("file still shared with a job"))
    }

    /// Gives the `std::fs::File` back at once if no job is in flight, else the `File`
    /// unchanged (tokio's `try_into_std`).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let file = oneloop::fs::File::open(std::env::temp_dir()).await?;
    /// assert!(file.try_into_std().is_ok());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn try_into_std(self) -> Result<std::fs::File, File> {
        let back = match &self.state {
            State::Idle(Some(buf)) => buf.unread() as i64,
            State::Idle(None) => 0,
            State::Busy(_) => return Err(self),
        };
        // A cancelled metadata() job may still hold a clone: then give `self` back. Only
        // pool threads drop clones meanwhile, so a count of 1 stays 1.
        if Arc::strong_count(&self.std) != 1 || (back > 0 && seek_back(&self.std, back).is_err()) {
            return Err(self);
        }
        let File { std, state, .. } = self;
        Arc::try_unwrap(std).map_err(|std| File {
            std,
            state,
            last_write_err: None,
            seek_result: None,
        })
    }

    /// Waits for the job in flight (a cancellation point) and returns how many bytes were
    /// read ahead and not handed out: the file's position is that far past the reader's.
    async fn complete_inflight(&mut self) -> io::Result<i64> {
        std::future::poll_fn(|cx| {
            ready!(poll_proceed(cx, "fs::File"))?;
            ready!(self.poll_flush_priv(cx))?;
            let back = match &mut self.state {
                State::Idle(Some(buf)) => {
                    let back = buf.unread();
                    buf.clear();
                    back
                }
                _ => 0,
            };
            Poll::Ready(Ok(back as i64))
        })
        .await
    }

    /// Waits for the job in flight, if any, and returns what it did; the buffer is back.
    fn poll_job(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Operation>>> {
        let State::Busy(handle) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        // Woken by the pool thread when the job is done (`spawn_blocking`).
        match ready!(Pin::new(handle).poll(cx)) {
            Ok((operation, buf)) => {
                self.state = State::Idle(Some(buf));
                Poll::Ready(Ok(Some(operation)))
            }
            Err(e) => {
                self.state = State::Idle(None);
                Poll::Ready(Err(io::Error::other(format!("a file job failed: {e}"))))
            }
        }
    }

    /// The idle buffer, taken out (the caller puts it back or sends it with a job).
    fn take_buf(&mut self) -> io::Result<Buf> {
        match &mut self.state {
            State::Idle(slot) => slot
                .take()
                .ok_or_else(|| io::Error::other("the file is unusable: a job of it panicked")),
            State::Busy(_) => Err(io::Error::other("a file job is still in flight")),
        }
    }

    /// Waits for the job in flight; the error of a write-behind job, now or from earlier.
    fn poll_flush_priv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(Operation::Write(Err(e))) = ready!(self.poll_job(cx))? {
            return Poll::Ready(Err(e));
        }
        match self.last_write_err.take() {
            Some(kind) => Poll::Ready(Err(kind.into())),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// Moves the position back over bytes read ahead that the reader never got, so a write
/// (or `set_len`, or the std file given back) starts where the reader stopped.
fn seek_back(std: &std::fs::File, back: i64) -> io::Result<()> {
    if back > 0 {
        (&*std).seek(SeekFrom::Current(-back))?;
    }
    Ok(())
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("std", &self.std)
            .field("busy", &matches!(self.state, State::Busy(_)))
            .finish()
    }
}
