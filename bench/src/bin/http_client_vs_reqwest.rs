//! `oneloop::http::Client` against reqwest (HTTP/1 only, no TLS) on tokio's
//! `current_thread` runtime: the same GETs of the same hello server (hyper's, on a thread
//! of its own; `--server oneloop` for oneloop's), in two workloads:
//!
//! - **sequential**: one task, 2,000 GETs one after the other over one keep-alive
//!   connection;
//! - **50 tasks**: 50 tasks of 40 GETs each, 2,000 in all, over 50 connections.
//!
//! Each run is a fresh thread with a fresh runtime and client; a warm-up of one GET per
//! task, three times, first opens the connections (not counted), then the measured GETs read every body and check
//! its status and length. Figures: requests per second, and the client thread's CPU time
//! per request (`/proc/self/task/TID/schedstat`). Rounds alternate which client goes
//! first; medians, and the medians of the per-round ratios.
//!
//! `cargo run --release -p oneloop-bench --bin http_client_vs_reqwest [-- ROUNDS [REQUESTS]]
//! [--server oneloop]` (default 7 rounds of 2,000 requests per workload).
//!
//! `... --bin http_client_vs_reqwest -- --syscalls [REQUESTS]` counts each client's system
//! calls instead: this program runs itself as a child under `strace -c -f` for each client
//! and workload, once with REQUESTS measured GETs and once with none (the same start-up and
//! warm-up), and prints the difference per request as a markdown table.

#[path = "../compare/mod.rs"]
mod compare;

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use compare::rounds::{load_average, machine, pair, Sample, Tally};
use compare::servers::{hyper_hello, oneloop_hello, Served, HELLO};
use compare::strace;
use compare::thread_cpu::{gettid, thread_cpu_ns};

/// The two clients, in the order of every table: oneloop's first.
const CLIENTS: [&str; 2] = [
    "oneloop::http::Client",
    "reqwest 0.12 / tokio current_thread",
];
/// Short names for the child process's command line and the table's columns.
const SHORT: [&str; 2] = ["oneloop", "reqwest"];

/// One workload: `tasks` tasks sharing one client, each doing `requests / tasks` GETs.
#[derive(Debug, Clone, Copy)]
struct Workload {
    name: &'static str,
    tasks: usize,
}

const WORKLOADS: [Workload; 2] = [
    Workload {
        name: "sequential",
        tasks: 1,
    },
    Workload {
        name: "50 tasks",
        tasks: 50,
    },
];

/// How many times every task makes one GET, all at once, before the measured part: the
/// first time, a task that starts late can find the connection of one that finished
/// already (oneloop's client pooled 47 of 50 connections after one such round, fewer under
/// strace), and the measured part would open the rest; the next rounds open them.
const WARM_UP_ROUNDS: usize = 3;

/// The measured part of one run.
struct Measured {
    /// Wall-clock time, in seconds.
    secs: f64,
    /// CPU time of the client's thread, in nanoseconds.
    cpu_ns: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag_value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let positional: Vec<&String> = {
        let mut skip = false;
        args.iter()
            .filter(|a| {
                let keep = !skip && !a.starts_with("--");
                skip = a.as_str() == "--server";
                keep
            })
            .collect()
    };
    let number = |i: usize, default: usize| {
        positional
            .get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let server = match flag_value("--server").map(String::as_str) {
        None | Some("hyper") => ("hyper 1 / tokio current_thread", hyper_hello()),
        Some("oneloop") => ("oneloop::http::serve", oneloop_hello()),
        Some(other) => fail(&format!("--server {other}: hyper or oneloop")),
    };
    // Every run is bounded: a client that hangs ends the process instead.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(600));
        fail("gave up after 10 minutes");
    });
    println!("{}; {} at the start", machine(), load_average());
    println!(
        "server: {} hello (13 bytes, keep-alive), on a thread of its own",
        server.0
    );
    if args.iter().any(|a| a == "--syscalls") {
        syscalls(server.1, number(0, 2000).max(1));
    } else {
        compare(server.1, number(0, 7).max(1), number(1, 2000).max(50));
    }
}

