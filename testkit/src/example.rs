//! The server examples as child processes (`soak`, `many_connections`, `fuzz_charfinder`,
//! `workers`, ...): [`example_binary`] builds an example the way the running test was
//! built; [`Server`] starts it on `127.0.0.1` port 0, learns its address from its `Serving
//! on` line, keeps its stdout drained, reads its resident memory and open descriptors from
//! `/proc`, and stops it with SIGINT.
//!
//! Every wait is bounded by [`crate::limit`], and a server is killed when its [`Server`]
//! guard drops, so a failing test leaves nothing behind.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crate::limit;

/// Builds the example `name` (once per test process and example, whatever the number of
/// test threads) and returns the path of its binary.
///
/// The build matches the running test: the same target directory and profile (read from
/// where this test binary lives, `TARGET/PROFILE/deps/`, so `CARGO_TARGET_DIR` and
/// `--release` are honoured without being guessed), and the `polling` backend when the
/// tests were built with it. `EXAMPLE_PROFILE=release` (or `debug`) overrides the profile:
/// `.ci/valgrind` runs the servers' optimised builds, whose start under valgrind takes
/// seconds, not minutes.
///
/// ```no_run
/// let binary = testkit::example::example_binary("http_hello");
/// let status = std::process::Command::new(binary).arg("--help").status();
/// ```
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<(String, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    // Held while building: two threads asking for the same example build it once.
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = built.iter().find(|(n, _)| n == name) {
        return path.clone();
    }
    let (target_dir, test_profile) = target_and_profile();
    let profile = match std::env::var("EXAMPLE_PROFILE").as_deref() {
        Ok("release") => "release".to_string(),
        Ok("debug") => "debug".to_string(),
        _ => test_profile,
    };
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args(["build", "--quiet", "-p", "oneloop", "--example", name])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(workspace_dir());
    // Cargo names the `dev` profile's folder `debug`.
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cargo.arg("--release");
        }
        other => {
            cargo.args(["--profile", other]);
        }
    }
    if cfg!(feature = "polling") {
        cargo.args(["--features", "polling"]);
    }
    let status = cargo
        .status()
        .expect("cannot run cargo to build an example");
    assert!(
        status.success(),
        "building the {name} example failed: {status}"
    );
    let path = target_dir
        .join(&profile)
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "no example binary at {}", path.display());
    built.push((name.to_string(), path.clone()));
    path
}

/// The target directory and the profile folder of the running test binary, which lives in
/// `TARGET/PROFILE/deps/`.
fn target_and_profile() -> (PathBuf, String) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("a test binary lives in TARGET/PROFILE/deps");
    let profile = profile_dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .expect("a profile folder");
    let target_dir = profile_dir.parent().expect("a target folder");
    (target_dir.to_path_buf(), profile)
}

/// The workspace root (this crate's parent folder), where the examples are.
pub fn workspace_dir() -> PathBuf {
    let testkit = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    testkit.parent().map(Path::to_path_buf).unwrap_or(testkit)
}

/// Does `examples/NAME.rs` or `examples/NAME/main.rs` exist in this checkout?
pub fn example_exists(name: &str) -> bool {
    let examples = workspace_dir().join("examples");
    examples.join(format!("{name}.rs")).is_file() || examples.join(name).join("main.rs").is_file()
}

/// A running example server, killed when dropped.
pub struct Server {
    /// The process (a wrapper's, if the example runs behind one).
    pub child: Child,
    /// The address from its first line.
    pub addr: SocketAddr,
    /// Its first line, the one that says where it listens.
    pub first_line: String,
    /// Every stdout line after the first, until [`Server::keep_lines`] turns it off.
    lines: Receiver<String>,
    /// Lines printed so far (counted even when not kept).
    printed: Arc<Mutex<u64>>,
}

