//! Child processes with bounded waits: this test binary re-run for one test in "child
//! mode" (for what must happen in a process of its own: signals, descriptor limits), and
//! any program whose stdout lines are awaited with a bound.

use std::io::{BufRead, BufReader as StdBufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The command that re-runs this test binary for the single test `name`, with `CHILD_ENV`
/// set to `mode` so that test knows it is the child.
pub fn child_test(name: &str, mode: &str) -> Command {
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode);
    cmd
}

/// The environment variable that puts a test binary in child mode.
pub const CHILD_ENV: &str = "ONELOOP_TEST_CHILD";

/// The child mode this process was started in, if any.
pub fn child_mode() -> Option<String> {
    std::env::var(CHILD_ENV).ok()
}

/// A spawned child whose stdout lines arrive on a channel (read by a thread, so waiting
/// for a line can be bounded).
pub struct Watched {
    /// The process.
    pub child: Child,
    lines: mpsc::Receiver<String>,
    /// The stdout lines received so far.
    pub seen: Vec<String>,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Watched {
    /// Spawns `cmd` with stdout and stderr piped (and read by threads), stdin closed.
    pub fn spawn(mut cmd: Command) -> Watched {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in StdBufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Watched {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Waits (at most `limit`) for a stdout line for which `pick` gives `Some`.
    pub fn wait_line<T>(&mut self, limit: Duration, pick: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = pick(&line);
                    self.seen.push(line);
                    if let Some(found) = found {
                        return found;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let stderr = self.stderr_text();
                    panic!(
                        "the child did not print the expected line within {limit:?}; stdout so far: {:#?}\nstderr: {stderr}",
                        self.seen
                    );
                }
            }
        }
    }

    /// Sends SIGINT, as Ctrl-C would (see [`crate::example::interrupt`]).
    pub fn interrupt(&self) {
        crate::example::interrupt(self.child.id());
    }

    /// Waits (at most `limit`) for the child to exit; returns its status and all its stdout.
    pub fn finish(mut self, limit: Duration) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr = self.stderr_text();
                panic!(
                    "the child did not exit within {limit:?}; stdout: {:#?}\nstderr: {stderr}",
                    self.seen
                );
            }
            thread::sleep(Duration::from_millis(5));
        };
        // The pipe closes when the child exits: the reader thread ends the channel.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let stderr = self.stderr_text();
        (status, std::mem::take(&mut self.seen), stderr)
    }

    fn stderr_text(&mut self) -> String {
        self.stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        // A test that failed half-way must not leave a child behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits for `child` to exit, at most [`crate::limit`]; past that, kills it and fails the
/// test with `what` in the message.
pub fn wait_exit(child: &mut Child, what: &str) -> ExitStatus {
    let limit = crate::limit();
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}
