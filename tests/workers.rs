//! `tcp_charfinder --workers 2` and `http_charfinder --workers 2`: two processes, one loop
//! each, share one port through `SO_REUSEPORT`, and both answer. Each worker prefixes its
//! log lines with `[pid N] `, and each client is told apart in the log (tcp_charfinder logs
//! the client's address; each http_charfinder client asks for its own code point), so the
//! log says which process served which client. Ctrl-C on the first process stops both, each
//! cleanly.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;

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

/// Waits until the `n` workers of `server` have each said they listen on its address;
/// returns their pids.
fn wait_for_workers(server: &Server, n: usize) -> HashSet<u32> {
    let mut serving = HashSet::from([server.pid()]);
    while serving.len() < n {
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
    serving
}

/// Stops `server` with SIGINT (the first worker passes it on) and returns every worker's
/// log lines after the `Serving on` ones, split into pid and text; checks that each worker
/// in `serving` said it was shutting down.
fn stop_and_read_logs(mut server: Server, serving: &HashSet<u32>) -> Vec<(u32, String)> {
    let status = server.interrupt_and_wait(limit());
    assert!(status.success(), "exit after SIGINT: {status}");
    // Both workers have exited (the first waits for the others), so their logs are whole.
    let mut logs = Vec::new();
    let mut stopped = HashSet::new();
    for line in server.remaining_lines() {
        let Some((pid, rest)) = split_pid(&line) else {
            panic!("a log line without its pid: {line:?}");
        };
        if rest == "Server shutting down." {
            stopped.insert(pid);
        }
        logs.push((pid, rest.to_string()));
    }
    assert_eq!(&stopped, serving, "each worker stopped on Ctrl-C");
    logs
}

#[test]
fn two_workers_share_the_port_and_both_answer() {
    let mut command = Command::new(example_binary("tcp_charfinder"));
    command.args(["127.0.0.1", "0", "--workers", "2"]);
    let server = Server::start(command, true);
    let parent = server.pid();
    // The second worker says it listens too, before anyone connects.
    let serving = wait_for_workers(&server, 2);

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

    let mut served_by: HashMap<String, u32> = HashMap::new();
    for (pid, rest) in stop_and_read_logs(server, &serving) {
        if let Some(peer) = rest.strip_prefix("Received from ") {
            let peer = peer.split(':').take(2).collect::<Vec<_>>().join(":");
            served_by.insert(peer, pid);
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
}

#[test]
fn two_http_charfinder_workers_share_the_port_and_both_answer() {
    let mut command = Command::new(example_binary("http_charfinder"));
    command.args(["127.0.0.1", "0", "--workers", "2"]);
    let server = Server::start(command, true);
    let parent = server.pid();
    let serving = wait_for_workers(&server, 2);

    // Client i asks for code point U+0100 + i (all named: Latin Extended-A), each on a
    // connection of its own, so the `Query: 'U+...'` line says who served it.
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let code = format!("U+{:04X}", 0x100 + i);
        let mut stream = TcpStream::connect_timeout(&server.addr, limit()).expect("connect");
        stream.set_read_timeout(Some(limit())).unwrap();
        let request = format!(
            "GET /chars?query={}&start=0 HTTP/1.1\r\nHost: workers\r\nConnection: close\r\n\r\n",
            code.replace('+', "%2B")
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("the answer");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(
            answer.contains(&format!("\"code\":\"{code}\"")),
            "{code}: {answer}"
        );
        clients.push(code);
    }

    let mut served_by: HashMap<String, u32> = HashMap::new();
    for (pid, rest) in stop_and_read_logs(server, &serving) {
        if let Some(query) = rest.strip_prefix("Query: ") {
            served_by.insert(query.trim_matches('\'').to_string(), pid);
        }
    }
    let mut answered_by = HashSet::new();
    for code in &clients {
        let pid = served_by
            .get(code)
            .unwrap_or_else(|| panic!("no worker logged the query {code}"));
        answered_by.insert(*pid);
    }
    assert_eq!(
        answered_by, serving,
        "each worker answered some of the clients"
    );
    assert!(answered_by.contains(&parent));
}
