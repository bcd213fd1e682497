//! A job runner, written as a tokio user writes it.
//!
//! Jobs are shell commands, run at most `PARALLEL` at a time (`Arc<Semaphore>` + `JoinSet`),
//! each with its output captured and a deadline: a job past its deadline is killed (the
//! `Child` is dropped with `kill_on_drop`). One job is fed its input through a piped stdin
//! and read line by line; one is killed by hand. `run` returns the transcript, in job order.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;

const PARALLEL: usize = 2;
// Generous: only "slow" (which never ends) may reach it, even on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(3);

const JOBS: &[(&str, &str)] = &[
    ("hello", "echo hello from $JOB_NAME"),
    ("count", "for i in 1 2 3; do echo $i; done"),
    ("fails", "echo about to fail >&2; exit 4"),
    ("slow", "sleep 1000"),
    ("big", "seq 20000"),
];

/// Runs one job to its end or its deadline; returns a one-line report.
async fn run_job(name: &'static str, script: &'static str, permits: Arc<Semaphore>) -> String {
    let _permit = permits.acquire_owned().await.expect("semaphore closed");
    let output = Command::new("sh")
        .args(["-c", script])
        .env("JOB_NAME", name)
        .kill_on_drop(true)
        .output();
    match timeout(DEADLINE, output).await {
        Err(_) => format!("{name}: killed after the deadline"),
        Ok(Err(e)) => format!("{name}: could not start: {e}"),
        Ok(Ok(out)) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            format!(
                "{name}: {} | {} bytes out, first line {:?} | err {:?}",
                out.status,
                out.stdout.len(),
                stdout.lines().next().unwrap_or(""),
                stderr.trim()
            )
        }
    }
}

/// Feeds `words` to `sort` through its stdin, reads the sorted lines back.
async fn sort_words(words: &[&str]) -> io::Result<Vec<String>> {
    let mut child = Command::new("sort")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    for word in words {
        stdin.write_all(format!("{word}\n").as_bytes()).await?;
    }
    drop(stdin); // end of input: sort answers
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut sorted = Vec::new();
    while let Some(line) = lines.next_line().await? {
        sorted.push(line);
    }
    let status = child.wait().await?;
    sorted.push(format!("sort exited: {status}"));
    Ok(sorted)
}

/// Starts a job that never ends, then kills it by hand.
async fn kill_by_hand() -> io::Result<String> {
    let mut child = Command::new("sleep").arg("30").spawn()?;
    let running = child.try_wait()?.is_none();
    child.kill().await?;
    let status = child.wait().await?;
    Ok(format!(
        "hand-killed: running before {running}, signal {:?}, id after {:?}",
        status.signal(),
        child.id()
    ))
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let permits = Arc::new(Semaphore::new(PARALLEL));
    let mut set = JoinSet::new();
    for (index, (name, script)) in JOBS.iter().enumerate() {
        let permits = permits.clone();
        set.spawn(async move { (index, run_job(name, script, permits).await) });
    }
    let mut reports = Vec::new();
    while let Some(done) = set.join_next().await {
        reports.push(done.unwrap());
    }
    reports.sort();
    let mut transcript: Vec<String> = reports.into_iter().map(|(_, line)| line).collect();
    transcript.push(format!("permits back: {}", permits.available_permits()));
    transcript.extend(sort_words(&["pear", "apple", "fig"]).await.unwrap());
    transcript.push(kill_by_hand().await.unwrap());
    let status = Command::new("sh")
        .args(["-c", "exit 9"])
        .status()
        .await
        .unwrap();
    transcript.push(format!(
        "status: {:?} success {}",
        status.code(),
        status.success()
    ));
    transcript.join("\n")
}
