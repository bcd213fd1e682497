//! How long each swap program takes to run to its exit: the tokio original against its
//! oneloop port, measured in the same run.
//!
//! `cargo run --release -p swapcheck -- [--rounds N]`. Each round runs every original and
//! its port once, alternating which goes first, each in a process of its own (this binary
//! again, with `--run NAME tokio|oneloop`) bounded by `swapcheck::LIMIT`, timed from spawn
//! to exit; the table shows the median of the rounds. A process per run, because two
//! runtimes in one process share its signal dispositions: a oneloop port that installs a
//! signal handler replaces the one tokio's signal driver installed once for the process,
//! and a later tokio run of a program waiting for that signal was seen to hang. The difference is reported,
//! not asserted (machines are noisy): it is where "a port exits no later than tokio's run
//! plus 100 ms" is shown. A run's time includes building and dropping its runtime, as a
//! program's `main` would.

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use swapcheck::{program, LIMIT, PROGRAMS};

/// Rounds when `--rounds` is not given: enough for a stable median, a few seconds in all.
const DEFAULT_ROUNDS: usize = 7;

/// The port may exit this much later than tokio's run before the table flags it.
const SLACK: Duration = Duration::from_millis(100);

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Mode {
    /// The table, over this many rounds.
    Table(usize),
    /// One run of one side of one program, in this process (`tokio`: the original).
    Run { name: String, tokio: bool },
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(Mode::Table(rounds)) => table(rounds),
        Ok(Mode::Run { name, tokio }) => match program(&name) {
            Some(program) => {
                let _ = if tokio {
                    (program.original)()
                } else {
                    (program.port)()
                };
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("exit_times: no swap program called {name:?}");
                ExitCode::from(2)
            }
        },
        Err(message) => {
            eprintln!("exit_times: {message}\nusage: exit_times [--rounds N]");
            ExitCode::from(2)
        }
    }
}

fn table(rounds: usize) -> ExitCode {
    println!("{rounds} rounds, median ms per run (tokio: the original, oneloop: the port)");
    println!(
        "{:<12} {:>10} {:>10} {:>10}  within +100 ms",
        "program", "tokio ms", "oneloop ms", "diff ms"
    );
    let mut late = 0;
    for program in PROGRAMS {
        let (mut tokio, mut oneloop) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Alternate which side goes first, so neither always runs on a warmer machine.
            for on_tokio in [round % 2 == 0, round % 2 != 0] {
                let times = if on_tokio { &mut tokio } else { &mut oneloop };
                match time(program.name, on_tokio) {
                    Ok(took) => times.push(took),
                    Err(message) => {
                        eprintln!("exit_times: {message}");
                        return ExitCode::FAILURE;
                    }
                }
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

fn parse(mut args: impl Iterator<Item = String>) -> Result<Mode, String> {
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
            "--run" => {
                let name = args.next().ok_or("--run needs a program name")?;
                let tokio = match args.next().as_deref() {
                    Some("tokio") => true,
                    Some("oneloop") => false,
                    _ => return Err("--run NAME needs tokio or oneloop".into()),
                };
                return Ok(Mode::Run { name, tokio });
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Mode::Table(rounds))
}

/// One run of one side in a child process, timed from spawn to exit, killed after `LIMIT`.
fn time(name: &str, tokio: bool) -> Result<Duration, String> {
    let side = if tokio { "tokio" } else { "oneloop" };
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let start = Instant::now();
    let mut child = Command::new(exe)
        .args(["--run", name, side])
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("{name} on {side}: cannot start: {e}"))?;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(start.elapsed()),
            Ok(Some(status)) => return Err(format!("{name} on {side}: exited with {status}")),
            Ok(None) if start.elapsed() > LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{name} on {side}: hung for {LIMIT:?}"));
            }
            // Polling costs both sides the same fraction of a millisecond.
            Ok(None) => std::thread::sleep(Duration::from_micros(200)),
            Err(e) => return Err(format!("{name} on {side}: cannot wait: {e}")),
        }
    }
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
    fn command_lines() {
        assert_eq!(parse(args(&[])), Ok(Mode::Table(DEFAULT_ROUNDS)));
        assert_eq!(parse(args(&["--rounds", "3"])), Ok(Mode::Table(3)));
        let run = Mode::Run {
            name: "echo".into(),
            tokio: false,
        };
        assert_eq!(parse(args(&["--run", "echo", "oneloop"])), Ok(run));
        assert!(parse(args(&["--run", "echo"])).is_err());
        assert!(parse(args(&["--rounds"])).is_err());
        assert!(parse(args(&["--rounds", "0"])).is_err());
        assert!(parse(args(&["--fast"])).is_err());
    }

    #[test]
    fn median_is_the_middle_run() {
        let mut times = [5, 1, 3].map(Duration::from_millis);
        assert_eq!(median(&mut times), Duration::from_millis(3));
    }
}