impl Server {
    /// Starts `command` (an example binary, maybe behind a wrapper such as valgrind) and
    /// waits for its first line: `Serving on ADDR` followed by anything that is not part of
    /// an address (`. Hit CTRL-C`, `/`).
    pub fn start(mut command: Command, keep_lines: bool) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start the example");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        let printed = Arc::new(Mutex::new(0u64));
        let count = Arc::clone(&printed);
        thread::spawn(move || {
            // The first line always goes through; the rest only if kept, so a long soak does
            // not pile up the log in this process.
            let mut first = true;
            for line in BufReader::new(stdout).split(b'\n') {
                let Ok(line) = line else { return };
                *count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                if first || keep_lines {
                    first = false;
                    let text = String::from_utf8_lossy(&line).trim_end().to_string();
                    let _ = tx.send(text);
                }
            }
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            first_line: String::new(),
            lines,
            printed,
        };
        let first = server.next_line();
        server.addr = parse_serving_on(&first)
            .unwrap_or_else(|| panic!("unexpected first line from the server: {first:?}"));
        server.first_line = first;
        server
    }

    /// The next stdout line, waiting at most [`crate::limit`].
    pub fn next_line(&self) -> String {
        let limit = limit();
        self.lines
            .recv_timeout(limit)
            .unwrap_or_else(|e| panic!("no line from the server within {limit:?}: {e}"))
    }

    /// The lines kept (see [`Server::start`]) that have arrived so far, without waiting.
    pub fn lines_so_far(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// Every kept line still to come, up to the end of the server's output (all its
    /// processes have exited), waiting at most [`crate::limit`] for each.
    pub fn remaining_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(limit()) {
            lines.push(line);
        }
        lines
    }

    /// How many lines the server has printed so far.
    pub fn printed(&self) -> u64 {
        *self.printed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's open file descriptors (entries of /proc/PID/fd).
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|dir| dir.count())
            .unwrap_or(0)
    }

    /// The server's resident memory, in KiB (`VmRSS` of /proc/PID/status).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Waits (at most [`crate::limit`]) until the server holds `fds` descriptors again; returns
    /// what it holds at the end.
    pub fn wait_fds(&self, fds: usize) -> usize {
        let deadline = Instant::now() + limit();
        loop {
            let now = self.open_fds();
            if now <= fds || Instant::now() >= deadline {
                return now;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGINT (as Ctrl-C would) and waits at most `limit` for the exit.
    pub fn interrupt_and_wait(&mut self, limit: Duration) -> ExitStatus {
        interrupt(self.pid());
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {limit:?} of SIGINT"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// SIGINT to `pid`.
pub fn interrupt(pid: u32) {
    let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(
        rc,
        0,
        "kill(SIGINT) failed: {}",
        std::io::Error::last_os_error()
    );
}

/// The address in a `Serving on 127.0.0.1:PORT...`, `Serving on http://127.0.0.1:PORT/` or
/// `LOCAL site: http://127.0.0.1:PORT/flags` line.
pub fn parse_serving_on(line: &str) -> Option<SocketAddr> {
    // flags_server says `LOCAL site: http://127.0.0.1:PORT/flags (...)` instead.
    let rest = match line.split("Serving on ").nth(1) {
        Some(rest) => rest,
        None => line.split(" site: ").nth(1)?,
    };
    let rest = rest.strip_prefix("http://").unwrap_or(rest);
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
        .unwrap_or(rest.len());
    let addr = rest[..end].trim_end_matches(['.', ':']);
    addr.parse().ok()
}

/// Raises this process's soft `RLIMIT_NOFILE` to `want` (or to the hard limit, if lower);
/// children inherit it. Returns the soft limit now in force.
pub fn raise_fd_limit(want: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit, which `limit` is.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
    let target = want.min(limit.rlim_max);
    if limit.rlim_cur < target {
        limit.rlim_cur = target;
        // SAFETY: setrlimit reads one rlimit, which `limit` is.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
        assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
    }
    limit.rlim_cur.max(target)
}

#[cfg(test)]
#[test]
fn serving_on_lines_parse() {
    let tcp = parse_serving_on("Serving on 127.0.0.1:2323. Hit CTRL-C to stop.");
    assert_eq!(tcp, Some("127.0.0.1:2323".parse().unwrap()));
    let http = parse_serving_on("Serving on http://127.0.0.1:8080/");
    assert_eq!(http, Some("127.0.0.1:8080".parse().unwrap()));
    let pid = parse_serving_on("[worker 42] Serving on 127.0.0.1:9. Hit CTRL-C to stop.");
    assert_eq!(pid, Some("127.0.0.1:9".parse().unwrap()));
    let flags = parse_serving_on("LOCAL site: http://127.0.0.1:8001/flags (no faults)");
    assert_eq!(flags, Some("127.0.0.1:8001".parse().unwrap()));
}
