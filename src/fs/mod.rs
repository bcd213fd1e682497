//! `oneloop::fs`: files and directories, in tokio's shape, on [`spawn_blocking`].
//!
//! The reactor cannot help with files: epoll refuses regular files (`EPERM`), and `poll`
//! or `select` call them "always ready", so a read that the kernel says is ready still
//! blocks the thread on the disk. So every operation here runs the plain `std::fs` call on
//! the blocking thread pool (`src/task/blocking.rs`), as tokio does, and the task waits for
//! the pool thread's wake. A production runtime could use io_uring instead; that is a
//! second reactor, which this crate does not have.
//!
//! **Cancellation.** Every operation is a cancellation point: a cancel request of the
//! waiting task is delivered at once as an `io::Error` for which [`crate::is_cancelled`] is
//! true. The blocking call itself cannot be interrupted and runs to its end in the
//! background: a cancelled `write`, `create_dir` or `rename` may still happen (tokio's
//! `fs` behaves the same when its future is dropped). [`File`] keeps the operation it
//! started and hands its outcome to the next one (see there).

mod file;
mod open_options;
mod read_dir;

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pub use file::File;
pub use open_options::OpenOptions;
pub use read_dir::{read_dir, DirEntry, ReadDir};

use crate::task::cancel::poll_proceed;
use crate::task::{spawn_blocking, JoinHandle};

/// Runs `f` on the blocking pool and waits for it; a cancellation point.
pub(crate) async fn asyncify<F, T>(what: &'static str, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let mut handle = spawn_blocking(f);
    std::future::poll_fn(|cx| poll_blocking(cx, what, &mut handle)).await
}

/// Polls a blocking job's handle as a cancellation point. A cancel is taken here, before
/// the handle's poll (which would pass it on to the job's task, where nothing can see it).
fn poll_blocking<T: 'static>(
    cx: &mut Context<'_>,
    what: &'static str,
    handle: &mut JoinHandle<io::Result<T>>,
) -> Poll<io::Result<T>> {
    ready!(poll_proceed(cx, what))?;
    // Woken by the pool thread when the job is done (`spawn_blocking`).
    match ready!(Pin::new(handle).poll(cx)) {
        Ok(result) => Poll::Ready(result),
        Err(e) => Poll::Ready(Err(io::Error::other(format!(
            "the blocking {what} job failed: {e}"
        )))),
    }
}

/// Reads a whole file into a `Vec` (`std::fs::read` on the blocking pool).
///
/// ```
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-read-{}", std::process::id()));
/// oneloop::fs::write(&path, b"bytes").await?;
/// assert_eq!(oneloop::fs::read(&path).await?, b"bytes");
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read", move || std::fs::read(path)).await
}

/// Reads a whole file into a `String`; invalid UTF-8 is an `InvalidData` error.
///
/// ```
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-rts-{}", std::process::id()));
/// oneloop::fs::write(&path, "text").await?;
/// assert_eq!(oneloop::fs::read_to_string(&path).await?, "text");
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_to_string", move || std::fs::read_to_string(path)).await
}

/// Writes `contents` as the whole file, creating or truncating it. Cancelled, the write
/// may still happen in the background.
///
/// ```
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-write-{}", std::process::id()));
/// oneloop::fs::write(&path, "one").await?;
/// oneloop::fs::write(&path, "two").await?;
/// assert_eq!(oneloop::fs::read_to_string(&path).await?, "two");
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify("fs::write", move || std::fs::write(path, contents)).await
}

/// Creates one directory (its parent must exist).
///
/// ```
/// # oneloop::run(async {
/// let dir = std::env::temp_dir().join(format!("oneloop-doc-mkdir-{}", std::process::id()));
/// oneloop::fs::create_dir(&dir).await?;
/// assert!(oneloop::fs::metadata(&dir).await?.is_dir());
/// oneloop::fs::remove_dir(&dir).await
/// # }).unwrap();
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::create_dir", move || std::fs::create_dir(path)).await
}

/// Creates a directory and every missing parent.
///
/// ```
/// # oneloop::run(async {
/// let top = std::env::temp_dir().join(format!("oneloop-doc-mkdirs-{}", std::process::id()));
/// oneloop::fs::create_dir_all(top.join("a/b")).await?;
/// assert!(oneloop::fs::try_exists(top.join("a/b")).await?);
/// oneloop::fs::remove_dir_all(&top).await
/// # }).unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::create_dir_all", move || std::fs::create_dir_all(path)).await
}

/// Removes a file.
///
/// ```
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-rm-{}", std::process::id()));
/// oneloop::fs::write(&path, "").await?;
/// oneloop::fs::remove_file(&path).await?;
/// assert!(!oneloop::fs::try_exists(&path).await?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_file", move || std::fs::remove_file(path)).await
}

/// Removes an empty directory.
///
/// ```
/// # oneloop::run(async {
/// let dir = std::env::temp_dir().join(format!("oneloop-doc-rmdir-{}", std::process::id()));
/// oneloop::fs::create_dir(&dir).await?;
/// oneloop::fs::remove_dir(&dir).await?;
/// assert!(!oneloop::fs::try_exists(&dir).await?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_dir", move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it.
///
/// ```
/// # oneloop::run(async {
/// let top = std::env::temp_dir().join(format!("oneloop-doc-rmall-{}", std::process::id()));
/// oneloop::fs::create_dir_all(top.join("x")).await?;
/// oneloop::fs::write(top.join("x/f"), "f").await?;
/// oneloop::fs::remove_dir_all(&top).await?;
/// assert!(!oneloop::fs::try_exists(&top).await?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_dir_all", move || std::fs::remove_dir_all(path)).await
}

