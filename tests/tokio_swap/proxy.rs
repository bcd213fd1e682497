//! A TCP proxy, written as a oneloop user writes it.
//!
//! A backend reads one request to its end, answers it upper-cased and closes. The proxy
//! accepts `CLIENTS` connections, opens one to the backend for each, and pumps the bytes
//! both ways with `copy_bidirectional`, which passes each end of stream on. Each client
//! sends a message, shuts its write side down and reads the answer to the end. `run`
//! returns the transcript.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use oneloop::io::{copy_bidirectional, AsyncReadExt, AsyncWriteExt};
use oneloop::net::{TcpListener, TcpStream};
use oneloop::task::JoinSet;
use oneloop::time::timeout;

const CLIENTS: usize = 3;
const LIMIT: Duration = Duration::from_secs(5);

/// The backend: each connection is one request, answered upper-cased.
async fn backend(listener: TcpListener) -> io::Result<()> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        oneloop::spawn(async move {
            let mut request = String::new();
            stream.read_to_string(&mut request).await?;
            stream.write_all(request.to_uppercase().as_bytes()).await?;
            stream.shutdown().await
        });
    }
}

/// The proxy: one backend connection per client; returns the bytes each session moved
/// (client to backend, backend to client), sorted.
async fn proxy(listener: TcpListener, backend: SocketAddr) -> io::Result<Vec<(u64, u64)>> {
    let mut sessions = JoinSet::new();
    for _ in 0..CLIENTS {
        let (mut inbound, _) = listener.accept().await?;
        sessions.spawn(async move {
            let mut outbound = TcpStream::connect(backend).await?;
            copy_bidirectional(&mut inbound, &mut outbound).await
        });
    }
    let mut counts = Vec::new();
    while let Some(session) = sessions.join_next().await {
        counts.push(session.expect("a session panicked")?);
    }
    counts.sort();
    Ok(counts)
}

/// One client: a message out, the answer back.
async fn client(proxy: SocketAddr, id: usize) -> io::Result<String> {
    let mut stream = TcpStream::connect(proxy).await?;
    let message = format!("hello from client {id}{}", "!".repeat(id));
    stream.write_all(message.as_bytes()).await?;
    stream.shutdown().await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    Ok(format!(
        "client {id} sent {} bytes, got {answer:?}",
        message.len()
    ))
}

#[oneloop::main(flavor = "current_thread")]
pub async fn run() -> String {
    let backend_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_addr = backend_listener.local_addr().unwrap();
    oneloop::spawn(backend(backend_listener));
    let proxy_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy_listener.local_addr().unwrap();
    let proxy = oneloop::spawn(proxy(proxy_listener, backend_addr));

    let mut transcript = Vec::new();
    for id in 0..CLIENTS {
        let answer = timeout(LIMIT, client(proxy_addr, id))
            .await
            .expect("a client hung");
        transcript.push(answer.unwrap());
    }
    let counts = timeout(LIMIT, proxy)
        .await
        .expect("the proxy hung")
        .unwrap()
        .unwrap();
    for (up, down) in counts {
        transcript.push(format!("session: {up} bytes up, {down} bytes down"));
    }
    transcript.join("\n")
}
