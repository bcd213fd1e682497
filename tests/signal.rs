//! `signal::ctrl_c()` delivered to real processes: this test binary re-run as a child that
//! waits for Ctrl-C, and the `echo` example, each sent SIGINT with `kill -INT`.
//!
//! A child mode is a test that does nothing unless the environment variable
//! `ONELOOP_TEST_CHILD` names it; the parent runs this same binary with that variable and
//! `--exact <test>`, so exactly that test runs, in the child. The harness prints its own
//! lines too ("test NAME ... " shares a line with the first `println!`), so the parent
//! looks for lines that *end* with the child's markers.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;

use testkit::{child_mode, child_test, Watched};

/// Child mode "ctrl_c": wait for Ctrl-C in a loop, say so, exit 0.
#[test]
fn child_waits_for_ctrl_c() {
    if child_mode().as_deref() != Some("ctrl_c") {
        return;
    }
    let got = oneloop::run(async {
        let waiter = oneloop::spawn(oneloop::signal::ctrl_c());
        // One turn: the waiter has run, so the handler is installed before "ready".
        oneloop::task::yield_now().await.unwrap();
        println!("child: ready");
        std::io::stdout().flush().unwrap();
        oneloop::time::timeout(testkit::limit(), waiter).await
    });
    match got {
        Ok(Ok(Ok(()))) => println!("got ctrl-c"),
        other => println!("no ctrl-c: {other:?}"),
    }
}

/// Child mode "many": 200 tasks wait for Ctrl-C at once; one SIGINT completes them all.
#[test]
fn child_many_wait_for_ctrl_c() {
    if child_mode().as_deref() != Some("many") {
        return;
    }
    let done = oneloop::run(async {
        let waiters: Vec<_> = (0..200)
            .map(|_| oneloop::spawn(oneloop::signal::ctrl_c()))
            .collect();
        oneloop::task::yield_now().await.unwrap();
        println!("child: ready");
        std::io::stdout().flush().unwrap();
        let mut done = 0;
        for waiter in waiters {
            if let Ok(Ok(Ok(()))) = oneloop::time::timeout(testkit::limit(), waiter).await {
                done += 1;
            }
        }
        done
    });
    println!("{done} got ctrl-c");
}

#[test]
fn two_hundred_ctrl_c_waiters_all_get_one_sigint() {
    let mut child = Watched::spawn(child_test("child_many_wait_for_ctrl_c", "many"));
    child.wait_line(testkit::limit(), |l| {
        l.ends_with("child: ready").then_some(())
    });
    child.interrupt();
    let (status, stdout, stderr) = child.finish(testkit::limit());
    assert!(
        stdout.iter().any(|l| l.ends_with("200 got ctrl-c")),
        "stdout: {stdout:#?}\nstderr: {stderr}"
    );
    assert!(status.success(), "exit: {status}; stderr: {stderr}");
}

/// Child mode "kept": wait for one Ctrl-C; then, while nobody waits, raise SIGINT (raise(3)
/// returns only after the handler ran): the process must survive it, and the next
/// `ctrl_c()` must complete at once with that kept signal.
#[test]
fn child_keeps_a_sigint_that_arrives_between_waits() {
    if child_mode().as_deref() != Some("kept") {
        return;
    }
    oneloop::run(async {
        let waiter = oneloop::spawn(oneloop::signal::ctrl_c());
        oneloop::task::yield_now().await.unwrap();
        assert_eq!(raise_sigint(), 0);
        let first = oneloop::time::timeout(testkit::limit(), waiter).await;
        println!("first: {first:?}");
        // Nobody waits now: a SIGINT here must neither kill us nor be lost.
        assert_eq!(raise_sigint(), 0);
        println!("survived");
        let kept = oneloop::time::timeout(testkit::limit(), oneloop::signal::ctrl_c()).await;
        println!("kept: {kept:?}");
    });
}

#[allow(unsafe_code)]
fn raise_sigint() -> i32 {
    // SAFETY: raise(3) with a valid signal number; the handler installed by ctrl_c() only
    // writes to a pipe and sets a flag.
    unsafe { libc::raise(libc::SIGINT) }
}

#[test]
fn ctrl_c_is_delivered_to_a_child_process() {
    let mut child = Watched::spawn(child_test("child_waits_for_ctrl_c", "ctrl_c"));
    child.wait_line(testkit::limit(), |l| {
        l.ends_with("child: ready").then_some(())
    });
    child.interrupt();
    let (status, stdout, stderr) = child.finish(testkit::limit());
    assert!(
        stdout.iter().any(|l| l.ends_with("got ctrl-c")),
        "stdout: {stdout:#?}\nstderr: {stderr}"
    );
    assert!(
        status.success(),
        "exit: {status}; stdout: {stdout:#?}\nstderr: {stderr}"
    );
}

#[test]
fn a_sigint_between_two_waits_is_kept_for_the_next_wait() {
    let child = Watched::spawn(child_test(
        "child_keeps_a_sigint_that_arrives_between_waits",
        "kept",
    ));
    let (status, stdout, stderr) = child.finish(testkit::limit());
    let has = |end: &str| stdout.iter().any(|l| l.ends_with(end));
    assert!(
        has("first: Ok(Ok(Ok(())))"),
        "stdout: {stdout:#?}\nstderr: {stderr}"
    );
    assert!(has("survived"), "stdout: {stdout:#?}\nstderr: {stderr}");
    assert!(
        has("kept: Ok(Ok(()))"),
        "stdout: {stdout:#?}\nstderr: {stderr}"
    );
    assert!(status.success(), "exit: {status}; stderr: {stderr}");
}

#[test]
fn the_echo_example_echoes_lines_and_shuts_down_on_ctrl_c() {
    let echo = testkit::example::example_binary("echo");
    let mut cmd = Command::new(&echo);
    cmd.args(["127.0.0.1", "0"]);
    let mut child = Watched::spawn(cmd);
    // "Echo server on 127.0.0.1:PORT. Try it: nc 127.0.0.1 PORT"
    let addr: SocketAddr = child.wait_line(testkit::limit(), |line| {
        let rest = line.strip_prefix("Echo server on ")?;
        rest.split(". ").next()?.parse().ok()
    });
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");

    for client in 0..3 {
        let stream = TcpStream::connect(addr).expect("connect to the echo example");
        stream.set_read_timeout(Some(testkit::limit())).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        for i in 0..3 {
            let line = format!("client {client} line {i}\n");
            writer.write_all(line.as_bytes()).unwrap();
            let mut back = String::new();
            reader.read_line(&mut back).expect("echo reply");
            assert_eq!(back, line);
        }
    }

    child.interrupt();
    let (status, stdout, stderr) = child.finish(testkit::limit());
    assert!(
        stdout.iter().any(|l| l == "Server shutting down."),
        "stdout: {stdout:#?}\nstderr: {stderr}"
    );
    assert!(
        status.success(),
        "exit: {status}; stdout: {stdout:#?}\nstderr: {stderr}"
    );
}
