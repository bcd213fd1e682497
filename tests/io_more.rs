//! The rest of tokio's everyday `io`: the number readers and writers, `duplex` (back-pressure,
//! end of stream, cancellation), `copy_bidirectional`, `empty`/`sink`/`repeat`, the standard
//! streams and the std re-exports.

use std::cell::Cell;
use std::rc::Rc;

use oneloop::io::{self, AsyncReadExt, AsyncWriteExt};
use testkit::{bounded, pair, run, turns, until, Probe};

#[test]
fn numbers_round_trip_in_both_byte_orders() {
    let ok = run(|| async {
        let (mut a, mut b) = io::duplex(64);
        a.write_u8(0xfe).await?;
        a.write_i8(-2).await?;
        a.write_u16(0x0102).await?;
        a.write_i16_le(-300).await?;
        a.write_u32(0xdead_beef).await?;
        a.write_i32_le(-7).await?;
        a.write_u64(u64::MAX - 1).await?;
        a.write_i64(i64::MIN).await?;
        a.write_u128_le(1 << 100).await?;
        a.write_f32(1.5).await?;
        a.write_f64_le(-0.25).await?;
        drop(a);
        assert_eq!(b.read_u8().await?, 0xfe);
        assert_eq!(b.read_i8().await?, -2);
        assert_eq!(b.read_u16().await?, 0x0102);
        assert_eq!(b.read_i16_le().await?, -300);
        assert_eq!(b.read_u32().await?, 0xdead_beef);
        assert_eq!(b.read_i32_le().await?, -7);
        assert_eq!(b.read_u64().await?, u64::MAX - 1);
        assert_eq!(b.read_i64().await?, i64::MIN);
        assert_eq!(b.read_u128_le().await?, 1 << 100);
        assert_eq!(b.read_f32().await?, 1.5);
        assert_eq!(b.read_f64_le().await?, -0.25);
        let eof = b.read_u32().await.unwrap_err();
        assert_eq!(eof.kind(), io::ErrorKind::UnexpectedEof);
        io::Result::Ok(true)
    });
    assert!(ok.unwrap());
}

#[test]
fn big_endian_is_network_order() {
    let bytes = run(|| async {
        let mut wire = Vec::new();
        wire.write_u32(0x0102_0304).await.unwrap();
        wire.write_u16_le(0x0506).await.unwrap();
        wire
    });
    assert_eq!(bytes, [1, 2, 3, 4, 6, 5]);
}

#[test]
fn read_u32_cancelled_before_its_first_byte_gets_cancelled() {
    let (cancelled, next) = run(|| async {
        let (mut a, mut b) = io::duplex(64);
        let reader = oneloop::spawn(async move {
            let first = b.read_u32().await;
            let next = b.read_u32().await.unwrap();
            (oneloop::is_cancelled(&first.unwrap_err()), next)
        });
        turns(2).await;
        reader.cancel();
        turns(2).await;
        a.write_u32(42).await.unwrap();
        bounded("reader", reader).await.unwrap()
    });
    assert!(cancelled);
    assert_eq!(next, 42, "the number sent after the cancel is read whole");
}

#[test]
fn read_u32_cancelled_halfway_finishes_the_number_first() {
    // Two bytes of the number are in when the cancel arrives: it is held back until the
    // number is complete (no byte lost) and delivered at the next await.
    let (value, after) = run(|| async {
        let (mut a, mut b) = io::duplex(64);
        let reader = oneloop::spawn(async move {
            let value = b.read_u32().await.unwrap();
            let after = oneloop::task::yield_now().await;
            (value, after.is_err())
        });
        a.write_all(&[0, 0]).await.unwrap();
        turns(2).await; // the reader took two bytes and waits for the rest
        reader.cancel();
        turns(2).await;
        a.write_all(&[1, 2]).await.unwrap();
        bounded("reader", reader).await.unwrap()
    });
    assert_eq!(value, 0x0102);
    assert!(after, "the cancel is delivered at the next await");
}

