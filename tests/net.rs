//! TCP and UDP over loopback, through the reactor: many clients at once, back-pressure,
//! half-close, resets, refused connections, cancellation of every blocking socket
//! operation, UDP round trips, and fairness between always-ready tasks, timers and sockets.
//!
//! Every wait is bounded (`testkit::bounded`, and each loop runs on a thread with a
//! deadline), so a hung reactor fails a test instead of hanging CI. Nothing asserts that
//! something was *fast*: only counts and orderings.

use std::cell::Cell;
use std::io::{ErrorKind, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use oneloop::net::{TcpListener, TcpStream, UdpSocket};
use oneloop::task::{self, yield_now};
use oneloop::time::sleep;
use testkit::{bounded, listener, pair, parked, pattern_bytes, run, turns, until, Probe};

/// Accepts for ever, echoing every connection in its own task.
async fn echo_server(listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        oneloop::spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

#[test]
fn two_hundred_concurrent_echo_clients() {
    const CLIENTS: usize = 200;
    const MESSAGES: usize = 5;
    let (served, peak) = run(|| async {
        let (listener, addr) = listener().await;
        let server = oneloop::spawn(echo_server(listener));
        // Clients connected and not yet done, and the most there ever were at once.
        let alive = Rc::new(Cell::new(0usize));
        let peak = Rc::new(Cell::new(0usize));
        let mut clients = Vec::new();
        for c in 0..CLIENTS {
            if c % 50 == 0 {
                // Spawn in waves: the listener's accept queue holds 128 connections (mio's
                // backlog, as std's); 200 connects in one turn would overflow it and some
                // SYNs would wait out a 1 s retransmit. All 200 still overlap.
                turns(2).await;
            }
            let (alive, peak) = (alive.clone(), peak.clone());
            clients.push(oneloop::spawn(async move {
                let mut stream = TcpStream::connect(addr).await?;
                alive.set(alive.get() + 1);
                peak.set(peak.get().max(alive.get()));
                for m in 0..MESSAGES {
                    let message = format!("client {c} message {m} {}", "x".repeat(c % 37));
                    stream.write_all(message.as_bytes()).await?;
                    let mut echo = vec![0u8; message.len()];
                    stream.read_exact(&mut echo).await?;
                    assert_eq!(
                        echo,
                        message.as_bytes(),
                        "client {c} got someone else's echo"
                    );
                }
                alive.set(alive.get() - 1);
                Ok::<usize, std::io::Error>(MESSAGES)
            }));
        }
        let mut served = 0;
        for (c, client) in clients.into_iter().enumerate() {
            let result = bounded("an echo client", client)
                .await
                .expect("client task panicked");
            served += result.unwrap_or_else(|e| panic!("client {c} failed: {e}"));
        }
        server.abort();
        (served, peak.get())
    });
    assert_eq!(served, CLIENTS * MESSAGES);
    // Connects take a turn or two, a client's five round trips at least ten: the waves
    // overlap, and typically all 200 are connected at once.
    assert!(
        peak > CLIENTS / 2,
        "only {peak} clients were ever connected at once"
    );
}

#[test]
fn a_64_mb_transfer_through_a_slow_reader_keeps_the_writer_held_back() {
    const TOTAL: u64 = 64 * 1024 * 1024;
    /// Kernel socket buffers on loopback grow to a few MB each way; 16 MB is well above
    /// both together, and far below 64 MB, so unbounded buffering could not pass.
    const BOUND: u64 = 16 * 1024 * 1024;
    /// A multiple of the pattern's period (251), so every chunk is the same bytes.
    const CHUNK: usize = 251 * 1024;
    let (max_gap, stalled_gap, total_read) = run(|| async {
        let (client, server) = pair().await;
        let written = Rc::new(Cell::new(0u64));
        let read = Rc::new(Cell::new(0u64));
        let max_gap = Rc::new(Cell::new(0u64));
        let (mut writer, writer_seen) = Probe::new(client);

        let writer_task = oneloop::spawn({
            let (written, read, max_gap) = (written.clone(), read.clone(), max_gap.clone());
            async move {
                let chunk: Vec<u8> = pattern_bytes(CHUNK);
                while written.get() < TOTAL {
                    let n = (TOTAL - written.get()).min(CHUNK as u64) as usize;
                    writer.write_all(&chunk[..n]).await?;
                    written.set(written.get() + n as u64);
                    let gap = written.get() - read.get();
                    max_gap.set(max_gap.get().max(gap));
                    assert!(gap < BOUND, "the writer is {gap} bytes ahead of the reader");
                }
                writer.shutdown().await
            }
        });

        // The reader starts late: meanwhile the writer must fill the kernel buffers and park.
        until("the writer parks on a full socket", || writer_seen.parked()).await;
        sleep(Duration::from_millis(20)).await.unwrap();
        assert!(writer_seen.parked(), "the writer should still be parked");
        let stalled_gap = written.get();
        assert!(
            stalled_gap < BOUND,
            "{stalled_gap} bytes accepted with nobody reading"
        );

        let reader_task = oneloop::spawn({
            let read = read.clone();
            async move {
                let mut server = server;
                // The expected bytes for any offset: table[off % 251..][..n].
                let table: Vec<u8> = pattern_bytes(64 * 1024 + 251);
                let mut buf = vec![0u8; 64 * 1024];
                let mut next_pause = 1024 * 1024;
                loop {
                    let n = server.read(&mut buf).await?;
                    if n == 0 {
                        return Ok::<u64, std::io::Error>(read.get());
                    }
                    let start = (read.get() % 251) as usize;
                    assert!(
                        buf[..n] == table[start..start + n],
                        "corrupt bytes at offset {}",
                        read.get()
                    );
                    read.set(read.get() + n as u64);
                    if read.get() >= next_pause {
                        // Slow: a pause after every megabyte.
                        next_pause += 1024 * 1024;
                        sleep(Duration::from_millis(1)).await.unwrap();
                    }
                }
            }
        });
        let total_read = bounded("the reader", reader_task)
            .await
            .unwrap()
            .expect("read");
        bounded("the writer", writer_task)
            .await
            .unwrap()
            .expect("write");
        (max_gap.get(), stalled_gap, total_read)
    });
    assert_eq!(total_read, TOTAL);
    assert!(max_gap < BOUND, "max gap {max_gap}");
    assert!(stalled_gap > 0, "the writer wrote nothing before parking");
}

#[test]
fn half_close_gives_eof_and_the_peer_can_still_write_back() {
    run(|| async {
        let (mut client, mut server) = pair().await;
        client.write_all(b"question").await.unwrap();
        client.shutdown().await.unwrap();

        // The server reads the data, then end of stream (0), again and again.
        let mut got = Vec::new();
        bounded("read to EOF", server.read_to_end(&mut got))
            .await
            .unwrap();
        assert_eq!(got, b"question");
        let mut buf = [0u8; 8];
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);

        // Its write side is still open: the answer reaches the half-closed client.
        server.write_all(b"answer").await.unwrap();
        server.shutdown().await.unwrap();
        let mut answer = String::new();
        bounded("read the answer", client.read_to_string(&mut answer))
            .await
            .unwrap();
        assert_eq!(answer, "answer");
    });
}

#[test]
fn dropping_an_owned_write_half_sends_eof_while_the_read_half_still_reads() {
    run(|| async {
        let (client, mut server) = pair().await;
        let (mut read_half, write_half) = client.into_split();
        drop(write_half);
        let mut got = Vec::new();
        bounded("EOF from the dropped half", server.read_to_end(&mut got))
            .await
            .unwrap();
        assert!(got.is_empty());
        server.write_all(b"still here").await.unwrap();
        drop(server);
        let mut reply = Vec::new();
        bounded("read after half-close", read_half.read_to_end(&mut reply))
            .await
            .unwrap();
        assert_eq!(reply, b"still here");
    });
}

#[test]
fn borrowed_halves_read_and_write_at_once_in_one_task() {
    run(|| async {
        let (mut client, server) = pair().await;
        let echo = oneloop::spawn(echo_connection(server));
        let (mut reader, mut writer) = client.split();
        // 1 MB through the echo: writing it all before reading would deadlock on full
        // buffers, so the two halves must make progress together.
        let data: Vec<u8> = pattern_bytes(1024 * 1024);
        let send = async {
            writer.write_all(&data).await?;
            writer.shutdown().await
        };
        let receive = async {
            let mut back = Vec::new();
            reader.read_to_end(&mut back).await.map(|_| back)
        };
        let (sent, back) = bounded("split echo", testkit::join2(send, receive)).await;
        sent.unwrap();
        assert!(back.unwrap() == data, "the echo differs");
        bounded("echo task", echo).await.unwrap().unwrap();
    });
}

async fn echo_connection(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return stream.shutdown().await;
        }
        stream.write_all(&buf[..n]).await?;
    }
}

