//! `signal::unix::signal` delivered to real processes: this test binary re-run as a child
//! (see `tests/signal.rs` for how a child mode works), sent SIGUSR1 and SIGHUP with
//! `kill`, or raising signals at itself while nobody waits.
//!
//! Signals are sent to a child, never to the test process: a handler installed here would
//! stay installed for every other test of the binary.

use std::io::Write;
use std::process::Command;

use oneloop::signal::unix::{signal, SignalKind};
use testkit::{child_mode, child_test, Watched};

fn say(line: &str) {
    println!("{line}");
    std::io::stdout().flush().unwrap();
}

fn kill(child: &Watched, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} failed: {status}");
}

#[allow(unsafe_code)]
fn raise(signum: i32) -> i32 {
    // SAFETY: raise(3) with a valid signal number; the handler installed by `signal()` only
    // writes to a pipe and sets a flag.
    unsafe { libc::raise(signum) }
}

/// Child mode "usr1_hup": listens for SIGUSR1 and SIGHUP, says which came, three rounds.
#[test]
fn child_listens_for_usr1_and_hup() {
    if child_mode().as_deref() != Some("usr1_hup") {
        return;
    }
    oneloop::run(async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        let mut hup = signal(SignalKind::hangup()).unwrap();
        say("child: ready");
        for _ in 0..3 {
            let got = oneloop::time::timeout(testkit::limit(), async {
                oneloop::select! {
                    r = usr1.recv() => format!("got usr1 {r:?}"),
                    r = hup.recv() => format!("got hup {r:?}"),
                }
            })
            .await;
            say(&got.unwrap_or_else(|_| "nothing came".into()));
        }
    });
}

#[test]
fn usr1_and_hup_reach_their_own_listeners_in_a_child() {
    let mut child = Watched::spawn(child_test("child_listens_for_usr1_and_hup", "usr1_hup"));
    child.wait_line(testkit::limit(), |l| {
        l.ends_with("child: ready").then_some(())
    });
    for name in ["USR1", "HUP", "USR1"] {
        kill(&child, name);
        let want = format!("got {} Ok(Some(()))", name.to_lowercase());
        child.wait_line(testkit::limit(), |l| l.ends_with(&want).then_some(()));
    }
    let (status, stdout, stderr) = child.finish(testkit::limit());
    assert!(
        status.success(),
        "exit: {status}; stdout: {stdout:#?}\nstderr: {stderr}"
    );
}

/// Child mode "kept": signals that arrive while nobody is in `recv()` are not lost, whether
/// a `Signal` exists (its pipe holds the byte) or none does (the kept flag).
#[test]
fn child_keeps_signals_that_arrive_while_nobody_waits() {
    if child_mode().as_deref() != Some("kept") {
        return;
    }
    oneloop::run(async {
        // A Signal exists but is not in recv(): two arrivals, one completion (coalesced).
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        assert_eq!(raise(libc::SIGUSR1), 0);
        assert_eq!(raise(libc::SIGUSR1), 0);
        let first = oneloop::time::timeout(testkit::limit(), usr1.recv()).await;
        say(&format!("held: {first:?}"));
        // Two listeners of one signal on one loop: one arrival completes both.
        let mut other = signal(SignalKind::user_defined1()).unwrap();
        assert_eq!(raise(libc::SIGUSR1), 0);
        let a = oneloop::time::timeout(testkit::limit(), usr1.recv()).await;
        let b = oneloop::time::timeout(testkit::limit(), other.recv()).await;
        say(&format!("both: {a:?} {b:?}"));
        drop((usr1, other));
        // No Signal of SIGHUP exists now (the handler stays): the process survives, and
        // the next listener's first recv() completes with the kept arrival.
        drop(signal(SignalKind::hangup()).unwrap());
        assert_eq!(raise(libc::SIGHUP), 0);
        say("survived");
        let mut hup = signal(SignalKind::hangup()).unwrap();
        let kept = oneloop::time::timeout(testkit::limit(), hup.recv()).await;
        say(&format!("kept: {kept:?}"));
    });
}

#[test]
fn signals_that_arrive_while_nobody_waits_are_kept() {
    let child = Watched::spawn(child_test(
        "child_keeps_signals_that_arrive_while_nobody_waits",
        "kept",
    ));
    let (status, stdout, stderr) = child.finish(testkit::limit());
    let has = |end: &str| stdout.iter().any(|l| l.ends_with(end));
    for line in [
        "held: Ok(Ok(Some(())))",
        "both: Ok(Ok(Some(()))) Ok(Ok(Some(())))",
        "survived",
        "kept: Ok(Ok(Some(())))",
    ] {
        assert!(
            has(line),
            "no {line:?} in stdout: {stdout:#?}\nstderr: {stderr}"
        );
    }
    assert!(status.success(), "exit: {status}; stderr: {stderr}");
}

/// Child mode "cancel": a task parked in `recv()` is cancelled; the `Signal` still works.
#[test]
fn child_cancels_a_parked_recv() {
    if child_mode().as_deref() != Some("cancel") {
        return;
    }
    oneloop::run(async {
        let usr2 = signal(SignalKind::user_defined2()).unwrap();
        let waiter = oneloop::spawn(async move {
            let mut usr2 = usr2;
            let first = usr2.recv().await;
            (first, usr2)
        });
        oneloop::task::yield_now().await.unwrap(); // parked in recv()
        waiter.cancel();
        let (first, mut usr2) = oneloop::time::timeout(testkit::limit(), waiter)
            .await
            .unwrap()
            .unwrap();
        say(&format!("first: {first:?}"));
        assert_eq!(raise(libc::SIGUSR2), 0);
        let second = oneloop::time::timeout(testkit::limit(), usr2.recv()).await;
        say(&format!("second: {second:?}"));
    });
}

#[test]
fn a_cancelled_recv_returns_cancelled_and_the_signal_still_works() {
    let child = Watched::spawn(child_test("child_cancels_a_parked_recv", "cancel"));
    let (status, stdout, stderr) = child.finish(testkit::limit());
    let has = |end: &str| stdout.iter().any(|l| l.ends_with(end));
    assert!(
        has("first: Err(Cancelled)"),
        "stdout: {stdout:#?}\nstderr: {stderr}"
    );
    assert!(
        has("second: Ok(Ok(Some(())))"),
        "stdout: {stdout:#?}\nstderr: {stderr}"
    );
    assert!(status.success(), "exit: {status}; stderr: {stderr}");
}

#[test]
fn uncatchable_signals_are_refused() {
    testkit::run(|| async {
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, 65, -1] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{signum}");
        }
    });
}
