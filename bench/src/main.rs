//! oneloop against tokio (current_thread) and smol (LocalExecutor + async-io), in one run.
//!
//! `cargo run --release -p oneloop-bench -- [--quick] [--same-core] [--only NAME[,NAME..]]
//! [--rt tokio,smol,oneloop] [--rounds N] [--json PATH] [--markdown-into FILE#NAME] [--list]`.
//! See `bench/README.md` for how to read the table.

mod adapter;
mod alloc;
mod cpu;
mod load;
mod on;
mod stats;
mod sys;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use load::{LOAD_CPU, LOOP_CPU};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// What one run of one workload on one runtime measured: `(metric key, value)`.
pub type Metrics = Vec<(&'static str, f64)>;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Rt {
    Tokio,
    Smol,
    Oneloop,
}

const RUNTIMES: [Rt; 3] = [Rt::Tokio, Rt::Smol, Rt::Oneloop];

impl Rt {
    fn name(self) -> &'static str {
        match self {
            Rt::Tokio => adapter::tokio::NAME,
            Rt::Smol => adapter::smol::NAME,
            Rt::Oneloop => adapter::oneloop::NAME,
        }
    }

    fn column(self) -> &'static str {
        match self {
            Rt::Tokio => "tokio current_thread",
            Rt::Smol => "smol LocalExecutor",
            Rt::Oneloop => "oneloop",
        }
    }

    fn from_name(s: &str) -> Option<Rt> {
        RUNTIMES.into_iter().find(|r| r.name() == s)
    }

    /// Whether this build has the runtime's variant of workloads that need `needs`.
    fn has(self, needs: Needs) -> bool {
        match (self, needs) {
            (Rt::Oneloop, Needs::Sync) => cfg!(feature = "oneloop-sync"),
            (Rt::Oneloop, Needs::Net) => cfg!(feature = "oneloop-net"),
            _ => true,
        }
    }
}

/// Calls the same workload function on the chosen runtime's instantiation.
macro_rules! on_rt {
    ($rt:expr, $m:ident :: $f:ident ( $($a:expr),* )) => {
        match $rt {
            Rt::Tokio => on::tokio::$m::$f($($a),*),
            Rt::Smol => on::smol::$m::$f($($a),*),
            Rt::Oneloop => on::oneloop::$m::$f($($a),*),
        }
    };
}

#[cfg(feature = "oneloop-sync")]
macro_rules! oneloop_sync {
    ($e:expr) => {
        $e
    };
}

#[cfg(not(feature = "oneloop-sync"))]
macro_rules! oneloop_sync {
    ($e:expr) => {
        unreachable!("oneloop's sync workloads are gated; checked by Rt::has")
    };
}

#[cfg(feature = "oneloop-net")]
macro_rules! oneloop_net {
    ($e:expr) => {
        $e
    };
}

#[cfg(not(feature = "oneloop-net"))]
macro_rules! oneloop_net {
    ($e:expr) => {
        unreachable!("oneloop's network workloads are gated; checked by Rt::has")
    };
}

/// `on_rt!` for the channel and semaphore workloads.
macro_rules! on_rt_sync {
    ($rt:expr, $m:ident :: $f:ident ( $($a:expr),* )) => {
        match $rt {
            Rt::Tokio => on::tokio::$m::$f($($a),*),
            Rt::Smol => on::smol::$m::$f($($a),*),
            Rt::Oneloop => oneloop_sync!(on::oneloop::$m::$f($($a),*)),
        }
    };
}

/// `on_rt!` for the fan-out workloads, which smol cannot run (it has no broadcast or watch
/// channel): its cells say `skipped`.
macro_rules! on_rt_fanout {
    ($rt:expr, $m:ident :: $f:ident ( $($a:expr),* )) => {
        match $rt {
            Rt::Tokio => Ok(on::tokio::$m::$f($($a),*)),
            Rt::Smol => Err("tokio and oneloop only (smol has no broadcast or watch)".to_string()),
            Rt::Oneloop => Ok(oneloop_sync!(on::oneloop::$m::$f($($a),*))),
        }
    };
}

/// `on_rt!` for the network workloads.
macro_rules! on_rt_net {
    ($rt:expr, $m:ident :: $f:ident ( $($a:expr),* )) => {
        match $rt {
            Rt::Tokio => on::tokio::$m::$f($($a),*),
            Rt::Smol => on::smol::$m::$f($($a),*),
            Rt::Oneloop => oneloop_net!(on::oneloop::$m::$f($($a),*)),
        }
    };
}

/// What a workload needs from the runtime beyond tasks and time.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Core,
    Sync,
    Net,
}

/// Sizes of every workload; `--quick` shrinks them so the whole run takes seconds.
struct Params {
    quick: bool,
    rounds: usize,
    io_rounds: usize,
    spawn_n: usize,
    yield_tasks: usize,
    yields: usize,
    sleep_n: usize,
    late_n: usize,
    cancel_k: usize,
    pingpong_n: u64,
    sem_n: usize,
    fanout_n: usize,
    fanout_msgs: u64,
    rwlock_tasks: usize,
    rwlock_ops: u64,
    echo_conns: usize,
    echo_dur: Duration,
    echo1_dur: Duration,
    idle_n: usize,
    http_conns: usize,
    http_secs: u64,
    charfinder_conns: usize,
    charfinder_dur: Duration,
    index_builds: usize,
}

