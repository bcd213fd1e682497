//! The rest of tokio's everyday `net`: the halves at `net::tcp::`, `TcpStream`'s readiness
//! API (`readable`, `writable`, `ready`, `try_read`, `try_write`) and `peek`, the new
//! `UdpSocket` methods, and Unix domain sockets (stream, listener, datagram) on temp paths.
//! Every new waiting future is checked to deliver `Cancelled` at its wait, losing nothing.

use std::io::ErrorKind;
use std::path::PathBuf;

use oneloop::io::{AsyncReadExt, AsyncWriteExt, Interest};
use oneloop::net::{tcp, unix, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use oneloop::runtime::stats;
use testkit::{bounded, pair, parked, run, turns, until};

/// A fresh socket path in the temp directory, removed first if a crashed run left it.
fn temp_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("oneloop-net-more-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn tcp_halves_are_at_tokios_paths() {
    run(|| async {
        let (client, _server) = pair().await;
        let (r, w): (tcp::OwnedReadHalf, tcp::OwnedWriteHalf) = client.into_split();
        let stream = r
            .reunite(w)
            .map_err(|e: tcp::ReuniteError| e.to_string())
            .unwrap();
        let mut stream = stream;
        let (_r, _w): (tcp::ReadHalf<'_>, tcp::WriteHalf<'_>) = stream.split();
    });
}

#[test]
fn readable_waits_for_data_after_try_read_says_would_block() {
    let (parked_before, got) = run(|| async {
        let (client, mut server) = pair().await;
        // Drain whatever readiness the reactor assumed at registration.
        while client.try_read(&mut [0; 16]).is_ok() {}
        let client = std::rc::Rc::new(client);
        let waiting = std::rc::Rc::clone(&client);
        let (wait, flag) = parked(async move { waiting.readable().await });
        let waiter = oneloop::spawn(async move {
            wait.await.unwrap();
            let mut buf = [0; 16];
            loop {
                match client.try_read(&mut buf) {
                    Ok(n) => return buf[..n].to_vec(),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => client.readable().await.unwrap(),
                    Err(e) => panic!("try_read: {e}"),
                }
            }
        });
        turns(3).await;
        let parked_before = flag.get();
        server.write_all(b"data").await.unwrap();
        (parked_before, bounded("reader", waiter).await.unwrap())
    });
    assert!(parked_before, "readable() waited while nothing had arrived");
    assert_eq!(got, b"data");
}

#[test]
fn writable_try_write_and_ready() {
    let (n, ready_w, got) = run(|| async {
        let (client, mut server) = pair().await;
        client.writable().await.unwrap();
        let n = client.try_write(b"xyz").unwrap();
        let ready = client
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        let mut got = [0; 3];
        server.read_exact(&mut got).await.unwrap();
        (n, ready.is_writable(), got)
    });
    assert_eq!((n, ready_w), (3, true));
    assert_eq!(&got, b"xyz");
}

#[test]
fn peek_leaves_the_bytes_for_the_next_read() {
    let (peeked, read) = run(|| async {
        let (mut client, mut server) = pair().await;
        server.write_all(b"hello").await.unwrap();
        let mut peek = [0; 5];
        let mut n = 0;
        while n < 5 {
            n = client.peek(&mut peek).await.unwrap(); // the bytes may arrive in pieces
        }
        let mut read = [0; 5];
        client.read_exact(&mut read).await.unwrap();
        (peek, read)
    });
    assert_eq!(peeked, read);
    assert_eq!(&read, b"hello");
}

#[test]
fn readable_and_peek_deliver_cancelled_at_their_wait_and_lose_nothing() {
    let (readable, peek, got) = run(|| async {
        let (client, mut server) = pair().await;
        while client.try_read(&mut [0; 16]).is_ok() {}
        let task = oneloop::spawn(async move {
            let readable = client
                .readable()
                .await
                .map_err(|e| oneloop::is_cancelled(&e));
            let peek = client
                .peek(&mut [0; 4])
                .await
                .map_err(|e| oneloop::is_cancelled(&e));
            let mut client = client;
            let mut got = [0; 2];
            client.read_exact(&mut got).await.unwrap();
            (readable, peek, got)
        });
        turns(2).await;
        task.cancel();
        turns(2).await;
        task.cancel();
        turns(2).await;
        server.write_all(b"ok").await.unwrap();
        bounded("task", task).await.unwrap()
    });
    assert_eq!((readable, peek), (Err(true), Err(true)));
    assert_eq!(&got, b"ok");
}

#[test]
fn udp_peer_addr_readiness_and_try_send_recv() {
    let (peer_ok, got, would_block) = run(|| async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let not_connected = a.peer_addr().unwrap_err().kind() == ErrorKind::NotConnected;
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        let peer_ok = not_connected && a.peer_addr().unwrap() == b.local_addr().unwrap();
        let would_block =
            matches!(b.try_recv(&mut [0; 8]), Err(e) if e.kind() == ErrorKind::WouldBlock);
        a.writable().await.unwrap();
        a.try_send(b"dgram").unwrap();
        let mut buf = [0; 8];
        let n = loop {
            b.readable().await.unwrap();
            match b.try_recv(&mut buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                other => break other.unwrap(),
            }
        };
        (peer_ok, buf[..n].to_vec(), would_block)
    });
    assert!(peer_ok && would_block);
    assert_eq!(got, b"dgram");
}

#[test]
fn udp_readable_is_a_cancellation_point() {
    let cancelled = run(|| async {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let _ = s.try_recv_from(&mut [0; 8]); // learn it is empty
        let task =
            oneloop::spawn(
                async move { s.readable().await.map_err(|e| oneloop::is_cancelled(&e)) },
            );
        turns(2).await;
        task.cancel();
        bounded("task", task).await.unwrap()
    });
    assert_eq!(cancelled, Err(true));
}

