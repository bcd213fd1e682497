//! `--workers N` for the server examples (`tcp_charfinder`, `http_charfinder`): N processes,
//! one loop each, sharing one port through `SO_REUSEPORT` (DESIGN.md, "Beyond one core").
//!
//! The first process binds (learning the port, if 0 was asked), then starts N-1 copies of
//! its own executable with a worker variable set and the port spelled out; each copy binds
//! its own listener to that port, and the kernel spreads new connections over the
//! listeners. Re-executing rather than forking keeps each worker a fresh process: nothing of
//! the parent's loop, threads or descriptors is inherited half way. Ctrl-C on the first
//! process is passed on to the others, and it exits after they have.
//!
//! Each example includes this file with `mod workers_common;`.

use std::io;
use std::net::ToSocketAddrs;
use std::process::{Child, Command, Stdio};

use oneloop::net::{TcpListener, TcpSocket};

/// The accept queue of each worker's listener (as `TcpListener::bind` uses).
const BACKLOG: u32 = 1024;

/// The command line both servers take: `[ADDR [PORT]] [--workers N]`.
pub struct Options {
    pub addr: String,
    pub port: u16,
    pub workers: usize,
}

/// Parses `[ADDR [PORT]] [--workers N]` (ADDR defaults to `127.0.0.1`, PORT to
/// `default_port`); on a usage error prints the usage line of `program` and exits 2.
pub fn options(program: &str, default_port: u16) -> Options {
    let usage = || -> ! {
        eprintln!("usage: {program} [ADDR [PORT]] [--workers N]  (PORT: 0 to 65535; N: 1 or more)");
        std::process::exit(2);
    };
    let mut positional = Vec::new();
    let mut workers = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--workers" {
            workers = match args.next().map(|n| n.parse()) {
                Some(Ok(n)) if n >= 1 => n,
                _ => usage(),
            };
        } else {
            positional.push(arg);
        }
    }
    let mut positional = positional.into_iter();
    let addr = positional.next().unwrap_or_else(|| "127.0.0.1".into());
    let port = match positional.next().map(|p| p.parse()) {
        None => default_port,
        Some(Ok(port)) => port,
        Some(Err(_)) => usage(),
    };
    if positional.next().is_some() {
        usage();
    }
    Options {
        addr,
        port,
        workers,
    }
}

/// What starts every log line of a worker when there are several: `[pid N] `, so that
/// interleaved logs say which process wrote what.
pub fn log_prefix() -> String {
    format!("[pid {}] ", std::process::id())
}

/// A listener on `addr:port`; with `SO_REUSEPORT` when other workers share the port.
pub async fn listen(addr: &str, port: u16, shared: bool) -> io::Result<TcpListener> {
    if !shared {
        return TcpListener::bind((addr, port)).await;
    }
    let at = (addr, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))?;
    let socket = if at.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.bind(at)?;
    socket.listen(BACKLOG)
}

/// In the first process of `n` (the one without `worker_env` set), starts workers 1..n:
/// this executable again, with `worker_env` set to the worker's number and told the port the
/// first worker got. Elsewhere, or for one worker, starts nothing. If a worker cannot be
/// started, says so and exits 1.
pub fn start_workers(n: usize, addr: &str, port: u16, worker_env: &str) -> Vec<Child> {
    if n <= 1 || std::env::var_os(worker_env).is_some() {
        return Vec::new();
    }
    let start = || -> io::Result<Vec<Child>> {
        let exe = std::env::current_exe()?;
        (1..n)
            .map(|i| {
                Command::new(&exe)
                    .args([addr, &port.to_string(), "--workers", &n.to_string()])
                    .env(worker_env, i.to_string())
                    .stdin(Stdio::null())
                    .spawn()
            })
            .collect()
    };
    start().unwrap_or_else(|e| {
        eprintln!("cannot start the workers: {e}");
        std::process::exit(1);
    })
}

/// Passes Ctrl-C on to the workers, and waits for them (off the loop's thread).
pub async fn stop_workers(workers: Vec<Child>) {
    if workers.is_empty() {
        return;
    }
    for child in &workers {
        let Ok(pid) = libc::pid_t::try_from(child.id()) else {
            continue;
        };
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
    }
    let _ = oneloop::task::spawn_blocking(move || {
        for mut child in workers {
            let _ = child.wait();
        }
    })
    .await;
}