impl Params {
    fn new(quick: bool) -> Params {
        if quick {
            Params {
                quick,
                rounds: 3,
                io_rounds: 1,
                spawn_n: 10_000,
                yield_tasks: 100,
                yields: 500,
                sleep_n: 10_000,
                late_n: 1_000,
                cancel_k: 100,
                pingpong_n: 10_000,
                sem_n: 50_000,
                fanout_n: 100,
                fanout_msgs: 200,
                rwlock_tasks: 10,
                rwlock_ops: 2_000,
                echo_conns: 50,
                echo_dur: Duration::from_millis(300),
                echo1_dur: Duration::from_millis(200),
                idle_n: 1_000,
                http_conns: 50,
                http_secs: 1,
                charfinder_conns: 50,
                charfinder_dur: Duration::from_millis(300),
                index_builds: 5,
            }
        } else {
            Params {
                quick,
                rounds: 5,
                io_rounds: 5,
                spawn_n: 100_000,
                yield_tasks: 100,
                yields: 10_000,
                sleep_n: 100_000,
                late_n: 1_000,
                cancel_k: 1_000,
                pingpong_n: 100_000,
                sem_n: 1_000_000,
                fanout_n: 100,
                fanout_msgs: 2_000,
                rwlock_tasks: 10,
                rwlock_ops: 20_000,
                echo_conns: 50,
                echo_dur: Duration::from_secs(2),
                echo1_dur: Duration::from_secs(1),
                idle_n: 10_000,
                http_conns: 50,
                http_secs: 2,
                charfinder_conns: 50,
                charfinder_dur: Duration::from_secs(2),
                index_builds: 5,
            }
        }
    }
}

/// One metric: a row of the table.
struct Spec {
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    /// Throughputs; everything else (times, bytes, latencies) is better lower.
    higher_better: bool,
}

const fn spec(key: &'static str, label: &'static str, unit: &'static str) -> Spec {
    Spec {
        key,
        label,
        unit,
        higher_better: false,
    }
}

const fn spec_hi(key: &'static str, label: &'static str, unit: &'static str) -> Spec {
    Spec {
        key,
        label,
        unit,
        higher_better: true,
    }
}

type RunFn = fn(Rt, &Params) -> Result<Metrics, String>;

/// A workload: runs on each runtime per round and yields one or more metrics.
struct Group {
    name: &'static str,
    needs: Needs,
    specs: &'static [Spec],
    run: RunFn,
}

const GROUPS: &[Group] = &[
    Group {
        name: "spawn",
        needs: Needs::Core,
        specs: &[
            spec("spawn.ns", "spawn+join 100k empty tasks", "ns/task"),
            spec(
                "spawn.bytes_warm",
                "  bytes allocated per task, warm",
                "B/task",
            ),
            spec(
                "spawn.allocs_warm",
                "  allocations per task, warm",
                "allocs/task",
            ),
            spec(
                "spawn.bytes_cold",
                "  bytes allocated per task, cold",
                "B/task",
            ),
        ],
        run: |rt, p| Ok(on_rt!(rt, core::spawn_join(p.spawn_n))),
    },
    Group {
        name: "yield",
        needs: Needs::Core,
        specs: &[
            spec("yield.ns", "100 tasks x 10k yield_now", "ns/yield"),
            spec("yield.spread_us", "  finish-time spread (fairness)", "us"),
        ],
        run: |rt, p| Ok(on_rt!(rt, core::yield_fairness(p.yield_tasks, p.yields))),
    },
    Group {
        name: "sleep",
        needs: Needs::Core,
        specs: &[
            spec(
                "sleep.ns",
                "100k sleeps: create, poll once, drop",
                "ns/sleep",
            ),
            spec(
                "sleep.bytes",
                "  bytes allocated per sleep, warm",
                "B/sleep",
            ),
        ],
        run: |rt, p| Ok(on_rt!(rt, core::sleep_create_drop(p.sleep_n))),
    },
    Group {
        name: "lateness",
        needs: Needs::Core,
        specs: &[
            spec(
                "late.mean_us",
                "1000 sleeps over 1-50 ms: lateness mean",
                "us",
            ),
            spec("late.p99_us", "  lateness p99", "us"),
            spec("late.max_us", "  lateness max", "us"),
            spec(
                "late.cpu_us",
                "  loop CPU time, spawn to last join",
                "us/sleep",
            ),
        ],
        run: |rt, p| Ok(on_rt!(rt, core::lateness(p.late_n))),
    },
    Group {
        name: "cancel",
        needs: Needs::Core,
        specs: &[
            spec("cancel.abort_ns", "cancel latency: abort() -> join", "ns"),
            spec("cancel.cancel_ns", "  oneloop cancel() -> join", "ns"),
        ],
        run: |rt, p| Ok(on_rt!(rt, core::cancel_latency(p.cancel_k))),
    },
    Group {
        name: "pingpong",
        needs: Needs::Sync,
        specs: &[spec(
            "pingpong.ns",
            "ping-pong over bounded(1) mpsc",
            "ns/round trip",
        )],
        run: |rt, p| Ok(on_rt_sync!(rt, sync::ping_pong(p.pingpong_n))),
    },
    Group {
        name: "semaphore",
        needs: Needs::Sync,
        specs: &[spec(
            "sem.ns",
            "Semaphore acquire+release, uncontended",
            "ns/op",
        )],
        run: |rt, p| Ok(on_rt_sync!(rt, sync::semaphore(p.sem_n))),
    },
    Group {
        name: "broadcast",
        needs: Needs::Sync,
        specs: &[spec(
            "broadcast.ns",
            "broadcast 1 sender -> 100 receivers",
            "ns/delivery",
        )],
        run: |rt, p| on_rt_fanout!(rt, fanout::broadcast_fanout(p.fanout_n, p.fanout_msgs)),
    },
    Group {
        name: "watch",
        needs: Needs::Sync,
        specs: &[spec(
            "watch.ns",
            "watch send -> 100 waiters in changed()",
            "ns/wake-up",
        )],
        run: |rt, p| on_rt_fanout!(rt, fanout::watch_notify(p.fanout_n, p.fanout_msgs)),
    },
    Group {
        name: "rwlock",
        needs: Needs::Sync,
        specs: &[spec(
            "rwlock.ns",
            "RwLock 10 tasks, 1 write in 10, held across a yield",
            "ns/op",
        )],
        run: |rt, p| on_rt_fanout!(rt, fanout::rwlock_mix(p.rwlock_tasks, p.rwlock_ops)),
    },
    Group {
        name: "echo",
        needs: Needs::Net,
        specs: &[
            spec_hi("echo.rps", "TCP echo 50 conns x 64 B", "req/s"),
            spec("echo.cpu_ns", "  server CPU time per request", "ns/req"),
        ],
        run: run_echo,
    },
    Group {
        name: "echo1",
        needs: Needs::Net,
        specs: &[spec(
            "echo1.rtt_us",
            "TCP echo 1 conn x 64 B, blocking client",
            "us/round trip",
        )],
        run: run_echo1,
    },
    Group {
        name: "idle",
        needs: Needs::Net,
        specs: &[
            spec("idle.heap", "idle connections: heap held", "B/conn"),
            spec("idle.rss", "  RSS growth", "B/conn"),
        ],
        run: |rt, p| run_idle(rt, p, "echo"),
    },
    Group {
        name: "idle_prompt",
        needs: Needs::Net,
        specs: &[
            spec(
                "idle_prompt.heap",
                "idle at a buffered ?> prompt: heap",
                "B/conn",
            ),
            spec("idle_prompt.rss", "  RSS growth", "B/conn"),
        ],
        run: |rt, p| run_idle(rt, p, "prompt"),
    },
    Group {
        name: "idle_http",
        needs: Needs::Net,
        specs: &[
            spec(
                "idle_http.heap",
                "idle keep-alive, oneloop::http::serve: heap",
                "B/conn",
            ),
            spec("idle_http.rss", "  RSS growth", "B/conn"),
        ],
        run: |rt, p| run_idle(rt, p, "http"),
    },
    Group {
        name: "http",
        needs: Needs::Net,
        specs: &[
            spec_hi(
                "http.rps",
                "HTTP/1.1 hello keep-alive, wrk -t1 -c50",
                "req/s",
            ),
            spec("http.cpu_ns", "  server CPU time per request", "ns/req"),
        ],
        run: run_http,
    },
    Group {
        name: "charfinder",
        needs: Needs::Net,
        specs: &[
            spec_hi(
                "charfinder.qps",
                "tcp_charfinder 50 clients, query mix",
                "queries/s",
            ),
            spec(
                "charfinder.cpu_ns",
                "  server CPU time per query",
                "ns/query",
            ),
        ],
        run: run_charfinder,
    },
    cpu::GROUP,
];

