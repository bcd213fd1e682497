//! The downloads of `flags2` as a benchmark: the 194 flags fetched through one
//! `oneloop::http::Client` with a `Semaphore` of N permits and `as_completed`, from the
//! flag site (LOCAL mode: no delays, no errors) running either **in the same loop** as the
//! downloads (what the examples do when given no `--base-url`) or **on a thread of its
//! own** with its own loop. Files are not written: the row measures the loop and HTTP.
//!
//! Each measurement downloads every flag [`PASSES`] times; rounds alternate the two
//! placements so that drift on a shared machine hits both. The table gives, per `-m`, the
//! median flags per second over rounds with the range in brackets.
//!
//! `cargo run --release -p oneloop-bench --bin flags [-- ROUNDS]` (default 5 rounds).

use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use flagsite::faults::Mode;
use flagsite::server::{start_with, Config};
use flagsite::{Site, COUNTRIES};
use oneloop::http::Client;
use oneloop::sync::Semaphore;

/// How many times each measurement downloads the 194 flags (970 requests a sample).
const PASSES: usize = 5;
/// The `-m` values measured.
const CONCURRENCY: [usize; 4] = [1, 5, 20, 100];

/// Downloads every flag `PASSES` times from `base_url` with at most `m` requests in flight,
/// as `flags2` does; returns the flags per second.
async fn download_all(base_url: &str, m: usize) -> f64 {
    let client = Client::builder().max_connections_per_host(m).build();
    let semaphore = Rc::new(Semaphore::new(m));
    let t0 = Instant::now();
    let to_do = (0..PASSES).flat_map(|_| COUNTRIES.iter()).map(|(cc, _)| {
        let (client, semaphore) = (client.clone(), Rc::clone(&semaphore));
        let cc = cc.to_lowercase();
        let url = format!("{base_url}/{cc}/{cc}.gif");
        async move {
            let _permit = semaphore.acquire().await.expect("not cancelled");
            let resp = client.get(&url).await.expect("GET");
            assert_eq!(resp.status(), 200, "{url}");
            resp.bytes().await.expect("body").len()
        }
    });
    let mut done = oneloop::as_completed(to_do);
    let mut count = 0;
    while let Some(bytes) = done.next().await {
        assert!(bytes > 0);
        count += 1;
    }
    count as f64 / t0.elapsed().as_secs_f64()
}

/// The site on a thread and loop of its own; returns its base URL.
fn site_on_its_own_thread(site: Site) -> String {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        oneloop::run(async move {
            let running = start_with(Config::new(Mode::Local), Rc::new(site))
                .await
                .expect("start the site");
            let _ = tx.send(running.base_url.clone());
            let _ = running.task.await;
        })
    });
    rx.recv().expect("the site thread's URL")
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let site = Site::new();
    let other_thread = site_on_its_own_thread(site.clone());
    let mut same = vec![Vec::new(); CONCURRENCY.len()];
    let mut apart = vec![Vec::new(); CONCURRENCY.len()];
    for round in 0..rounds {
        for (i, &m) in CONCURRENCY.iter().enumerate() {
            let same_loop = || {
                let site = site.clone();
                oneloop::run(async move {
                    let running = start_with(Config::new(Mode::Local), Rc::new(site))
                        .await
                        .expect("start the site");
                    download_all(&running.base_url, m).await
                })
            };
            let apart_loop = || oneloop::run(download_all(&other_thread, m));
            if round % 2 == 0 {
                same[i].push(same_loop());
                apart[i].push(apart_loop());
            } else {
                apart[i].push(apart_loop());
                same[i].push(same_loop());
            }
        }
    }
    println!(
        "flags2's downloads: {} flags x {PASSES} passes per sample, {rounds} rounds; flags/s, median [min-max]",
        COUNTRIES.len()
    );
    println!(
        "{:>6}  {:>28}  {:>28}",
        "-m", "site in the same loop", "site on another thread"
    );
    let cell = |xs: &mut Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        format!(
            "{:.0} [{:.0}-{:.0}]",
            xs[xs.len() / 2],
            xs[0],
            xs[xs.len() - 1]
        )
    };
    for (i, m) in CONCURRENCY.iter().enumerate() {
        println!(
            "{m:>6}  {:>28}  {:>28}",
            cell(&mut same[i]),
            cell(&mut apart[i])
        );
    }
}
