//! `AsyncSeek` and `AsyncSeekExt` (tokio's): moving the position of a seekable object, in
//! two steps so an object with an operation in flight (`fs::File`) can finish it first.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Seeks asynchronously (tokio's `AsyncSeek`): [`start_seek`](AsyncSeek::start_seek), then
/// [`poll_complete`](AsyncSeek::poll_complete) until it gives the new position.
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
///
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-seek-{}", std::process::id()));
/// let mut file = oneloop::fs::OpenOptions::new()
///     .read(true).write(true).create(true).truncate(true).open(&path).await?;
/// file.write_all(b"0123456789").await?;
/// assert_eq!(file.seek(SeekFrom::Start(4)).await?, 4);
/// let mut two = [0u8; 2];
/// file.read_exact(&mut two).await?;
/// assert_eq!(&two, b"45");
/// assert_eq!(file.stream_position().await?, 6);
/// file.rewind().await?;
/// assert_eq!(file.read(&mut two).await?, 2);
/// assert_eq!(&two, b"01");
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub trait AsyncSeek {
    /// Starts moving to `position`; fails if an earlier seek (or another operation) has
    /// not been completed with `poll_complete`.
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()>;

    /// Waits for the seek (or the operation in flight) and gives the position from the
    /// start. On `Pending`, the task is woken when it is done.
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>>;
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for &mut T {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        Pin::new(&mut **self).start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Pin::new(&mut **self).poll_complete(cx)
    }
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for Box<T> {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        Pin::new(&mut **self).start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Pin::new(&mut **self).poll_complete(cx)
    }
}

/// `seek`, `rewind` and `stream_position` for every [`AsyncSeek`] (tokio's `AsyncSeekExt`).
/// Each is a cancellation point where the object's `poll_complete` is one.
///
/// ```
/// use oneloop::io::AsyncSeekExt;
///
/// # oneloop::run(async {
/// let mut file = oneloop::fs::File::open(std::env::current_exe()?).await?;
/// assert_eq!(file.stream_position().await?, 0);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Moves to `position`; returns the new position from the start.
    fn seek(&mut self, position: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek {
            seek: self,
            position: Some(position),
        }
    }

    /// Moves back to the start.
    fn rewind(&mut self) -> impl Future<Output = io::Result<()>> + '_
    where
        Self: Unpin,
    {
        let seek = self.seek(SeekFrom::Start(0));
        async move { seek.await.map(|_| ()) }
    }

    /// The current position from the start.
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

/// The future of [`AsyncSeekExt::seek`].
///
/// ```
/// use oneloop::io::AsyncSeekExt;
///
/// # oneloop::run(async {
/// let mut file = oneloop::fs::File::open(std::env::current_exe()?).await?;
/// let seek: oneloop::io::Seek<'_, _> = file.seek(std::io::SeekFrom::Start(1));
/// assert_eq!(seek.await?, 1);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Seek<'a, S: ?Sized> {
    seek: &'a mut S,
    /// Where to go; `None` once the seek is started.
    position: Option<SeekFrom>,
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let me = &mut *self;
        if let Some(position) = me.position {
            // Finish whatever is in flight first; pending: the object wakes us.
            ready!(Pin::new(&mut *me.seek).poll_complete(cx))?;
            Pin::new(&mut *me.seek).start_seek(position)?;
            me.position = None;
        }
        Pin::new(&mut *me.seek).poll_complete(cx)
    }
}