#[test]
fn a_peer_that_resets_mid_write_gives_an_error_not_a_panic() {
    let outcome = run(|| async {
        let (mut client, mut server) = pair().await;
        // Two bytes in one segment; the server takes one, so one stays unread in its
        // receive buffer: closing a socket with unread data makes Linux send a RST.
        client.write_all(b"ab").await.unwrap();
        let mut one = [0u8; 1];
        bounded("first byte", server.read_exact(&mut one))
            .await
            .unwrap();
        drop(server);

        let chunk = vec![7u8; 64 * 1024];
        let error = bounded("writing into a reset connection", async {
            loop {
                if let Err(e) = client.write_all(&chunk).await {
                    return e;
                }
            }
        })
        .await;
        // Reading after the reset is an error or end of stream, never a hang or a panic.
        let mut buf = [0u8; 16];
        let after = bounded("read after reset", client.read(&mut buf)).await;
        (error.kind(), after.map_err(|e| e.kind()))
    });
    let (kind, after) = outcome;
    assert!(
        matches!(kind, ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
        "unexpected error kind {kind:?}"
    );
    assert!(
        matches!(after, Ok(0) | Err(_)),
        "read after reset gave {after:?}"
    );
}

#[test]
fn a_peer_that_resets_while_we_read_gives_an_error() {
    let kind = run(|| async {
        let (mut client, mut server) = pair().await;
        client.write_all(b"ab").await.unwrap();
        let mut one = [0u8; 1];
        bounded("first byte", server.read_exact(&mut one))
            .await
            .unwrap();
        let reader = oneloop::spawn(async move {
            let mut buf = [0u8; 16];
            client.read(&mut buf).await
        });
        turns(3).await; // the reader parks: nothing to read
        drop(server); // RST, since one byte is unread
        bounded("the reader", reader)
            .await
            .unwrap()
            .map_err(|e| e.kind())
    });
    assert_eq!(kind, Err(ErrorKind::ConnectionReset));
}

#[test]
fn connecting_to_a_closed_port_is_connection_refused() {
    let kind = run(|| async {
        let port = testkit::closed_port();
        let result = bounded("connect", TcpStream::connect(("127.0.0.1", port))).await;
        result.map(|_| ()).map_err(|e| e.kind())
    });
    assert_eq!(kind, Err(ErrorKind::ConnectionRefused));
}

#[test]
fn cancelling_a_task_blocked_in_accept_gives_is_cancelled_and_the_listener_still_works() {
    run(|| async {
        let (listener, addr) = listener().await;
        let listener = Rc::new(listener);
        let (accept, is_parked) = {
            let listener = Rc::clone(&listener);
            parked(async move { std::future::poll_fn(|cx| listener.poll_accept(cx)).await })
        };
        let task = oneloop::spawn(accept);
        until("accept parks", || is_parked.get()).await;
        assert!(task.cancel());
        let result = bounded("cancelled accept", task).await.unwrap();
        let err = result
            .map(|_| ())
            .expect_err("accept succeeded with no client");
        assert!(oneloop::is_cancelled(&err), "not a cancellation: {err:?}");

        // The listener's registration is intact: the next accept, in another task, works.
        let again = {
            let listener = Rc::clone(&listener);
            oneloop::spawn(async move { listener.accept().await })
        };
        let client = TcpStream::connect(addr).await.unwrap();
        let (_, peer) = bounded("accept after cancel", again)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
    });
}

#[test]
fn cancelling_a_task_blocked_in_read_gives_is_cancelled_and_loses_no_bytes() {
    run(|| async {
        let (mut client, server) = pair().await;
        let (mut reader, seen) = Probe::new(server);
        let resume = Rc::new(Cell::new(false));
        let task = oneloop::spawn({
            let resume = Rc::clone(&resume);
            async move {
                let mut buf = [0u8; 16];
                let first = reader.read(&mut buf).await;
                // Caught: the task goes on and reads what the peer sent meanwhile.
                while !resume.get() {
                    yield_now().await.unwrap();
                }
                let mut rest = [0u8; 3];
                let second = reader.read_exact(&mut rest).await.map(|_| rest);
                (first.map_err(|e| oneloop::is_cancelled(&e)), second)
            }
        });
        until("read parks", || seen.parked()).await;
        // Data arrives and the cancel is requested before the task runs again: the cancel
        // wins, and the data stays in the kernel for the next read.
        client.write_all(b"xyz").await.unwrap();
        assert!(task.cancel());
        resume.set(true);
        let (first, second) = bounded("cancelled reader", task).await.unwrap();
        assert_eq!(
            first,
            Err(true),
            "the read should end with the cancellation"
        );
        assert_eq!(&second.unwrap(), b"xyz");
    });
}

#[test]
fn cancelling_a_task_blocked_in_write_gives_is_cancelled_and_the_count_is_exact() {
    let (written, received) = run(|| async {
        let (client, mut server) = pair().await;
        let (mut writer, seen) = Probe::new(client);
        let task = oneloop::spawn(async move {
            // 64 MB never fits in the kernel buffers of a peer that does not read.
            let data: Vec<u8> = pattern_bytes(64 * 1024 * 1024);
            let result = writer.write_all(&data).await;
            drop(writer); // EOF for the peer
            result
        });
        until("write parks on a full socket", || seen.parked()).await;
        assert!(task.cancel());
        let err = bounded("cancelled writer", task)
            .await
            .unwrap()
            .expect_err("64 MB written?");
        assert!(oneloop::is_cancelled(&err), "not a cancellation: {err:?}");

        // Every byte the kernel accepted arrives, and nothing else.
        let mut received = Vec::new();
        bounded("drain", server.read_to_end(&mut received))
            .await
            .unwrap();
        assert!(received == pattern_bytes(received.len()), "corrupt bytes");
        (seen.bytes(), received.len())
    });
    assert!(written > 0);
    assert_eq!(written, received);
}

#[test]
fn cancelling_a_task_blocked_in_connect_gives_is_cancelled() {
    run(|| async {
        let Some((listener, _held)) = testkit::full_backlog().await else {
            panic!("could not fill a listener's accept queue: no way to block a connect");
        };
        let addr = listener.local_addr().unwrap();
        let (connect, is_parked) = parked(TcpStream::connect(addr));
        let task = oneloop::spawn(connect);
        until("connect parks", || is_parked.get()).await;
        sleep(Duration::from_millis(10)).await.unwrap();
        assert!(
            is_parked.get() && !task.is_finished(),
            "the connect completed"
        );
        assert!(task.cancel());
        let err = bounded("cancelled connect", task)
            .await
            .unwrap()
            .expect_err("connected?");
        assert!(oneloop::is_cancelled(&err), "not a cancellation: {err:?}");
    });
}

#[test]
fn cancelling_a_connect_right_after_it_starts_gives_ok_or_is_cancelled() {
    run(|| async {
        let (listener, addr) = listener().await;
        let task = oneloop::spawn(TcpStream::connect(addr));
        yield_now().await.unwrap(); // one poll: a loopback connect may well be done by now
        task.cancel();
        match bounded("connect", task).await.unwrap() {
            Ok(stream) => {
                let (_, peer) = bounded("accept", listener.accept()).await.unwrap();
                assert_eq!(peer, stream.local_addr().unwrap());
            }
            Err(e) => assert!(oneloop::is_cancelled(&e), "not a cancellation: {e:?}"),
        }
    });
}

#[test]
fn a_connect_cancelled_before_its_first_poll_never_runs() {
    run(|| async {
        let (_listener, addr) = listener().await;
        let task = oneloop::spawn(TcpStream::connect(addr));
        assert!(task.cancel());
        let err = bounded("connect", task).await.expect_err("it ran");
        assert!(err.is_cancelled());
    });
}

#[test]
fn udp_round_trip_with_send_to_and_recv_from() {
    run(|| async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let echo = oneloop::spawn(async move {
            let mut buf = [0u8; 1500];
            for _ in 0..3 {
                let (n, from) = b.recv_from(&mut buf).await?;
                b.send_to(&buf[..n], from).await?;
            }
            Ok::<(), std::io::Error>(())
        });
        for i in 0..3u8 {
            let message = [i; 100];
            assert_eq!(a.send_to(&message, b_addr).await.unwrap(), 100);
            let mut buf = [0u8; 1500];
            let (n, from) = bounded("udp echo", a.recv_from(&mut buf)).await.unwrap();
            assert_eq!((&buf[..n], from), (&message[..], b_addr));
        }
        bounded("udp echo task", echo).await.unwrap().unwrap();
        assert_ne!(a_addr, b_addr);
    });
}

