//! `--json PATH`: the report as JSON, every sample included, written with serde. The schema
//! is described in `bench/README.md` ("The JSON report"); the tests read it back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{empty_cell, GroupResult, Report, RowResult};
use crate::group::Scale;
use crate::rt::Rt;

/// The whole file.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct JsonReport {
    pub machine: String,
    pub quick: bool,
    /// Rounds of the in-memory groups, and of the I/O groups.
    pub rounds: usize,
    pub io_rounds: usize,
    /// How the ratio columns divide.
    pub ratio: String,
    pub results: Vec<JsonRow>,
    /// The groups' extra figures, each under its own key (`floor_std_net_echo_rtt_us`,
    /// `charfinder_index`), present when that group ran.
    #[serde(flatten)]
    pub extras: BTreeMap<String, serde_json::Value>,
    pub remarks: Vec<String>,
}

/// One row of the table.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct JsonRow {
    pub group: String,
    pub metric: String,
    /// The label with the sizes that ran, without the table's indentation.
    pub label: String,
    pub unit: String,
    pub higher_is_better: bool,
    /// What the group measures.
    pub measures: String,
    /// The rounds the group ran.
    pub rounds: usize,
    pub tokio: JsonCell,
    pub smol: JsonCell,
    pub oneloop: JsonCell,
    /// Oriented so that > 1 means oneloop is better; `null` without a pair of figures.
    pub ratio_tokio: Option<f64>,
    pub ratio_smol: Option<f64>,
}

/// One runtime's figures for a row, or why there are none.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(untagged)]
pub enum JsonCell {
    /// Non-finite values are written `null`.
    Figures {
        median: Option<f64>,
        min: Option<f64>,
        max: Option<f64>,
        samples: Vec<Option<f64>>,
    },
    /// `skipped: why`, or `n/a`.
    Note { note: String },
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn cell(g: &GroupResult, r: &RowResult, rt: Rt) -> JsonCell {
    match r.summary(rt) {
        Some(s) => JsonCell::Figures {
            median: finite(s.median),
            min: finite(s.min),
            max: finite(s.max),
            samples: r.samples(rt).iter().copied().map(finite).collect(),
        },
        None => JsonCell::Note {
            note: g
                .notes
                .get(&rt)
                .cloned()
                .unwrap_or_else(|| empty_cell(g, rt).into()),
        },
    }
}

impl JsonReport {
    pub fn new(report: &Report) -> JsonReport {
        let mut results = Vec::new();
        let mut extras = BTreeMap::new();
        for g in &report.groups {
            for r in &g.rows {
                results.push(JsonRow {
                    group: g.name.into(),
                    metric: r.row.key.into(),
                    label: r.row.label.clone(),
                    unit: r.row.unit.into(),
                    higher_is_better: r.row.higher_better,
                    measures: g.measures.into(),
                    rounds: g.rounds,
                    tokio: cell(g, r, Rt::Tokio),
                    smol: cell(g, r, Rt::Smol),
                    oneloop: cell(g, r, Rt::Oneloop),
                    ratio_tokio: r.ratio(Rt::Tokio),
                    ratio_smol: r.ratio(Rt::Smol),
                });
            }
            for e in &g.extras {
                extras.insert(e.json_key.to_string(), e.json.clone());
            }
        }
        JsonReport {
            machine: report.machine.clone(),
            quick: report.scale == Scale::Quick,
            rounds: report.rounds.in_memory,
            io_rounds: report.rounds.io,
            ratio: "peer/oneloop for costs, oneloop/peer for req/s; > 1 means oneloop is better"
                .into(),
            results,
            extras,
            remarks: report.remarks.clone(),
        }
    }
}

/// The report as pretty-printed JSON.
pub fn to_json(report: &Report) -> String {
    // Serializing these types cannot fail: every map key is a string.
    serde_json::to_string_pretty(&JsonReport::new(report)).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn the_json_reads_back_as_written() {
        let text = to_json(&sample_report());
        let back: JsonReport = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back, JsonReport::new(&sample_report()));
        assert!(back.quick);
        assert_eq!((back.rounds, back.io_rounds), (3, 1));
        assert_eq!(back.results.len(), 3);
        let spawn = &back.results[0];
        assert_eq!(spawn.metric, "spawn.ns");
        assert_eq!(spawn.rounds, 3);
        assert_eq!(
            spawn.tokio,
            JsonCell::Figures {
                median: Some(300.0),
                min: Some(200.0),
                max: Some(400.0),
                samples: vec![Some(300.0), Some(200.0), Some(400.0)],
            }
        );
        assert_eq!(
            spawn.smol,
            JsonCell::Note {
                note: "skipped: \"quoted\"\nreason".into()
            }
        );
        assert_eq!(spawn.ratio_tokio, Some(3.0));
        assert_eq!(spawn.ratio_smol, None);
        // The sub-row's label loses the table's indentation.
        assert_eq!(back.results[1].label, "bytes allocated per task, warm");
        assert_eq!(back.results[2].rounds, 1);
        assert_eq!(
            back.extras["floor_std_net_echo_rtt_us"]["median"].as_f64(),
            Some(50.0)
        );
        assert_eq!(back.remarks, ["whole run: 1.0 s"]);
    }

    #[test]
    fn the_runtime_keys_are_the_runtime_names() {
        let value: serde_json::Value =
            serde_json::from_str(&to_json(&sample_report())).expect("valid JSON");
        for rt in crate::rt::RUNTIMES {
            assert!(
                value["results"][0].get(rt.name()).is_some(),
                "{}",
                rt.name()
            );
        }
    }
}
