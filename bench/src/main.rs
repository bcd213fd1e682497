//! oneloop against tokio (current_thread) and smol (LocalExecutor + async-io), in one run.
//!
//! `cargo run --release -p oneloop-bench -- [--quick] [--same-core] [--only NAME[,NAME..]]
//! [--rt tokio,smol,oneloop] [--rounds N] [--json PATH] [--markdown-into FILE#NAME] [--list]`.
//! See `bench/README.md` for how to read the table.
//!
//! The map, in the order a run goes through it:
//!
//! - `cli`: the command line.
//! - `groups`: every benchmark group, each a `group::Bench` with its sizes and rows; the list
//!   in `groups::all` is the one place a group is registered.
//! - `machine`: CPU pinning and the machine's description; `watchdog`: every run bounded.
//! - `runner`: the rounds, runtimes alternated; `report`: the table, markdown and JSON.
//! - Underneath: `workload/` (each workload written once) compiled per runtime by `on`
//!   against `adapter/`; `load` (the load generators), `alloc` (the counting allocator),
//!   `stats`, `sys`, `rt` (the runtimes).

mod adapter;
mod alloc;
mod cli;
mod cpu;
mod group;
mod groups;
mod load;
mod machine;
mod on;
mod report;
mod rt;
mod runner;
mod stats;
mod sys;
mod watchdog;

use std::io::Write as _;
use std::time::Instant;

use cli::{Command, Options};
use report::Report;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// Prints `why` and the usage, and exits with status 2.
fn usage_exit(why: &str) -> ! {
    let names: Vec<&str> = groups::all(group::Scale::Quick)
        .iter()
        .map(|g| g.name())
        .collect();
    eprintln!("oneloop-bench: {why}\n{}", cli::usage(&names));
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = format!("oneloop-bench {}", args.join(" "));
    match cli::parse(&args) {
        Err(why) => usage_exit(&why),
        Ok(Command::IdleClient { addr, conns, shape }) => {
            machine::init_pinning();
            load::idle_client(addr, conns, shape == "http");
        }
        Ok(Command::IdleServer { rt, conns, shape }) => {
            machine::init_pinning();
            let shape = groups::idle::Shape::from_arg(&shape)
                .unwrap_or_else(|| usage_exit(&format!("unknown idle shape {shape:?}")));
            groups::idle::server_main(rt, conns, shape);
        }
        Ok(Command::Run(options)) => run(options, &command),
    }
}

fn run(o: Options, command: &str) {
    let mut groups =
        groups::select(o.scale, o.only.as_deref()).unwrap_or_else(|why| usage_exit(&why));
    if o.list {
        // A closed pipe (`--list | head`) ends the listing quietly.
        let mut out = std::io::stdout().lock();
        for g in &groups {
            let label = g
                .rows()
                .first()
                .map(|r| r.label.clone())
                .unwrap_or_default();
            let (name, measures) = (g.name(), g.measures());
            if writeln!(out, "{name:<12} {label}\n{:<12} {measures}", "").is_err() {
                break;
            }
        }
        return;
    }
    if o.same_core {
        // Set before any thread starts; child processes inherit it.
        std::env::set_var("ONELOOP_BENCH_SAME_CORE", "1");
    }
    let pinning = machine::init_pinning();
    sys::raise_nofile();
    watchdog::start();
    let started = Instant::now();
    let rounds = runner::Rounds::new(o.scale, o.rounds);
    let results = runner::run_all(&mut groups, &o.runtimes, rounds);

    let mut remarks = vec![pinning];
    remarks.extend(groups.iter().flat_map(|g| g.remarks()));
    remarks.push(format!(
        "whole run: {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let report = Report {
        machine: machine::describe(),
        scale: o.scale,
        rounds,
        groups: results,
        remarks,
    };
    let table = report::table::render(&report);
    print!("{table}");
    if let Some(target) = o.markdown {
        if let Err(e) = report::markdown::markdown_into(&target, command, &table) {
            eprintln!("could not update {target}: {e}");
            std::process::exit(1);
        }
    }
    if let Some(path) = o.json {
        if let Err(e) = std::fs::write(&path, report::json::to_json(&report)) {
            eprintln!("could not write {path}: {e}");
            std::process::exit(1);
        }
    }
}