fn run_echo(rt: Rt, p: &Params) -> Result<Metrics, String> {
    let l = sys::std_listener();
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    let (conns, dur) = (p.echo_conns, p.echo_dur);
    let client = load::on_cpu(LOAD_CPU, move || load::echo_client(addr, conns, 64, dur));
    let cpu = on_rt_net!(rt, net::echo_server(l, conns));
    let (n, elapsed) = client.join().map_err(|_| "the echo client panicked")?;
    Ok(vec![
        ("echo.rps", n as f64 / elapsed.as_secs_f64()),
        ("echo.cpu_ns", cpu.as_nanos() as f64 / n as f64),
    ])
}

fn run_echo1(rt: Rt, p: &Params) -> Result<Metrics, String> {
    let l = sys::std_listener();
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    let dur = p.echo1_dur;
    let client = load::on_cpu(LOAD_CPU, move || load::std_echo_client(addr, 64, dur));
    on_rt_net!(rt, net::echo_server(l, 1));
    let (n, elapsed) = client.join().map_err(|_| "the echo client panicked")?;
    Ok(vec![(
        "echo1.rtt_us",
        elapsed.as_nanos() as f64 / 1e3 / n as f64,
    )])
}

/// The floor under the echo figures: blocking `std::net`, one connection, a thread on each
/// side (the server on the loop's core). µs per round trip.
fn run_floor(p: &Params) -> Result<f64, String> {
    let l = sys::std_listener();
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    let dur = p.echo1_dur;
    let server = load::on_cpu(LOOP_CPU, move || load::std_echo_server(l));
    let client = load::on_cpu(LOAD_CPU, move || load::std_echo_client(addr, 64, dur));
    let (n, elapsed) = client.join().map_err(|_| "the floor client panicked")?;
    server.join().map_err(|_| "the floor server panicked")?;
    Ok(elapsed.as_nanos() as f64 / 1e3 / n as f64)
}

