//! The tokio swap, checked against real tokio.
//!
//! `tests/tokio_swap/originals/*.rs` are programs written for tokio; `tests/tokio_swap/*.rs`
//! are their ports to oneloop. oneloop's own tests compile only the ports (they never compile
//! tokio); this crate compiles both sides, the originals against tokio 1 (`features =
//! ["full"]`) and the ports against oneloop, so that the transcripts oneloop's tests expect
//! are the ones tokio really prints. `build.rs` discovers the programs; [`check`] is what
//! the tests run; the `exit_times` binary times each side.
//!
//! ```no_run
//! // Runs echo's original on tokio and its port on oneloop; panics on any difference.
//! swapcheck::check("echo");
//! ```

use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;

/// The transcripts both sides must print, shared with oneloop's own `tests/tokio_swap.rs`.
#[path = "../../tests/tokio_swap/transcripts.rs"]
mod transcripts;

include!(concat!(env!("OUT_DIR"), "/programs.rs"));

/// How long one run of one program may take before it counts as hung. The programs finish
/// in well under a second; this only turns a hang into a failure instead of a stalled CI.
pub const LIMIT: Duration = Duration::from_secs(30);

/// One swap program: a tokio original, its oneloop port and the transcript both must print.
///
/// ```
/// let echo = swapcheck::PROGRAMS.iter().find(|p| p.name == "echo").unwrap();
/// assert!(echo.expected.contains("lines echoed"));
/// ```
#[derive(Clone, Copy)]
pub struct Program {
    /// The file name without `.rs`, the same for the original and the port.
    pub name: &'static str,
    /// Runs the original on tokio (it builds its own runtime with `#[tokio::main]`).
    pub original: fn() -> Outcome,
    /// Runs the port on oneloop (it builds its own loop with `#[oneloop::main]`).
    pub port: fn() -> Outcome,
    /// `transcripts::NAME`, as written there: it opens with a newline, for readability.
    pub expected: &'static str,
}

/// What one run of a program ends with: its transcript and, for a program whose `run`
/// returns an exit status too, that status.
///
/// ```
/// use swapcheck::Outcome;
/// let plain = Outcome::from(String::from("done"));
/// assert_eq!(plain.status, None);
/// let coded = Outcome::from((String::from("done"), 3));
/// assert_eq!(coded.status.as_deref(), Some("3"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The lines the program returned.
    pub transcript: String,
    /// The exit status it returned, written out (`None`: its `run` returns only a `String`).
    pub status: Option<String>,
}

impl From<String> for Outcome {
    fn from(transcript: String) -> Self {
        Outcome {
            transcript,
            status: None,
        }
    }
}

impl From<(String, i32)> for Outcome {
    fn from((transcript, code): (String, i32)) -> Self {
        Outcome {
            transcript,
            status: Some(code.to_string()),
        }
    }
}

impl From<(String, ExitCode)> for Outcome {
    fn from((transcript, code): (String, ExitCode)) -> Self {
        Outcome {
            transcript,
            status: Some(format!("{code:?}")),
        }
    }
}

/// The program called `name`.
///
/// ```
/// assert!(swapcheck::program("echo").is_some());
/// assert!(swapcheck::program("no such program").is_none());
/// ```
pub fn program(name: &str) -> Option<&'static Program> {
    PROGRAMS.iter().find(|p| p.name == name)
}

/// Runs one side of a program on a thread of its own and waits at most [`LIMIT`] for it, so
/// that a hang fails instead of stalling; a panic in the program is passed on.
///
/// ```no_run
/// let echo = swapcheck::program("echo").unwrap();
/// let outcome = swapcheck::run_bounded("echo on tokio", echo.original);
/// println!("{}", outcome.transcript);
/// ```
pub fn run_bounded(what: &str, side: fn() -> Outcome) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _ = tx.send(side());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(outcome) => outcome,
        Err(RecvTimeoutError::Timeout) => panic!("{what}: hung for {LIMIT:?}"),
        Err(RecvTimeoutError::Disconnected) => match thread.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("{what}: ended without a transcript"),
        },
    }
}

/// One run at a time in this process: some programs use process-wide resources (signals,
/// child processes, the current directory's files), which two runs at once would share.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs program `name`'s original on tokio, then its port on oneloop, and panics unless both
/// print the same transcript (and exit status) and the transcript is the expected one.
///
/// ```no_run
/// swapcheck::check("chat");
/// ```
pub fn check(name: &str) {
    let program = program(name).unwrap_or_else(|| panic!("no swap program called {name:?}"));
    let (tokio, oneloop) = {
        // A run that panicked poisons the lock; the next program may still run.
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let tokio = run_bounded(&format!("{name} on tokio"), program.original);
        let oneloop = run_bounded(&format!("{name} on oneloop"), program.port);
        (tokio, oneloop)
    };
    let expected = program
        .expected
        .strip_prefix('\n')
        .unwrap_or(program.expected);
    if tokio.transcript != oneloop.transcript {
        panic!(
            "{name}: the port's transcript differs from tokio's\n{}",
            line_diff(&tokio.transcript, &oneloop.transcript)
        );
    }
    assert_eq!(
        tokio.status, oneloop.status,
        "{name}: the port exits with another status than tokio's run"
    );
    if tokio.transcript != expected {
        panic!(
            "{name}: tokio and the port agree, but not with transcripts::{}\n{}",
            name.to_uppercase(),
            line_diff(expected, &tokio.transcript)
        );
    }
}

/// The lines where `a` and `b` differ, numbered from 1, as `-` (a) and `+` (b) pairs.
///
/// ```
/// let diff = swapcheck::line_diff("x\ny", "x\nz");
/// assert_eq!(diff, "line 2:\n  - y\n  + z\n");
/// ```
pub fn line_diff(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut out = String::new();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i), b.get(i));
        if x != y {
            out.push_str(&format!("line {}:\n", i + 1));
            out.push_str(&format!("  - {}\n", x.unwrap_or(&"(none)")));
            out.push_str(&format!("  + {}\n", y.unwrap_or(&"(none)")));
        }
    }
    out
}