#[test]
fn duplex_write_waits_at_max_buf_until_the_reader_takes_some() {
    let (parked_at, got) = run(|| async {
        let (a, mut b) = io::duplex(4);
        let (mut a, seen) = Probe::new(a);
        let writer = oneloop::spawn(async move {
            a.write_all(b"0123456789").await.unwrap();
        });
        let seen2 = seen.clone();
        until("the writer parks", move || seen2.parked()).await;
        let parked_at = seen.bytes();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        bounded("writer", writer).await.unwrap();
        (parked_at, got)
    });
    assert_eq!(
        parked_at, 4,
        "exactly max_buf bytes were taken before the writer waited"
    );
    assert_eq!(got, b"0123456789");
}

#[test]
fn duplex_end_of_stream_and_broken_pipe_when_the_other_end_drops() {
    let (rest, eof, broken) = run(|| async {
        let (mut a, mut b) = io::duplex(16);
        a.write_all(b"last").await.unwrap();
        drop(a);
        let mut rest = [0; 4];
        b.read_exact(&mut rest).await.unwrap();
        let eof = b.read(&mut [0; 4]).await.unwrap();
        let broken = b.write(b"x").await.unwrap_err().kind();
        (rest, eof, broken)
    });
    assert_eq!(&rest, b"last", "bytes sent before the drop are still read");
    assert_eq!(eof, 0);
    assert_eq!(broken, io::ErrorKind::BrokenPipe);
}

#[test]
fn duplex_shutdown_gives_end_of_stream_but_keeps_the_other_direction() {
    let (text, reply) = run(|| async {
        let (mut a, mut b) = io::duplex(16);
        a.write_all(b"req").await.unwrap();
        a.shutdown().await.unwrap();
        let mut text = String::new();
        b.read_to_string(&mut text).await.unwrap();
        b.write_all(b"resp").await.unwrap();
        let mut reply = [0; 4];
        a.read_exact(&mut reply).await.unwrap();
        (text, reply)
    });
    assert_eq!(text, "req");
    assert_eq!(&reply, b"resp");
}

#[test]
fn duplex_read_and_write_are_cancellation_points() {
    let (read_cancelled, write_cancelled, got) = run(|| async {
        let (mut a, mut b) = io::duplex(1);
        let reader = oneloop::spawn(async move {
            let mut buf = [0; 8];
            let first = b.read(&mut buf).await;
            let n = b.read(&mut buf).await.unwrap();
            (
                oneloop::is_cancelled(&first.unwrap_err()),
                buf[..n].to_vec(),
            )
        });
        turns(2).await;
        reader.cancel();
        turns(2).await;
        a.write_all(b"z").await.unwrap();
        let (read_cancelled, got) = bounded("reader", reader).await.unwrap();
        // The pipe holds one byte: a second write waits, and a cancel reaches it there.
        let (mut c, _d) = io::duplex(1);
        let writer = oneloop::spawn(async move {
            c.write_all(b"ab")
                .await
                .map_err(|e| oneloop::is_cancelled(&e))
        });
        turns(2).await;
        writer.cancel();
        let write_cancelled = bounded("writer", writer).await.unwrap() == Err(true);
        (read_cancelled, write_cancelled, got)
    });
    assert!(read_cancelled && write_cancelled);
    assert_eq!(got, b"z", "nothing was read by the cancelled read");
}

#[test]
fn copy_bidirectional_counts_each_direction_and_passes_end_of_stream_on() {
    let (counts, at_server, at_client) = run(|| async {
        let (mut client, mut proxy_a) = io::duplex(7);
        let (mut proxy_b, mut server) = io::duplex(5);
        let proxy =
            oneloop::spawn(async move { io::copy_bidirectional(&mut proxy_a, &mut proxy_b).await });
        let server_side = oneloop::spawn(async move {
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap(); // ends when the client shuts down
            server.write_all(&vec![b's'; 1000]).await.unwrap();
            got
        });
        client.write_all(&vec![b'c'; 300]).await.unwrap();
        client.shutdown().await.unwrap();
        let mut back = Vec::new();
        client.read_to_end(&mut back).await.unwrap();
        let at_server = bounded("server", server_side).await.unwrap();
        let counts = bounded("proxy", proxy).await.unwrap().unwrap();
        (counts, at_server.len(), back.len())
    });
    assert_eq!(counts, (300, 1000));
    assert_eq!((at_server, at_client), (300, 1000));
}