/// Alternated rounds of both workloads on both clients, then the summary.
fn compare(server: Served, rounds: usize, requests: usize) {
    let url = format!("http://{}/", server.addr);
    let mut tallies: Vec<Tally> = WORKLOADS.iter().map(|_| Tally::default()).collect();
    for round in 0..rounds {
        for (workload, tally) in WORKLOADS.iter().zip(&mut tallies) {
            let both = pair(round, |i| {
                let url = url.clone();
                let tasks = workload.tasks;
                let run = std::thread::spawn(move || run_client(i, &url, tasks, requests / tasks));
                let measured = run
                    .join()
                    .map_err(|_| "the client thread panicked".to_string())??;
                let done = (requests / workload.tasks * workload.tasks) as f64;
                Ok(Sample {
                    per_sec: done / measured.secs,
                    cpu_ns: measured.cpu_ns / done,
                })
            })
            .unwrap_or_else(|e| fail(&e));
            println!(
                "round {} {:<10}: {:>6.0} vs {:>6.0} req/s, {:>6.0} vs {:>6.0} ns client CPU/req ({})",
                round + 1,
                workload.name,
                both[0].per_sec,
                both[1].per_sec,
                both[0].cpu_ns,
                both[1].cpu_ns,
                load_average()
            );
            tally.push(both);
        }
    }
    for (workload, tally) in WORKLOADS.iter().zip(&tallies) {
        println!(
            "\n{} GETs, {} ({} task{}), {rounds} rounds, client thread CPU (median [min-max]):",
            requests / workload.tasks * workload.tasks,
            workload.name,
            workload.tasks,
            if workload.tasks == 1 { "" } else { "s" }
        );
        print!("{}", tally.summary(CLIENTS, SHORT, "req/s"));
    }
    println!("\n{} at the end", load_average());
}

/// The system-call table: each client and workload under `strace -c -f`, with `requests`
/// GETs and with none; the difference per request.
fn syscalls(server: Served, requests: usize) {
    let exe = std::env::current_exe().unwrap_or_else(|e| fail(&format!("current_exe: {e}")));
    let url = format!("http://{}/", server.addr);
    let mut columns = Vec::new();
    for workload in WORKLOADS {
        let per_task = requests / workload.tasks;
        for short in SHORT {
            let run = |per_task: usize| {
                let args = [
                    short,
                    &workload.tasks.to_string(),
                    &per_task.to_string(),
                    &url,
                ];
                let mut all = vec!["--child".to_string()];
                all.extend(args.iter().map(|a| a.to_string()));
                strace::count(&exe, &all).unwrap_or_else(|e| fail(&e))
            };
            let with = run(per_task);
            let baseline = run(0);
            let done = (per_task * workload.tasks) as u64;
            let title = format!("{short}, {}", workload.name);
            columns.push((title, strace::per_request(&with, &baseline, done)));
        }
    }
    println!(
        "\nsystem calls per request ({} GETs per workload; strace -c -f of the client process, \
         minus a run with none; `failed`: the calls that returned an error, such as EAGAIN):\n",
        requests
    );
    print!("{}", strace::table(&columns));
    println!("\n{} at the end", load_average());
}

/// `--child CLIENT TASKS PER_TASK URL`: one run on this thread, for strace.
fn child(args: &[String]) {
    let client = SHORT
        .iter()
        .position(|s| Some(&s.to_string()) == args.first());
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok());
    let (Some(client), Some(tasks), Some(per_task), Some(url)) =
        (client, number(1), number(2), args.get(3))
    else {
        fail("usage: --child oneloop|reqwest TASKS PER_TASK URL");
    };
    if let Err(e) = run_client(client, url, tasks, per_task) {
        fail(&e);
    }
}

