//! A server that reloads its configuration on SIGHUP and stops on SIGTERM, written as a
//! tokio user writes it.
//!
//! The configuration is a file (`greeting = ...`); the server answers each connection with
//! the current greeting. The driver asks, rewrites the file and sends this process SIGHUP
//! with `kill`, asks again, then sends SIGTERM; the server drains and reports. The server
//! tells the driver what it did over an mpsc channel. `run` returns the transcript.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::fs;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Command;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

async fn load(path: &Path) -> io::Result<String> {
    let text = fs::read_to_string(path).await?;
    let greeting = text
        .lines()
        .find_map(|line| line.strip_prefix("greeting = "))
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no greeting"))?;
    Ok(greeting.to_string())
}

async fn serve(
    listener: TcpListener,
    path: PathBuf,
    events: mpsc::Sender<String>,
) -> io::Result<usize> {
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut greeting = load(&path).await?;
    events
        .send(format!("ready: {greeting}"))
        .await
        .expect("driver gone");
    let mut served = 0;
    loop {
        tokio::select! {
            _ = hangup.recv() => {
                greeting = load(&path).await?;
                events.send(format!("reloaded: {greeting}")).await.expect("driver gone");
            }
            _ = terminate.recv() => {
                events.send(format!("terminating after {served} connections")).await.expect("driver gone");
                return Ok(served);
            }
            accepted = listener.accept() => {
                let (mut stream, _) = accepted?;
                stream.write_all(format!("{greeting}\n").as_bytes()).await?;
                served += 1;
            }
        }
    }
}

async fn ask(addr: std::net::SocketAddr) -> io::Result<String> {
    let stream = TcpStream::connect(addr).await?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).await?;
    Ok(line.trim_end().to_string())
}

async fn send_signal(name: &str) -> io::Result<()> {
    let status = Command::new("kill")
        .args([format!("-{name}"), std::process::id().to_string()])
        .status()
        .await?;
    assert!(status.success(), "kill -{name} failed");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let dir = std::env::temp_dir().join(format!("reloader-{}", std::process::id()));
    fs::create_dir_all(&dir).await.unwrap();
    let path = dir.join("server.conf");
    fs::write(&path, "# server\ngreeting = hello, v1\n")
        .await
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (events_tx, mut events) = mpsc::channel(4);
    let server = tokio::spawn(serve(listener, path.clone(), events_tx));

    let mut transcript = Vec::new();
    transcript.push(events.recv().await.unwrap());
    transcript.push(format!("asked: {}", ask(addr).await.unwrap()));
    fs::write(&path, "# server\ngreeting = hello, v2\n")
        .await
        .unwrap();
    send_signal("HUP").await.unwrap();
    transcript.push(events.recv().await.unwrap());
    transcript.push(format!("asked: {}", ask(addr).await.unwrap()));
    transcript.push(format!("asked: {}", ask(addr).await.unwrap()));
    send_signal("TERM").await.unwrap();
    transcript.push(events.recv().await.unwrap());
    let served = timeout(LIMIT, server)
        .await
        .expect("server hung")
        .unwrap()
        .unwrap();
    transcript.push(format!("served: {served}"));
    fs::remove_dir_all(&dir).await.unwrap();
    transcript.join("\n")
}
