//! The round runner: runs each group on each runtime once per round, alternating the order of
//! the runtimes from round to round, each run armed with the watchdog and caught if it
//! panics; collects the samples into a `GroupResult` per group for the report.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use crate::group::{Bench, Kind, Scale, Unsupported};
use crate::report::{GroupResult, RowResult};
use crate::rt::{Rt, RUNTIMES};
use crate::watchdog;

/// How many rounds each kind of group runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rounds {
    pub in_memory: usize,
    pub io: usize,
}

impl Rounds {
    /// Five of each in the full run; three in-memory and one I/O round in `--quick`;
    /// `--rounds N` sets both.
    pub fn new(scale: Scale, rounds: Option<usize>) -> Rounds {
        match rounds {
            Some(n) => Rounds {
                in_memory: n,
                io: n,
            },
            None => Rounds {
                in_memory: scale.pick(5, 3),
                io: scale.pick(5, 1),
            },
        }
    }

    pub fn of(self, kind: Kind) -> usize {
        match kind {
            Kind::InMemory => self.in_memory,
            Kind::Io => self.io,
        }
    }
}

/// How long one run of one workload may take before the watchdog ends the process.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Runs every group in `groups` for its rounds on the `runtimes` selected. Progress (a dot per
/// run) goes to stderr.
pub fn run_all(groups: &mut [Box<dyn Bench>], runtimes: &[Rt], rounds: Rounds) -> Vec<GroupResult> {
    groups
        .iter_mut()
        .map(|g| {
            let rounds = rounds.of(g.kind());
            run_group(g.as_mut(), runtimes, rounds)
        })
        .collect()
}

fn run_group(g: &mut dyn Bench, runtimes: &[Rt], rounds: usize) -> GroupResult {
    let mut rows: Vec<RowResult> = g
        .rows()
        .into_iter()
        .map(|row| RowResult {
            row,
            samples: HashMap::new(),
        })
        .collect();
    let mut notes: HashMap<Rt, String> = HashMap::new();
    eprint!("{:<12}", g.name());
    for round in 0..rounds {
        // Alternate the order each round: A B C, B C A, C A B, ...
        for i in 0..RUNTIMES.len() {
            let rt = RUNTIMES[(round + i) % RUNTIMES.len()];
            if !runtimes.contains(&rt) || notes.contains_key(&rt) {
                continue;
            }
            match g.unsupported(rt) {
                Some(Unsupported::NotApplicable) => continue,
                Some(Unsupported::Skipped(why)) => {
                    notes.insert(rt, format!("skipped: {why}"));
                    continue;
                }
                None => {}
            }
            watchdog::arm(
                format!("{} on {} (round {})", g.name(), rt.name(), round + 1),
                RUN_LIMIT,
            );
            match panic::catch_unwind(AssertUnwindSafe(|| g.run(rt))) {
                Ok(Ok(metrics)) => {
                    for (key, value) in metrics {
                        let Some(row) = rows.iter_mut().find(|r| r.row.key == key) else {
                            panic!(
                                "{} returned {key:?}, which none of its rows declares",
                                g.name()
                            );
                        };
                        row.samples.entry(rt).or_default().push(value);
                    }
                }
                Ok(Err(why)) => {
                    notes.insert(rt, format!("skipped: {why}"));
                }
                Err(_) => {
                    notes.insert(rt, "skipped: the workload panicked".into());
                }
            }
            eprint!(".");
        }
        g.after_round(round, rounds);
    }
    watchdog::disarm();
    eprintln!();
    GroupResult {
        name: g.name(),
        measures: g.measures(),
        kind: g.kind(),
        rounds,
        rows,
        notes,
        extras: g.extras(),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::group::{Metrics, Row};

    /// Logs its runs; with `picky`, fails on smol and does not apply to tokio.
    struct Logger {
        log: Rc<RefCell<Vec<Rt>>>,
        picky: bool,
    }

    impl Bench for Logger {
        fn name(&self) -> &'static str {
            "logger"
        }
        fn measures(&self) -> &'static str {
            "runs"
        }
        fn rows(&self) -> Vec<Row> {
            vec![Row::cost("logger.runs", "runs", "n")]
        }
        fn unsupported(&self, rt: Rt) -> Option<Unsupported> {
            (self.picky && rt == Rt::Tokio).then_some(Unsupported::NotApplicable)
        }
        fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
            self.log.borrow_mut().push(rt);
            if self.picky && rt == Rt::Smol {
                return Err("no".into());
            }
            Ok(vec![("logger.runs", self.log.borrow().len() as f64)])
        }
    }

    fn run_logger(picky: bool, runtimes: &[Rt]) -> (Vec<Rt>, GroupResult) {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut groups: Vec<Box<dyn Bench>> = vec![Box::new(Logger {
            log: Rc::clone(&log),
            picky,
        })];
        let mut results = run_all(&mut groups, runtimes, Rounds::new(Scale::Quick, Some(3)));
        let runs = log.borrow().clone();
        (runs, results.remove(0))
    }

    #[test]
    fn the_order_of_runtimes_rotates_each_round() {
        use Rt::*;
        let (runs, result) = run_logger(false, &RUNTIMES);
        assert_eq!(
            runs,
            [Tokio, Smol, Oneloop, Smol, Oneloop, Tokio, Oneloop, Tokio, Smol]
        );
        assert_eq!(result.rounds, 3);
        assert!(RUNTIMES
            .iter()
            .all(|rt| result.rows[0].samples.get(rt).map(Vec::len) == Some(3)));
    }

    #[test]
    fn a_failed_runtime_is_not_retried_and_an_unselected_one_never_runs() {
        use Rt::*;
        let (runs, result) = run_logger(true, &RUNTIMES);
        // Tokio does not apply; smol fails in round 1 and is not run again.
        assert_eq!(runs, [Smol, Oneloop, Oneloop, Oneloop]);
        assert_eq!(result.rows[0].samples.get(&Oneloop).map(Vec::len), Some(3));
        assert_eq!(result.rows[0].samples.get(&Smol), None);
        assert_eq!(
            result.notes.get(&Smol).map(String::as_str),
            Some("skipped: no")
        );
        assert_eq!(result.notes.get(&Tokio), None);

        let (runs, _) = run_logger(false, &[Oneloop]);
        assert_eq!(runs, [Oneloop, Oneloop, Oneloop]);
    }

    #[test]
    fn quick_runs_one_io_round_and_rounds_sets_both() {
        assert_eq!(
            Rounds::new(Scale::Quick, None),
            Rounds {
                in_memory: 3,
                io: 1
            }
        );
        assert_eq!(Rounds::new(Scale::Full, None).of(Kind::Io), 5);
        assert_eq!(Rounds::new(Scale::Quick, Some(2)).of(Kind::Io), 2);
    }
}
