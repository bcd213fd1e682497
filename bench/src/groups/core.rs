//! The core groups: tasks (spawn, yield), timers (sleep, lateness) and cancellation. Each
//! runs `crate::workload::core` on a fresh runtime, in memory, with its sizes for the full run
//! and for `--quick` side by side in its constructor.

use crate::group::{count, Bench, Metrics, Row, Scale};
use crate::rt::{on_rt, Rt};

/// Spawn + join of empty tasks: the fixed cost of a task, and what it allocates.
pub struct Spawn {
    tasks: usize,
}

impl Spawn {
    pub fn new(scale: Scale) -> Spawn {
        Spawn {
            tasks: scale.pick(100_000, 10_000),
        }
    }
}

impl Bench for Spawn {
    fn name(&self) -> &'static str {
        "spawn"
    }
    fn measures(&self) -> &'static str {
        "spawn then join empty tasks on a warmed runtime: ns per task, and bytes and \
         allocations per task (warm and cold)"
    }
    fn rows(&self) -> Vec<Row> {
        let n = count(self.tasks as u64);
        vec![
            Row::cost("spawn.ns", format!("spawn+join {n} empty tasks"), "ns/task"),
            Row::cost(
                "spawn.bytes_warm",
                "bytes allocated per task, warm",
                "B/task",
            )
            .sub(),
            Row::cost(
                "spawn.allocs_warm",
                "allocations per task, warm",
                "allocs/task",
            )
            .sub(),
            Row::cost(
                "spawn.bytes_cold",
                "bytes allocated per task, cold",
                "B/task",
            )
            .sub(),
        ]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        Ok(on_rt!(rt, core::spawn_join(self.tasks)))
    }
}

/// Tasks yielding in turn: the cost of one trip through the run queue, and fairness.
pub struct Yield {
    tasks: usize,
    yields: usize,
}

impl Yield {
    pub fn new(scale: Scale) -> Yield {
        Yield {
            tasks: 100,
            yields: scale.pick(10_000, 500),
        }
    }
}

impl Bench for Yield {
    fn name(&self) -> &'static str {
        "yield"
    }
    fn measures(&self) -> &'static str {
        "tasks yielding in turn: ns per yield_now, and the spread of their finishing times \
         (fairness)"
    }
    fn rows(&self) -> Vec<Row> {
        let (t, y) = (count(self.tasks as u64), count(self.yields as u64));
        vec![
            Row::cost("yield.ns", format!("{t} tasks x {y} yield_now"), "ns/yield"),
            Row::cost("yield.spread_us", "finish-time spread (fairness)", "us").sub(),
        ]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        Ok(on_rt!(rt, core::yield_fairness(self.tasks, self.yields)))
    }
}

/// Sleeps created, polled once (registered) and dropped: the timer's insert + cancel path.
pub struct Sleep {
    sleeps: usize,
}

impl Sleep {
    pub fn new(scale: Scale) -> Sleep {
        Sleep {
            sleeps: scale.pick(100_000, 10_000),
        }
    }
}

impl Bench for Sleep {
    fn name(&self) -> &'static str {
        "sleep"
    }
    fn measures(&self) -> &'static str {
        "sleeps created, polled once (the timer registered) and dropped: ns and bytes per sleep"
    }
    fn rows(&self) -> Vec<Row> {
        let n = count(self.sleeps as u64);
        vec![
            Row::cost(
                "sleep.ns",
                format!("{n} sleeps: create, poll once, drop"),
                "ns/sleep",
            ),
            Row::cost("sleep.bytes", "bytes allocated per sleep, warm", "B/sleep").sub(),
        ]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        Ok(on_rt!(rt, core::sleep_create_drop(self.sleeps)))
    }
}

/// Concurrent sleeps over 1-50 ms: how late each wakes, and the loop's CPU time meanwhile.
pub struct Lateness {
    sleeps: usize,
}

impl Lateness {
    pub fn new(_scale: Scale) -> Lateness {
        // The same in --quick: the run lasts the longest sleep (50 ms) whatever the count.
        Lateness { sleeps: 1_000 }
    }
}

impl Bench for Lateness {
    fn name(&self) -> &'static str {
        "lateness"
    }
    fn measures(&self) -> &'static str {
        "concurrent sleeps spread over 1-50 ms: how late each wakes (mean, p99, max) and the \
         loop thread's CPU time per sleep"
    }
    fn rows(&self) -> Vec<Row> {
        let n = count(self.sleeps as u64);
        vec![
            Row::cost(
                "late.mean_us",
                format!("{n} sleeps over 1-50 ms: lateness mean"),
                "us",
            ),
            Row::cost("late.p99_us", "lateness p99", "us").sub(),
            Row::cost("late.max_us", "lateness max", "us").sub(),
            Row::cost(
                "late.cpu_us",
                "loop CPU time, spawn to last join",
                "us/sleep",
            )
            .sub(),
        ]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        Ok(on_rt!(rt, core::lateness(self.sleeps)))
    }
}

/// Tasks parked in a long sleep, cancelled one by one: abort() (and oneloop's cancel()) to
/// join.
pub struct Cancel {
    tasks: usize,
}

impl Cancel {
    pub fn new(scale: Scale) -> Cancel {
        Cancel {
            tasks: scale.pick(1_000, 100),
        }
    }
}

impl Bench for Cancel {
    fn name(&self) -> &'static str {
        "cancel"
    }
    fn measures(&self) -> &'static str {
        "tasks parked in a one-hour sleep: median time from abort() (oneloop also cancel()) \
         to the join resolving"
    }
    fn rows(&self) -> Vec<Row> {
        let n = count(self.tasks as u64);
        vec![
            Row::cost(
                "cancel.abort_ns",
                format!("cancel latency, {n} tasks: abort() -> join"),
                "ns",
            ),
            Row::cost("cancel.cancel_ns", "oneloop cancel() -> join", "ns").sub(),
        ]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        Ok(on_rt!(rt, core::cancel_latency(self.tasks)))
    }
}
