//! An echo server with several clients, written as a tokio user writes it.
//!
//! The server accepts `CLIENTS` connections and spawns a handler for each, which splits its
//! stream into owned halves and echoes every line back. Each client connects, splits its
//! stream into borrowed halves, sends `LINES` lines, reads each echo back, shuts down its
//! write side and reads to the end. `run` returns the transcript.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::time::{sleep, timeout};

const CLIENTS: usize = 4;
const LINES: usize = 3;
const LIMIT: Duration = Duration::from_secs(5);

/// Echoes every line of one connection; returns how many lines it echoed.
async fn handle(stream: TcpStream, echoed: Arc<Mutex<usize>>) -> io::Result<usize> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut count = 0;
    while let Some(line) = lines.next_line().await? {
        writer
            .write_all(format!("echo: {line}\n").as_bytes())
            .await?;
        *echoed.lock().await += 1;
        count += 1;
    }
    Ok(count)
}

/// Accepts `CLIENTS` connections, serves them all, returns the lines echoed per connection.
async fn server(listener: TcpListener, echoed: Arc<Mutex<usize>>) -> io::Result<Vec<usize>> {
    let mut handlers = Vec::new();
    for _ in 0..CLIENTS {
        let (stream, _peer) = listener.accept().await?;
        handlers.push(tokio::spawn(handle(stream, echoed.clone())));
    }
    let mut counts = Vec::new();
    for handler in handlers {
        counts.push(handler.await??);
    }
    Ok(counts)
}

/// One client: sends its lines one by one, reading each echo before sending the next.
async fn client(addr: SocketAddr, id: usize) -> io::Result<Vec<String>> {
    let mut stream = TcpStream::connect(addr).await?;
    let (reader, mut writer) = stream.split();
    let mut lines = BufReader::new(reader).lines();
    let mut replies = Vec::new();
    for n in 0..LINES {
        writer
            .write_all(format!("client {id} line {n}\n").as_bytes())
            .await?;
        let reply = timeout(LIMIT, lines.next_line()).await??;
        replies.push(reply.expect("the server closed early"));
        sleep(Duration::from_millis(1)).await;
    }
    writer.shutdown().await?;
    let mut rest = String::new();
    timeout(LIMIT, lines.into_inner().read_to_string(&mut rest)).await??;
    replies.push(format!(
        "client {id} saw the end, {} bytes after",
        rest.len()
    ));
    Ok(replies)
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let echoed = Arc::new(Mutex::new(0));
    let server = tokio::spawn(server(listener, echoed.clone()));

    let mut clients = Vec::new();
    for id in 0..CLIENTS {
        clients.push(tokio::spawn(client(addr, id)));
    }
    let mut transcript = Vec::new();
    for client in clients {
        let replies = timeout(LIMIT, client).await.expect("a client hung");
        transcript.extend(replies.unwrap().unwrap());
    }
    let mut counts = timeout(LIMIT, server)
        .await
        .expect("the server hung")
        .unwrap()
        .unwrap();
    counts.sort();
    transcript.push(format!("lines per connection: {counts:?}"));
    transcript.push(format!("lines echoed: {}", echoed.lock().await));
    transcript.join("\n")
}
