//! `OpenOptions`: how to open a file (std's builder; `open` runs on the blocking pool).

use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::{asyncify, File};

/// Options for opening a file (tokio's `fs::OpenOptions`, std's flags).
///
/// ```
/// use oneloop::io::AsyncWriteExt;
///
/// # oneloop::run(async {
/// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-{}", std::process::id()));
/// let mut log = oneloop::fs::OpenOptions::new().create(true).append(true).open(&path).await?;
/// log.write_all(b"line\n").await?;
/// log.flush().await?;
/// assert_eq!(oneloop::fs::read_to_string(&path).await?, "line\n");
/// oneloop::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    std: std::fs::OpenOptions,
}

impl OpenOptions {
    /// Every option off; set at least one of `read`, `write`, `append`.
    ///
    /// ```
    /// let options = oneloop::fs::OpenOptions::new();
    /// # let _ = options;
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions {
            std: std::fs::OpenOptions::new(),
        }
    }

    /// Open for reading.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-read-{}", std::process::id()));
    /// oneloop::fs::write(&path, "x").await?;
    /// let file = oneloop::fs::OpenOptions::new().read(true).open(&path).await?;
    /// # drop(file);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.std.read(read);
        self
    }

    /// Open for writing.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-write-{}", std::process::id()));
    /// oneloop::fs::write(&path, "x").await?;
    /// let file = oneloop::fs::OpenOptions::new().write(true).open(&path).await?;
    /// # drop(file);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.std.write(write);
        self
    }

    /// Every write goes to the end of the file.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-append-{}", std::process::id()));
    /// oneloop::fs::write(&path, "x").await?;
    /// let file = oneloop::fs::OpenOptions::new().append(true).open(&path).await?;
    /// # drop(file);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.std.append(append);
        self
    }

    /// Cut an existing file to length 0.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-truncate-{}", std::process::id()));
    /// oneloop::fs::write(&path, "x").await?;
    /// let file = oneloop::fs::OpenOptions::new().write(true).truncate(true).open(&path).await?;
    /// # drop(file);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.std.truncate(truncate);
        self
    }

    /// Create the file if it does not exist.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-create-{}", std::process::id()));
    ///
    /// let file = oneloop::fs::OpenOptions::new().write(true).create(true).open(&path).await?;
    /// # drop(file);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.std.create(create);
        self
    }

    /// Create the file, failing if it exists.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-create-new-{}", std::process::id()));
    /// let _first = oneloop::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
    /// let again = oneloop::fs::OpenOptions::new().write(true).create_new(true).open(&path).await;
    /// assert_eq!(again.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.std.create_new(create_new);
        self
    }

    /// The permission bits of a file this call creates (before the umask).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-mode-{}", std::process::id()));
    ///
    /// let file = oneloop::fs::OpenOptions::new().write(true).create(true).mode(0o600).open(&path).await?;
    /// # drop(file);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.std.mode(mode);
        self
    }

    /// Extra `open(2)` flags (`libc::O_*`).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-flags-{}", std::process::id()));
    /// oneloop::fs::write(&path, "x").await?;
    /// let file = oneloop::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&path).await?;
    /// # drop(file);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.std.custom_flags(flags);
        self
    }

    /// Opens `path` with these options. A cancellation point (a cancelled open may still
    /// create the file).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let path = std::env::temp_dir().join(format!("oneloop-doc-oo-open-{}", std::process::id()));
    /// oneloop::fs::write(&path, "x").await?;
    /// let file = oneloop::fs::OpenOptions::new().read(true).open(&path).await?;
    /// # drop(file);
    /// oneloop::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let (options, path) = (self.std.clone(), path.as_ref().to_owned());
        let std = asyncify("fs::OpenOptions::open", move || options.open(path)).await?;
        Ok(File::from_std(std))
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(std: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions { std }
    }
}
