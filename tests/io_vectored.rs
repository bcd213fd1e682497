//! Vectored writes: `write_vectored` on a TCP pair (one call, the slices in order, a short
//! count when the socket buffer fills), the default `poll_write_vectored` (first non-empty
//! slice only), wrappers that keep `is_write_vectored`, `BufWriter`'s gathering, and the
//! cancellation point.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::io::IoSlice;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use oneloop::io::{self, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use testkit::{bounded, pair, run, until};

/// A writer without vectored support of its own: it counts its calls and keeps the bytes.
#[derive(Default)]
struct Counting {
    written: Vec<u8>,
    writes: usize,
    vectored: Cell<usize>,
    /// Whether it says it is vectored (then `poll_write_vectored` appends every slice).
    claims_vectored: bool,
}

impl AsyncWrite for Counting {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.writes += 1;
        this.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if !self.claims_vectored {
            // What the trait's default does, counted apart.
            let first = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &**b);
            return self.poll_write(cx, first);
        }
        let this = self.get_mut();
        this.vectored.set(this.vectored.get() + 1);
        let mut n = 0;
        for b in bufs {
            this.written.extend_from_slice(b);
            n += b.len();
        }
        Poll::Ready(Ok(n))
    }
    fn is_write_vectored(&self) -> bool {
        self.claims_vectored
    }
}

/// Only `poll_write`: everything else is the trait's default.
struct Plain(Vec<u8>);

impl AsyncWrite for Plain {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Bytes that differ from their neighbours, so a reordering or a repeat shows.
fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ salt.wrapping_mul(31))
        .collect()
}

/// Drops the first `n` bytes of `parts` (a vectored write's count may end inside one).
fn advance(parts: &mut [&[u8]], mut n: usize) {
    for part in parts.iter_mut() {
        let taken = n.min(part.len());
        *part = &part[taken..];
        n -= taken;
    }
}

#[test]
fn write_vectored_on_a_tcp_pair_sends_the_slices_in_order_in_one_call() {
    let (n, got) = run(|| async {
        let (mut client, mut server) = pair().await;
        let bufs = [
            IoSlice::new(b"GET "),
            IoSlice::new(b""),
            IoSlice::new(b"/index.html"),
            IoSlice::new(b" HTTP/1.1\r\n\r\n"),
        ];
        assert!(client.is_write_vectored());
        let n = client.write_vectored(&bufs).await.unwrap();
        drop(client);
        let mut got = Vec::new();
        bounded("read the request", server.read_to_end(&mut got))
            .await
            .unwrap();
        (n, got)
    });
    assert_eq!(n, 28);
    assert_eq!(got, b"GET /index.html HTTP/1.1\r\n\r\n");
}

#[test]
fn a_full_socket_buffer_gives_a_short_count_and_a_loop_sends_everything() {
    // Larger than any loopback socket buffer pair (send + receive), so one call cannot
    // take it all while nobody reads.
    const PART: usize = 16 << 20;
    let (first, received, expected) = run(|| async {
        let (mut client, mut server) = pair().await;
        let head = pattern(1000, 1);
        let body = pattern(PART, 2);
        let tail = pattern(PART, 3);
        let mut parts: [&[u8]; 3] = [&head, &body, &tail];
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let first = client
            .write_vectored(&parts.map(IoSlice::new))
            .await
            .unwrap();
        assert!(first > 0, "an empty socket takes something");
        advance(&mut parts, first);
        let reader = oneloop::spawn(async move {
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.map(|_| got)
        });
        let mut calls = 1;
        while parts.iter().any(|p| !p.is_empty()) {
            let n = bounded(
                "write the rest",
                client.write_vectored(&parts.map(IoSlice::new)),
            )
            .await
            .unwrap();
            assert!(n > 0);
            advance(&mut parts, n);
            calls += 1;
        }
        assert!(calls > 1);
        drop(client);
        let received = bounded("read everything", reader).await.unwrap().unwrap();
        let expected = [head, body, tail].concat();
        assert_eq!(expected.len(), total);
        ((first, total), received, expected)
    });
    assert!(first.0 < first.1, "one call took all {} bytes", first.1);
    assert_eq!(received.len(), expected.len());
    assert!(received == expected, "the bytes arrived out of order");
}

#[test]
fn the_default_writes_only_the_first_non_empty_slice() {
    let (n, written, vectored) = run(|| async {
        let mut plain = Plain(Vec::new());
        let bufs = [IoSlice::new(b""), IoSlice::new(b"ab"), IoSlice::new(b"cd")];
        let n = plain.write_vectored(&bufs).await.unwrap();
        let empty = plain.write_vectored(&[IoSlice::new(b"")]).await.unwrap();
        assert_eq!(empty, 0);
        let vectored = plain.is_write_vectored();
        (n, plain.0, vectored)
    });
    assert_eq!((n, written.as_slice(), vectored), (2, &b"ab"[..], false));
}

/// Asks `W`'s own impl (a method call on `&mut T` would find `T`'s first).
fn vectored<W: AsyncWrite>(writer: &W) -> bool {
    writer.is_write_vectored()
}

