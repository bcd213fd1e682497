//! `tcp_charfinder --workers 2`: two processes, one loop each, share one port through
//! `SO_REUSEPORT`, and both answer. Each worker prefixes its log lines with `[pid N] `; the
//! test knows each client's own address, so the log says which process served which client.
//! Ctrl-C on the first process stops both, each cleanly.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;
use std::time::Duration;

use testkit::example::{example_binary, Server};
use testkit::limit;

/// Connections made: the kernel picks a listener by a hash of each connection's addresses,
/// so 64 connections all landing on one of two workers has a chance of 2^-63.
const CLIENTS: usize = 64;

const REGISTERED: &str = "?> U+00AE \t®\tREGISTERED SIGN\r\n1 match for 'registered'\r\n?> ";

/// The pid in a `[pid N] ...` line, and the rest.
fn split_pid(line: &str) -> Option<(u32, &str)> {
    let rest = line.strip_prefix("[pid ")?;
    let (pid, rest) = rest.split_once("] ")?;
    Some((pid.parse().ok()?, rest))
}

#[test]
fn two_workers_share_the_port_and_both_answer() {
    let mut command = Command::new(example_binary("tcp_charfinder"));
    command.args(["127.0.0.1", "0", "--workers", "2"]);
    let mut server = Server::start(command, true);
    let parent = server.pid();
    // The second worker says it listens too, before anyone connects.
    let mut serving = HashSet::from([parent]);
    while serving.len() < 2 {
        let line = server.next_line();
        if let Some((pid, rest)) = split_pid(&line) {
            if rest.starts_with("Serving on ") {
                assert_eq!(
                    rest,
                    format!("Serving on {}. Hit CTRL-C to stop.", server.addr)
                );
                serving.insert(pid);
            }
        }
    }

    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let mut stream = TcpStream::connect_timeout(&server.addr, limit()).expect("connect");
        stream.set_read_timeout(Some(limit())).unwrap();
        stream.write_all(b"registered\r\n").unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("the answer");
        assert_eq!(answer, REGISTERED);
        clients.push(stream.local_addr().unwrap());
    }

    let status = server.interrupt_and_wait(Duration::from_secs(60));
    assert!(status.success(), "exit after SIGINT: {status}");
    // Both workers have exited (the first waits for the others), so their logs are whole.
    let lines = server.remaining_lines();
    let mut served_by: HashMap<String, u32> = HashMap::new();
    let mut stopped = HashSet::new();
    for line in &lines {
        let Some((pid, rest)) = split_pid(line) else {
            panic!("a log line without its pid: {line:?}");
        };
        if let Some(peer) = rest.strip_prefix("Received from ") {
            let peer = peer.split(':').take(2).collect::<Vec<_>>().join(":");
            served_by.insert(peer, pid);
        }
        if rest == "Server shutting down." {
            stopped.insert(pid);
        }
    }
    let mut answered_by = HashSet::new();
    for client in &clients {
        let pid = served_by
            .get(&client.to_string())
            .unwrap_or_else(|| panic!("no worker logged {client}"));
        answered_by.insert(*pid);
    }
    assert_eq!(
        answered_by, serving,
        "each worker answered some of the clients"
    );
    assert!(answered_by.contains(&parent));
    assert_eq!(stopped, serving, "each worker stopped on Ctrl-C");
}
