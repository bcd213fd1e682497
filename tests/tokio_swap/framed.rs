//! A length-prefixed protocol, written as a oneloop user writes it.
//!
//! A frame is a big-endian `u32` length and that many bytes. The server answers each frame
//! with its bytes reversed, and refuses a frame longer than `MAX_FRAME` (it skips its bytes,
//! so the connection closes cleanly, and ends the connection). A client sends its frames and
//! reads the answers at the same time, on the two halves of its stream, with `try_join!`:
//! the first side to fail fails the client. `run` returns the transcript.

use std::io;
use std::net::SocketAddr;

use oneloop::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use oneloop::net::{TcpListener, TcpStream};

const MAX_FRAME: u32 = 64;

/// The next frame; `None` at a clean end of stream (between frames).
async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<Option<Vec<u8>>> {
    let len = match reader.read_u32().await {
        Ok(len) => len,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    };
    if len > MAX_FRAME {
        // Skip the frame's bytes: closing with unread bytes would reset the connection.
        let mut left = len as usize;
        let mut chunk = [0u8; 64];
        while left > 0 {
            let n = reader.read(&mut chunk[..left.min(64)]).await?;
            if n == 0 {
                break;
            }
            left -= n;
        }
        let why = format!("frame of {len} bytes is too long");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    let mut frame = vec![0; len as usize];
    reader.read_exact(&mut frame).await?;
    Ok(Some(frame))
}

async fn write_frame<W: AsyncWrite + Unpin>(writer: &mut W, frame: &[u8]) -> io::Result<()> {
    writer.write_u32(frame.len() as u32).await?;
    writer.write_all(frame).await
}

/// One connection: every frame answered reversed; returns how many.
async fn serve(mut stream: TcpStream) -> io::Result<usize> {
    let mut answered = 0;
    while let Some(mut frame) = read_frame(&mut stream).await? {
        frame.reverse();
        write_frame(&mut stream, &frame).await?;
        answered += 1;
    }
    Ok(answered)
}

/// Serves `connections` connections, one after the other; returns its log.
async fn server(listener: TcpListener, connections: usize) -> Vec<String> {
    let mut log = Vec::new();
    for n in 0..connections {
        let (stream, _) = listener.accept().await.unwrap();
        match serve(stream).await {
            Ok(answered) => log.push(format!("server: connection {n} answered {answered} frames")),
            Err(e) => log.push(format!("server: connection {n} refused: {e}")),
        }
    }
    log
}

/// Sends `frames` while reading the answers; every frame must be answered.
async fn client(addr: SocketAddr, frames: &[&str]) -> io::Result<Vec<String>> {
    let mut stream = TcpStream::connect(addr).await?;
    let (mut reader, mut writer) = stream.split();
    let send = async {
        for frame in frames {
            write_frame(&mut writer, frame.as_bytes()).await?;
        }
        writer.shutdown().await
    };
    let receive = async {
        let mut answers = Vec::new();
        while let Some(frame) = read_frame(&mut reader).await? {
            answers.push(String::from_utf8_lossy(&frame).into_owned());
        }
        if answers.len() < frames.len() {
            let why = format!(
                "the server answered {} of {} frames",
                answers.len(),
                frames.len()
            );
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, why));
        }
        Ok(answers)
    };
    let ((), answers) = oneloop::try_join!(send, receive)?;
    Ok(answers)
}

#[oneloop::main(flavor = "current_thread")]
pub async fn run() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = oneloop::spawn(server(listener, 2));

    let long = "x".repeat(100);
    let batches: [&[&str]; 2] = [&["ping", "length-prefixed", "!"], &["ok", &long]];
    let mut transcript = Vec::new();
    for (id, frames) in batches.into_iter().enumerate() {
        match client(addr, frames).await {
            Ok(answers) => transcript.push(format!("client {id} got {answers:?}")),
            Err(e) => transcript.push(format!("client {id} failed: {e}")),
        }
    }
    transcript.extend(server.await.unwrap());
    transcript.join("\n")
}
