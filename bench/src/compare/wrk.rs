//! Running `wrk` (one thread, a number of connections, a duration) and reading its answer:
//! the load generator of the server comparisons. `wrk` runs as a child process; without
//! it, the comparison stops and says so.

use std::path::Path;
use std::process::Command;

/// What one `wrk` run reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WrkRun {
    /// `Requests/sec:`.
    pub per_sec: f64,
    /// The `N requests in 3.00s` count.
    pub requests: f64,
    /// Answers with a status outside 2xx and 3xx (`Non-2xx or 3xx responses:`); 0 if none.
    pub non_2xx: f64,
}

/// `wrk -t1 -c<conns> -d<secs>s [-s SCRIPT] URL`. A script (Lua) can choose each request's
/// path; see `charfinder_vs_hyper.rs`. Socket errors are printed on stderr, as a note.
pub fn wrk(url: &str, conns: usize, secs: u64, script: Option<&Path>) -> Result<WrkRun, String> {
    let mut command = Command::new("wrk");
    command.args(["-t1", &format!("-c{conns}"), &format!("-d{secs}s")]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let out = command
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run wrk (apt-get install -y wrk): {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Socket errors") {
        eprintln!("note: wrk reported socket errors:\n{text}");
    }
    parse(&text).ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))
}

/// Reads `wrk`'s summary.
fn parse(text: &str) -> Option<WrkRun> {
    let per_sec = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())?;
    // "  123456 requests in 3.00s, 10.1MB read"
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())?;
    let non_2xx = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    Some(WrkRun {
        per_sec,
        requests,
        non_2xx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "Running 3s test @ http://127.0.0.1:40000/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   612.05us  201.10us   4.12ms   80.00%
    Req/Sec    81.20k     3.10k   85.00k    70.00%
  242460 requests in 3.00s, 30.52MB read
  Non-2xx or 3xx responses: 12
Requests/sec:  80811.52
Transfer/sec:     10.17MB
";

    #[test]
    fn reads_rate_count_and_failures() {
        let run = parse(OUTPUT).expect("a summary");
        assert_eq!(run.per_sec, 80811.52);
        assert_eq!(run.requests, 242460.0);
        assert_eq!(run.non_2xx, 12.0);
    }

    #[test]
    fn an_output_without_a_rate_is_refused() {
        assert_eq!(
            parse("unable to connect to 127.0.0.1:1 Connection refused\n"),
            None
        );
    }
}
