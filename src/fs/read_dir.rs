//! `read_dir`: a directory's entries, fetched in batches on the blocking pool.
//!
//! `std::fs::ReadDir` blocks on every `readdir(3)` that needs a new kernel buffer, so the
//! iterator lives on the pool while a batch of entries is read, and on the loop's side
//! between batches, as tokio's does. One batch is one round trip to a pool thread.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::asyncify;
use crate::task::cancel::poll_proceed;
use crate::task::{spawn_blocking, JoinHandle};

/// Entries read per trip to the pool: enough that a big directory costs few wakes, few
/// enough that the first entry comes back quickly (tokio reads 32).
const BATCH: usize = 32;

/// The entries of the directory at `path` (tokio's `fs::read_dir`), in the order the
/// file system gives them; `.` and `..` are left out.
///
/// ```
/// # oneloop::run(async {
/// let dir = std::env::temp_dir().join(format!("oneloop-doc-ls-{}", std::process::id()));
/// oneloop::fs::create_dir(&dir).await?;
/// oneloop::fs::write(dir.join("a"), "").await?;
/// let mut entries = oneloop::fs::read_dir(&dir).await?;
/// let mut names = Vec::new();
/// while let Some(entry) = entries.next_entry().await? {
///     names.push(entry.file_name());
/// }
/// assert_eq!(names, ["a"]);
/// oneloop::fs::remove_dir_all(&dir).await
/// # }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify("fs::read_dir", move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            entries: VecDeque::new(),
            std,
            done: false,
        })),
    })
}

/// A directory being listed (tokio's `fs::ReadDir`); see [`read_dir`].
///
/// ```
/// # oneloop::run(async {
/// let mut entries: oneloop::fs::ReadDir = oneloop::fs::read_dir(std::env::temp_dir()).await?;
/// let _first = entries.next_entry().await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct ReadDir {
    state: State,
}

#[derive(Debug)]
enum State {
    /// On the loop's side (`None` only after a pool job panicked).
    Idle(Option<Batch>),
    /// A pool thread is reading the next batch.
    Busy(JoinHandle<Batch>),
}

/// Entries read ahead, and the iterator that reads more.
#[derive(Debug)]
struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    /// The iterator ended: no more trips to the pool.
    done: bool,
}

impl ReadDir {
    /// The next entry, `None` at the end. A cancellation point; a cancelled call loses no
    /// entry (the batch being read is kept for the next call).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let mut entries = oneloop::fs::read_dir(std::env::temp_dir()).await?;
    /// while let Some(entry) = entries.next_entry().await? {
    ///     let _ = entry.path();
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        std::future::poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// The poll behind [`next_entry`](ReadDir::next_entry), for hand-written futures.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let mut entries = oneloop::fs::read_dir(std::env::temp_dir()).await?;
    /// let _ = std::future::poll_fn(|cx| entries.poll_next_entry(cx)).await?;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        ready!(poll_proceed(cx, "fs::ReadDir::next_entry"))?;
        loop {
            match &mut self.state {
                State::Busy(handle) => {
                    // Woken by the pool thread when the batch is read.
                    let batch = match ready!(Pin::new(handle).poll(cx)) {
                        Ok(batch) => batch,
                        Err(e) => {
                            self.state = State::Idle(None);
                            return Poll::Ready(Err(io::Error::other(format!(
                                "the blocking read_dir job failed: {e}"
                            ))));
                        }
                    };
                    self.state = State::Idle(Some(batch));
                }
                State::Idle(batch) => {
                    let Some(mut batch) = batch.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    if let Some(entry) = batch.entries.pop_front() {
                        self.state = State::Idle(Some(batch));
                        return Poll::Ready(entry.map(Some));
                    }
                    if batch.done {
                        self.state = State::Idle(Some(batch));
                        return Poll::Ready(Ok(None));
                    }
                    self.state = State::Busy(spawn_blocking(move || {
                        for entry in batch.std.by_ref().take(BATCH) {
                            batch
                                .entries
                                .push_back(entry.map(|std| DirEntry { std: Arc::new(std) }));
                        }
                        batch.done = batch.entries.len() < BATCH;
                        batch
                    }));
                }
            }
        }
    }
}

/// One entry of a [`ReadDir`] (tokio's `fs::DirEntry`).
///
/// ```
/// # oneloop::run(async {
/// let dir = std::env::temp_dir().join(format!("oneloop-doc-entry-{}", std::process::id()));
/// oneloop::fs::create_dir_all(dir.join("sub")).await?;
/// let entry = oneloop::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
/// assert_eq!(entry.file_name(), "sub");
/// assert_eq!(entry.path(), dir.join("sub"));
/// assert!(entry.file_type().await?.is_dir());
/// assert!(entry.metadata().await?.is_dir());
/// oneloop::fs::remove_dir_all(&dir).await
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// Shared with the pool thread that asks for its metadata.
    std: Arc<std::fs::DirEntry>,
}

impl DirEntry {
    /// The directory's path joined with the entry's name.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let dir = std::env::temp_dir().join(format!("oneloop-doc-de-path-{}", std::process::id()));
    /// oneloop::fs::create_dir_all(dir.join("x")).await?;
    /// let entry = oneloop::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.path(), dir.join("x"));
    /// oneloop::fs::remove_dir_all(&dir).await
    /// # }).unwrap();
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's bare name.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let dir = std::env::temp_dir().join(format!("oneloop-doc-de-name-{}", std::process::id()));
    /// oneloop::fs::create_dir_all(dir.join("x")).await?;
    /// let entry = oneloop::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.file_name(), "x");
    /// oneloop::fs::remove_dir_all(&dir).await
    /// # }).unwrap();
    /// ```
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata (not following a symbolic link). A cancellation point.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let dir = std::env::temp_dir().join(format!("oneloop-doc-de-meta-{}", std::process::id()));
    /// oneloop::fs::create_dir_all(dir.join("x")).await?;
    /// let entry = oneloop::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert!(entry.metadata().await?.is_dir());
    /// oneloop::fs::remove_dir_all(&dir).await
    /// # }).unwrap();
    /// ```
    pub async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        let std = Arc::clone(&self.std);
        asyncify("fs::DirEntry::metadata", move || std.metadata()).await
    }

    /// The entry's file type (usually known without a system call). A cancellation point.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let dir = std::env::temp_dir().join(format!("oneloop-doc-de-type-{}", std::process::id()));
    /// oneloop::fs::create_dir_all(dir.join("x")).await?;
    /// let entry = oneloop::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert!(entry.file_type().await?.is_dir());
    /// oneloop::fs::remove_dir_all(&dir).await
    /// # }).unwrap();
    /// ```
    pub async fn file_type(&self) -> io::Result<std::fs::FileType> {
        let std = Arc::clone(&self.std);
        asyncify("fs::DirEntry::file_type", move || std.file_type()).await
    }
}