#[test]
fn wrappers_keep_a_tcp_stream_vectored() {
    let seen = run(|| async {
        let (client, server) = pair().await;
        let mut seen = Vec::new();
        let mut stream = client;
        seen.push(("&mut", vectored(&&mut stream)));
        let boxed: Box<oneloop::net::TcpStream> = Box::new(stream);
        seen.push(("Box", vectored(&boxed)));
        let pinned = Pin::new(boxed);
        seen.push(("Pin<Box>", vectored(&pinned)));
        let stream = *Pin::into_inner(pinned);
        let buffered = BufReader::new(stream);
        seen.push(("BufReader", vectored(&buffered)));
        let mut stream = buffered.into_inner();
        {
            let (_r, w) = stream.split();
            seen.push(("TcpStream::split", vectored(&w)));
        }
        let (_r, w) = stream.into_split();
        seen.push(("into_split", vectored(&w)));
        let (_r, w) = io::split(server);
        seen.push(("io::split", vectored(&w)));
        let (_r, w) = oneloop::net::UnixStream::pair().unwrap().0.into_split();
        seen.push(("UnixStream half", vectored(&w)));
        let mut plain = Plain(Vec::new());
        seen.push(("&mut Plain (not vectored)", !vectored(&&mut plain)));
        seen
    });
    for (wrapper, vectored) in seen {
        assert!(vectored, "{wrapper}");
    }
}

#[test]
fn a_split_half_writes_vectored_through_to_the_socket() {
    let got = run(|| async {
        let (client, mut server) = pair().await;
        let (_r, mut w) = io::split(client);
        let bufs = [IoSlice::new(b"one "), IoSlice::new(b"two")];
        assert_eq!(w.write_vectored(&bufs).await.unwrap(), 7);
        let mut got = [0; 7];
        bounded("read", server.read_exact(&mut got)).await.unwrap();
        got
    });
    assert_eq!(&got, b"one two");
}

#[test]
fn write_vectored_on_a_unix_pair_sends_the_slices_in_order() {
    let got = run(|| async {
        let (mut a, mut b) = oneloop::net::UnixStream::pair().unwrap();
        assert!(a.is_write_vectored());
        let bufs = [
            IoSlice::new(b"left "),
            IoSlice::new(b""),
            IoSlice::new(b"right"),
        ];
        assert_eq!(a.write_vectored(&bufs).await.unwrap(), 10);
        drop(a);
        let mut got = Vec::new();
        bounded("read", b.read_to_end(&mut got)).await.unwrap();
        got
    });
    assert_eq!(got, b"left right");
}

#[test]
fn buf_writer_gathers_small_slices_and_passes_large_ones_on_in_one_vectored_write() {
    let (small, large) = run(|| async {
        let inner = Counting {
            claims_vectored: true,
            ..Counting::default()
        };
        let mut w = BufWriter::with_capacity(16, inner);
        assert!(w.is_write_vectored());
        // Fits: copied into the buffer, nothing reaches the inner writer yet.
        let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
        assert_eq!(w.write_vectored(&bufs).await.unwrap(), 4);
        let small = (w.get_ref().writes, w.get_ref().vectored.get());
        // Larger than the buffer: the buffer is written out, then the slices go on as one.
        let big = [b'x'; 20];
        let bufs = [IoSlice::new(b"ef"), IoSlice::new(&big)];
        assert_eq!(w.write_vectored(&bufs).await.unwrap(), 22);
        let inner = w.into_inner();
        let large = (inner.writes, inner.vectored.get(), inner.written);
        (small, large)
    });
    assert_eq!(small, (0, 0));
    let (writes, vectored, written) = large;
    assert_eq!(
        (writes, vectored),
        (1, 1),
        "one write of the buffer, one vectored write"
    );
    assert_eq!(&written[..6], b"abcdef");
    assert_eq!(&written[6..], &[b'x'; 20]);
}

#[test]
fn a_pending_cancel_makes_write_vectored_fail_and_write_nothing() {
    let (cancelled, received) = run(|| async {
        let (client, mut server) = pair().await;
        let started = Rc::new(Cell::new(false));
        let go = Rc::new(Cell::new(false));
        let outcome = Rc::new(RefCell::new(None));
        let task = oneloop::spawn({
            let (started, go, outcome) = (started.clone(), go.clone(), outcome.clone());
            async move {
                let mut client = client;
                started.set(true);
                // Wait without a cancellation point, so the cancel stays pending.
                poll_fn(|cx| {
                    if go.get() {
                        Poll::Ready(())
                    } else {
                        cx.waker().wake_by_ref(); // we poll again on the next turn
                        Poll::Pending
                    }
                })
                .await;
                let bufs = [IoSlice::new(b"never "), IoSlice::new(b"sent")];
                let result = client.write_vectored(&bufs).await;
                *outcome.borrow_mut() = Some(result.map_err(|e| oneloop::is_cancelled(&e)));
            }
        });
        until("the task has started", || started.get()).await;
        assert!(task.cancel());
        go.set(true);
        bounded("the cancelled task ends", task).await.unwrap();
        let mut received = Vec::new();
        bounded("read to end", server.read_to_end(&mut received))
            .await
            .unwrap();
        let cancelled = outcome.borrow_mut().take();
        (cancelled, received)
    });
    assert_eq!(cancelled, Some(Err(true)));
    assert!(received.is_empty(), "sent {received:?}");
}
