//! A TCP echo server on the One Loop: every connection is a task that writes back what it
//! reads.
//!
//! Not a program of the book: the smallest server of this crate, the skeleton that
//! `tcp_charfinder` (the book's `tcp_charfinder.py`) fills in with a protocol.
//!
//! Run it: `cargo run --example echo [-- ADDR [PORT]]` (default `127.0.0.1 7007`; port 0
//! picks a free one), then try it from another terminal with `nc 127.0.0.1 7007`: each line
//! you type comes back. Ctrl-C stops the server.
//!
//! It also shows the accept loop every server needs: when the process runs out of file
//! descriptors, `accept` fails with EMFILE while the connection stays queued in the kernel,
//! so the listener is still "ready" and an immediate retry would fail again at once, for
//! ever, at 100% CPU. Back off for a moment instead, and let other connections close.

use std::time::Duration;

use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use oneloop::net::{TcpListener, TcpStream};

/// How long to pause accepting after an error such as EMFILE.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

async fn echo(mut stream: TcpStream) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total); // the client closed its side
        }
        stream.write_all(&buf[..n]).await?; // waits while the client is not reading
        total += n as u64;
    }
}

async fn serve(listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if oneloop::is_cancelled(&e) => return,
            Err(e) => {
                eprintln!("accept failed: {e}; pausing {ACCEPT_BACKOFF:?}");
                let _ = oneloop::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        oneloop::spawn(async move {
            match echo(stream).await {
                Ok(n) => println!("{peer}: closed after {n} bytes"),
                Err(e) => println!("{peer}: {e}"),
            }
        });
    }
}

#[oneloop::main(shutdown = "cancel")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1".into());
    let port: u16 = match args.next().map(|p| p.parse()) {
        None => 7007,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("usage: echo [ADDR [PORT]]  (PORT must be a number from 0 to 65535)");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind((addr.as_str(), port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}:{port}: {e}");
            std::process::exit(1);
        }
    };
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!(
        "Echo server on {local}. Try it: nc {} {}",
        local.ip(),
        local.port()
    );
    let server = oneloop::spawn(serve(listener));
    match oneloop::signal::ctrl_c().await {
        Ok(()) => println!("Server shutting down."),
        Err(e) => eprintln!("cannot wait for Ctrl-C: {e}"),
    }
    server.abort();
}
