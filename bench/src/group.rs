//! What a benchmark group is: one workload, run on each runtime once per round, giving one
//! or more rows of the table. Each group (`crate::groups`) is a type implementing [`Bench`]:
//! its name, what it measures, its sizes for the full run and for `--quick`, the rows it
//! fills (labelled with the sizes it runs), which runtimes it applies to, and its own extra
//! lines under the table. The round runner (`crate::runner`) knows nothing about any group
//! in particular.

use std::time::Duration;

use crate::rt::Rt;

/// What one run of one workload on one runtime measured: `(metric key, value)`, each key one
/// of the group's [`Row`]s.
pub type Metrics = Vec<(&'static str, f64)>;

/// The full run, or `--quick` (seconds, what CI runs): every group picks its sizes from it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scale {
    Full,
    Quick,
}

impl Scale {
    /// `full` in the full run, `quick` under `--quick`: a group's two sizes side by side.
    pub fn pick<T>(self, full: T, quick: T) -> T {
        match self {
            Scale::Full => full,
            Scale::Quick => quick,
        }
    }
}

/// Which round count a group runs with (`crate::runner::Rounds`): in-memory workloads are
/// cheap and steady; I/O workloads run for fixed durations and are fewer in `--quick`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    InMemory,
    Io,
}

/// One metric: a row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The metric key the workload returns (`Metrics`), e.g. `spawn.ns`.
    pub key: &'static str,
    /// What the row shows, with the sizes that ran (`spawn+join 100k empty tasks`).
    pub label: String,
    pub unit: &'static str,
    /// Throughputs; everything else (times, bytes, latencies) is better lower. Decides which
    /// way the ratio columns divide.
    pub higher_better: bool,
    /// Printed indented under the row before it: another figure of the same run.
    pub sub: bool,
}

impl Row {
    /// A cost (time, bytes, latency): lower is better.
    pub fn cost(key: &'static str, label: impl Into<String>, unit: &'static str) -> Row {
        Row {
            key,
            label: label.into(),
            unit,
            higher_better: false,
            sub: false,
        }
    }

    /// A rate (requests or queries per second): higher is better.
    pub fn rate(key: &'static str, label: impl Into<String>, unit: &'static str) -> Row {
        Row {
            higher_better: true,
            ..Row::cost(key, label, unit)
        }
    }

    /// The same row, indented under the one before it.
    pub fn sub(self) -> Row {
        Row { sub: true, ..self }
    }
}

/// Why a group has no figure for a runtime.
#[derive(Clone, Debug, PartialEq)]
pub enum Unsupported {
    /// The metric does not exist there (the cells say `n/a`, no note).
    NotApplicable,
    /// The runtime lacks what the workload needs (the cells say `skipped`, the reason goes
    /// under the table).
    Skipped(&'static str),
}

/// A figure a group prints under the table and writes into the JSON at the top level
/// (the std::net floor, the charfinder index).
#[derive(Clone, Debug, PartialEq)]
pub struct Extra {
    /// The line under the table.
    pub line: String,
    /// Its key in the JSON report, and its value there.
    pub json_key: &'static str,
    pub json: serde_json::Value,
}

/// A group of rows measured by one workload. Registering a new group is one line in
/// `crate::groups::all`.
pub trait Bench {
    /// The name `--only` and `--list` use.
    fn name(&self) -> &'static str;
    /// One line: what the group measures and why (`--list`, the JSON's `measures`).
    fn measures(&self) -> &'static str;
    /// Which round count applies: in-memory by default.
    fn kind(&self) -> Kind {
        Kind::InMemory
    }
    /// The rows this group fills, labelled with the sizes it runs (from the same fields
    /// `run` passes to the workload, so a label cannot drift from what ran).
    fn rows(&self) -> Vec<Row>;
    /// Whether the group applies to `rt`; all runtimes by default.
    fn unsupported(&self, _rt: Rt) -> Option<Unsupported> {
        None
    }
    /// One run on `rt`: its metrics, or why it could not run (the cells say `skipped`).
    fn run(&mut self, rt: Rt) -> Result<Metrics, String>;
    /// Called after each round (`round` counts from 0) once every runtime has run.
    fn after_round(&mut self, _round: usize, _rounds: usize) {}
    /// Figures printed under the table after the run.
    fn extras(&self) -> Vec<Extra> {
        Vec::new()
    }
    /// Lines for the notes under the table (a size reduced by a system limit, a failure of
    /// an extra figure).
    fn remarks(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A count as labels write it: `100k`, `1M`, `2000`, `500`.
pub fn count(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 10_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// A duration as labels write it: `2 s`, `300 ms`.
pub fn duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_the_labels_always_did() {
        assert_eq!(count(100_000), "100k");
        assert_eq!(count(10_000), "10k");
        assert_eq!(count(1_000_000), "1M");
        assert_eq!(count(1_000), "1000");
        assert_eq!(count(2_000), "2000");
        assert_eq!(count(500), "500");
        assert_eq!(count(12_345), "12345");
    }

    #[test]
    fn durations_in_seconds_or_milliseconds() {
        assert_eq!(duration(Duration::from_secs(2)), "2 s");
        assert_eq!(duration(Duration::from_millis(300)), "300 ms");
    }

    #[test]
    fn scale_picks_its_size() {
        assert_eq!(Scale::Full.pick(100_000, 10_000), 100_000);
        assert_eq!(Scale::Quick.pick(100_000, 10_000), 10_000);
    }
}
