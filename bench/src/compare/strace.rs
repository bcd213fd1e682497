//! Counting system calls: a child process run under `strace -c -f` (every thread of it),
//! its summary read back, and two runs subtracted (one with N requests, one with none,
//! the same start-up and warm-up in both) to get the calls per request by system call
//! name, written side by side as a markdown table. `strace` is a Debian package
//! (`apt-get install -y strace`); it needs ptrace, which some containers forbid.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// One system call's line of a summary: how often it was made, and how often it failed
/// (`EAGAIN` from a drained socket counts as a failure).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Calls {
    pub calls: f64,
    pub errors: f64,
}

/// System call name -> its calls, from one summary, or per request after [`per_request`].
pub type Counts = BTreeMap<String, Calls>;

/// Runs `program args` under `strace -c -f` and reads the summary it writes (to a file, so
/// that the program's own output stays apart).
pub fn count(program: &Path, args: &[String]) -> Result<Counts, String> {
    let out_file =
        std::env::temp_dir().join(format!("oneloop-bench-strace-{}.txt", std::process::id()));
    let status = Command::new("strace")
        .arg("-c")
        .arg("-f")
        .arg("-o")
        .arg(&out_file)
        .arg(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run strace (apt-get install -y strace): {e}"))?;
    let text = std::fs::read_to_string(&out_file).unwrap_or_default();
    let _ = std::fs::remove_file(&out_file);
    if !status.success() {
        return Err(format!(
            "strace {} {}: {status}\n{text}",
            program.display(),
            args.join(" ")
        ));
    }
    Ok(parse(&text))
}

/// Reads an `strace -c` summary:
///
/// ```text
/// % time     seconds  usecs/call     calls    errors syscall
/// ------ ----------- ----------- --------- --------- ----------------
///  52.10    0.001234           3       400       200 recvfrom
///  20.00    0.000500           1       401           sendto
/// ------ ----------- ----------- --------- --------- ----------------
/// 100.00    0.002000           2      1000       200 total
/// ```
///
/// The `errors` column is empty when nothing failed, so a line has five or six fields: the
/// calls are the fourth, the name the last. Header, rules and `total` are skipped.
pub fn parse(text: &str) -> Counts {
    let mut counts = Counts::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if !(5..=6).contains(&fields.len()) || fields[0].parse::<f64>().is_err() {
            continue;
        }
        let name = fields[fields.len() - 1];
        let (Ok(calls), Some(errors)) = (
            fields[3].parse::<f64>(),
            if fields.len() == 6 {
                fields[4].parse::<f64>().ok()
            } else {
                Some(0.0)
            },
        ) else {
            continue;
        };
        if name != "total" {
            counts.insert(name.to_string(), Calls { calls, errors });
        }
    }
    counts
}

/// `(with - baseline) / requests` for every call name in either.
pub fn per_request(with: &Counts, baseline: &Counts, requests: u64) -> Counts {
    let names = with.keys().chain(baseline.keys());
    names
        .map(|name| {
            let a = with.get(name).copied().unwrap_or_default();
            let b = baseline.get(name).copied().unwrap_or_default();
            let n = requests.max(1) as f64;
            let calls = Calls {
                calls: (a.calls - b.calls) / n,
                errors: (a.errors - b.errors) / n,
            };
            (name.clone(), calls)
        })
        .collect()
}

/// A markdown table, one column per `(title, calls per request)`: a row for every call made
/// at least once per hundred requests by some column, the most frequent first, then the
/// total. A cell is `calls` or `calls (errors failed)`.
pub fn table(columns: &[(String, Counts)]) -> String {
    let most = |name: &str| {
        columns
            .iter()
            .map(|(_, c)| c.get(name).map_or(0.0, |c| c.calls))
            .fold(0.0, f64::max)
    };
    let mut names: Vec<&String> = columns.iter().flat_map(|(_, c)| c.keys()).collect();
    names.sort();
    names.dedup();
    names.retain(|name| most(name) >= 0.01);
    names.sort_by(|a, b| most(b).total_cmp(&most(a)).then(a.cmp(b)));

    let mut out = String::from("| system call |");
    for (title, _) in columns {
        out += &format!(" {title} |");
    }
    out += "\n|---|";
    out += &"---:|".repeat(columns.len());
    out += "\n";
    for name in &names {
        out += &format!("| `{name}` |");
        for (_, counts) in columns {
            out += &format!(
                " {} |",
                cell(counts.get(*name).copied().unwrap_or_default())
            );
        }
        out += "\n";
    }
    out += "| **total** |";
    for (_, counts) in columns {
        let total = counts.values().fold(Calls::default(), |sum, c| Calls {
            calls: sum.calls + c.calls,
            errors: sum.errors + c.errors,
        });
        out += &format!(" **{}** |", cell(total));
    }
    out + "\n"
}

/// `2.00`, or `2.00 (1.00 failed)`.
fn cell(c: Calls) -> String {
    if c.errors.abs() >= 0.005 {
        format!("{:.2} ({:.2} failed)", c.calls, c.errors)
    } else {
        format!("{:.2}", c.calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &str = "% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 52.10    0.001234           3       420       200 recvfrom
 20.00    0.000500           1       410           sendto
  0.00    0.000000           0         1           execve
------ ----------- ----------- --------- --------- ----------------
100.00    0.002000           2       831       200 total
";

    #[test]
    fn reads_calls_and_errors_and_skips_the_total() {
        let counts = parse(SUMMARY);
        assert_eq!(counts.len(), 3);
        assert_eq!(
            counts["recvfrom"],
            Calls {
                calls: 420.0,
                errors: 200.0
            }
        );
        assert_eq!(
            counts["sendto"],
            Calls {
                calls: 410.0,
                errors: 0.0
            }
        );
        assert!(!counts.contains_key("total"));
    }

    #[test]
    fn the_baseline_is_subtracted_per_request() {
        let with = parse(SUMMARY);
        let baseline = parse(
            &SUMMARY
                .replace(" 420       200", "  20         0")
                .replace(" 410 ", "  10 "),
        );
        let per = per_request(&with, &baseline, 200);
        assert_eq!(
            per["recvfrom"],
            Calls {
                calls: 2.0,
                errors: 1.0
            }
        );
        assert_eq!(
            per["sendto"],
            Calls {
                calls: 2.0,
                errors: 0.0
            }
        );
        assert_eq!(
            per["execve"],
            Calls {
                calls: 0.0,
                errors: 0.0
            }
        );
    }

    #[test]
    fn the_table_puts_the_most_frequent_call_first_and_leaves_out_the_rare() {
        let mut a = Counts::new();
        a.insert(
            "sendto".into(),
            Calls {
                calls: 1.0,
                errors: 0.0,
            },
        );
        a.insert(
            "recvfrom".into(),
            Calls {
                calls: 2.0,
                errors: 1.0,
            },
        );
        a.insert(
            "execve".into(),
            Calls {
                calls: 0.001,
                errors: 0.0,
            },
        );
        let mut b = Counts::new();
        b.insert(
            "sendto".into(),
            Calls {
                calls: 1.5,
                errors: 0.0,
            },
        );
        let text = table(&[("a".into(), a), ("b".into(), b)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "| system call | a | b |");
        assert_eq!(lines[1], "|---|---:|---:|");
        assert_eq!(lines[2], "| `recvfrom` | 2.00 (1.00 failed) | 0.00 |");
        assert_eq!(lines[3], "| `sendto` | 1.00 | 1.50 |");
        assert_eq!(
            lines[4],
            "| **total** | **3.00 (1.00 failed)** | **1.50** |"
        );
        assert_eq!(lines.len(), 5);
    }
}
