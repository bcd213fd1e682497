//! 10,000 connections on one loop: the `tcp_charfinder` example (one process, one thread,
//! one task per client) holds 10,000 clients open at once and answers every one of them.
//!
//! The test raises `RLIMIT_NOFILE` to the hard limit (the server inherits it); it needs
//! 10,000 descriptors on each side plus a few, and 10,000 ephemeral ports. Where the machine
//! does not allow that, it says why and passes without running. Each step is counted, not
//! timed: every client gets its prompt, every client gets its exact answer, the server holds
//! a descriptor per client while they are all open, and gives them all back after.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use testkit::example::{example_binary, raise_fd_limit, Server};
use testkit::limit;

const CLIENTS: usize = 10_000;
/// Descriptors each process needs beyond one per connection (std streams, epoll, the
/// waker, the Ctrl-C pipe, the test harness), with room to spare.
const SPARE_FDS: u64 = 200;

const REGISTERED: &[u8] =
    "U+00AE \t®\tREGISTERED SIGN\r\n1 match for 'registered'\r\n?> ".as_bytes();

/// The number of local ports the kernel hands out to outgoing connections.
fn ephemeral_ports() -> Option<u64> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut parts = range.split_whitespace().map(|p| p.parse::<u64>().ok());
    let (low, high) = (parts.next()??, parts.next()??);
    Some(high.saturating_sub(low) + 1)
}

#[test]
fn ten_thousand_clients_open_at_once_are_all_answered() {
    let want = CLIENTS as u64 + SPARE_FDS;
    let got = raise_fd_limit(want);
    if got < want {
        println!("skipped: RLIMIT_NOFILE's hard limit allows {got} descriptors, {want} are needed");
        return;
    }
    match ephemeral_ports() {
        Some(ports) if ports < CLIENTS as u64 + 1000 => {
            println!("skipped: only {ports} ephemeral ports for {CLIENTS} connections");
            return;
        }
        _ => {}
    }
    let mut command = Command::new(example_binary("tcp_charfinder"));
    command.args(["127.0.0.1", "0"]);
    let mut server = Server::start(command, false);
    // One session first: what the server opens once (its Ctrl-C pipe) is then open.
    let mut first = TcpStream::connect_timeout(&server.addr, limit()).expect("first client");
    first.set_read_timeout(Some(limit())).unwrap();
    first.write_all(b"registered\r\n").unwrap();
    first.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    first.read_to_end(&mut answer).expect("the first answer");
    assert_eq!(answer, [b"?> ", REGISTERED].concat());
    let base_fds = server.open_fds();

    // 1. Connect them all; each is held open until the end. Every client reads its prompt:
    //    the server has accepted it and its task runs.
    let mut clients = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        let stream = TcpStream::connect_timeout(&server.addr, limit())
            .unwrap_or_else(|e| panic!("connection {i}: {e}"));
        stream.set_read_timeout(Some(limit())).unwrap();
        stream.set_write_timeout(Some(limit())).unwrap();
        clients.push(stream);
    }
    for (i, stream) in clients.iter_mut().enumerate() {
        let mut prompt = [0; 3];
        stream
            .read_exact(&mut prompt)
            .unwrap_or_else(|e| panic!("client {i}: no prompt: {e}"));
        assert_eq!(&prompt, b"?> ", "client {i}");
    }
    // Checked once they are gone: the count at rest then may be lower than `base_fds`
    // (the first session's socket may still have been closing when it was read).
    let held = server.open_fds();

    // 2. Every client asks, then every client reads its answer: 10,000 queries in flight
    //    on one loop at once.
    for (i, stream) in clients.iter_mut().enumerate() {
        stream
            .write_all(b"registered\r\n")
            .unwrap_or_else(|e| panic!("client {i}: send: {e}"));
    }
    for (i, stream) in clients.iter_mut().enumerate() {
        let mut answer = vec![0; REGISTERED.len()];
        stream
            .read_exact(&mut answer)
            .unwrap_or_else(|e| panic!("client {i}: answer: {e}"));
        assert_eq!(answer, REGISTERED, "client {i}");
    }

    // 3. All leave; the server gives every descriptor back and stops cleanly.
    drop(clients);
    let at_rest = server.wait_fds(base_fds);
    assert!(
        at_rest <= base_fds,
        "descriptors left open: {at_rest}, {base_fds} before"
    );
    assert!(
        held >= at_rest + CLIENTS,
        "the server held {held} descriptors with {CLIENTS} clients open ({at_rest} at rest)"
    );
    let status = server.interrupt_and_wait(Duration::from_secs(60));
    assert!(status.success(), "exit after SIGINT: {status}");
}
