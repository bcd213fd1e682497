//! A price feed over a broadcast channel, written as a tokio user writes it; all in-process.
//!
//! A publisher sends `TICKS` quotes into a broadcast channel of `CAPACITY` slots, one per
//! millisecond. Two live subscribers read them as they come; a barrier lines them up with
//! the publisher before the first quote. An auditor subscribes at the start too, but reads
//! only once the publisher tells it (over a oneshot) that it is done: by then the ring has
//! been overwritten, so it is told how many quotes it lagged, then reads the last
//! `CAPACITY` of them. When the publisher returns, its sender drops and every subscriber's
//! loop ends on `Closed`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::{oneshot, Barrier};
use tokio::time::{sleep, timeout};

const TICKS: u64 = 12;
const CAPACITY: usize = 4;
const LIMIT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
struct Quote {
    seq: u64,
    price: u64,
}

/// Sends the quotes; returns how many subscribers each one reached and how many quotes the
/// channel kept after the last send.
async fn publisher(
    tx: broadcast::Sender<Quote>,
    start: Arc<Barrier>,
    done: oneshot::Sender<u64>,
) -> (Vec<usize>, usize) {
    start.wait().await;
    let mut reached = Vec::new();
    for seq in 0..TICKS {
        let price = 100 + seq * 3 % 7;
        reached.push(tx.send(Quote { seq, price }).unwrap());
        sleep(Duration::from_millis(1)).await;
    }
    let kept = tx.len();
    done.send(TICKS).unwrap();
    (reached, kept)
}

/// A live subscriber: reads every quote until the feed closes.
async fn subscriber(
    name: &'static str,
    mut rx: broadcast::Receiver<Quote>,
    start: Arc<Barrier>,
) -> String {
    start.wait().await;
    let mut seqs = Vec::new();
    let mut total = 0;
    let mut missed = 0;
    loop {
        match rx.recv().await {
            Ok(quote) => {
                seqs.push(quote.seq);
                total += quote.price;
            }
            Err(RecvError::Lagged(n)) => missed += n,
            Err(RecvError::Closed) => break,
        }
    }
    let in_order = seqs.windows(2).all(|pair| pair[0] + 1 == pair[1]);
    format!(
        "{name}: {} quotes, in order: {in_order}, missed {missed}, total {total}",
        seqs.len()
    )
}

/// The auditor: waits for the end of the feed, then reads what the ring still holds.
async fn auditor(mut rx: broadcast::Receiver<Quote>, done: oneshot::Receiver<u64>) -> Vec<String> {
    let sent = done.await.unwrap();
    let mut lines = vec![format!(
        "auditor: woken after {sent} quotes, {} unread",
        rx.len()
    )];
    loop {
        match rx.recv().await {
            Ok(quote) => lines.push(format!("  #{} at {}", quote.seq, quote.price)),
            Err(RecvError::Lagged(n)) => lines.push(format!("  lagged by {n}")),
            Err(RecvError::Closed) => break,
        }
    }
    lines
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let (tx, _) = broadcast::channel(CAPACITY);
    let start = Arc::new(Barrier::new(3));
    let (done_tx, done_rx) = oneshot::channel();
    let mut live = Vec::new();
    for name in ["ticker", "chart"] {
        live.push(tokio::spawn(subscriber(
            name,
            tx.subscribe(),
            Arc::clone(&start),
        )));
    }
    let audit = tokio::spawn(auditor(tx.subscribe(), done_rx));
    let subscribers = tx.receiver_count();
    let publisher = tokio::spawn(publisher(tx, start, done_tx));

    let mut transcript = vec![format!("{subscribers} subscribers")];
    let (reached, kept) = timeout(LIMIT, publisher)
        .await
        .expect("the publisher hung")
        .unwrap();
    let everyone = reached.iter().all(|n| *n == subscribers);
    transcript.push(format!(
        "published {} quotes, each to all {subscribers}: {everyone}; kept {kept}",
        reached.len()
    ));
    for handle in live {
        let line = timeout(LIMIT, handle)
            .await
            .expect("a subscriber hung")
            .unwrap();
        transcript.push(line);
    }
    let audit = timeout(LIMIT, audit)
        .await
        .expect("the auditor hung")
        .unwrap();
    transcript.extend(audit);
    transcript.join("\n")
}
