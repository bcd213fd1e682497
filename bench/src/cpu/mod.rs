//! The `charfinder_cpu` row: server CPU time per heavy tcp_charfinder query, the release
//! `tcp_charfinder` example against the book's asyncio server (`bench/python/`), under the
//! same client.
//!
//! The `charfinder` row compares runtimes running the same server code in-process; this one
//! compares whole programs, as a user would deploy them: each server is started as its own
//! process (`server.rs`), pinned to the loop's CPU like every server of the harness (a
//! child inherits the affinity of the thread that starts it), driven by the same pipelined
//! client on the load CPU (`client.rs`), and charged the CPU time the kernel counted for it
//! between the first and the last answer. The servers alternate which goes first from round
//! to round.
//!
//! The figures go in the oneloop column (the other runtimes have nothing to run here): our
//! µs per query, the book's server's, and their ratio measured within each round (the
//! harness takes the median over rounds). Two more rows give the answer bytes per query of
//! each server: they differ a little because Python's `unicodedata` is an older Unicode
//! version than `charindex`'s (more `SIGN`s and `DIGIT`s in ours), which is work ours does
//! and Python's does not.

mod client;
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use crate::group::{count, Bench, Kind, Metrics, Row, Scale, Unsupported};
use crate::load::LOAD_CPU;
use crate::rt::Rt;
use crate::{sys, watchdog};
use client::{Load, Outcome};
use server::ServerProcess;

/// The row, as the harness lists it: `queries` per server per round (the full run's or
/// `--quick`'s, chosen at construction so the label says what ran).
pub struct CharfinderCpu {
    queries: usize,
}

impl CharfinderCpu {
    pub fn new(scale: Scale) -> CharfinderCpu {
        CharfinderCpu {
            queries: scale.pick(QUERIES, QUICK_QUERIES),
        }
    }
}

impl Bench for CharfinderCpu {
    fn name(&self) -> &'static str {
        "charfinder_cpu"
    }
    fn measures(&self) -> &'static str {
        "server CPU per heavy tcp_charfinder query: the release example against the book's \
         asyncio server ported to Python 3, under the same pipelined client"
    }
    fn kind(&self) -> Kind {
        Kind::Io
    }
    fn rows(&self) -> Vec<Row> {
        vec![
            Row::cost(
                "charfinder_cpu.ours",
                format!(
                    "tcp_charfinder example, {} heavy-mix queries, {CONNS} conns x {DEPTH}: server CPU",
                    count(self.queries as u64)
                ),
                "us/query",
            ),
            Row::cost(
                "charfinder_cpu.python",
                "the book's server, python3 asyncio",
                "us/query",
            )
            .sub(),
            Row::rate("charfinder_cpu.ratio", "asyncio CPU / example CPU", "x").sub(),
            Row::cost("charfinder_cpu.bytes_ours", "answer bytes, example", "B/query").sub(),
            Row::cost(
                "charfinder_cpu.bytes_python",
                "answer bytes, asyncio",
                "B/query",
            )
            .sub(),
        ]
    }
    fn unsupported(&self, rt: Rt) -> Option<Unsupported> {
        // Two programs, not three runtimes: one column holds the row.
        (rt != Rt::Oneloop).then_some(Unsupported::NotApplicable)
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        run(rt, self.queries)
    }
}

/// The query mix: the heavy answers of the issue (`sign`: 3,483 lines, 137 KB; `digit`,
/// `braille`, `hexagram`) among the light ones of the `charfinder` row, so both the cost per
/// line and the cost per query count. Every connection cycles through it.
pub const MIX: &[&str] = &[
    "sign",
    "chess black",
    "digit",
    "registered",
    "braille",
    "cat face",
    "hexagram",
    "U+1F525",
    "circled digit",
    "black",
    "é€",
    "jabberwocky",
];

