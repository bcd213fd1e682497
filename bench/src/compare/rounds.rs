//! Two contenders, run in turn: in each round both run once, and the one that goes first
//! alternates from round to round, so a slow spell of the shared machine, or a cache left
//! warm by the other, does not always favour the same one. The summary gives each
//! contender's median [min-max] and the median of the ratios measured within each round
//! (the two runs of a round are back to back, so the ratio cancels drift the medians keep).

/// One contender's figures from one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Requests (or queries) per second.
    pub per_sec: f64,
    /// CPU time of the measured thread per request, in nanoseconds.
    pub cpu_ns: f64,
}

/// Runs both contenders once, `first` going first (the round number: even rounds start
/// with contender 0); `run(i)` runs contender `i`. Stops at the first error.
pub fn pair(
    round: usize,
    mut run: impl FnMut(usize) -> Result<Sample, String>,
) -> Result<[Sample; 2], String> {
    let mut both = [Sample {
        per_sec: 0.0,
        cpu_ns: 0.0,
    }; 2];
    for k in 0..2 {
        let i = (k + round) % 2;
        both[i] = run(i)?;
    }
    Ok(both)
}

/// Every round's pair of samples, for one workload.
#[derive(Debug, Default)]
pub struct Tally {
    rounds: Vec<[Sample; 2]>,
}

impl Tally {
    /// Adds one round.
    pub fn push(&mut self, pair: [Sample; 2]) {
        self.rounds.push(pair);
    }

    /// `names[0]` is oneloop's side; `short` are the names for the ratio line. Two lines,
    /// one per contender (throughput in `unit`, CPU per request), then the ratios, both read
    /// as "> 1 means oneloop is better": oneloop's throughput over the peer's, the peer's
    /// CPU per request over oneloop's.
    pub fn summary(&self, names: [&str; 2], short: [&str; 2], unit: &str) -> String {
        let mut out = String::new();
        for (i, name) in names.iter().enumerate() {
            let per_sec: Vec<f64> = self.rounds.iter().map(|r| r[i].per_sec).collect();
            let cpu: Vec<f64> = self.rounds.iter().map(|r| r[i].cpu_ns).collect();
            out += &format!(
                "  {name:<40} {} {unit}   {} ns CPU per request\n",
                spread(&per_sec),
                spread(&cpu)
            );
        }
        let per_sec: Vec<f64> = self
            .rounds
            .iter()
            .map(|r| r[0].per_sec / r[1].per_sec)
            .collect();
        let cpu: Vec<f64> = self
            .rounds
            .iter()
            .map(|r| r[1].cpu_ns / r[0].cpu_ns)
            .collect();
        let [a, b] = short;
        out += &format!(
            "  ratios, medians of the per-round ratios (> 1 means {a} is better): \
             {a}/{b} {:.2}x in {unit}, {b}/{a} {:.2}x in CPU per request\n",
            median(&per_sec),
            median(&cpu),
        );
        out
    }
}

/// `median [min-max]`, without decimals.
fn spread(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{:>7.0} [{min:.0}-{max:.0}]", median(values))
}

/// The middle value (the upper one of the two middle values for an even count); NaN when
/// there are none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The load average, as `uptime` shows it (`/proc/loadavg`'s first three fields): printed
/// with every figure, since on a shared machine it says how much to trust it.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    format!("load average {}", fields.join(", "))
}

/// `AMD EPYC 7B13, 2 CPUs, Linux 6.18.44`: the CPU model, the CPUs this process may use,
/// the kernel; the first line of every comparison's output.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |l| l.trim_start_matches([' ', '\t', ':']));
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{model}, {cpus} CPUs, Linux {}", kernel.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(per_sec: f64, cpu_ns: f64) -> Sample {
        Sample { per_sec, cpu_ns }
    }

    #[test]
    fn the_first_to_run_alternates_between_rounds() {
        for round in 0..4 {
            let mut order = Vec::new();
            let both = pair(round, |i| {
                order.push(i);
                Ok(sample(i as f64, 0.0))
            });
            assert_eq!(both.map(|b| b.map(|s| s.per_sec)), Ok([0.0, 1.0]));
            let expected = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            assert_eq!(order, expected, "round {round}");
        }
    }

    #[test]
    fn ratios_are_paired_within_rounds() {
        let mut tally = Tally::default();
        // The machine halves its speed in the second round, for both contenders at once.
        tally.push([sample(200.0, 100.0), sample(100.0, 200.0)]);
        tally.push([sample(100.0, 200.0), sample(50.0, 400.0)]);
        tally.push([sample(200.0, 100.0), sample(100.0, 200.0)]);
        let text = tally.summary(["a", "b"], ["a", "b"], "req/s");
        assert!(
            text.contains("a/b 2.00x in req/s, b/a 2.00x in CPU per request"),
            "{text}"
        );
        assert!(text.contains("200 [100-200] req/s"), "{text}");
    }
}
