// The core workloads, written once. `crate::on` includes this file once per runtime, in a
// module where `rt` names that runtime's adapter (`crate::adapter::*`). Every function runs on
// a fresh runtime and returns its metrics as `(key, value)` pairs; the groups in
// `crate::groups` declare the keys (their rows).

use std::time::{Duration, Instant};

use crate::alloc::{CountingOn, Snapshot};
use crate::stats;
use crate::group::Metrics;

/// Spawns `n` empty tasks into `handles`, then joins them all, in that order.
async fn spawn_then_join(n: usize, handles: &mut Vec<rt::Join<()>>) {
    for _ in 0..n {
        handles.push(rt::spawn(async {}));
    }
    for h in handles.drain(..) {
        rt::join(h).await;
    }
}

/// Spawn + join of `n` empty tasks: ns per task on a warmed runtime, and the bytes and
/// allocations per task, both on the fresh runtime (cold) and on the warmed one.
pub fn spawn_join(n: usize) -> Metrics {
    rt::block_on(async move {
        let mut handles = Vec::with_capacity(n);

        // Cold: the first pass on a fresh runtime (queues and slabs grow during it).
        // Warm: the same again, now that the runtime's own structures have grown.
        let mut counted = [(0, 0); 2];
        for pass in &mut counted {
            let counting = CountingOn::start();
            let before = Snapshot::now();
            spawn_then_join(n, &mut handles).await;
            *pass = (before.bytes_since(), before.allocs_since());
            drop(counting);
        }
        let [cold, warm] = counted;

        // Timing, warm, counting off.
        let start = Instant::now();
        spawn_then_join(n, &mut handles).await;
        let ns = start.elapsed().as_nanos() as f64 / n as f64;

        vec![
            ("spawn.ns", ns),
            ("spawn.bytes_warm", warm.0 as f64 / n as f64),
            ("spawn.allocs_warm", warm.1 as f64 / n as f64),
            ("spawn.bytes_cold", cold.0 as f64 / n as f64),
        ]
    })
}

/// `tasks` tasks each yielding `yields` times: ns per yield, and the spread of the tasks'
/// finishing times (µs) — small when the scheduler is fair (FIFO round robin).
pub fn yield_fairness(tasks: usize, yields: usize) -> Metrics {
    rt::block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                rt::spawn(async move {
                    for _ in 0..yields {
                        rt::yield_now().await;
                    }
                    Instant::now()
                })
            })
            .collect();
        let mut finished = Vec::with_capacity(tasks);
        for h in handles {
            finished.push(rt::join(h).await);
        }
        let first = *finished.iter().min().expect("tasks");
        let last = *finished.iter().max().expect("tasks");
        let total = last - start;
        vec![
            (
                "yield.ns",
                total.as_nanos() as f64 / (tasks * yields) as f64,
            ),
            ("yield.spread_us", (last - first).as_nanos() as f64 / 1e3),
        ]
    })
}

/// Creates a sleep, polls it once (so it registers a timer), drops it; `n` times. Deadlines
/// spread over 1 s..2 s so they land in different wheel slots.
async fn sleeps_once(n: usize) {
    for i in 0..n {
        let d = Duration::from_millis(1000 + (i % 1000) as u64);
        let polled = futures_lite::future::poll_once(rt::sleep_future(d)).await;
        assert!(polled.is_none(), "a 1 s sleep completed at once");
    }
}

/// Sleeps created, polled once and dropped: ns per sleep (warm), and bytes allocated per
/// sleep (warm).
pub fn sleep_create_drop(n: usize) -> Metrics {
    rt::block_on(async move {
        sleeps_once(n).await; // warm-up
        let counting = CountingOn::start();
        let before = Snapshot::now();
        sleeps_once(n / 10 + 1).await;
        let bytes = before.bytes_since() as f64 / (n / 10 + 1) as f64;
        drop(counting);

        let start = Instant::now();
        sleeps_once(n).await;
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        vec![("sleep.ns", ns), ("sleep.bytes", bytes)]
    })
}

/// `n` concurrent sleeps of lengths spread evenly over 1..=50 ms; how late each wakes, in µs
/// (mean, p99, max), and the CPU time the loop's thread spends from the first spawn to the
/// last join, in µs per sleep (first polls, waits and wake-ups: a loop that busy-waits for a
/// sub-millisecond deadline shows here). A wait that ends on epoll's millisecond timeout
/// rounds each deadline up to a millisecond; one that ends on a timerfd does not.
pub fn lateness(n: usize) -> Metrics {
    rt::block_on(async move {
        let cpu = crate::sys::thread_cpu_time();
        let handles: Vec<_> = (0..n)
            .map(|i| {
                // Interleave lengths so spawn order and deadline order differ.
                let j = (i * 7919) % n;
                let us = 1_000 + (j as u64 * 49_000) / (n as u64 - 1).max(1);
                rt::spawn(async move {
                    let d = Duration::from_micros(us);
                    let deadline = Instant::now() + d;
                    rt::sleep(d).await;
                    let now = Instant::now();
                    assert!(now >= deadline, "a timer fired early");
                    (now - deadline).as_nanos() as f64 / 1e3
                })
            })
            .collect();
        let mut late = Vec::with_capacity(n);
        for h in handles {
            late.push(rt::join(h).await);
        }
        let cpu = crate::sys::thread_cpu_time() - cpu;
        vec![
            ("late.cpu_us", cpu.as_nanos() as f64 / 1e3 / n as f64),
            ("late.mean_us", stats::mean(&late)),
            ("late.p99_us", stats::percentile(&late, 0.99)),
            ("late.max_us", stats::max(&late)),
        ]
    })
}

/// Spawns `k` tasks that block in a one-hour sleep and lets them get there.
async fn sleepers(k: usize) -> Vec<rt::Join<()>> {
    let handles: Vec<_> = (0..k)
        .map(|_| rt::spawn(async { rt::sleep(Duration::from_secs(3600)).await }))
        .collect();
    rt::sleep(Duration::from_millis(2)).await;
    handles
}

/// Cancel latency for a task blocked in a long sleep: from `abort()` (and, where the runtime
/// has it, oneloop's cooperative `cancel()`) to its join resolving. Median of `k`, in ns.
pub fn cancel_latency(k: usize) -> Metrics {
    rt::block_on(async move {
        let mut out = Vec::new();
        let mut samples = Vec::with_capacity(k);
        for h in sleepers(k).await {
            let start = Instant::now();
            rt::abort_join(h).await;
            samples.push(start.elapsed().as_nanos() as f64);
        }
        out.push(("cancel.abort_ns", stats::median(&samples)));

        samples.clear();
        let mut supported = true;
        for h in sleepers(k).await {
            let start = Instant::now();
            supported &= rt::cancel_join(h).await.is_some();
            samples.push(start.elapsed().as_nanos() as f64);
        }
        if supported {
            out.push(("cancel.cancel_ns", stats::median(&samples)));
        }
        out
    })
}
