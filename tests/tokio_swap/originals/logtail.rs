//! A log tailer with rotation, written as a tokio user writes it.
//!
//! A writer task appends `LINES` log lines to `app.log` in a scratch directory, flushing
//! each, and rotates the file to `app.log.1` half way (the tailer is told, and reopens).
//! The tailer follows the file like `tail -f`: it reads until end of file, sleeps a little,
//! and reads again, splits complete lines and counts them per level. At the end the
//! directory is listed and removed. `run` returns the transcript.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::fs::{self, File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::{sleep, timeout};

const LINES: usize = 8;
const LIMIT: Duration = Duration::from_secs(10);

fn level(i: usize) -> &'static str {
    ["INFO", "WARN", "INFO", "ERROR"][i % 4]
}

/// Appends the log lines; after the half, renames the file away and starts a new one.
async fn writer(dir: PathBuf, rotated: mpsc::Sender<()>) -> io::Result<()> {
    let path = dir.join("app.log");
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .await?;
    for i in 0..LINES {
        if i == LINES / 2 {
            log.flush().await?;
            fs::rename(&path, dir.join("app.log.1")).await?;
            log = File::create(&path).await?;
            rotated.send(()).await.expect("the tailer is gone");
        }
        let line = format!("{} request {i} took {} ms\n", level(i), i * 7);
        log.write_all(line.as_bytes()).await?;
        log.flush().await?;
        sleep(Duration::from_millis(2)).await;
    }
    log.write_all(b"STOP\n").await?;
    log.flush().await?;
    Ok(())
}

/// Moves the complete lines of `pending` to `lines`; true when one of them is `STOP`.
fn split_lines(pending: &mut Vec<u8>, lines: &mut Vec<String>) -> bool {
    while let Some(end) = pending.iter().position(|b| *b == b'\n') {
        let line: Vec<u8> = pending.drain(..=end).collect();
        let line = String::from_utf8_lossy(&line[..end]).into_owned();
        if line == "STOP" {
            return true;
        }
        lines.push(line);
    }
    false
}

/// Follows `path` until a line `STOP`; reopens it when told it was rotated.
async fn tail(path: &Path, mut rotated: mpsc::Receiver<()>) -> io::Result<Vec<String>> {
    let mut file = File::open(path).await?;
    let mut pending = Vec::new();
    let mut lines = Vec::new();
    let mut chunk = [0u8; 64];
    loop {
        let n = file.read(&mut chunk).await?;
        if n > 0 {
            pending.extend_from_slice(&chunk[..n]);
            if split_lines(&mut pending, &mut lines) {
                return Ok(lines);
            }
        } else if rotated.try_recv().is_ok() {
            // The writer finished the old file before it said so: read the rest of it.
            file.read_to_end(&mut pending).await?;
            split_lines(&mut pending, &mut lines);
            lines.push("(rotated)".to_string());
            file = File::open(path).await?;
        } else {
            sleep(Duration::from_millis(1)).await;
        }
    }
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let dir = std::env::temp_dir().join(format!("logtail-{}", std::process::id()));
    fs::create_dir_all(&dir).await.unwrap();
    let path = dir.join("app.log");
    fs::write(&path, "").await.unwrap();

    let (rotated_tx, rotated_rx) = mpsc::channel(1);
    let writer = tokio::spawn(writer(dir.clone(), rotated_tx));
    let lines = timeout(LIMIT, tail(&path, rotated_rx))
        .await
        .expect("the tailer hung");
    writer.await.unwrap().unwrap();

    let mut transcript = Vec::new();
    let mut per_level = BTreeMap::new();
    for line in lines.unwrap() {
        let level = line.split(' ').next().unwrap_or("");
        if level.chars().all(|c| c.is_ascii_uppercase()) {
            *per_level.entry(level.to_string()).or_insert(0) += 1;
        }
        transcript.push(format!("tail: {line}"));
    }
    transcript.push(format!("per level: {per_level:?}"));

    let mut entries = fs::read_dir(&dir).await.unwrap();
    let mut names = Vec::new();
    while let Some(entry) = entries.next_entry().await.unwrap() {
        let len = entry.metadata().await.unwrap().len();
        names.push(format!(
            "{} ({len} bytes)",
            entry.file_name().to_string_lossy()
        ));
    }
    names.sort();
    transcript.push(format!("files: {}", names.join(", ")));
    fs::remove_dir_all(&dir).await.unwrap();
    transcript.push(format!("removed: {}", !fs::try_exists(&dir).await.unwrap()));
    transcript.join("\n")
}