/// Idle connections are measured in a fresh process per runtime (`--idle-server`), which
/// starts its own client process, so RSS and the fd table start clean.
/// `kind`: `echo` (an echo task with a 256-byte buffer in its future), `prompt` (the
/// runtime's `BufReader`/`BufWriter` at a `?> ` prompt), `http` (`oneloop::http::serve`, each
/// client idle after one keep-alive GET; oneloop only, the peers' cells say n/a).
fn run_idle(rt: Rt, p: &Params, kind: &str) -> Result<Metrics, String> {
    if kind == "http" && rt != Rt::Oneloop {
        return Ok(Vec::new());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(["--idle-server", rt.name(), &idle_n(p).to_string(), kind])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |k: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .and_then(|v| v.parse::<f64>().ok())
    };
    match (out.status.success(), field("heap="), field("rss=")) {
        (true, Some(heap), Some(rss)) => {
            let keys = match kind {
                "prompt" => ["idle_prompt.heap", "idle_prompt.rss"],
                "http" => ["idle_http.heap", "idle_http.rss"],
                _ => ["idle.heap", "idle.rss"],
            };
            Ok(vec![(keys[0], heap), (keys[1], rss)])
        }
        _ => Err(format!(
            "idle server failed ({}): {}{}",
            out.status,
            text.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

/// How many idle connections the fd limit allows (each side is its own process).
fn idle_n(p: &Params) -> usize {
    let limit = sys::raise_nofile() as usize;
    p.idle_n.min(limit.saturating_sub(200))
}

/// `--idle-server RT N KIND`: the child process side of `run_idle`.
fn idle_server_main(rt: Rt, n: usize, kind: &str) -> ! {
    load::pin(LOOP_CPU);
    sys::raise_nofile();
    watchdog_exit_after(Duration::from_secs(60), "idle server");
    let l = sys::std_listener();
    let addr = l.local_addr().expect("local_addr");
    let exe = std::env::current_exe().expect("current_exe");
    let mut client = Command::new(exe)
        .args(["--idle-client", &addr.to_string(), &n.to_string(), kind])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the idle client");
    let ready = client.stdout.take().expect("the idle client's stdout");
    let (heap, rss) = if kind == "http" {
        idle_http_server(l, n, ready)
    } else if rt.has(Needs::Net) {
        on_rt_net!(rt, net::idle_server(l, n, kind == "prompt"))
    } else {
        eprintln!("{} has no network workloads in this build", rt.name());
        std::process::exit(1);
    };
    drop(client.stdin.take());
    let _ = client.wait();
    println!("heap={heap:.1} rss={rss:.1}");
    std::process::exit(0);
}

/// `oneloop::http::serve` with a hello handler; the clients connect, send one keep-alive GET
/// each, read the answer and say "ok" on `ready`; then heap and RSS per connection.
#[cfg(feature = "oneloop-net")]
fn idle_http_server(
    l: std::net::TcpListener,
    n: usize,
    ready: std::process::ChildStdout,
) -> (f64, f64) {
    use std::io::BufRead;
    let rt = oneloop::Runtime::new().expect("a oneloop runtime");
    rt.block_on(async move {
        let l = oneloop::net::TcpListener::from_std(l).expect("from_std");
        oneloop::time::sleep(Duration::from_millis(1)).await.ok(); // first-use setup
        let rss = sys::rss_bytes();
        let counting = alloc::CountingOn::start();
        let before = alloc::Snapshot::now();
        let server = oneloop::spawn(oneloop::http::serve(l, |_req| async {
            oneloop::http::Response::text("Hello, world!")
        }));
        let said = oneloop::task::spawn_blocking(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(ready).read_line(&mut line);
            line
        })
        .await;
        assert_eq!(
            said.ok().as_deref().map(str::trim),
            Some("ok"),
            "idle http client"
        );
        oneloop::time::sleep(Duration::from_millis(20)).await.ok(); // every task parks
        let heap = before.live_since() as f64 / n as f64;
        let rss = (sys::rss_bytes() as f64 - rss as f64) / n as f64;
        drop(counting);
        server.abort();
        (heap, rss)
    })
}

#[cfg(not(feature = "oneloop-net"))]
fn idle_http_server(
    _: std::net::TcpListener,
    _: usize,
    _: std::process::ChildStdout,
) -> (f64, f64) {
    eprintln!("oneloop has no network workloads in this build");
    std::process::exit(1);
}

fn run_http(rt: Rt, p: &Params) -> Result<Metrics, String> {
    if sys::which("wrk").is_none() {
        return Err("wrk is not installed (apt-get install -y wrk)".into());
    }
    let l = sys::std_listener();
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let (conns, secs, stop2) = (p.http_conns, p.http_secs, Arc::clone(&stop));
    // wrk inherits this thread's affinity: the load core.
    let load = load::on_cpu(LOAD_CPU, move || {
        let rps = load::wrk(addr, conns, secs);
        stop2.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(addr); // wakes the accept loop so it sees `stop`
        rps
    });
    let cpu = on_rt_net!(rt, net::http_server(l, stop));
    let (rps, count) = load.join().map_err(|_| "the wrk thread panicked")??;
    Ok(vec![
        ("http.rps", rps),
        ("http.cpu_ns", cpu.as_nanos() as f64 / count),
    ])
}

/// The tcp_charfinder query mix: small and medium answers, from nothing (`jabberwocky`) to
/// 357 lines, 16 KB (`black`). Not `cjk` (~100,000 lines) nor `sign` (3,483 lines, 137 KB,
/// 0.8 ms of `describe_char` alone): one such answer per eight queries would turn the row
/// into a benchmark of the index code, the same on every runtime. Every client cycles
/// through the mix.
const CHARFINDER_QUERIES: &[&str] = &[
    "chess black",
    "registered",
    "cat face",
    "U+1F525",
    "circled digit",
    "black",
    "é€",
    "jabberwocky",
];

/// The mix with the status line the server must answer for each query (checked by the client).
fn charfinder_mix(index: &charindex::UnicodeNameIndex) -> Vec<(String, String)> {
    CHARFINDER_QUERIES
        .iter()
        .map(|&q| {
            let query = charindex::py_strip(q);
            let n = index
                .find(query)
                .into_iter()
                .filter_map(charindex::describe_char)
                .count();
            (q.to_string(), charindex::UnicodeNameIndex::status(query, n))
        })
        .collect()
}

fn run_charfinder(rt: Rt, p: &Params) -> Result<Metrics, String> {
    // The server's index, built before it starts and outside its CPU time.
    let index = charindex::UnicodeNameIndex::new();
    let mix = charfinder_mix(&index);
    let l = sys::std_listener();
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    let (conns, dur) = (p.charfinder_conns, p.charfinder_dur);
    let client = load::on_cpu(LOAD_CPU, move || {
        load::charfinder_client(addr, conns, mix, dur)
    });
    let cpu = on_rt_net!(rt, charfinder::charfinder_server(l, conns, index));
    let (n, bytes, elapsed) = client
        .join()
        .map_err(|_| "the charfinder client panicked (see stderr)")?;
    CHARFINDER_ANSWER_BYTES.store(bytes / n.max(1), Ordering::Relaxed);
    Ok(vec![
        ("charfinder.qps", n as f64 / elapsed.as_secs_f64()),
        ("charfinder.cpu_ns", cpu.as_nanos() as f64 / n as f64),
    ])
}

/// Mean bytes per answer (description lines, status line, next prompt) in the last run.
static CHARFINDER_ANSWER_BYTES: AtomicU64 = AtomicU64::new(0);

/// Builds the full index `builds` times (on the loop's core, nothing else running); returns
/// the build times in ms and the index's `heap_bytes()`.
fn index_builds(builds: usize) -> (Vec<f64>, usize) {
    let mut times = Vec::with_capacity(builds);
    let mut heap = 0;
    for _ in 0..builds {
        let t = Instant::now();
        let index = charindex::UnicodeNameIndex::new();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        heap = std::hint::black_box(&index).heap_bytes();
    }
    (times, heap)
}

// ---- the watchdog: everything is bounded in time --------------------------------------------

static WATCH_DEADLINE: AtomicU64 = AtomicU64::new(u64::MAX);
static WATCH_WHAT: Mutex<String> = Mutex::new(String::new());

fn epoch_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Exits the process if the run armed with `arm` has not finished within its limit.
fn start_watchdog() {
    std::thread::spawn(|| loop {
        std::thread::sleep(Duration::from_millis(200));
        if epoch_ms() > WATCH_DEADLINE.load(Ordering::SeqCst) {
            let what = WATCH_WHAT.lock().map(|w| w.clone()).unwrap_or_default();
            eprintln!("oneloop-bench: {what} did not finish in time; giving up");
            std::process::exit(2);
        }
    });
}

fn arm(what: String, limit: Duration) {
    if let Ok(mut w) = WATCH_WHAT.lock() {
        *w = what;
    }
    WATCH_DEADLINE.store(epoch_ms() + limit.as_millis() as u64, Ordering::SeqCst);
}

fn watchdog_exit_after(limit: Duration, what: &'static str) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("oneloop-bench: {what} did not finish in {limit:?}; giving up");
        std::process::exit(2);
    });
}

// ---- results ---------------------------------------------------------------------------------

#[derive(Default)]
struct Results {
    samples: HashMap<(&'static str, Rt), Vec<f64>>,
    /// Why a group has no figure for a runtime (gated, failed, skipped).
    notes: HashMap<(&'static str, Rt), String>,
    floor: Vec<f64>,
    /// tcp_charfinder's index: build times (ms) and `heap_bytes()`.
    index_build_ms: Vec<f64>,
    index_heap: Option<usize>,
    /// Mean bytes per charfinder answer.
    charfinder_answer_bytes: Option<u64>,
    remarks: Vec<String>,
}

struct Summary {
    median: f64,
    min: f64,
    max: f64,
}

impl Results {
    fn summary(&self, key: &str, rt: Rt) -> Option<Summary> {
        let xs = self
            .samples
            .iter()
            .find(|((k, r), _)| *k == key && *r == rt)
            .map(|(_, v)| v)?;
        if xs.is_empty() {
            return None;
        }
        Some(Summary {
            median: stats::median(xs),
            min: stats::min(xs),
            max: stats::max(xs),
        })
    }

    fn samples(&self, key: &str, rt: Rt) -> Option<&Vec<f64>> {
        self.samples
            .iter()
            .find(|((k, r), _)| *k == key && *r == rt)
            .map(|(_, v)| v)
    }

    /// oneloop's ratio to `peer`: the median, over rounds, of the ratio measured within each
    /// round. The runtimes of one round run back to back, so a drift of the machine over
    /// time (this VM's network rows switch between two speeds every few seconds, for every
    /// runtime at once) cancels out of each pair instead of landing on whichever runtime was
    /// unlucky in more rounds. Falls back to the ratio of medians if rounds don't pair up.
    fn ratio(&self, spec: &Spec, peer: Rt) -> Option<f64> {
        let oriented = |ours: f64, theirs: f64| {
            if spec.higher_better {
                ours / theirs
            } else {
                theirs / ours
            }
        };
        let ours = self.samples(spec.key, Rt::Oneloop)?;
        let theirs = self.samples(spec.key, peer)?;
        let r = if !ours.is_empty() && ours.len() == theirs.len() {
            let pairs: Vec<f64> = ours
                .iter()
                .zip(theirs)
                .map(|(&o, &t)| oriented(o, t))
                .filter(|r| r.is_finite())
                .collect();
            if pairs.is_empty() {
                return None;
            }
            stats::median(&pairs)
        } else {
            oriented(
                self.summary(spec.key, Rt::Oneloop)?.median,
                self.summary(spec.key, peer)?.median,
            )
        };
        r.is_finite().then_some(r)
    }
}

fn fmt_num(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn fmt_cell(s: &Summary) -> String {
    format!(
        "{} [{}-{}]",
        fmt_num(s.median),
        fmt_num(s.min),
        fmt_num(s.max)
    )
}

/// How many CPUs the process could use at start (before pinning narrows the main thread).
static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = CPUS.get().copied().unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{model}, {cpus} CPUs, Linux {}", kernel.trim())
}

fn render(res: &Results, groups: &[&Group], p: &Params) -> String {
    let mut rows: Vec<[String; 7]> = Vec::new();
    rows.push([
        "benchmark".into(),
        "unit".into(),
        Rt::Tokio.column().into(),
        Rt::Smol.column().into(),
        Rt::Oneloop.column().into(),
        "tokio/oneloop".into(),
        "smol/oneloop".into(),
    ]);
    for g in groups {
        for s in g.specs {
            let cell = |rt: Rt| match res.summary(s.key, rt) {
                Some(sum) => fmt_cell(&sum),
                None => match res.notes.get(&(g.name, rt)) {
                    Some(n) if n.starts_with("gated") => "gated".into(),
                    Some(_) => "skipped".into(),
                    None => "n/a".into(),
                },
            };
            let ratio = |peer: Rt| {
                res.ratio(s, peer)
                    .map_or_else(|| "-".into(), |r| format!("{r:.2}x"))
            };
            rows.push([
                s.label.into(),
                s.unit.into(),
                cell(Rt::Tokio),
                cell(Rt::Smol),
                cell(Rt::Oneloop),
                ratio(Rt::Tokio),
                ratio(Rt::Smol),
            ]);
        }
    }
    let mut widths = [0usize; 7];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "machine: {}", machine());
    let _ = writeln!(
        out,
        "mode: {}; {} rounds ({} for I/O), runtimes alternated each round; \
         cells: median [min-max] over rounds",
        if p.quick { "--quick" } else { "full" },
        p.rounds,
        p.io_rounds
    );
    if p.quick {
        let _ = writeln!(
            out,
            "--quick sizes: {} tasks, {} x {} yields, {} sleeps, {} cancels, {} round trips, \
             {} acquires, echo {:?}, {} idle conns, wrk {} s, charfinder {:?} \
             (labels give the full sizes)",
            p.spawn_n,
            p.yield_tasks,
            p.yields,
            p.sleep_n,
            p.cancel_k,
            p.pingpong_n,
            p.sem_n,
            p.echo_dur,
            p.idle_n,
            p.http_secs,
            p.charfinder_dur
        );
    }
    let _ = writeln!(
        out,
        "ratios: peer/oneloop for costs (time, bytes, latency), oneloop/peer for req/s: \
         > 1 means oneloop is better; each is the median over rounds of the ratio within a round"
    );
    let _ = writeln!(out);
    for (i, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (j, (c, w)) in r.iter().zip(widths).enumerate() {
            if j < 2 {
                let _ = write!(line, "{c:<w$}  ");
            } else {
                let _ = write!(line, "{c:>w$}  ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * 6;
            let _ = writeln!(out, "{}", "-".repeat(total));
        }
    }
    if !res.floor.is_empty() {
        let _ = writeln!(
            out,
            "\nfloor: blocking std::net echo, 1 connection, a thread each side: {} us/round trip \
             [{}-{}] (compare the '1 conn' row)",
            fmt_num(stats::median(&res.floor)),
            fmt_num(stats::min(&res.floor)),
            fmt_num(stats::max(&res.floor)),
        );
    }
    if let Some(heap) = res.index_heap {
        let _ = writeln!(
            out,
            "{}tcp_charfinder index: build {} ms [{}-{}] (median of {} builds, release), heap {:.1} MiB \
             ({heap} B, heap_bytes()); mix: {}; {} B per answer on average",
            if res.floor.is_empty() { "\n" } else { "" },
            fmt_num(stats::median(&res.index_build_ms)),
            fmt_num(stats::min(&res.index_build_ms)),
            fmt_num(stats::max(&res.index_build_ms)),
            res.index_build_ms.len(),
            heap as f64 / (1024.0 * 1024.0),
            CHARFINDER_QUERIES.join(", "),
            res.charfinder_answer_bytes.unwrap_or(0),
        );
    }
    let mut notes: Vec<String> = Vec::new();
    for g in groups {
        for rt in RUNTIMES {
            if let Some(n) = res.notes.get(&(g.name, rt)) {
                let line = format!("{} / {}: {}", g.name, rt.name(), n);
                if !notes.contains(&line) {
                    notes.push(line);
                }
            }
        }
    }
    notes.extend(res.remarks.iter().cloned());
    if !notes.is_empty() {
        let _ = writeln!(out, "\nnotes:");
        for n in notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn json_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".into()
    }
}

fn to_json(res: &Results, groups: &[&Group], p: &Params) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "{{\n  \"machine\": {},\n  \"quick\": {},\n  \"rounds\": {},\n  \"io_rounds\": {},\n  \
         \"ratio\": \"peer/oneloop for costs, oneloop/peer for req/s; > 1 means oneloop is better\",\n  \
         \"results\": [",
        json_str(&machine()),
        p.quick,
        p.rounds,
        p.io_rounds
    );
    let mut first = true;
    for g in groups {
        for s in g.specs {
            let _ = write!(
                o,
                "{}\n    {{\"group\": {}, \"metric\": {}, \"label\": {}, \"unit\": {}, \
                 \"higher_is_better\": {}",
                if first { "" } else { "," },
                json_str(g.name),
                json_str(s.key),
                json_str(s.label.trim()),
                json_str(s.unit),
                s.higher_better
            );
            first = false;
            for rt in RUNTIMES {
                let _ = write!(o, ", {}: ", json_str(rt.name()));
                match (res.summary(s.key, rt), res.samples.get(&(s.key, rt))) {
                    (Some(sum), Some(xs)) => {
                        let xs: Vec<String> = xs.iter().map(|x| json_num(*x)).collect();
                        let _ = write!(
                            o,
                            "{{\"median\": {}, \"min\": {}, \"max\": {}, \"samples\": [{}]}}",
                            json_num(sum.median),
                            json_num(sum.min),
                            json_num(sum.max),
                            xs.join(", ")
                        );
                    }
                    _ => {
                        let note = res.notes.get(&(g.name, rt)).cloned().unwrap_or_default();
                        let _ = write!(o, "{{\"note\": {}}}", json_str(&note));
                    }
                }
            }
            for (peer, key) in [(Rt::Tokio, "ratio_tokio"), (Rt::Smol, "ratio_smol")] {
                let r = res.ratio(s, peer).map_or("null".into(), json_num);
                let _ = write!(o, ", \"{key}\": {r}");
            }
            o.push('}');
        }
    }
    let _ = write!(o, "\n  ]");
    if !res.floor.is_empty() {
        let _ = write!(
            o,
            ",\n  \"floor_std_net_echo_rtt_us\": {{\"median\": {}, \"min\": {}, \"max\": {}}}",
            json_num(stats::median(&res.floor)),
            json_num(stats::min(&res.floor)),
            json_num(stats::max(&res.floor))
        );
    }
    if let Some(heap) = res.index_heap {
        let _ = write!(
            o,
            ",\n  \"charfinder_index\": {{\"build_ms\": {{\"median\": {}, \"min\": {}, \"max\": {}}}, \
             \"heap_bytes\": {heap}, \"answer_bytes_mean\": {}}}",
            json_num(stats::median(&res.index_build_ms)),
            json_num(stats::min(&res.index_build_ms)),
            json_num(stats::max(&res.index_build_ms)),
            res.charfinder_answer_bytes.unwrap_or(0)
        );
    }
    let remarks: Vec<String> = res.remarks.iter().map(|r| json_str(r)).collect();
    let _ = write!(o, ",\n  \"remarks\": [{}]\n}}\n", remarks.join(", "));
    o
}

// ---- main ------------------------------------------------------------------------------------

/// `--markdown-into FILE#NAME`: replaces what lies between the lines
/// `<!-- oneloop-bench NAME: begin -->` and `<!-- oneloop-bench NAME: end -->` in FILE with
/// the command that made the table and the table itself, fenced: how README.md's tables are
/// regenerated, never edited by hand.
fn markdown_into(target: &str, command: &str, table: &str) -> Result<(), String> {
    let (path, name) = target
        .split_once('#')
        .ok_or("expected FILE#NAME, e.g. README.md#latest")?;
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let begin = format!("<!-- oneloop-bench {name}: begin -->\n");
    let end = format!("<!-- oneloop-bench {name}: end -->");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("no line {:?} in {path}", begin.trim()))?
        + begin.len();
    let stop = start
        + text[start..]
            .find(&end)
            .ok_or_else(|| format!("no line {end:?} after the begin line in {path}"))?;
    let block = format!("`{command}`:\n\n```text\n{}\n```\n", table.trim_end());
    let updated = format!("{}{block}{}", &text[..start], &text[stop..]);
    std::fs::write(path, updated).map_err(|e| e.to_string())
}

fn usage() -> ! {
    eprintln!(
        "usage: oneloop-bench [--quick] [--same-core] [--only NAME[,NAME..]] [--rt tokio,smol,oneloop]\n                     [--rounds N] [--json PATH] [--markdown-into FILE#NAME] [--list]\n\
         benchmarks: {}",
        GROUPS.iter().map(|g| g.name).collect::<Vec<_>>().join(", ")
    );
    std::process::exit(2);
}

/// Pins the loop to CPU 0 and load generators to CPU 1, when both are ours to use.
/// With `--same-core` (passed on to child processes through `ONELOOP_BENCH_SAME_CORE`),
/// everything runs on CPU 0.
fn init_pinning() -> Option<String> {
    let cpus = sys::allowed_cpus();
    CPUS.get_or_init(|| cpus.len());
    if std::env::var_os("ONELOOP_BENCH_SAME_CORE").is_some() {
        load::SAME_CORE.store(true, Ordering::Relaxed);
    }
    if load::SAME_CORE.load(Ordering::Relaxed) && cpus.contains(&LOOP_CPU) {
        load::PIN.store(true, Ordering::Relaxed);
        load::pin(LOOP_CPU);
        return Some(format!(
            "--same-core: the loop and every load generator share CPU {LOOP_CPU}"
        ));
    }
    if cpus.contains(&LOOP_CPU) && cpus.contains(&LOAD_CPU) {
        load::PIN.store(true, Ordering::Relaxed);
        load::pin(LOOP_CPU);
        None
    } else {
        Some(format!(
            "not pinned: CPUs {LOOP_CPU} and {LOAD_CPU} are not both available (allowed: {cpus:?}); \
             the loop and the load share cores"
        ))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = format!("oneloop-bench {}", args.join(" "));
    // Child-process modes of the idle-connection benchmark.
    match args.first().map(String::as_str) {
        Some("--idle-client") if args.len() == 4 => {
            init_pinning();
            let addr: SocketAddr = args[1].parse().unwrap_or_else(|_| usage());
            let n = args[2].parse().unwrap_or_else(|_| usage());
            load::idle_client(addr, n, args[3] == "http");
        }
        Some("--idle-server") if args.len() == 4 => {
            init_pinning();
            let rt = Rt::from_name(&args[1]).unwrap_or_else(|| usage());
            let n = args[2].parse().unwrap_or_else(|_| usage());
            idle_server_main(rt, n, &args[3]);
        }
        _ => {}
    }

    let mut quick = false;
    let mut same_core = false;
    let mut runtimes: Vec<Rt> = RUNTIMES.to_vec();
    let mut only: Option<Vec<String>> = None;
    let mut json: Option<String> = None;
    let mut markdown: Option<String> = None;
    let mut rounds: Option<usize> = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--same-core" => same_core = true,
            "--only" => {
                let v = it.next().unwrap_or_else(|| usage());
                only = Some(v.split(',').map(str::to_string).collect());
            }
            "--json" => json = Some(it.next().unwrap_or_else(|| usage())),
            "--markdown-into" => markdown = Some(it.next().unwrap_or_else(|| usage())),
            "--rt" => {
                let v = it.next().unwrap_or_else(|| usage());
                let picked: Option<Vec<Rt>> = v.split(',').map(Rt::from_name).collect();
                runtimes = picked.unwrap_or_else(|| usage());
            }
            "--rounds" => {
                rounds = Some(
                    it.next()
                        .and_then(|v| v.parse().ok())
                        .filter(|&n| n > 0)
                        .unwrap_or_else(|| usage()),
                )
            }
            "--list" => {
                for g in GROUPS {
                    println!("{:<10} {}", g.name, g.specs[0].label);
                }
                return;
            }
            _ => usage(),
        }
    }
    let mut p = Params::new(quick);
    if let Some(r) = rounds {
        p.rounds = r;
        p.io_rounds = r;
    }
    let groups: Vec<&Group> = match &only {
        None => GROUPS.iter().collect(),
        Some(names) => {
            for n in names {
                if !GROUPS.iter().any(|g| g.name == n) {
                    eprintln!("unknown benchmark {n:?}");
                    usage();
                }
            }
            GROUPS
                .iter()
                .filter(|g| names.iter().any(|n| n == g.name))
                .collect()
        }
    };

    let mut res = Results::default();
    if same_core {
        // Set before any thread starts; child processes inherit it.
        std::env::set_var("ONELOOP_BENCH_SAME_CORE", "1");
    }
    if let Some(note) = init_pinning() {
        res.remarks.push(note);
    } else {
        res.remarks.push(format!(
            "loop pinned to CPU {LOOP_CPU}, load generators (echo and charfinder clients, wrk, idle client) to CPU {LOAD_CPU}"
        ));
    }
    let limit = sys::raise_nofile();
    if groups.iter().any(|g| g.name == "idle") && idle_n(&p) < p.idle_n {
        res.remarks.push(format!(
            "idle: RLIMIT_NOFILE is {limit}, so {} idle connections instead of {}",
            idle_n(&p),
            p.idle_n
        ));
    }
    if !cfg!(feature = "oneloop-sync") {
        res.remarks.push(
            "oneloop's channel and semaphore figures are gated: build with \
             --features oneloop-sync once oneloop::sync::{mpsc, Semaphore} exist"
                .into(),
        );
    }
    if !cfg!(feature = "oneloop-net") {
        res.remarks
            .push("oneloop's network figures are gated: build with --features oneloop-net".into());
    }
    start_watchdog();
    let started = Instant::now();

    for g in &groups {
        let rounds = if g.needs == Needs::Net {
            p.io_rounds
        } else {
            p.rounds
        };
        eprint!("{:<10}", g.name);
        for round in 0..rounds {
            // Alternate the order each round: A B C, B C A, C A B, ...
            for i in 0..RUNTIMES.len() {
                let rt = RUNTIMES[(round + i) % RUNTIMES.len()];
                if !runtimes.contains(&rt) {
                    continue;
                }
                if !rt.has(g.needs) {
                    let feature = match g.needs {
                        Needs::Sync => "oneloop-sync",
                        _ => "oneloop-net",
                    };
                    res.notes.insert(
                        (g.name, rt),
                        format!("gated: build with --features {feature}"),
                    );
                    continue;
                }
                if res
                    .notes
                    .get(&(g.name, rt))
                    .is_some_and(|n| n.starts_with("skipped"))
                {
                    continue;
                }
                arm(
                    format!("{} on {} (round {})", g.name, rt.name(), round + 1),
                    Duration::from_secs(120),
                );
                match panic::catch_unwind(AssertUnwindSafe(|| (g.run)(rt, &p))) {
                    Ok(Ok(metrics)) => {
                        for (k, v) in metrics {
                            let key = g
                                .specs
                                .iter()
                                .find(|s| s.key == k)
                                .map(|s| s.key)
                                .expect("a metric key the group declares");
                            res.samples.entry((key, rt)).or_default().push(v);
                        }
                    }
                    Ok(Err(why)) => {
                        res.notes.insert((g.name, rt), format!("skipped: {why}"));
                    }
                    Err(_) => {
                        res.notes
                            .insert((g.name, rt), "skipped: the workload panicked".into());
                    }
                }
                eprint!(".");
            }
            if g.name == "charfinder" && round + 1 == rounds {
                arm("the index builds".into(), Duration::from_secs(60));
                let (times, heap) = index_builds(p.index_builds);
                res.index_build_ms = times;
                res.index_heap = Some(heap);
                let b = CHARFINDER_ANSWER_BYTES.load(Ordering::Relaxed);
                res.charfinder_answer_bytes = (b > 0).then_some(b);
            }
            if g.name == "echo1" {
                arm("the std::net floor".into(), Duration::from_secs(60));
                match run_floor(&p) {
                    Ok(f) => res.floor.push(f),
                    Err(e) => res.remarks.push(format!("floor: {e}")),
                }
            }
        }
        eprintln!();
    }
    WATCH_DEADLINE.store(u64::MAX, Ordering::SeqCst);
    res.remarks.push(format!(
        "whole run: {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let table = render(&res, &groups, &p);
    print!("{table}");
    if let Some(target) = markdown {
        if let Err(e) = markdown_into(&target, &command, &table) {
            eprintln!("could not update {target}: {e}");
            std::process::exit(1);
        }
    }
    if let Some(path) = json {
        if let Err(e) = std::fs::write(&path, to_json(&res, &groups, &p)) {
            eprintln!("could not write {path}: {e}");
            std::process::exit(1);
        }
    }
}
