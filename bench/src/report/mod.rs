//! The report: what a run measured (`Report`, one `GroupResult` per group), summarised per
//! cell (median [min-max] over rounds) and per ratio; written as the table (`table`), into a
//! markdown file between markers (`markdown`), and as JSON (`json`).

pub mod json;
pub mod markdown;
pub mod table;

use std::collections::HashMap;

use crate::group::{Extra, Kind, Row, Scale};
use crate::rt::Rt;
use crate::runner::Rounds;
use crate::stats;

/// Everything a run produced.
pub struct Report {
    /// `machine::describe()`.
    pub machine: String,
    pub scale: Scale,
    pub rounds: Rounds,
    pub groups: Vec<GroupResult>,
    /// The notes under the table after the groups' own: pinning, reduced sizes, the run's
    /// length.
    pub remarks: Vec<String>,
}

/// What one group measured.
pub struct GroupResult {
    pub name: &'static str,
    pub measures: &'static str,
    pub kind: Kind,
    /// The rounds it ran.
    pub rounds: usize,
    pub rows: Vec<RowResult>,
    /// Why a runtime has no figures (`skipped: ...`).
    pub notes: HashMap<Rt, String>,
    /// Its lines under the table.
    pub extras: Vec<Extra>,
}

/// One row and its samples, one per round that ran, per runtime.
pub struct RowResult {
    pub row: Row,
    pub samples: HashMap<Rt, Vec<f64>>,
}

/// A cell: median, minimum and maximum over rounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(xs: &[f64]) -> Option<Summary> {
        (!xs.is_empty()).then(|| Summary {
            median: stats::median(xs),
            min: stats::min(xs),
            max: stats::max(xs),
        })
    }
}

impl RowResult {
    pub fn samples(&self, rt: Rt) -> &[f64] {
        self.samples.get(&rt).map_or(&[], Vec::as_slice)
    }

    pub fn summary(&self, rt: Rt) -> Option<Summary> {
        Summary::of(self.samples(rt))
    }

    /// oneloop's ratio to `peer`, oriented so that > 1 means oneloop is better: the median,
    /// over rounds, of the ratio measured within each round. The runtimes of one round run
    /// back to back, so a drift of the machine over time (this VM's network rows switch
    /// between two speeds every few seconds, for every runtime at once) cancels out of each
    /// pair instead of landing on whichever runtime was unlucky in more rounds. Falls back to
    /// the ratio of medians if the rounds don't pair up.
    pub fn ratio(&self, peer: Rt) -> Option<f64> {
        let oriented = |ours: f64, theirs: f64| {
            if self.row.higher_better {
                ours / theirs
            } else {
                theirs / ours
            }
        };
        let (ours, theirs) = (self.samples(Rt::Oneloop), self.samples(peer));
        if ours.is_empty() || theirs.is_empty() {
            return None;
        }
        let r = if ours.len() == theirs.len() {
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
            oriented(stats::median(ours), stats::median(theirs))
        };
        r.is_finite().then_some(r)
    }
}

/// What a cell without figures says: `skipped` (the reason is under the table) or `n/a`
/// (the metric does not exist on that runtime, or the runtime was not selected).
pub fn empty_cell(group: &GroupResult, rt: Rt) -> &'static str {
    if group.notes.contains_key(&rt) {
        "skipped"
    } else {
        "n/a"
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::group::Row;

    /// A report of one in-memory group (spawn: tokio 3 rounds, oneloop 3, smol skipped) and
    /// one I/O group (echo: one round each), as the report tests read it.
    pub fn sample_report() -> Report {
        let row = |row: Row, samples: &[(Rt, &[f64])]| RowResult {
            row,
            samples: samples.iter().map(|(rt, xs)| (*rt, xs.to_vec())).collect(),
        };
        Report {
            machine: "Test CPU, 2 CPUs, Linux 6".into(),
            scale: Scale::Quick,
            rounds: Rounds {
                in_memory: 3,
                io: 1,
            },
            groups: vec![
                GroupResult {
                    name: "spawn",
                    measures: "spawn then join",
                    kind: Kind::InMemory,
                    rounds: 3,
                    rows: vec![
                        row(
                            Row::cost("spawn.ns", "spawn+join 10k empty tasks", "ns/task"),
                            &[
                                (Rt::Tokio, &[300.0, 200.0, 400.0]),
                                (Rt::Oneloop, &[100.0, 100.0, 50.0]),
                            ],
                        ),
                        row(
                            Row::cost(
                                "spawn.bytes_warm",
                                "bytes allocated per task, warm",
                                "B/task",
                            )
                            .sub(),
                            &[(Rt::Tokio, &[128.0; 3]), (Rt::Oneloop, &[32.0; 3])],
                        ),
                    ],
                    notes: [(Rt::Smol, "skipped: \"quoted\"\nreason".to_string())].into(),
                    extras: Vec::new(),
                },
                GroupResult {
                    name: "echo",
                    measures: "echo",
                    kind: Kind::Io,
                    rounds: 1,
                    rows: vec![row(
                        Row::rate("echo.rps", "TCP echo 50 conns x 64 B, 300 ms", "req/s"),
                        &[
                            (Rt::Tokio, &[1000.0]),
                            (Rt::Smol, &[0.0]),
                            (Rt::Oneloop, &[2000.0]),
                        ],
                    )],
                    notes: HashMap::new(),
                    extras: vec![Extra {
                        line: "floor: 50.0 us/round trip".into(),
                        json_key: "floor_std_net_echo_rtt_us",
                        json: serde_json::json!({ "median": 50.0, "min": 49.0, "max": 51.0 }),
                    }],
                },
            ],
            remarks: vec!["whole run: 1.0 s".into()],
        }
    }

    #[test]
    fn ratios_pair_rounds_and_point_the_same_way_for_costs_and_rates() {
        let report = sample_report();
        let spawn = &report.groups[0].rows[0];
        // Per round: 3, 2, 8: the median is 3 (the ratio of medians would be 3 too, by luck).
        assert_eq!(spawn.ratio(Rt::Tokio), Some(3.0));
        assert_eq!(spawn.ratio(Rt::Smol), None);
        let echo = &report.groups[1].rows[0];
        assert_eq!(echo.ratio(Rt::Tokio), Some(2.0));
        // A zero rate pairs into no finite ratio.
        assert_eq!(echo.ratio(Rt::Smol), None);
    }

    #[test]
    fn summary_is_median_min_max() {
        let s = Summary::of(&[300.0, 200.0, 400.0]);
        assert_eq!(
            s,
            Some(Summary {
                median: 300.0,
                min: 200.0,
                max: 400.0
            })
        );
        assert_eq!(Summary::of(&[]), None);
    }
}
