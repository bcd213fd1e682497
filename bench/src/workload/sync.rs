// Channel and semaphore workloads, written once; included per runtime by `crate::on`.

use std::time::Instant;

use crate::group::Metrics;

async fn ping_pong_rounds(n: u64, tx: &rt::Tx<u64>, rx: &mut rt::Rx<u64>) {
    for i in 0..n {
        rt::send(tx, i).await;
        let back = rt::recv(rx).await;
        debug_assert_eq!(back, Some(i));
    }
}

/// Two tasks bouncing one message over two bounded(1) channels: ns per round trip.
pub fn ping_pong(n: u64) -> Metrics {
    rt::block_on(async move {
        let (tx1, mut rx1) = rt::channel::<u64>(1);
        let (tx2, mut rx2) = rt::channel::<u64>(1);
        let echo = rt::spawn(async move {
            while let Some(v) = rt::recv(&mut rx1).await {
                rt::send(&tx2, v).await;
            }
        });
        ping_pong_rounds(n / 10 + 1, &tx1, &mut rx2).await; // warm-up
        let start = Instant::now();
        ping_pong_rounds(n, &tx1, &mut rx2).await;
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        drop(tx1);
        rt::join(echo).await;
        vec![("pingpong.ns", ns)]
    })
}

/// Acquire + release of a one-permit semaphore nobody else wants: ns per pair.
pub fn semaphore(n: usize) -> Metrics {
    rt::block_on(async move {
        let sem = rt::semaphore(1);
        for _ in 0..n / 10 + 1 {
            rt::acquire_release(&sem).await;
        }
        let start = Instant::now();
        for _ in 0..n {
            rt::acquire_release(&sem).await;
        }
        vec![("sem.ns", start.elapsed().as_nanos() as f64 / n as f64)]
    })
}