#[test]
fn udp_connected_sockets_send_and_recv() {
    run(|| async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        // A connected socket only hears from its peer: the stranger's datagram is dropped.
        stranger
            .send_to(b"noise", b.local_addr().unwrap())
            .await
            .unwrap();
        a.send(b"ping").await.unwrap();
        let mut buf = [0u8; 64];
        let n = bounded("recv ping", b.recv(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"ping");
        b.send(b"pong").await.unwrap();
        let n = bounded("recv pong", a.recv(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"pong");
    });
}

#[test]
fn cancelling_a_task_blocked_in_udp_recv_gives_is_cancelled() {
    run(|| async {
        let socket = Rc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let (recv, is_parked) = {
            let socket = Rc::clone(&socket);
            parked(async move {
                let mut buf = [0u8; 64];
                socket.recv_from(&mut buf).await.map(|(n, _)| n)
            })
        };
        let task = oneloop::spawn(recv);
        until("recv parks", || is_parked.get()).await;
        task.cancel();
        let err = bounded("cancelled recv", task).await.unwrap().unwrap_err();
        assert!(oneloop::is_cancelled(&err));
        // The socket still works.
        socket
            .send_to(b"me", socket.local_addr().unwrap())
            .await
            .unwrap();
        let mut buf = [0u8; 8];
        let (n, _) = bounded("recv after cancel", socket.recv_from(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"me");
    });
}

#[test]
fn a_reader_that_always_has_data_does_not_stop_a_timer() {
    // The peer is a plain thread that writes as fast as the kernel takes it; the reader
    // takes one byte per read, so the socket never runs dry and the reader never hears
    // `WouldBlock` from the kernel: only the loop's budget can make it give way.
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    let writer = std::thread::spawn(move || {
        let (mut peer, _) = std_listener.accept().unwrap();
        let chunk = vec![1u8; 64 * 1024];
        while peer.write_all(&chunk).is_ok() {}
    });
    let (fired_while_reading, reads_before_timer, reads) = run(move || async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // Let the socket fill up before anyone reads.
        let mut first = [0u8; 1];
        stream.read_exact(&mut first).await.unwrap();
        sleep(Duration::from_millis(5)).await.unwrap();

        let reading = Rc::new(Cell::new(false));
        let reads = Rc::new(Cell::new(0u64));
        let fired = Rc::new(Cell::new(None::<(bool, u64)>));
        let reader = oneloop::spawn({
            let (reading, reads, fired) = (reading.clone(), reads.clone(), fired.clone());
            async move {
                reading.set(true);
                let give_up = Instant::now() + Duration::from_secs(10); // hang bound only
                let mut byte = [0u8; 1];
                while fired.get().is_none() && Instant::now() < give_up {
                    stream.read_exact(&mut byte).await.unwrap();
                    reads.set(reads.get() + 1);
                }
                reading.set(false);
            }
        });
        let timer = oneloop::spawn({
            let (reading, reads, fired) = (reading.clone(), reads.clone(), fired.clone());
            async move {
                sleep(Duration::from_millis(2)).await.unwrap();
                fired.set(Some((reading.get(), reads.get())));
            }
        });
        bounded("timer", timer).await.unwrap();
        bounded("reader", reader).await.unwrap();
        let (while_reading, before) = fired.get().expect("the timer never fired");
        (while_reading, before, reads.get())
    });
    writer.join().unwrap();
    assert!(
        fired_while_reading,
        "the timer fired only after the reader stopped"
    );
    assert!(
        reads_before_timer > 0,
        "the reader never read before the timer"
    );
    assert!(reads >= reads_before_timer);
}

#[test]
fn a_task_looping_on_yield_now_does_not_starve_a_socket_read() {
    let (spinning_at_read, spins_at_read) = run(|| async {
        let (mut client, mut server) = pair().await;
        let stop = Rc::new(Cell::new(false));
        let spins = Rc::new(Cell::new(0u64));
        let spinner = oneloop::spawn({
            let (stop, spins) = (stop.clone(), spins.clone());
            async move {
                while !stop.get() {
                    yield_now().await.unwrap();
                    spins.set(spins.get() + 1);
                }
            }
        });
        let reader = oneloop::spawn({
            let (stop, spins) = (stop.clone(), spins.clone());
            async move {
                let mut buf = [0u8; 5];
                server.read_exact(&mut buf).await.unwrap();
                let seen = (!stop.get(), spins.get());
                stop.set(true);
                (buf, seen)
            }
        });
        until("the spinner spins", || spins.get() >= 3).await;
        client.write_all(b"hello").await.unwrap();
        let (buf, seen) = bounded("reader", reader).await.unwrap();
        assert_eq!(&buf, b"hello");
        bounded("spinner", spinner).await.unwrap();
        seen
    });
    assert!(
        spinning_at_read,
        "the spinner had stopped before the read completed"
    );
    assert!(spins_at_read >= 3);
}

#[test]
fn a_cancelled_reader_task_catches_the_error_and_finishes_normally() {
    // The asyncio pattern: catch the cancellation, clean up with more I/O, return.
    let said = run(|| async {
        let (mut client, server) = pair().await;
        let (mut reader, seen) = Probe::new(server);
        let task = oneloop::spawn(async move {
            let mut buf = [0u8; 8];
            match reader.read(&mut buf).await {
                Err(e) if oneloop::is_cancelled(&e) => {
                    assert_eq!(task::cancelling(), 1);
                    reader.inner.write_all(b"bye").await.unwrap(); // cleanup I/O is allowed
                    "cleaned up"
                }
                other => panic!("expected a cancellation, got {other:?}"),
            }
        });
        until("read parks", || seen.parked()).await;
        task.cancel();
        let said = bounded("task", task).await.unwrap();
        let mut bye = [0u8; 3];
        bounded("bye", client.read_exact(&mut bye)).await.unwrap();
        assert_eq!(&bye, b"bye");
        said
    });
    assert_eq!(said, "cleaned up");
}

#[test]
fn a_udp_error_is_reported_once_then_recv_waits_again() {
    // A connected UDP socket that sent to a closed port gets an ICMP "port unreachable":
    // one recv reports it; the next must wait (not spin on a stale error bit).
    let outcome = run(|| async {
        let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let socket = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.connect(("127.0.0.1", port)).await.unwrap();
        socket.send(b"anyone?").await.unwrap();
        let mut buf = [0u8; 16];
        let first = oneloop::time::timeout(Duration::from_secs(5), socket.recv(&mut buf)).await;
        let second = oneloop::time::timeout(Duration::from_millis(50), socket.recv(&mut buf)).await;
        let timer_ran =
            oneloop::time::timeout(Duration::from_millis(1), std::future::pending::<()>())
                .await
                .is_err();
        (
            first.map(|r| r.map_err(|e| e.kind())),
            second.is_err(),
            timer_ran,
        )
    });
    assert_eq!(outcome.0, Ok(Err(ErrorKind::ConnectionRefused)));
    assert!(outcome.1, "the second recv must wait, and its timeout fire");
    assert!(outcome.2);
}

// ---- net udp error while waiting (added by mutation testing: each test here failed under a
// mutation of the library that the rest of the suite let through) ----

mod net_udp_error_while_waiting {
    // A socket error that arrives *while a task waits* in the reactor (the kernel reports it
    // as an event with the error bit) is handed out once, by the operation that reports it;
    // after that the socket may well block, and the next operation must wait for a new event,
    // not retry for ever on a stale error bit.
    //
    // tests/net.rs's `a_udp_error_is_reported_once_then_recv_waits_again` sends before the
    // first `recv`: on loopback the ICMP "port unreachable" is processed inside `send`, that
    // `recv` collects the error with the socket's initial optimistic readiness, and epoll never
    // reports the error bit (edge-triggered events are re-checked when collected, and the error
    // is gone by then). So that test passes even when `clear_readiness` keeps the error bit.
    // Here the `recv` is already parked when the error arrives.
    //
    // (Mutation-tested: `Reactor::clear_readiness` clearing only `READABLE`/`WRITABLE` made the
    // second `recv` below spin inside `poll_io` for ever; no existing test noticed.)

    use std::io::ErrorKind;
    use std::rc::Rc;
    use std::time::Duration;

    use oneloop::net::UdpSocket;
    use testkit::{run, turns, until};

    #[test]
    fn a_udp_error_that_arrives_while_recv_waits_is_reported_once_then_recv_waits_again() {
        let outcome = run(|| async {
            let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = closed.local_addr().unwrap().port();
            drop(closed);
            let socket = Rc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            socket.connect(("127.0.0.1", port)).await.unwrap();
            let receiver = oneloop::spawn({
                let socket = Rc::clone(&socket);
                async move {
                    let mut buf = [0u8; 16];
                    // Parked in the reactor before anything is sent.
                    let first = socket.recv(&mut buf).await.map_err(|e| e.kind());
                    // The error was handed out: this one must wait (and time out), not spin.
                    let second =
                        oneloop::time::timeout(Duration::from_millis(50), socket.recv(&mut buf))
                            .await
                            .is_err();
                    (first, second)
                }
            });
            turns(3).await; // the receiver has run and is waiting for readiness
            assert!(!receiver.is_finished());
            socket.send(b"anyone?").await.unwrap(); // the ICMP error reaches the parked recv
            until("the receiver finishes", || receiver.is_finished()).await;
            receiver.await.unwrap()
        });
        assert_eq!(outcome.0, Err(ErrorKind::ConnectionRefused));
        assert!(outcome.1, "the second recv must wait, and its timeout fire");
    }
}
