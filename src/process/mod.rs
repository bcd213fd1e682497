//! `oneloop::process`: child processes in tokio's shape. `Command` builds one (std's
//! builder underneath; `fork`/`exec` is quick and stays on the loop thread), `Child`
//! watches its exit through the reactor (a pidfd, or SIGCHLD: see `child.rs`), and its
//! standard streams are non-blocking pipes registered with the reactor (`pipe.rs`).

mod child;
mod pipe;

use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::path::Path;

pub use child::Child;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};

/// A process to start (tokio's `process::Command`).
///
/// ```
/// use oneloop::process::Command;
///
/// oneloop::run(async {
///     let output = Command::new("sh").args(["-c", "echo $GREETING; echo err >&2; exit 2"])
///         .env("GREETING", "hello")
///         .output()
///         .await?;
///     assert_eq!(output.stdout, b"hello\n");
///     assert_eq!(output.stderr, b"err\n");
///     assert_eq!(output.status.code(), Some(2));
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
#[derive(Debug)]
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command running `program` (looked up in `PATH` if it has no `/`), with no
    /// arguments, this process's environment and working directory, and inherited stdio.
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("true").output().await?;
    /// assert!(out.status.success());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds one argument.
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("echo").arg("hi").output().await?;
    /// assert_eq!(out.stdout, b"hi\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("echo").args(["-n", "hi"]).output().await?;
    /// assert_eq!(out.stdout, b"hi");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets one environment variable of the child.
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("sh").args(["-c", "echo $NAME"]).env("NAME", "value").output().await?;
    /// assert_eq!(out.stdout, b"value\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets several environment variables of the child.
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("sh").args(["-c", "echo $A$B"]).envs([("A", "1"), ("B", "2")]).output().await?;
    /// assert_eq!(out.stdout, b"12\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes one variable from the child's environment.
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("sh").args(["-c", "echo ${HOME:-none}"]).env_remove("HOME").output().await?;
    /// assert_eq!(out.stdout, b"none\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds).
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("sh").args(["-c", "echo ${HOME:-none}"]).env_clear().output().await?;
    /// assert_eq!(out.stdout, b"none\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("pwd").current_dir("/").output().await?;
    /// assert_eq!(out.stdout, b"/\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: `Stdio::piped()` gives a [`ChildStdin`] in `Child::stdin`.
    ///
    /// ```
    /// use oneloop::process::{Command, Stdio};
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("cat").stdin(Stdio::null()).output().await?;
    /// assert!(out.stdout.is_empty()); // end of file at once
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// The child's stdout: `Stdio::piped()` gives a [`ChildStdout`] in `Child::stdout`.
    ///
    /// ```
    /// use oneloop::process::{Command, Stdio};
    ///
    /// # oneloop::run(async {
    /// let status = Command::new("echo").arg("quiet").stdout(Stdio::null()).status().await?;
    /// assert!(status.success());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's stderr: `Stdio::piped()` gives a [`ChildStderr`] in `Child::stderr`.
    ///
    /// ```
    /// use oneloop::process::{Command, Stdio};
    ///
    /// # oneloop::run(async {
    /// let status = Command::new("ls").arg("/no/such").stderr(Stdio::null()).status().await?;
    /// assert!(!status.success());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] (or a cancelled `output()`/`status()`) kills the
    /// process with SIGKILL. Off by default, as tokio's: a dropped child runs on.
    ///
    /// ```
    /// # oneloop::run(async {
    /// let child = oneloop::process::Command::new("sleep").arg("60").kill_on_drop(true).spawn()?;
    /// drop(child); // killed, and reaped by a short-lived thread
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Runs the child as user `id` (Unix).
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("true").uid(unsafe { libc::getuid() }).output().await?;
    /// assert!(out.status.success());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn uid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::uid(&mut self.std, id);
        self
    }

    /// Runs the child with group `id` (Unix).
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("true").gid(unsafe { libc::getgid() }).output().await?;
    /// assert!(out.status.success());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn gid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::gid(&mut self.std, id);
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group led by the child), so a
    /// Ctrl-C at the terminal does not reach it (Unix).
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// // Field 5 of /proc/PID/stat is the process group: the child leads its own.
    /// let script = "echo $$; cut -d' ' -f5 /proc/$$/stat";
    /// let out = Command::new("sh").args(["-c", script]).process_group(0).output().await?;
    /// let text = String::from_utf8_lossy(&out.stdout);
    /// let lines: Vec<&str> = text.lines().collect();
    /// assert_eq!(lines[0], lines[1]);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        std::os::unix::process::CommandExt::process_group(&mut self.std, pgroup);
        self
    }

    /// Sets the child's `argv[0]` (what it sees as its own name; Unix).
    ///
    /// ```
    /// use oneloop::process::Command;
    ///
    /// # oneloop::run(async {
    /// let out = Command::new("sh").args(["-c", "echo $0"]).arg0("renamed").output().await?;
    /// assert_eq!(out.stdout, b"renamed\n"); // sh -c gives its argv[0] as $0
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn arg0(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        std::os::unix::process::CommandExt::arg0(&mut self.std, arg);
        self
    }

    /// The std builder underneath, for options this one does not forward
    /// (`std::os::unix::process::CommandExt::pre_exec`, ...).
    ///
    /// ```
    /// let mut cmd = oneloop::process::Command::new("true");
    /// assert_eq!(cmd.as_std_mut().get_program(), "true");
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the child. Must be called inside a loop (its pipes and exit watch are
    /// registered with the loop's reactor).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let err = oneloop::process::Command::new("/no/such/program").spawn().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        let std = self.std.spawn()?;
        Child::new(std, self.kill_on_drop)
    }

    /// Runs the child to its end and returns its status. stdio is inherited unless set.
    /// As tokio's, the child is started by this call, not by the first poll, and the
    /// future borrows nothing from the `Command`.
    /// A cancellation point: cancelled, the child runs on (killed if `kill_on_drop`).
    ///
    /// ```
    /// # oneloop::run(async {
    /// assert!(oneloop::process::Command::new("true").status().await?.success());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async {
            let mut child = child?;
            // As tokio's: streams set to piped are closed, not read.
            drop((child.stdin.take(), child.stdout.take(), child.stderr.take()));
            child.wait().await
        }
    }

    /// Runs the child to its end, collecting its stdout and stderr (both set to piped, as
    /// tokio's `output` does; stdin stays as set, inherited by default). Started by this
    /// call; the future borrows nothing from the `Command` (as tokio's). A cancellation
    /// point: cancelled, the child runs on (killed if `kill_on_drop`).
    ///
    /// ```
    /// # oneloop::run(async {
    /// let out = oneloop::process::Command::new("echo").arg("hi").output().await?;
    /// assert_eq!(out.stdout, b"hi\n");
    /// assert!(out.status.success());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}
