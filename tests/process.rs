//! `oneloop::process`: children with piped stdio (`echo`, `cat`), exit statuses, `kill`,
//! `output()`, `kill_on_drop`, a cancelled `wait()`; then the same through the SIGCHLD
//! fallback, in a child of this test binary started with `ONELOOP_PROCESS_SIGCHLD=1`.

use std::time::Duration;

use oneloop::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use oneloop::process::{Command, Stdio};
use testkit::{bounded, child_mode, child_test, run, turns, Watched};

/// Is the process `pid` gone (exited and reaped)? A zombie still has its /proc entry.
fn gone(pid: u32) -> bool {
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits (bounded) until `pid` is gone.
async fn until_gone(pid: u32) {
    bounded("process gone", async {
        while !gone(pid) {
            let _ = oneloop::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

async fn echo_and_cat() {
    // echo: stdout piped, read to the end.
    let mut child = Command::new("echo")
        .args(["hello", "world"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut stdout = child.stdout.take().unwrap();
    bounded("echo's stdout", stdout.read_to_string(&mut out))
        .await
        .unwrap();
    assert_eq!(out, "hello world\n");
    assert!(bounded("echo", child.wait()).await.unwrap().success());

    // cat: 1 MiB through stdin and back, written and read at once (more than a pipe holds).
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let data = testkit::pattern_bytes(1 << 20);
    let sent = data.clone();
    let writer = oneloop::spawn(async move {
        stdin.write_all(&sent).await.unwrap();
        // dropping stdin closes the pipe: cat sees end of file
    });
    let mut back = Vec::new();
    bounded("cat's stdout", stdout.read_to_end(&mut back))
        .await
        .unwrap();
    writer.await.unwrap();
    assert!(back == data, "cat gave back {} bytes", back.len());
    assert!(bounded("cat", child.wait()).await.unwrap().success());

    // Lines, one at a time, as a child writes them.
    let mut child = Command::new("sh")
        .args(["-c", "for i in 1 2 3; do echo line $i; done; exit 7"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut got = Vec::new();
    while let Some(line) = bounded("a line", lines.next_line()).await.unwrap() {
        got.push(line);
    }
    assert_eq!(got, ["line 1", "line 2", "line 3"]);
    let status = bounded("sh", child.wait()).await.unwrap();
    assert_eq!(status.code(), Some(7));
    assert_eq!(child.id(), None, "reaped");
    assert_eq!(
        child.try_wait().unwrap(),
        Some(status),
        "the status is kept"
    );
}

#[test]
fn echo_and_cat_through_piped_stdio() {
    run(|| async { echo_and_cat().await });
}

async fn kill_and_status() {
    let mut child = Command::new("sleep").arg("60").spawn().unwrap();
    let pid = child.id().unwrap();
    assert_eq!(child.try_wait().unwrap(), None);
    bounded("kill", child.kill()).await.unwrap();
    let status = child.try_wait().unwrap().expect("collected by kill");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
    assert!(gone(pid), "kill() reaps");
    let err = child.start_kill().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);

    let status = Command::new("sh")
        .args(["-c", "exit 5"])
        .status()
        .await
        .unwrap();
    assert_eq!(status.code(), Some(5));
}

#[test]
fn kill_reaps_and_status_reports_the_exit_code() {
    run(|| async { kill_and_status().await });
}

#[test]
fn output_collects_both_streams_and_the_status() {
    run(|| async {
        // More than a pipe holds on each stream, so both must be read at once.
        let script = "head -c 200000 /dev/zero; head -c 300000 /dev/zero >&2; exit 3";
        let out = bounded("output", Command::new("sh").args(["-c", script]).output())
            .await
            .unwrap();
        assert_eq!((out.stdout.len(), out.stderr.len()), (200_000, 300_000));
        assert_eq!(out.status.code(), Some(3));
        let out = Command::new("pwd")
            .current_dir("/")
            .env_clear()
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"/\n");
        let err = Command::new("/no/such/program").output().await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
}

#[test]
fn a_child_that_never_exits_is_killed_on_drop() {
    run(|| async {
        let child = Command::new("sleep")
            .arg("1000")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        assert!(!gone(pid));
        drop(child);
        until_gone(pid).await;

        // Without kill_on_drop, it runs on.
        let child = Command::new("sleep").arg("1000").spawn().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        turns(3).await;
        assert!(!gone(pid), "not killed");
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    });
}

#[test]
fn a_cancelled_wait_leaves_the_child_running() {
    run(|| async {
        let child = Command::new("sleep")
            .arg("1000")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let waiter = oneloop::spawn(async move {
            let mut child = child;
            let first = child.wait().await;
            (first.map_err(|e| oneloop::is_cancelled(&e)), child)
        });
        turns(3).await; // parked on the pidfd
        waiter.cancel();
        let (first, mut child) = bounded("waiter", waiter).await.unwrap();
        assert_eq!(first.map(|_| ()), Err(true));
        assert_eq!(child.try_wait().unwrap(), None, "still running");
        bounded("kill", child.kill()).await.unwrap();
    });
}

/// Child mode "sigchld": the tests above, with exits watched through SIGCHLD.
#[test]
fn child_runs_the_process_tests_through_sigchld() {
    if child_mode().as_deref() != Some("sigchld") {
        return;
    }
    oneloop::run(async {
        echo_and_cat().await;
        kill_and_status().await;
        // Several children waited for at once: one SIGCHLD may stand for several exits.
        let mut children: Vec<_> = (0..5)
            .map(|i| {
                Command::new("sh")
                    .args(["-c", &format!("exit {i}")])
                    .spawn()
                    .unwrap()
            })
            .collect();
        let codes = oneloop::gather(children.iter_mut().map(|c| c.wait())).await;
        let codes: Vec<_> = codes.into_iter().map(|s| s.unwrap().code()).collect();
        assert_eq!(codes, [Some(0), Some(1), Some(2), Some(3), Some(4)]);
        let debug = format!("{:?}", Command::new("true").spawn().unwrap());
        assert!(debug.contains("pidfd: false"), "{debug}");
    });
    println!("sigchld: all passed");
}

#[test]
fn the_sigchld_fallback_watches_exits_too() {
    let mut cmd = child_test("child_runs_the_process_tests_through_sigchld", "sigchld");
    cmd.env("ONELOOP_PROCESS_SIGCHLD", "1");
    let child = Watched::spawn(cmd);
    let (status, stdout, stderr) = child.finish(Duration::from_secs(60));
    assert!(
        stdout.iter().any(|l| l.ends_with("sigchld: all passed")),
        "stdout: {stdout:#?}\nstderr: {stderr}"
    );
    assert!(status.success(), "exit: {status}; stderr: {stderr}");
}

#[test]
fn exits_are_watched_through_a_pidfd_where_the_kernel_has_it() {
    run(|| async {
        let child = Command::new("true").spawn().unwrap();
        let debug = format!("{child:?}");
        // pidfd_open came with Linux 5.3; elsewhere the fallback is right.
        println!("{debug}");
        assert!(
            debug.contains("pidfd: true") || !cfg!(target_os = "linux"),
            "{debug}"
        );
    });
}

#[test]
fn wait_parks_once_and_is_woken_by_the_exit() {
    run(|| async {
        // The child exits when its stdin closes; we hold stdin, so it runs until we drop it.
        let mut child = Command::new("sh")
            .args(["-c", "read line || true"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let counts = testkit::Counts::new();
        let wait_counts = counts.clone();
        let waiter = oneloop::spawn(async move { wait_counts.wrap(child.wait()).await });
        turns(5).await;
        assert_eq!(
            counts.polls(),
            1,
            "parked, not polled again while the child runs"
        );
        drop(stdin);
        let status = bounded("waiter", waiter).await.unwrap().unwrap();
        assert!(status.success());
        // One wake, by the exit: the pidfd's event (or, in the fallback, SIGCHLD's pipe).
        assert_eq!(counts.polls(), 2);
    });
}
