//! The machine the run is on: which CPUs the loop and the load generators are pinned to
//! (`init_pinning`), and the one-line description at the top of the report (`describe`).

use std::sync::atomic::Ordering;
use std::sync::OnceLock;

use crate::load::{self, LOAD_CPU, LOOP_CPU};
use crate::sys;

/// How many CPUs the process could use at start (before pinning narrows the main thread).
static CPUS: OnceLock<usize> = OnceLock::new();

/// Pins the loop to CPU 0 and load generators to CPU 1, when both are ours to use.
/// With `--same-core` (passed on to child processes through `ONELOOP_BENCH_SAME_CORE`),
/// everything runs on CPU 0. Returns the note for the report.
pub fn init_pinning() -> String {
    let cpus = sys::allowed_cpus();
    CPUS.get_or_init(|| cpus.len());
    if std::env::var_os("ONELOOP_BENCH_SAME_CORE").is_some() {
        load::SAME_CORE.store(true, Ordering::Relaxed);
    }
    if load::SAME_CORE.load(Ordering::Relaxed) && cpus.contains(&LOOP_CPU) {
        load::PIN.store(true, Ordering::Relaxed);
        load::pin(LOOP_CPU);
        return format!("--same-core: the loop and every load generator share CPU {LOOP_CPU}");
    }
    if cpus.contains(&LOOP_CPU) && cpus.contains(&LOAD_CPU) {
        load::PIN.store(true, Ordering::Relaxed);
        load::pin(LOOP_CPU);
        format!(
            "loop pinned to CPU {LOOP_CPU}, load generators (echo and charfinder clients, wrk, \
             idle client) to CPU {LOAD_CPU}"
        )
    } else {
        format!(
            "not pinned: CPUs {LOOP_CPU} and {LOAD_CPU} are not both available (allowed: {cpus:?}); \
             the loop and the load share cores"
        )
    }
}

/// `AMD EPYC, 2 CPUs, Linux 6.18.44`: the CPU model, the CPUs the process could use, the
/// kernel.
pub fn describe() -> String {
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
