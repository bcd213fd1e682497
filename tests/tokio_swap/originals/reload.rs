//! A configuration reloader over `watch` and `RwLock`, written as a tokio user writes it.
//!
//! The live configuration sits in an `Arc<RwLock<Config>>`; a `watch` channel announces the
//! version of each reload. Three workers first load shared defaults through a `OnceCell`
//! (only one of them runs the loader; the others wait for it), then line up on a barrier
//! with the reloader. The reloader writes each new configuration under the write lock and
//! then announces it; each worker wakes on `changed()`, reads the configuration under the
//! read lock and notes what it saw. A gate waits with `wait_for` until version 2 is out.
//! When the reloader is done it drops its sender, and every `changed()` loop ends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Barrier, OnceCell, RwLock};
use tokio::time::{sleep, timeout};

const GREETINGS: [&str; 3] = ["hello", "hi", "hey"];
const WORKERS: usize = 3;
const LIMIT: Duration = Duration::from_secs(5);

struct Config {
    version: u32,
    greeting: String,
}

struct Defaults {
    retries: u32,
}

async fn load_defaults(loads: Arc<AtomicUsize>) -> Defaults {
    loads.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(2)).await;
    Defaults { retries: 3 }
}

/// Applies each new configuration, then announces it; returns how many it applied.
async fn reloader(
    config: Arc<RwLock<Config>>,
    updates: watch::Sender<u32>,
    start: Arc<Barrier>,
) -> u32 {
    start.wait().await;
    let mut applied = 0;
    for (i, greeting) in GREETINGS.iter().enumerate() {
        let version = i as u32 + 1;
        {
            let mut live = config.write().await;
            live.version = version;
            live.greeting = greeting.to_string();
        }
        updates.send(version).unwrap();
        applied += 1;
        sleep(Duration::from_millis(1)).await;
    }
    applied
}

/// A worker: notes the configuration it reads after each announcement.
async fn worker(
    id: usize,
    config: Arc<RwLock<Config>>,
    mut updates: watch::Receiver<u32>,
    defaults: Arc<OnceCell<Defaults>>,
    loads: Arc<AtomicUsize>,
    start: Arc<Barrier>,
) -> String {
    let defaults = defaults.get_or_init(|| load_defaults(loads)).await;
    start.wait().await;
    let mut seen = Vec::new();
    while updates.changed().await.is_ok() {
        let announced = *updates.borrow_and_update();
        let live = config.read().await;
        seen.push(format!("v{announced}={}@{}", live.greeting, live.version));
    }
    format!(
        "worker {id} (retries {}): {}",
        defaults.retries,
        seen.join(" ")
    )
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let config = Arc::new(RwLock::new(Config {
        version: 0,
        greeting: "none".to_string(),
    }));
    let (tx, rx) = watch::channel(0);
    let defaults = Arc::new(OnceCell::new());
    let loads = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(WORKERS + 1));

    let mut workers = Vec::new();
    for id in 0..WORKERS {
        let worker = worker(
            id,
            Arc::clone(&config),
            rx.clone(),
            Arc::clone(&defaults),
            Arc::clone(&loads),
            Arc::clone(&start),
        );
        workers.push(tokio::spawn(worker));
    }
    let mut gate_rx = rx.clone();
    let gate_config = Arc::clone(&config);
    let gate = tokio::spawn(async move {
        let version = *gate_rx.wait_for(|v| *v >= 2).await.unwrap();
        let live = gate_config.read().await;
        format!("gate opened at v{version}, greeting {}", live.greeting)
    });
    let watchers = tx.receiver_count();
    drop(rx);
    let reloader = tokio::spawn(reloader(Arc::clone(&config), tx, start));

    let applied = timeout(LIMIT, reloader)
        .await
        .expect("the reloader hung")
        .unwrap();
    let mut transcript = vec![format!("{watchers} watchers, {applied} reloads applied")];
    for handle in workers {
        transcript.push(
            timeout(LIMIT, handle)
                .await
                .expect("a worker hung")
                .unwrap(),
        );
    }
    transcript.push(timeout(LIMIT, gate).await.expect("the gate hung").unwrap());
    transcript.push(format!(
        "defaults loaded {} time(s)",
        loads.load(Ordering::SeqCst)
    ));
    let live = config.read().await;
    transcript.push(format!("final: v{} {}", live.version, live.greeting));
    transcript.join("\n")
}