#[test]
fn unix_listener_accepts_and_streams_echo_on_a_temp_path() {
    let path = temp_path("echo");
    let p = path.clone();
    let reply = run(move || async move {
        let listener = UnixListener::bind(&p).unwrap();
        let server = oneloop::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut line = [0; 4];
            conn.read_exact(&mut line).await.unwrap();
            conn.write_all(&line).await.unwrap();
        });
        let mut client = UnixStream::connect(&p).await.unwrap();
        client.write_all(b"ping").await.unwrap();
        let mut reply = [0; 4];
        client.read_exact(&mut reply).await.unwrap();
        bounded("server", server).await.unwrap();
        reply
    });
    std::fs::remove_file(&path).unwrap();
    assert_eq!(&reply, b"ping");
}

#[test]
fn unix_into_split_halves_work_from_two_tasks() {
    let got = run(|| async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut reader, mut writer): (unix::OwnedReadHalf, unix::OwnedWriteHalf) = b.into_split();
        let echo = oneloop::spawn(async move {
            let mut buf = Vec::new();
            reader.read_to_end(&mut buf).await.unwrap();
            buf
        });
        let (mut ar, mut aw) = {
            let (r, w) = a.into_split();
            (r, w)
        };
        aw.write_all(b"to b").await.unwrap();
        drop(aw); // shuts down: b's reader sees end of stream
        writer.write_all(b"to a").await.unwrap();
        drop(writer);
        let mut back = Vec::new();
        ar.read_to_end(&mut back).await.unwrap();
        (bounded("echo", echo).await.unwrap(), back)
    });
    assert_eq!(got, (b"to b".to_vec(), b"to a".to_vec()));
}

#[test]
fn unix_accept_and_read_are_cancellation_points_and_lose_nothing() {
    let path = temp_path("cancel");
    let p = path.clone();
    let (accept_cancelled, read_cancelled, got) = run(move || async move {
        let listener = UnixListener::bind(&p).unwrap();
        let acceptor = oneloop::spawn(async move {
            let first = listener
                .accept()
                .await
                .map(drop)
                .map_err(|e| oneloop::is_cancelled(&e));
            let (conn, _) = listener.accept().await.unwrap();
            (first, conn)
        });
        turns(2).await;
        acceptor.cancel();
        turns(2).await;
        let mut client = UnixStream::connect(&p).await.unwrap();
        let (accept_cancelled, mut conn) = bounded("acceptor", acceptor).await.unwrap();
        let reader = oneloop::spawn(async move {
            let mut buf = [0; 8];
            let first = conn
                .read(&mut buf)
                .await
                .map_err(|e| oneloop::is_cancelled(&e));
            let n = conn.read(&mut buf).await.unwrap();
            (first.map(drop), buf[..n].to_vec())
        });
        turns(2).await;
        reader.cancel();
        turns(2).await;
        client.write_all(b"kept").await.unwrap();
        let (read_cancelled, got) = bounded("reader", reader).await.unwrap();
        (accept_cancelled, read_cancelled, got)
    });
    std::fs::remove_file(&path).unwrap();
    assert_eq!((accept_cancelled, read_cancelled), (Err(true), Err(true)));
    assert_eq!(got, b"kept");
}

#[test]
fn unix_datagrams_by_path_and_by_pair() {
    let (pa, pb) = (temp_path("dg-a"), temp_path("dg-b"));
    let (a_path, b_path) = (pa.clone(), pb.clone());
    let (from_ok, by_path, by_pair) = run(move || async move {
        let a = UnixDatagram::bind(&a_path).unwrap();
        let b = UnixDatagram::bind(&b_path).unwrap();
        a.send_to(b"by path", &b_path).await.unwrap();
        let mut buf = [0; 16];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        let from_ok = from.as_pathname() == Some(a_path.as_path());
        let by_path = buf[..n].to_vec();
        let (c, d) = UnixDatagram::pair().unwrap();
        d.send(b"by pair").await.unwrap();
        let n = c.recv(&mut buf).await.unwrap();
        (from_ok, by_path, buf[..n].to_vec())
    });
    std::fs::remove_file(&pa).unwrap();
    std::fs::remove_file(&pb).unwrap();
    assert!(from_ok);
    assert_eq!(
        (by_path.as_slice(), by_pair.as_slice()),
        (&b"by path"[..], &b"by pair"[..])
    );
}

#[test]
fn unix_recv_is_a_cancellation_point() {
    let cancelled = run(|| async {
        let (a, _b) = UnixDatagram::pair().unwrap();
        let task = oneloop::spawn(async move {
            a.recv(&mut [0; 8])
                .await
                .map_err(|e| oneloop::is_cancelled(&e))
        });
        turns(2).await;
        task.cancel();
        bounded("task", task).await.unwrap()
    });
    assert_eq!(cancelled, Err(true));
}

#[test]
fn unix_sockets_deregister_when_dropped() {
    let path = temp_path("dereg");
    let p = path.clone();
    let (before, during, after) = run(move || async move {
        let before = stats().io_sources;
        let listener = UnixListener::bind(&p).unwrap();
        let client = UnixStream::connect(&p).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let (d1, d2) = UnixDatagram::pair().unwrap();
        let during = stats().io_sources;
        drop((listener, client, server, d1, d2));
        until("sources gone", move || stats().io_sources == before).await;
        (before, during, stats().io_sources)
    });
    std::fs::remove_file(&path).unwrap();
    assert_eq!(during, before + 5);
    assert_eq!(after, before);
}
