//! A bounded concurrent fetcher, written as a tokio user writes it.
//!
//! A local TCP server answers `GET /<n>` lines: most paths get a body, some are closed
//! without an answer (an error), some are held open and never answered (a timeout). The
//! fetcher runs each download in a `JoinSet`, at most `PERMITS` at once through an
//! `Arc<Semaphore>`, each under a `timeout`, and `select!`s between the set's completions
//! and a deadline. A second batch of downloads that never finish is stopped by a cancel
//! signal (a `oneshot`, sent when the server has seen enough stuck requests, through a
//! `Notify`); aborting the set must give every permit back.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

const PERMITS: usize = 3;
const DOWNLOADS: usize = 10;
const PER_DOWNLOAD: Duration = Duration::from_secs(1);
const DEADLINE: Duration = Duration::from_secs(10);

/// What the server does with path `n`.
fn behaviour(n: usize) -> &'static str {
    match n % 5 {
        3 => "hold",
        4 => "close",
        _ => "answer",
    }
}

/// Serves one connection: one request line, then an answer, a close or silence.
async fn serve(
    stream: TcpStream,
    stuck: Arc<AtomicUsize>,
    all_stuck: Arc<Notify>,
) -> io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let Some(request) = lines.next_line().await? else {
        return Ok(());
    };
    if request == "GET /stuck" {
        if stuck.fetch_add(1, Ordering::SeqCst) + 1 == PERMITS {
            all_stuck.notify_one();
        }
        while lines.next_line().await?.is_some() {}
        return Ok(());
    }
    let n: usize = request.trim_start_matches("GET /").parse().unwrap();
    match behaviour(n) {
        "answer" => {
            writer
                .write_all(format!("body of /{n}: {}\n", n * n).as_bytes())
                .await?
        }
        "close" => return Ok(()),
        _ => while lines.next_line().await?.is_some() {},
    }
    Ok(())
}

async fn server(listener: TcpListener, stuck: Arc<AtomicUsize>, all_stuck: Arc<Notify>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(serve(stream, stuck.clone(), all_stuck.clone()));
    }
}

/// One download: a request line, then the answer line.
async fn fetch(addr: SocketAddr, path: String) -> io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    let (reader, mut writer) = stream.split();
    writer
        .write_all(format!("GET /{path}\n").as_bytes())
        .await?;
    let mut lines = BufReader::new(reader).lines();
    match lines.next_line().await? {
        Some(body) => Ok(body),
        None => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "closed without an answer",
        )),
    }
}

#[derive(Default)]
struct Tally {
    ok: usize,
    timed_out: usize,
    failed: usize,
    lines: Vec<String>,
}

impl Tally {
    fn add(&mut self, n: usize, result: Result<io::Result<String>, tokio::time::error::Elapsed>) {
        let line = match result {
            Ok(Ok(body)) => {
                self.ok += 1;
                format!("/{n} ok: {body}")
            }
            Ok(Err(err)) => {
                self.failed += 1;
                format!("/{n} error: {err}")
            }
            Err(_) => {
                self.timed_out += 1;
                format!("/{n} timed out")
            }
        };
        self.lines.push(line);
    }
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stuck = Arc::new(AtomicUsize::new(0));
    let all_stuck = Arc::new(Notify::new());
    tokio::spawn(server(listener, stuck.clone(), all_stuck.clone()));

    let semaphore = Arc::new(Semaphore::new(PERMITS));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most_in_flight = Arc::new(AtomicUsize::new(0));

    // Batch 1: every download runs to its end (an answer, an error or its timeout).
    let mut set = JoinSet::new();
    for n in 0..DOWNLOADS {
        let semaphore = semaphore.clone();
        let in_flight = in_flight.clone();
        let most_in_flight = most_in_flight.clone();
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await.unwrap();
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most_in_flight.fetch_max(now, Ordering::SeqCst);
            let result = timeout(PER_DOWNLOAD, fetch(addr, n.to_string())).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            (n, result)
        });
    }
    let mut tally = Tally::default();
    let deadline = sleep(DEADLINE);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            joined = set.join_next() => match joined {
                Some(Ok((n, result))) => tally.add(n, result),
                Some(Err(err)) => panic!("a download task failed: {err}"),
                None => break,
            },
            _ = &mut deadline => {
                set.abort_all();
                tally.lines.push("deadline passed".to_string());
                break;
            }
        }
    }
    tally.lines.sort_by_key(|line| {
        line[1..]
            .split(' ')
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap()
    });
    let mut transcript = vec![format!(
        "batch 1: {} ok, {} timed out, {} failed",
        tally.ok, tally.timed_out, tally.failed
    )];
    transcript.extend(tally.lines);
    let most = most_in_flight.load(Ordering::SeqCst);
    transcript.push(format!("at most {PERMITS} in flight: {}", most <= PERMITS));

    // Batch 2: downloads that never end, stopped by a cancel signal.
    let (cancel_tx, mut cancel_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        all_stuck.notified().await;
        let _ = cancel_tx.send(());
    });
    for _ in 0..PERMITS + 2 {
        let semaphore = semaphore.clone();
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await.unwrap();
            let result = timeout(DEADLINE, fetch(addr, "stuck".to_string())).await;
            (0, result)
        });
    }
    let mut finished = 0;
    loop {
        tokio::select! {
            joined = set.join_next() => match joined {
                Some(_) => finished += 1,
                None => break,
            },
            _ = &mut cancel_rx => {
                set.abort_all();
                break;
            }
        }
    }
    let mut aborted = 0;
    while let Some(joined) = timeout(DEADLINE, set.join_next()).await.expect("join hung") {
        if joined.is_err_and(|err| err.is_cancelled()) {
            aborted += 1;
        }
    }
    transcript.push(format!(
        "batch 2: {finished} finished, {aborted} aborted by the signal"
    ));
    transcript.push(format!(
        "stuck requests seen: {}",
        stuck.load(Ordering::SeqCst)
    ));
    transcript.push(format!("permits back: {}", semaphore.available_permits()));
    transcript.join("\n")
}
