//! flags_server: the flag site on three ports, like the test servers of *Fluent Python*'s
//! flag downloaders: LOCAL (`127.0.0.1:8001`, no faults), DELAY (`:8002`, every answer
//! 0.5 s late) and ERROR (`:8003`, a quarter of the answers a 500/501/502/503 or a
//! "dropped connection", half of them 0.5 s late). The site is generated: 194 GIF flags
//! and their `metadata.json` under `/flags/{cc}/`.
//!
//! Run it: `cargo run --example flags_server`, then from another terminal
//! `cargo run --example flags2 -- -a --base-url http://127.0.0.1:8003/flags -v`, or
//! `curl -s http://127.0.0.1:8001/flags/br/metadata.json`. Options: `--host ADDR`,
//! `--local-port N`, `--delay-port N`, `--error-port N` (0 picks a free port; the port
//! got is printed), `--delay SECONDS`, `--error-rate FRACTION`, `--seed N` (the ERROR and
//! DELAY dice), `-v` (a line per request). Ctrl-C stops it: `Server shutting down.`, exit
//! 0. `--write DIR` instead writes the site into `DIR` (`DIR/flags/ad/ad.gif`...) and
//! exits, for nginx or `python3 -m http.server -d DIR 8001` to serve the same bytes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use flagsite::faults::{Faults, Mode};
use flagsite::server::{serve, Config, Stats};
use flagsite::Site;
use oneloop::net::TcpListener;

const USAGE: &str = "usage: flags_server [-h] [--host ADDR] [--local-port N] [--delay-port N] \
[--error-port N] [--delay SECONDS] [--error-rate FRACTION] [--seed N] [-v] [--write DIR]";

const HELP: &str = "
Serve the generated flag site on three ports: LOCAL (no faults), DELAY (every answer late),
ERROR (some answers fail, some late).

options:
  -h, --help              show this help message and exit
  --host ADDR             address to listen on (default 127.0.0.1)
  --local-port N          port of the LOCAL site (default 8001; 0 picks one)
  --delay-port N          port of the DELAY site (default 8002; 0 picks one)
  --error-port N          port of the ERROR site (default 8003; 0 picks one)
  --delay SECONDS         how late a delayed answer is (default 0.5)
  --error-rate FRACTION   the ERROR site's share of failures, 0 to 1 (default 0.25)
  --seed N                seed of the dice of the DELAY and ERROR sites
  -v, --verbose           print a line per request
  --write DIR             write the site's files into DIR and exit
";

/// The command line.
struct Options {
    host: String,
    ports: [u16; 3],
    delay: Duration,
    error_rate: f64,
    seed: u64,
    verbose: bool,
    write: Option<PathBuf>,
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("*** Usage error: {msg}\n{USAGE}");
    ExitCode::from(2)
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        host: "127.0.0.1".into(),
        ports: [8001, 8002, 8003],
        delay: flagsite::faults::DEFAULT_DELAY,
        error_rate: flagsite::faults::DEFAULT_ERROR_RATE,
        seed: flagsite::faults::DEFAULT_SEED,
        verbose: false,
        write: None,
    };
    while let Some(arg) = args.next() {
        let (name, attached) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "-v" | "--verbose" => {
                options.verbose = true;
                continue;
            }
            _ => {}
        }
        let mut value = || {
            attached
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--host" => options.host = value()?,
            "--local-port" | "--delay-port" | "--error-port" => {
                let text = value()?;
                let port = text.parse().map_err(|_| {
                    format!("{name} must be a port number (0 to 65535), not {text:?}")
                })?;
                let index = ["--local-port", "--delay-port", "--error-port"]
                    .iter()
                    .position(|n| *n == name)
                    .unwrap_or(0);
                options.ports[index] = port;
            }
            "--delay" => {
                let text = value()?;
                options.delay = text
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(|| {
                        format!("--delay must be a number of seconds >= 0, not {text:?}")
                    })?;
            }
            "--error-rate" => {
                let text = value()?;
                options.error_rate = text
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| {
                        format!("--error-rate must be a fraction from 0 to 1, not {text:?}")
                    })?;
            }
            "--seed" => {
                let text = value()?;
                options.seed = text
                    .parse()
                    .map_err(|_| format!("--seed must be a whole number, not {text:?}"))?;
            }
            "--write" => options.write = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unrecognized argument: {arg}")),
        }
    }
    Ok(Some(options))
}

async fn async_main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}\n{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => return usage_error(&msg),
    };
    let site = Rc::new(Site::new());
    if let Some(dir) = &options.write {
        return match site.write_to(dir) {
            Ok(()) => {
                println!(
                    "Wrote {} files under {}",
                    site.len(),
                    dir.join("flags").display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("*** cannot write the site to {}: {e}", dir.display());
                ExitCode::FAILURE
            }
        };
    }
    let mut servers = Vec::new();
    for (mode, port) in Mode::ALL.into_iter().zip(options.ports) {
        let listener = match TcpListener::bind((options.host.as_str(), port)).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("*** cannot listen on {}:{port}: {e}", options.host);
                return ExitCode::FAILURE;
            }
        };
        let addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(e) => {
                eprintln!("*** cannot read the address of a listener: {e}");
                return ExitCode::FAILURE;
            }
        };
        let faults = Faults {
            delay: options.delay,
            seed: options.seed,
            error_rate: if mode == Mode::Error {
                options.error_rate
            } else {
                0.0
            },
            ..Faults::for_mode(mode)
        };
        let what = match mode {
            Mode::Local => "no faults".to_string(),
            Mode::Delay => format!("every answer {:.2}s late", faults.delay.as_secs_f64()),
            Mode::Error => format!(
                "{:.0}% errors, {:.0}% {:.2}s late",
                faults.error_rate * 100.0,
                faults.delay_rate * 100.0,
                faults.delay.as_secs_f64()
            ),
        };
        println!("{mode} site: http://{addr}/flags ({what})");
        let config = Config {
            mode,
            faults,
            log: options.verbose,
        };
        let stats = Arc::new(Stats::default());
        servers.push(oneloop::spawn(serve(
            listener,
            Rc::clone(&site),
            config,
            stats,
        )));
    }
    println!("Hit CTRL-C to stop.");
    if let Err(e) = oneloop::signal::ctrl_c().await {
        eprintln!("*** cannot wait for Ctrl-C: {e}");
        return ExitCode::FAILURE;
    }
    println!("Server shutting down.");
    // Aborting a server task closes its listener and its connections.
    for server in &servers {
        server.abort();
    }
    for server in servers {
        let _ = server.await;
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    oneloop::run(async_main())
}