/// 50 clients with 4 queries in flight each: enough that the server always has work queued,
/// as a busy server does.
const CONNS: usize = 50;
const DEPTH: usize = 4;
/// The 30,000 queries; `--quick` asks a tenth (at 10 ms per clock tick, ours is then
/// a handful of ticks: a smoke test, not a figure).
const QUERIES: usize = 30_000;
const QUICK_QUERIES: usize = 3_000;
/// How long a server may take to start (Python's index build is about 1.5 s on a quiet
/// machine) and to answer all the queries (Python needs about 30 s of CPU for the full
/// load; on a machine shared with busy neighbours it gets a fraction of a core), and how
/// long the watchdog gives one run of the row (both servers).
const START_LIMIT: Duration = Duration::from_secs(60);
const RUN_LIMIT: Duration = Duration::from_secs(300);
const WATCHDOG_LIMIT: Duration = Duration::from_secs(2 * 60 + 2 * 300);

/// The example's path, or why there is none: built once per run of the harness.
static EXAMPLE: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// Counts runs, so the two servers take turns going first.
static RUNS: AtomicUsize = AtomicUsize::new(0);

fn run(rt: Rt, queries: usize) -> Result<Metrics, String> {
    if rt != Rt::Oneloop {
        return Ok(Vec::new());
    }
    let python = sys::which("python3").ok_or("no python3")?;
    let example = EXAMPLE.get_or_init(example_binary).clone()?;
    watchdog::arm("charfinder_cpu".into(), WATCHDOG_LIMIT);
    let load = Load {
        queries,
        conns: CONNS,
        depth: DEPTH,
    };
    let ours = || {
        let command = Command::new(&example);
        measure(command, load)
    };
    let book = || {
        let mut command = Command::new(&python);
        command
            .arg(python_dir().join("tcp_charfinder.py"))
            // No `__pycache__` in the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1");
        measure(command, load)
    };
    let ((ours_cpu, ours_seen), (book_cpu, book_seen)) =
        if RUNS.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
            let o = ours()?;
            (o, book()?)
        } else {
            let b = book()?;
            (ours()?, b)
        };
    let per_query = |cpu: Duration| cpu.as_secs_f64() * 1e6 / load.queries as f64;
    let bytes = |seen: Outcome| seen.bytes as f64 / seen.answers.max(1) as f64;
    Ok(vec![
        ("charfinder_cpu.ours", per_query(ours_cpu)),
        ("charfinder_cpu.python", per_query(book_cpu)),
        (
            "charfinder_cpu.ratio",
            book_cpu.as_secs_f64() / ours_cpu.as_secs_f64(),
        ),
        ("charfinder_cpu.bytes_ours", bytes(ours_seen)),
        ("charfinder_cpu.bytes_python", bytes(book_seen)),
    ])
}

/// Starts the server `command`, asks it the whole load, and returns the CPU time it used
/// meanwhile and what the client saw.
fn measure(command: Command, load: Load) -> Result<(Duration, Outcome), String> {
    let server = ServerProcess::start(command, START_LIMIT)?;
    let addr = server.addr;
    let before = server.cpu_time()?;
    let seen = crate::load::on_cpu(LOAD_CPU, move || client::drive(addr, MIX, load, RUN_LIMIT))
        .join()
        .map_err(|_| "the client panicked")??;
    let after = server.cpu_time()?;
    Ok((after.saturating_sub(before), seen))
}

/// The workspace root (the bench crate's parent folder).
fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new(".."))
}

fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// The release `tcp_charfinder` example, built first when cargo is at hand (under `cargo
/// run`, which sets `CARGO`), so the figure is never that of a stale binary. It sits
/// beside this harness's own binary, in `target/release/examples/`.
fn example_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("the harness binary has no folder")?;
    let binary = dir.join("examples").join("tcp_charfinder");
    if let Some(cargo) = std::env::var_os("CARGO") {
        // A first release build of the example can take minutes on a busy machine: give
        // the watchdog that long (`run` arms it again for the measurement).
        watchdog::arm(
            "cargo build --release --example tcp_charfinder".into(),
            Duration::from_secs(900),
        );
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "--quiet",
                "--example",
                "tcp_charfinder",
            ])
            .current_dir(workspace())
            .status()
            .map_err(|e| format!("cargo build: {e}"))?;
        if !status.success() {
            return Err(format!("cargo build --example tcp_charfinder: {status}"));
        }
    }
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "no {}: cargo build --release --example tcp_charfinder",
            binary.display()
        ))
    }
}
