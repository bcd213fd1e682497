//! The idle-connection groups: memory per idle connection, three shapes (an echo task parked
//! in `read`, a buffered `?> ` prompt, `oneloop::http::serve` with keep-alive clients). Each
//! run is a fresh process per runtime (`--idle-server`), which starts its own client process
//! (`--idle-client`, `crate::load::idle_client`), so RSS and the fd table start clean; this
//! file holds both the group and the server process's side.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::group::{count, Bench, Kind, Metrics, Row, Scale, Unsupported};
use crate::load::{self, LOOP_CPU};
use crate::rt::{on_rt, Rt};
use crate::{alloc, sys, watchdog};

/// What each idle connection is parked in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    /// An echo task with a 256-byte buffer in its future, in `read`.
    Echo,
    /// The runtime's `BufReader`/`BufWriter` (8 KiB each) at a `?> ` prompt, in `read_line`.
    Prompt,
    /// `oneloop::http::serve`, each client idle after one keep-alive GET (oneloop only).
    Http,
}

impl Shape {
    /// The word passed to the child processes.
    pub fn arg(self) -> &'static str {
        match self {
            Shape::Echo => "echo",
            Shape::Prompt => "prompt",
            Shape::Http => "http",
        }
    }

    pub fn from_arg(s: &str) -> Option<Shape> {
        [Shape::Echo, Shape::Prompt, Shape::Http]
            .into_iter()
            .find(|k| k.arg() == s)
    }
}

/// Heap bytes held and RSS growth per idle connection.
pub struct Idle {
    shape: Shape,
    /// The connections the scale asks for.
    wanted: usize,
    /// The connections that run: `wanted`, or fewer if the fd limit is lower.
    conns: usize,
    /// `RLIMIT_NOFILE` after raising it to the hard limit.
    nofile: u64,
}

impl Idle {
    pub fn new(scale: Scale, shape: Shape) -> Idle {
        let wanted = scale.pick(10_000, 1_000);
        // Each side is its own process, so each needs one fd per connection, plus slack.
        let nofile = sys::raise_nofile();
        let conns = wanted.min((nofile as usize).saturating_sub(200));
        Idle {
            shape,
            wanted,
            conns,
            nofile,
        }
    }

    fn keys(&self) -> [&'static str; 2] {
        match self.shape {
            Shape::Echo => ["idle.heap", "idle.rss"],
            Shape::Prompt => ["idle_prompt.heap", "idle_prompt.rss"],
            Shape::Http => ["idle_http.heap", "idle_http.rss"],
        }
    }
}

impl Bench for Idle {
    fn name(&self) -> &'static str {
        match self.shape {
            Shape::Echo => "idle",
            Shape::Prompt => "idle_prompt",
            Shape::Http => "idle_http",
        }
    }
    fn measures(&self) -> &'static str {
        match self.shape {
            Shape::Echo => {
                "idle connections, one echo task each parked in read (a fresh process per \
                 runtime): heap bytes held and RSS growth per connection"
            }
            Shape::Prompt => {
                "idle connections at a tcp_charfinder-style ?> prompt over the runtime's own \
                 BufReader and BufWriter: heap and RSS growth per connection"
            }
            Shape::Http => {
                "idle keep-alive clients of oneloop::http::serve after one GET each: heap and \
                 RSS growth per connection (oneloop only)"
            }
        }
    }
    fn kind(&self) -> Kind {
        Kind::Io
    }
    fn rows(&self) -> Vec<Row> {
        let n = count(self.conns as u64);
        let label = match self.shape {
            Shape::Echo => format!("{n} idle connections: heap held"),
            Shape::Prompt => format!("{n} idle at a buffered ?> prompt: heap"),
            Shape::Http => format!("{n} idle keep-alive, oneloop::http::serve: heap"),
        };
        let [heap, rss] = self.keys();
        vec![
            Row::cost(heap, label, "B/conn"),
            Row::cost(rss, "RSS growth", "B/conn").sub(),
        ]
    }
    fn unsupported(&self, rt: Rt) -> Option<Unsupported> {
        (self.shape == Shape::Http && rt != Rt::Oneloop).then_some(Unsupported::NotApplicable)
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let conns = self.conns.to_string();
        let out = Command::new(exe)
            .args(["--idle-server", rt.name(), &conns, self.shape.arg()])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |k: &str| {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .and_then(|v| v.parse::<f64>().ok())
        };
        match (out.status.success(), field("heap="), field("rss=")) {
            (true, Some(heap), Some(rss)) => {
                let [heap_key, rss_key] = self.keys();
                Ok(vec![(heap_key, heap), (rss_key, rss)])
            }
            _ => Err(format!(
                "idle server failed ({}): {}{}",
                out.status,
                text.trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        }
    }
    fn remarks(&self) -> Vec<String> {
        if self.conns < self.wanted {
            vec![format!(
                "{}: RLIMIT_NOFILE is {}, so {} idle connections instead of {}",
                self.name(),
                self.nofile,
                self.conns,
                self.wanted
            )]
        } else {
            Vec::new()
        }
    }
}

/// `--idle-server RT N SHAPE`: the child process side of `Idle::run`. Starts the client
/// process, serves `n` connections until they are all idle, prints `heap=.. rss=..` per
/// connection and exits.
pub fn server_main(rt: Rt, n: usize, shape: Shape) -> ! {
    load::pin(LOOP_CPU);
    sys::raise_nofile();
    watchdog::exit_after(Duration::from_secs(60), "idle server");
    let l = sys::std_listener();
    let addr = l.local_addr().expect("local_addr");
    let exe = std::env::current_exe().expect("current_exe");
    let mut client = Command::new(exe)
        .args([
            "--idle-client",
            &addr.to_string(),
            &n.to_string(),
            shape.arg(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the idle client");
    let ready = client.stdout.take().expect("the idle client's stdout");
    let (heap, rss) = match shape {
        Shape::Http => http_server(l, n, ready),
        Shape::Echo => on_rt!(rt, net::idle_server(l, n, false)),
        Shape::Prompt => on_rt!(rt, net::idle_server(l, n, true)),
    };
    drop(client.stdin.take());
    let _ = client.wait();
    println!("heap={heap:.1} rss={rss:.1}");
    std::process::exit(0);
}

/// `oneloop::http::serve` with a hello handler; the clients connect, send one keep-alive GET
/// each, read the answer and say "ok" on `ready`; then heap and RSS per connection.
fn http_server(l: std::net::TcpListener, n: usize, ready: std::process::ChildStdout) -> (f64, f64) {
    let rt = oneloop::Runtime::new().expect("a oneloop runtime");
    rt.block_on(async move {
        let l = oneloop::net::TcpListener::from_std(l).expect("from_std");
        oneloop::time::sleep(Duration::from_millis(1)).await.ok(); // first-use setup
        let rss = sys::rss_bytes();
        let counting = alloc::CountingOn::start();
        let before = alloc::Snapshot::now();
        let server = oneloop::spawn(oneloop::http::serve(l, |_req| async {
            oneloop::http::Response::text("Hello, world!")
        }));
        let said = oneloop::task::spawn_blocking(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(ready).read_line(&mut line);
            line
        })
        .await;
        assert_eq!(
            said.ok().as_deref().map(str::trim),
            Some("ok"),
            "idle http client"
        );
        oneloop::time::sleep(Duration::from_millis(20)).await.ok(); // every task parks
        let heap = before.live_since() as f64 / n as f64;
        let rss = (sys::rss_bytes() as f64 - rss as f64) / n as f64;
        drop(counting);
        server.abort();
        (heap, rss)
    })
}
