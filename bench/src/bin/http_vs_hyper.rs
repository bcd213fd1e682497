//! `oneloop::http::serve` against hyper 1.x on tokio's `current_thread` runtime: the same
//! hello handler (13 bytes of text, keep-alive), each server on its own thread, loaded in
//! turn by `wrk -t1 -c50`. Rounds alternate between the servers so that drift on a shared
//! machine hits both; the table gives each server's median and the median of the per-round
//! ratios, for requests per second and for the server thread's CPU time per request (read
//! from `/proc`, so other processes on a busy machine disturb it much less than req/s).
//!
//! `cargo run --release -p oneloop-bench --bin http_vs_hyper [-- ROUNDS SECS]` (default
//! 5 rounds of 3 s). Needs `wrk`.

#[path = "../compare/mod.rs"]
mod compare;

use compare::rounds::{load_average, pair, Sample, Tally};
use compare::servers::{hyper_hello, oneloop_hello};
use compare::thread_cpu::thread_cpu_ns;
use compare::wrk::wrk;

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let secs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    let names = ["oneloop::http", "hyper 1 / tokio current_thread"];
    let servers = [oneloop_hello(), hyper_hello()];
    println!("{} at the start", load_average());
    let mut tally = Tally::default();
    for round in 0..rounds {
        let both = pair(round, |i| {
            let served = servers[i];
            let before = thread_cpu_ns(served.tid);
            let run = wrk(&format!("http://{}/", served.addr), 50, secs, None)?;
            Ok(Sample {
                per_sec: run.per_sec,
                cpu_ns: (thread_cpu_ns(served.tid) - before) / run.requests,
            })
        });
        let both = both.unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1);
        });
        println!(
            "round {}: {:>8.0} vs {:>8.0} req/s, {:>6.0} vs {:>6.0} ns CPU/req ({})",
            round + 1,
            both[0].per_sec,
            both[1].per_sec,
            both[0].cpu_ns,
            both[1].cpu_ns,
            load_average()
        );
        tally.push(both);
    }
    println!("\nwrk -t1 -c50, {rounds} rounds of {secs} s, hello handler, keep-alive, server thread CPU (median [min-max]):");
    print!("{}", tally.summary(names, ["oneloop", "hyper"], "req/s"));
}
