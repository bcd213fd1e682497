//! When `BufReader` and `BufWriter` hold their buffers: only while there are bytes in them or
//! a read is under way, so a connection that waits (a client idle at a prompt) holds none,
//! while a busy one reads and writes in full-size chunks. Checked through `allocated()` and
//! the sizes of the reads the inner reader sees, never through timing.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use oneloop::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader, BufWriter};
use testkit::{bounded, pair, pattern_bytes, run};

/// Records the size of the buffer each read is offered.
struct ReadSizes<R> {
    inner: R,
    sizes: Rc<RefCell<Vec<usize>>>,
}

impl<R: AsyncRead + Unpin> AsyncRead for ReadSizes<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.sizes.borrow_mut().push(buf.len());
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

/// Polls `future` once and reports whether it was still pending.
async fn pending_after_one_poll<F: Future>(future: F) -> bool {
    let mut future = std::pin::pin!(future);
    poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_pending())).await
}

#[test]
fn buf_reader_waits_without_a_buffer_and_reads_in_full_chunks() {
    run(|| async {
        let (mut client, server) = pair().await;
        let sizes = Rc::new(RefCell::new(Vec::new()));
        let inner = ReadSizes {
            inner: server,
            sizes: Rc::clone(&sizes),
        };
        let mut reader = BufReader::new(inner);
        assert_eq!(
            reader.allocated(),
            0,
            "nothing is allocated before the first read"
        );

        // Idle at the prompt: the read finds nothing, and the reader keeps no buffer.
        let mut line = Vec::new();
        assert!(pending_after_one_poll(reader.read_until(b'\n', &mut line)).await);
        assert_eq!(reader.allocated(), 0, "a waiting reader holds no buffer");

        // Busy: 20,000 bytes and a newline, read in full 8 KiB chunks.
        let mut big = pattern_bytes(20_000);
        big.retain(|&b| b != b'\n');
        big.push(b'\n');
        client.write_all(&big).await.unwrap();
        sizes.borrow_mut().clear();
        let n = bounded("a long line", reader.read_until(b'\n', &mut line))
            .await
            .unwrap();
        assert_eq!((n, &line), (big.len(), &big));
        assert_eq!(reader.allocated(), reader.capacity());
        assert!(
            sizes.borrow().iter().all(|&size| size == 8 * 1024),
            "every read offered the full buffer: {:?}",
            sizes.borrow()
        );

        // Drained and waiting again: the buffer goes.
        line.clear();
        assert!(pending_after_one_poll(reader.read_until(b'\n', &mut line)).await);
        assert_eq!(reader.allocated(), 0);

        // The next line still arrives whole.
        client.write_all(b"next\n").await.unwrap();
        bounded("the next line", reader.read_until(b'\n', &mut line))
            .await
            .unwrap();
        assert_eq!(line, b"next\n");
    });
}

#[test]
fn buf_reader_keeps_its_buffer_while_it_holds_unread_bytes() {
    run(|| async {
        let (mut client, server) = pair().await;
        let mut reader = BufReader::new(server);
        client.write_all(b"one\ntwo\n").await.unwrap(); // one segment, one read
        let mut line = String::new();
        bounded("one", reader.read_line(&mut line)).await.unwrap();
        assert_eq!(line, "one\n");
        assert_eq!(reader.buffer(), b"two\n");
        assert_eq!(
            reader.allocated(),
            reader.capacity(),
            "unread bytes keep it"
        );
        line.clear();
        bounded("two", reader.read_line(&mut line)).await.unwrap();
        assert_eq!(line, "two\n");
        line.clear();
        assert!(pending_after_one_poll(reader.read_line(&mut line)).await);
        assert_eq!(reader.allocated(), 0, "drained and waiting: freed");
    });
}

#[test]
fn buf_writer_allocates_at_the_first_write_and_frees_at_flush() {
    run(|| async {
        let mut writer = BufWriter::with_capacity(64, Vec::new());
        assert_eq!(
            writer.allocated(),
            0,
            "nothing is allocated before the first write"
        );
        writer.write_all(b"?> ").await.unwrap();
        assert_eq!(writer.allocated(), 64, "the full buffer, at once");
        writer.flush().await.unwrap();
        assert_eq!(writer.allocated(), 0, "flushed: the buffer goes");

        // A busy writer: a buffer forced out by the next write is kept for it.
        for _ in 0..5 {
            writer.write_all(&[b'x'; 40]).await.unwrap();
            assert_eq!(writer.allocated(), 64);
        }
        // A write as large as the buffer goes straight through an empty one.
        writer.flush().await.unwrap();
        writer.write_all(&[b'y'; 64]).await.unwrap();
        assert_eq!(writer.allocated(), 0);
        writer.shutdown().await.unwrap();
        assert_eq!(writer.get_ref().len(), 5 * 40 + 64 + 3);
    });
}