/// Runs client `which` (0: oneloop, 1: reqwest) on this thread: warm-up GETs per task,
/// then `tasks` tasks of `per_task` GETs, measured.
fn run_client(which: usize, url: &str, tasks: usize, per_task: usize) -> Result<Measured, String> {
    if which == 0 {
        on_oneloop(url, tasks, per_task)
    } else {
        on_reqwest(url, tasks, per_task)
    }
}

/// The oneloop side: a `Runtime` and an `oneloop::http::Client` on this thread.
fn on_oneloop(url: &str, tasks: usize, per_task: usize) -> Result<Measured, String> {
    let rt = oneloop::Runtime::new().map_err(|e| format!("oneloop runtime: {e}"))?;
    let url: Rc<str> = url.into();
    rt.block_on(async move {
        let client = oneloop::http::Client::new();
        let round = |n: usize| {
            let handles: Vec<_> = (0..tasks)
                .map(|_| oneloop::spawn(oneloop_gets(client.clone(), url.clone(), n)))
                .collect();
            async move {
                for handle in handles {
                    handle.await.map_err(|e| format!("a oneloop task: {e}"))??;
                }
                Ok::<(), String>(())
            }
        };
        for _ in 0..WARM_UP_ROUNDS {
            round(1).await?;
        }
        measure(round(per_task)).await
    })
}

/// One task of oneloop's side: `n` GETs in a row, each body read and checked.
async fn oneloop_gets(client: oneloop::http::Client, url: Rc<str>, n: usize) -> Result<(), String> {
    for _ in 0..n {
        let response = client.get(&url).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        check(status, body.len())?;
    }
    Ok(())
}

/// The reqwest side: a tokio `current_thread` runtime and a `reqwest::Client` on this
/// thread.
fn on_reqwest(url: &str, tasks: usize, per_task: usize) -> Result<Measured, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let url: Arc<str> = url.into();
    rt.block_on(async move {
        // No proxy: a `http_proxy` in the environment must not reroute one client only.
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| format!("reqwest client: {e}"))?;
        let round = |n: usize| {
            let handles: Vec<_> = (0..tasks)
                .map(|_| tokio::spawn(reqwest_gets(client.clone(), url.clone(), n)))
                .collect();
            async move {
                for handle in handles {
                    handle.await.map_err(|e| format!("a tokio task: {e}"))??;
                }
                Ok::<(), String>(())
            }
        };
        for _ in 0..WARM_UP_ROUNDS {
            round(1).await?;
        }
        measure(round(per_task)).await
    })
}

/// One task of reqwest's side: `n` GETs in a row, each body read and checked.
async fn reqwest_gets(client: reqwest::Client, url: Arc<str>, n: usize) -> Result<(), String> {
    for _ in 0..n {
        let response = client.get(&*url).send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        check(status, body.len())?;
    }
    Ok(())
}

/// Runs `work` and measures it: wall time, and this thread's CPU time (the client's loop
/// runs here).
async fn measure(
    work: impl std::future::Future<Output = Result<(), String>>,
) -> Result<Measured, String> {
    let tid = gettid();
    let (cpu, start) = (thread_cpu_ns(tid), Instant::now());
    work.await?;
    Ok(Measured {
        secs: start.elapsed().as_secs_f64(),
        cpu_ns: thread_cpu_ns(tid) - cpu,
    })
}

/// Every answer must be the hello server's: 200 and 13 bytes.
fn check(status: u16, len: usize) -> Result<(), String> {
    if status == 200 && len == HELLO.len() {
        Ok(())
    } else {
        Err(format!("unexpected answer: status {status}, {len} bytes"))
    }
}

/// Says what went wrong on stderr and exits with status 1.
fn fail(message: &str) -> ! {
    eprintln!("http_client_vs_reqwest: {message}");
    std::process::exit(1);
}