/// Renames a file or directory, replacing `to` if it is a file.
///
/// ```
/// # oneloop::run(async {
/// let from = std::env::temp_dir().join(format!("oneloop-doc-mv1-{}", std::process::id()));
/// let to = from.with_extension("moved");
/// oneloop::fs::write(&from, "x").await?;
/// oneloop::fs::rename(&from, &to).await?;
/// assert_eq!(oneloop::fs::read_to_string(&to).await?, "x");
/// oneloop::fs::remove_file(&to).await
/// # }).unwrap();
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("fs::rename", move || std::fs::rename(from, to)).await
}

/// Copies a file's contents and permissions; returns the number of bytes copied.
///
/// ```
/// # oneloop::run(async {
/// let from = std::env::temp_dir().join(format!("oneloop-doc-cp-{}", std::process::id()));
/// let to = from.with_extension("copy");
/// oneloop::fs::write(&from, "12345").await?;
/// assert_eq!(oneloop::fs::copy(&from, &to).await?, 5);
/// oneloop::fs::remove_file(&from).await?;
/// oneloop::fs::remove_file(&to).await
/// # }).unwrap();
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("fs::copy", move || std::fs::copy(from, to)).await
}

/// A path's metadata, following symbolic links.
///
/// ```
/// # oneloop::run(async {
/// let meta = oneloop::fs::metadata(std::env::temp_dir()).await?;
/// assert!(meta.is_dir());
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("fs::metadata", move || std::fs::metadata(path)).await
}

/// Whether `path` exists: `Ok(false)` if it does not, an error if that cannot be told
/// (a permission problem on the way).
///
/// ```
/// # oneloop::run(async {
/// assert!(oneloop::fs::try_exists(std::env::temp_dir()).await?);
/// assert!(!oneloop::fs::try_exists("/no/such/oneloop/path").await?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify("fs::try_exists", move || path.try_exists()).await
}

/// The absolute path with every `.`, `..` and symbolic link resolved.
///
/// ```
/// # oneloop::run(async {
/// let tmp = std::env::temp_dir();
/// let here = oneloop::fs::canonicalize(tmp.join(".")).await?;
/// assert_eq!(here, std::fs::canonicalize(&tmp)?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("fs::canonicalize", move || std::fs::canonicalize(path)).await
}

/// A path's metadata, not following a final symbolic link.
///
/// ```
/// # oneloop::run(async {
/// let link = std::env::temp_dir().join(format!("oneloop-doc-slm-{}", std::process::id()));
/// oneloop::fs::symlink("/", &link).await?;
/// assert!(oneloop::fs::symlink_metadata(&link).await?.file_type().is_symlink());
/// assert_eq!(oneloop::fs::read_link(&link).await?, std::path::Path::new("/"));
/// oneloop::fs::remove_file(&link).await
/// # }).unwrap();
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("fs::symlink_metadata", move || {
        std::fs::symlink_metadata(path)
    })
    .await
}

/// Creates a symbolic link at `link` pointing to `original` (tokio's `fs::symlink`, Unix).
///
/// ```
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-symlink-{}", std::process::id()));
/// oneloop::fs::symlink("/", &path).await?;
/// assert!(oneloop::fs::metadata(&path).await?.is_dir()); // followed to /
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::symlink", move || {
        std::os::unix::fs::symlink(original, link)
    })
    .await
}

/// Where a symbolic link points.
///
/// ```
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-readlink-{}", std::process::id()));
/// oneloop::fs::symlink("/tmp", &path).await?;
/// assert_eq!(oneloop::fs::read_link(&path).await?, std::path::Path::new("/tmp"));
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_link", move || std::fs::read_link(path)).await
}

/// Creates a hard link `link` to the file `original`.
///
/// ```
/// # oneloop::run(async {
/// let a = std::env::temp_dir().join(format!("oneloop-doc-hl-{}", std::process::id()));
/// let b = a.with_extension("link");
/// oneloop::fs::write(&a, "same").await?;
/// oneloop::fs::hard_link(&a, &b).await?;
/// assert_eq!(oneloop::fs::read_to_string(&b).await?, "same");
/// oneloop::fs::remove_file(&a).await?;
/// oneloop::fs::remove_file(&b).await
/// # }).unwrap();
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::hard_link", move || std::fs::hard_link(original, link)).await
}

/// Sets a path's permissions.
///
/// ```
/// use std::os::unix::fs::PermissionsExt;
///
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-perm-{}", std::process::id()));
/// oneloop::fs::write(&path, "").await?;
/// oneloop::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).await?;
/// let mode = oneloop::fs::metadata(&path).await?.permissions().mode();
/// assert_eq!(mode & 0o777, 0o600);
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: std::fs::Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::set_permissions", move || {
        std::fs::set_permissions(path, perm)
    })
    .await
}
