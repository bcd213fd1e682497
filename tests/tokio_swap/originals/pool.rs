//! A worker pool, written as a tokio user writes it.
//!
//! Jobs run in a `JoinSet`; the pool keeps the `AbortHandle` that `spawn` returns for each.
//! Some jobs hang. The pool collects the others as they finish, then aborts the ones still
//! running through their handles and counts them as they come back cancelled. A second
//! batch is collected with `join_all`. `run` returns the transcript.

use std::collections::BTreeMap;
use std::future::pending;

use tokio::task::{AbortHandle, JoinSet};

const JOBS: u64 = 8;

/// Does job `n` hang? Every fourth one does.
fn hangs(n: u64) -> bool {
    n % 4 == 3
}

/// One job: works for `n` turns of the loop and returns `(n, n * n)`, unless it hangs.
async fn job(n: u64) -> (u64, u64) {
    if hangs(n) {
        pending::<()>().await;
    }
    for _ in 0..n {
        tokio::task::yield_now().await;
    }
    (n, n * n)
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let mut transcript = Vec::new();
    let mut set = JoinSet::new();
    let mut handles: BTreeMap<u64, AbortHandle> = BTreeMap::new();
    for n in 0..JOBS {
        handles.insert(n, set.spawn(job(n)));
    }
    let early = set.try_join_next().is_some();
    transcript.push(format!("finished before the pool ran: {early}"));

    // Collect until only the hanging jobs are left...
    let hanging = (0..JOBS).filter(|n| hangs(*n)).count();
    let mut squares = BTreeMap::new();
    while set.len() > hanging {
        let (n, square) = set.join_next().await.unwrap().unwrap();
        squares.insert(n, square);
    }
    // ...then abort them through the handles kept at spawn.
    for (n, handle) in &handles {
        if !handle.is_finished() {
            transcript.push(format!("job {n} still running: aborting it"));
            handle.abort();
        }
    }
    let mut aborted = 0;
    while let Some(result) = set.join_next().await {
        if result.unwrap_err().is_cancelled() {
            aborted += 1;
        }
    }
    for (n, square) in &squares {
        transcript.push(format!("job {n} -> {square}"));
    }
    transcript.push(format!("aborted: {aborted}"));

    let mut batch = JoinSet::new();
    for n in [4, 1, 2] {
        batch.spawn(job(n));
    }
    let mut second: Vec<u64> = batch
        .join_all()
        .await
        .into_iter()
        .map(|(_, sq)| sq)
        .collect();
    second.sort();
    transcript.push(format!("second batch: {second:?}"));
    transcript.join("\n")
}
