//! The command line: what the user asked for (`Options`), or which child process this is
//! (the idle-connection server and client, started by the harness itself).

use std::net::SocketAddr;

use crate::group::Scale;
use crate::rt::{Rt, RUNTIMES};

/// What to do.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Run (or with `list`, name) the benchmarks.
    Run(Options),
    /// `--idle-server RT N SHAPE`: the idle groups' server process.
    IdleServer { rt: Rt, conns: usize, shape: String },
    /// `--idle-client ADDR N SHAPE`: the idle groups' client process.
    IdleClient {
        addr: SocketAddr,
        conns: usize,
        shape: String,
    },
}

/// The user's flags.
#[derive(Debug, PartialEq)]
pub struct Options {
    /// `--quick`: the seconds-long sizes CI runs.
    pub scale: Scale,
    /// `--same-core`: the load generators share the loop's CPU.
    pub same_core: bool,
    /// `--rt tokio,oneloop`: the runtimes to run (all by default).
    pub runtimes: Vec<Rt>,
    /// `--only NAME,..`: the groups to run (all by default).
    pub only: Option<Vec<String>>,
    /// `--rounds N`: rounds for every group, in-memory and I/O alike.
    pub rounds: Option<usize>,
    /// `--json PATH`: also write the report as JSON.
    pub json: Option<String>,
    /// `--markdown-into FILE#NAME`: also write the table into FILE between NAME's markers.
    pub markdown: Option<String>,
    /// `--list`: name the groups and stop.
    pub list: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            scale: Scale::Full,
            same_core: false,
            runtimes: RUNTIMES.to_vec(),
            only: None,
            rounds: None,
            json: None,
            markdown: None,
            list: false,
        }
    }
}

/// The usage text, ending with the names of the groups.
pub fn usage(groups: &[&str]) -> String {
    format!(
        "usage: oneloop-bench [--quick] [--same-core] [--only NAME[,NAME..]] [--rt tokio,smol,oneloop]\n\
         \x20                    [--rounds N] [--json PATH] [--markdown-into FILE#NAME] [--list]\n\
         benchmarks: {}",
        groups.join(", ")
    )
}

/// Parses the arguments (without the program name); an error says which one is wrong.
pub fn parse(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("--idle-server") => {
            let [_, rt, n, shape] = args else {
                return Err("--idle-server RT N SHAPE".into());
            };
            let rt = Rt::from_name(rt).ok_or_else(|| format!("unknown runtime {rt:?}"))?;
            let conns = n.parse().map_err(|_| format!("bad count {n:?}"))?;
            return Ok(Command::IdleServer {
                rt,
                conns,
                shape: shape.clone(),
            });
        }
        Some("--idle-client") => {
            let [_, addr, n, shape] = args else {
                return Err("--idle-client ADDR N SHAPE".into());
            };
            let addr = addr.parse().map_err(|_| format!("bad address {addr:?}"))?;
            let conns = n.parse().map_err(|_| format!("bad count {n:?}"))?;
            return Ok(Command::IdleClient {
                addr,
                conns,
                shape: shape.clone(),
            });
        }
        _ => {}
    }

    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--quick" => o.scale = Scale::Quick,
            "--same-core" => o.same_core = true,
            "--list" => o.list = true,
            "--only" => o.only = Some(value()?.split(',').map(str::to_string).collect()),
            "--json" => o.json = Some(value()?.clone()),
            "--markdown-into" => o.markdown = Some(value()?.clone()),
            "--rt" => {
                let v = value()?;
                o.runtimes = v
                    .split(',')
                    .map(|name| {
                        Rt::from_name(name).ok_or_else(|| format!("unknown runtime {name:?}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--rounds" => {
                let v = value()?;
                let n = v.parse().ok().filter(|&n: &usize| n > 0);
                o.rounds =
                    Some(n.ok_or_else(|| format!("--rounds needs a count above 0, not {v:?}"))?);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        parse(&args)
    }

    fn options(line: &str) -> Options {
        match parse_str(line) {
            Ok(Command::Run(o)) => o,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    #[test]
    fn no_arguments_run_everything_at_full_size() {
        assert_eq!(options(""), Options::default());
        assert_eq!(options("").runtimes, RUNTIMES);
    }

    #[test]
    fn every_flag_lands_in_its_field() {
        let o = options(
            "--quick --same-core --only spawn,echo --rt tokio,oneloop --rounds 2 \
             --json /tmp/x.json --markdown-into README.md#latest --list",
        );
        assert_eq!(
            o,
            Options {
                scale: Scale::Quick,
                same_core: true,
                runtimes: vec![Rt::Tokio, Rt::Oneloop],
                only: Some(vec!["spawn".into(), "echo".into()]),
                rounds: Some(2),
                json: Some("/tmp/x.json".into()),
                markdown: Some("README.md#latest".into()),
                list: true,
            }
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        for line in [
            "--rounds 0",
            "--rounds many",
            "--rounds",
            "--only",
            "--rt tokio,asyncio",
            "--fast",
            "--idle-server oneloop 10",
            "--idle-server gevent 10 echo",
            "--idle-client nowhere 10 echo",
        ] {
            assert!(parse_str(line).is_err(), "{line:?} parsed");
        }
    }

    #[test]
    fn the_child_processes_parse_their_arguments() {
        assert_eq!(
            parse_str("--idle-server smol 1000 prompt"),
            Ok(Command::IdleServer {
                rt: Rt::Smol,
                conns: 1000,
                shape: "prompt".into()
            })
        );
        assert_eq!(
            parse_str("--idle-client 127.0.0.1:80 5 http"),
            Ok(Command::IdleClient {
                addr: "127.0.0.1:80".parse().expect("an address"),
                conns: 5,
                shape: "http".into()
            })
        );
    }

    #[test]
    fn usage_names_the_groups() {
        assert!(usage(&["spawn", "echo"]).ends_with("benchmarks: spawn, echo"));
    }
}