#[test]
fn copy_bidirectional_over_tcp() {
    let counts = run(|| async {
        let (mut client, proxy_side) = pair().await;
        let (mut far, mut server) = io::duplex(1024);
        let proxy = oneloop::spawn(async move {
            let mut proxy_side = proxy_side;
            io::copy_bidirectional(&mut proxy_side, &mut far).await
        });
        client.write_all(b"hello").await.unwrap();
        client.shutdown().await.unwrap();
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        server.write_all(b"world!").await.unwrap();
        drop(server);
        let mut back = Vec::new();
        client.read_to_end(&mut back).await.unwrap();
        assert_eq!(
            (got.as_slice(), back.as_slice()),
            (&b"hello"[..], &b"world!"[..])
        );
        bounded("proxy", proxy).await.unwrap().unwrap()
    });
    assert_eq!(counts, (5, 6));
}

#[test]
fn copy_bidirectional_is_cancelled_at_its_wait() {
    let cancelled = run(|| async {
        let (_client, mut a) = io::duplex(8);
        let (mut b, _server) = io::duplex(8);
        let proxy = oneloop::spawn(async move {
            io::copy_bidirectional(&mut a, &mut b)
                .await
                .map_err(|e| oneloop::is_cancelled(&e))
        });
        turns(2).await;
        proxy.cancel();
        bounded("proxy", proxy).await.unwrap()
    });
    assert_eq!(cancelled, Err(true));
}

#[test]
fn empty_sink_and_repeat() {
    let (empty, sunk, repeated) = run(|| async {
        let mut all = Vec::new();
        let empty = io::empty().read_to_end(&mut all).await.unwrap();
        let sunk = io::copy(&mut io::repeat(7).take_bytes(100_000), &mut io::sink())
            .await
            .unwrap();
        let mut buf = [0; 5];
        io::repeat(b'r').read_exact(&mut buf).await.unwrap();
        (empty, sunk, buf)
    });
    assert_eq!((empty, sunk), (0, 100_000));
    assert_eq!(&repeated, b"rrrrr");
}

#[test]
fn copying_from_repeat_for_ever_yields_to_the_loop_and_can_be_cancelled() {
    let (others_ran, cancelled) = run(|| async {
        let ran = Rc::new(Cell::new(0));
        let endless = oneloop::spawn(async {
            io::copy(&mut io::repeat(1), &mut io::sink())
                .await
                .map_err(|e| oneloop::is_cancelled(&e))
        });
        for _ in 0..3 {
            oneloop::task::yield_now().await.unwrap(); // gets turns although `endless` never waits
            ran.set(ran.get() + 1);
        }
        endless.cancel();
        (ran.get(), bounded("endless", endless).await.unwrap())
    });
    assert_eq!(others_ran, 3);
    assert_eq!(cancelled, Err(true));
}

#[test]
fn stdout_and_stderr_accept_writes() {
    run(|| async {
        let mut out = io::stdout();
        out.write_all(b"io_more: stdout works\n").await.unwrap();
        out.flush().await.unwrap();
        let mut err = io::stderr();
        err.write_all(b"io_more: stderr works\n").await.unwrap();
        err.shutdown().await.unwrap();
    });
}

#[test]
fn std_error_types_are_reexported() {
    fn parse(text: &str) -> io::Result<u8> {
        text.parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, text.to_owned()))
    }
    assert_eq!(parse("7").unwrap(), 7);
    assert_eq!(parse("x").unwrap_err().kind(), io::ErrorKind::InvalidData);
    let _: io::SeekFrom = io::SeekFrom::Start(0);
}

/// `take` for the test above, without depending on a `take` adapter.
trait TakeBytes: Sized {
    fn take_bytes(self, n: u64) -> Taken<Self>;
}
impl<R> TakeBytes for R {
    fn take_bytes(self, n: u64) -> Taken<R> {
        Taken {
            inner: self,
            left: n,
        }
    }
}
struct Taken<R> {
    inner: R,
    left: u64,
}
impl<R: io::AsyncRead + Unpin> io::AsyncRead for Taken<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        let max = buf.len().min(self.left as usize);
        let poll = std::pin::Pin::new(&mut self.inner).poll_read(cx, &mut buf[..max]);
        if let std::task::Poll::Ready(Ok(n)) = &poll {
            self.left -= *n as u64;
        }
        poll
    }
}
