// Fan-out workloads of the sync primitives that tokio and oneloop share (smol has no
// broadcast or watch channel, so its cells say `skipped`): one broadcast sender to many
// receivers, one watch sender waking many waiters, and an RwLock read/write mix whose guards
// are held across an await. Written once; included per runtime by `crate::on`.

use std::time::Instant;

use crate::group::Metrics;

/// One sender, `receivers` tasks, `msgs` messages, a yield after each send so the receivers
/// wait (and are woken) for every message. The ring holds every message: nobody lags, so
/// every message reaches every task. ns per delivery (message x receiver).
pub fn broadcast_fanout(receivers: usize, msgs: u64) -> Metrics {
    rt::block_on(async move {
        let (tx, rx) = rt::broadcast::<u64>(msgs as usize + 1);
        let tasks: Vec<_> = (0..receivers)
            .map(|_| {
                let mut rx = rt::subscribe(&tx);
                rt::spawn(async move {
                    let mut n = 0u64;
                    while rt::brecv(&mut rx).await.is_some() {
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        drop(rx);
        rt::yield_now().await; // every receiver waits
        let start = Instant::now();
        for i in 0..msgs {
            rt::bsend(&tx, i);
            rt::yield_now().await;
        }
        drop(tx);
        let mut delivered = 0;
        for task in tasks {
            delivered += rt::join(task).await;
        }
        let ns = start.elapsed().as_nanos() as f64 / delivered.max(1) as f64;
        vec![("broadcast.ns", ns)]
    })
}

/// One watch sender, `waiters` tasks in `changed()`, `rounds` sends with a yield after each:
/// ns per wake-up a waiter saw.
pub fn watch_notify(waiters: usize, rounds: u64) -> Metrics {
    rt::block_on(async move {
        let (tx, rx) = rt::watch(0u64);
        let tasks: Vec<_> = (0..waiters)
            .map(|_| {
                let mut rx = rx.clone();
                rt::spawn(async move {
                    let mut n = 0u64;
                    while rt::changed(&mut rx).await {
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        drop(rx);
        rt::yield_now().await;
        let start = Instant::now();
        for i in 1..=rounds {
            rt::wsend(&tx, i);
            rt::yield_now().await;
        }
        drop(tx);
        let mut seen = 0;
        for task in tasks {
            seen += rt::join(task).await;
        }
        let ns = start.elapsed().as_nanos() as f64 / seen.max(1) as f64;
        vec![("watch.ns", ns)]
    })
}

/// `tasks` tasks, `ops` lock operations each: one write in ten, every guard held across one
/// yield (so readers overlap and writers queue). ns per operation.
pub fn rwlock_mix(tasks: usize, ops: u64) -> Metrics {
    rt::block_on(async move {
        let lock = rt::rwlock(0u64);
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let lock = lock.clone();
                rt::spawn(async move {
                    for i in 0..ops {
                        if i % 10 == 0 {
                            rt::write_across_yield(&lock).await;
                        } else {
                            rt::read_across_yield(&lock).await;
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            rt::join(handle).await;
        }
        let ns = start.elapsed().as_nanos() as f64 / (tasks as u64 * ops) as f64;
        vec![("rwlock.ns", ns)]
    })
}
