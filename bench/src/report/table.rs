//! The table printed at the end of a run (and written into markdown files): a header saying
//! the machine, the mode and the rounds; one line per row with a cell per runtime (median
//! [min-max] over rounds) and the two ratio columns; the groups' extra lines; the notes.

use std::fmt::Write as _;

use super::{empty_cell, GroupResult, Report};
use crate::group::Scale;
use crate::rt::Rt;
use crate::stats::fmt_num;

/// Column headers; a row of the table has one string per column.
const COLUMNS: usize = 7;

/// "5 rounds", or "3 rounds (1 for the I/O rows: echo, http)" when the kinds differ.
fn rounds_text(groups: &[GroupResult]) -> String {
    let plural = |n: usize| if n == 1 { "round" } else { "rounds" };
    let first = groups.first().map_or(0, |g| g.rounds);
    let (io, other): (Vec<&GroupResult>, Vec<&GroupResult>) = groups
        .iter()
        .partition(|g| g.kind == crate::group::Kind::Io);
    match (other.first(), io.first()) {
        (Some(m), Some(i)) if m.rounds != i.rounds => {
            let names: Vec<&str> = io.iter().map(|g| g.name).collect();
            format!(
                "{} {} ({} for the I/O rows: {})",
                m.rounds,
                plural(m.rounds),
                i.rounds,
                names.join(", ")
            )
        }
        _ => format!("{first} {}", plural(first)),
    }
}

/// The whole table, as printed.
pub fn render(report: &Report) -> String {
    let mut rows: Vec<[String; COLUMNS]> = vec![[
        "benchmark".into(),
        "unit".into(),
        Rt::Tokio.column().into(),
        Rt::Smol.column().into(),
        Rt::Oneloop.column().into(),
        "tokio/oneloop".into(),
        "smol/oneloop".into(),
    ]];
    for g in &report.groups {
        for r in &g.rows {
            let cell = |rt: Rt| match r.summary(rt) {
                Some(s) => format!(
                    "{} [{}-{}]",
                    fmt_num(s.median),
                    fmt_num(s.min),
                    fmt_num(s.max)
                ),
                None => empty_cell(g, rt).into(),
            };
            let ratio = |peer: Rt| {
                r.ratio(peer)
                    .map_or_else(|| "-".into(), |x| format!("{x:.2}x"))
            };
            let indent = if r.row.sub { "  " } else { "" };
            rows.push([
                format!("{indent}{}", r.row.label),
                r.row.unit.into(),
                cell(Rt::Tokio),
                cell(Rt::Smol),
                cell(Rt::Oneloop),
                ratio(Rt::Tokio),
                ratio(Rt::Smol),
            ]);
        }
    }
    let mut widths = [0usize; COLUMNS];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }

    let mut out = String::new();
    let _ = writeln!(out, "machine: {}", report.machine);
    let _ = writeln!(
        out,
        "mode: {}; {}, runtimes alternated each round; cells: median [min-max] over rounds",
        match report.scale {
            Scale::Quick => "--quick",
            Scale::Full => "full",
        },
        rounds_text(&report.groups)
    );
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
            let total: usize = widths.iter().sum::<usize>() + 2 * (COLUMNS - 1);
            let _ = writeln!(out, "{}", "-".repeat(total));
        }
    }

    let extras: Vec<&str> = report
        .groups
        .iter()
        .flat_map(|g| &g.extras)
        .map(|e| e.line.as_str())
        .collect();
    if !extras.is_empty() {
        let _ = writeln!(out);
        for line in extras {
            let _ = writeln!(out, "{line}");
        }
    }

    let mut notes: Vec<String> = Vec::new();
    for g in &report.groups {
        for rt in crate::rt::RUNTIMES {
            if let Some(n) = g.notes.get(&rt) {
                notes.push(format!("{} / {}: {}", g.name, rt.name(), n));
            }
        }
    }
    notes.extend(report.remarks.iter().cloned());
    notes.dedup();
    if !notes.is_empty() {
        let _ = writeln!(out, "\nnotes:");
        for n in notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    /// The cells of a line: columns are separated by at least two spaces.
    fn cells(line: &str) -> Vec<&str> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }

    #[test]
    fn the_table_has_its_header_rows_ratios_extras_and_notes() {
        let table = render(&sample_report());
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "machine: Test CPU, 2 CPUs, Linux 6");
        assert_eq!(
            lines[1],
            "mode: --quick; 3 rounds (1 for the I/O rows: echo), runtimes alternated each \
             round; cells: median [min-max] over rounds"
        );
        assert_eq!(cells(lines[4])[0], "benchmark");
        assert!(lines[5].chars().all(|c| c == '-'));
        assert_eq!(lines[4].len(), lines[5].len());
        assert_eq!(
            cells(lines[6]),
            [
                "spawn+join 10k empty tasks",
                "ns/task",
                "300 [200-400]",
                "skipped",
                "100 [50.0-100]",
                "3.00x",
                "-"
            ]
        );
        assert!(lines[7].starts_with("  bytes allocated per task, warm"));
        assert_eq!(
            cells(lines[8]),
            [
                "TCP echo 50 conns x 64 B, 300 ms",
                "req/s",
                "1000 [1000-1000]",
                "0.00 [0.00-0.00]",
                "2000 [2000-2000]",
                "2.00x",
                "-"
            ]
        );
        assert!(table.contains("\nfloor: 50.0 us/round trip\n"));
        assert!(table.contains("\nnotes:\n  - spawn / smol: skipped: \"quoted\"\nreason\n"));
        assert!(table.ends_with("  - whole run: 1.0 s\n"));
    }

    #[test]
    fn one_kind_of_rows_gives_one_round_count() {
        let mut report = sample_report();
        report.groups.truncate(1);
        let table = render(&report);
        assert!(table.contains("mode: --quick; 3 rounds, runtimes"));
    }
}
