//! How long each swap program takes to run to its exit: the tokio original against its
//! oneloop port, measured in the same run.
//!
//! `cargo run --release -p swapcheck -- [--rounds N]`. Each round runs every original and
//! its port once, alternating which goes first, each on a thread of its own bounded by
//! `swapcheck::LIMIT`; the table shows the median of the rounds. The difference is reported,
//! not asserted (machines are noisy): it is where "a port exits no later than tokio's run
//! plus 100 ms" is shown. A run's time includes building and dropping its runtime, as a
//! program's `main` would.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use swapcheck::{run_bounded, Outcome, PROGRAMS};

/// Rounds when `--rounds` is not given: enough for a stable median, a few seconds in all.
const DEFAULT_ROUNDS: usize = 7;

/// The port may exit this much later than tokio's run before the table flags it.
const SLACK: Duration = Duration::from_millis(100);

fn main() -> ExitCode {
    let rounds = match parse_rounds(std::env::args().skip(1)) {
        Ok(rounds) => rounds,
        Err(message) => {
            eprintln!("exit_times: {message}\nusage: exit_times [--rounds N]");
            return ExitCode::from(2);
        }
    };
    println!("{rounds} rounds, median ms per run (tokio: the original, oneloop: the port)");
    println!(
        "{:<12} {:>10} {:>10} {:>10}  within +100 ms",
        "program", "tokio ms", "oneloop ms", "diff ms"
    );
    let mut late = 0;
    for program in PROGRAMS {
        let (mut tokio, mut oneloop) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            if round % 2 == 0 {
                tokio.push(time(program.name, "tokio", program.original));
                oneloop.push(time(program.name, "oneloop", program.port));
            } else {
                oneloop.push(time(program.name, "oneloop", program.port));
                tokio.push(time(program.name, "tokio", program.original));
            }
        }
        let (tokio, oneloop) = (median(&mut tokio), median(&mut oneloop));
        let within = oneloop <= tokio + SLACK;
        late += usize::from(!within);
        println!(
            "{:<12} {:>10.1} {:>10.1} {:>+10.1}  {}",
            program.name,
            ms(tokio),
            ms(oneloop),
            ms(oneloop) - ms(tokio),
            if within { "yes" } else { "NO" }
        );
    }
    if late > 0 {
        println!("{late} port(s) exited more than 100 ms after tokio's run (reported, not failed)");
    }
    ExitCode::SUCCESS
}

fn parse_rounds(mut args: impl Iterator<Item = String>) -> Result<usize, String> {
    let mut rounds = DEFAULT_ROUNDS;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                let value = args.next().ok_or("--rounds needs a number")?;
                rounds = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("--rounds {value}: not a positive number"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(rounds)
}

/// One bounded run of one side, timed from the call to the returned transcript.
fn time(name: &str, side: &str, run: fn() -> Outcome) -> Duration {
    let start = Instant::now();
    run_bounded(&format!("{name} on {side}"), run);
    start.elapsed()
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn rounds_default_and_flag() {
        assert_eq!(parse_rounds(args(&[])), Ok(DEFAULT_ROUNDS));
        assert_eq!(parse_rounds(args(&["--rounds", "3"])), Ok(3));
        assert!(parse_rounds(args(&["--rounds"])).is_err());
        assert!(parse_rounds(args(&["--rounds", "0"])).is_err());
        assert!(parse_rounds(args(&["--fast"])).is_err());
    }

    #[test]
    fn median_is_the_middle_run() {
        let mut times = [5, 1, 3].map(Duration::from_millis);
        assert_eq!(median(&mut times), Duration::from_millis(3));
    }
}
