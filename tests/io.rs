//! The io helpers over real loopback sockets: `BufReader` with `lines` and `read_until`,
//! `BufWriter`, `copy`, `io::split`, and what a cancelled `read_line` / `read_until` leaves
//! behind (src/io/mod.rs: the bytes read so far are kept, and a second call continues the
//! same line).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use oneloop::io::{self, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use oneloop::task::yield_now;
use testkit::{bounded, pair, pattern_bytes, run, turns, until, Probe};

#[test]
fn lines_arrive_whole_from_fragmented_writes() {
    let lines = run(|| async {
        let (mut client, server) = pair().await;
        let reader = oneloop::spawn(async move {
            let mut lines = BufReader::new(server).lines();
            let mut got = Vec::new();
            while let Some(line) = lines.next_line().await? {
                got.push(line);
            }
            Ok::<_, std::io::Error>(got)
        });
        for piece in [
            "alpha\nbe",
            "ta\r\ngam",
            "ma\n",
            "\n",
            "no newline at the end",
        ] {
            client.write_all(piece.as_bytes()).await.unwrap();
            turns(2).await; // let the reader see each fragment on its own
        }
        client.shutdown().await.unwrap();
        bounded("lines", reader).await.unwrap().unwrap()
    });
    assert_eq!(
        lines,
        ["alpha", "beta", "gamma", "", "no newline at the end"]
    );
}

#[test]
fn read_until_splits_a_socket_stream_through_a_tiny_buffer() {
    let records = run(|| async {
        let (mut client, server) = pair().await;
        client.write_all(b"k1=v1;key2=value2;;tail").await.unwrap();
        client.shutdown().await.unwrap();
        // A 4-byte buffer: every record spans several fills.
        let mut reader = BufReader::with_capacity(4, server);
        let mut records = Vec::new();
        loop {
            let mut record = Vec::new();
            let n = bounded("read_until", reader.read_until(b';', &mut record))
                .await
                .unwrap();
            assert_eq!(n, record.len());
            if n == 0 {
                break;
            }
            records.push(String::from_utf8(record).unwrap());
        }
        records
    });
    assert_eq!(records, ["k1=v1;", "key2=value2;", ";", "tail"]);
}

#[test]
fn buf_writer_holds_small_writes_until_flush_and_batches_them() {
    let (writes, received) = run(|| async {
        let (client, mut server) = pair().await;
        let (probe, seen) = Probe::new(client);
        let mut writer = BufWriter::with_capacity(64, probe);

        writer.write_all(b"0123456789").await.unwrap();
        assert_eq!(
            seen.bytes(),
            0,
            "10 bytes in a 64-byte buffer reached the socket"
        );
        writer.flush().await.unwrap();
        assert_eq!(seen.bytes(), 10, "flush did not write the buffer");

        let records: Vec<String> = (0..1000).map(|i| format!("{i}\n")).collect();
        for record in &records {
            writer.write_all(record.as_bytes()).await.unwrap();
        }
        writer.shutdown().await.unwrap(); // flushes, then FIN
        let mut received = String::new();
        bounded("read all", server.read_to_string(&mut received))
            .await
            .unwrap();
        let expected = format!("0123456789{}", records.concat());
        assert_eq!(received, expected);
        (seen.polls.get(), received.len())
    });
    // ~3900 bytes in 64-byte batches: about 60 socket writes, not 1000.
    assert!(
        writes < received / 32,
        "{writes} socket writes for {received} bytes"
    );
}

#[test]
fn copy_pumps_two_megabytes_through_a_proxy() {
    const TOTAL: usize = 2 * 1024 * 1024;
    let (copied, received) = run(|| async {
        let (mut source, mut proxy_in) = pair().await;
        let (mut proxy_out, mut sink) = pair().await;
        let proxy = oneloop::spawn(async move {
            let n = io::copy(&mut proxy_in, &mut proxy_out).await?;
            proxy_out.shutdown().await?;
            Ok::<u64, std::io::Error>(n)
        });
        let sender = oneloop::spawn(async move {
            let data: Vec<u8> = pattern_bytes(TOTAL);
            source.write_all(&data).await?;
            source.shutdown().await
        });
        let mut received = Vec::new();
        bounded("sink", sink.read_to_end(&mut received))
            .await
            .unwrap();
        bounded("sender", sender).await.unwrap().unwrap();
        let copied = bounded("proxy", proxy).await.unwrap().unwrap();
        let intact = received == pattern_bytes(TOTAL);
        assert!(intact, "the proxy corrupted the stream");
        (copied, received.len())
    });
    assert_eq!(copied, TOTAL as u64);
    assert_eq!(received, TOTAL);
}

#[test]
fn io_split_halves_of_a_socket_serve_two_tasks() {
    let (heard, reply) = run(|| async {
        let (mut client, server) = pair().await;
        let (mut read_half, mut write_half) = io::split(server);
        let listener_task = oneloop::spawn(async move {
            let mut heard = String::new();
            read_half.read_to_string(&mut heard).await.map(|_| heard)
        });
        let talker_task = oneloop::spawn(async move {
            write_half.write_all(b"from the write half").await?;
            write_half.shutdown().await
        });
        client.write_all(b"to the read half").await.unwrap();
        client.shutdown().await.unwrap();
        let mut reply = String::new();
        bounded("reply", client.read_to_string(&mut reply))
            .await
            .unwrap();
        bounded("talker", talker_task).await.unwrap().unwrap();
        let heard = bounded("listener", listener_task).await.unwrap().unwrap();
        (heard, reply)
    });
    assert_eq!(heard, "to the read half");
    assert_eq!(reply, "from the write half");
}

/// What the task under test saw at its cancellation, and after it resumed.
#[derive(Default)]
struct Outcome<T> {
    /// Was the first call's error a cancellation?
    cancelled: Cell<Option<bool>>,
    /// The caller's buffer right after the cancellation.
    at_cancel: RefCell<Option<T>>,
    /// The second call's result and the buffer after it.
    resumed: RefCell<Option<(Result<usize, String>, T)>>,
    /// Set by the test when the rest of the line has been sent.
    go_on: Cell<bool>,
}

/// Runs `read_line` on a socket: `first` ("first\n" and the start of a second line) is
/// sent, the task reads the first line, parks in `read_line` on the second, is cancelled,
/// then `rest` is sent and the task calls `read_line` again with the same String.
fn cancel_read_line_between(
    first: &'static [u8],
    rest: &'static [u8],
) -> (bool, String, Result<usize, String>, String) {
    run(move || async move {
        let (mut client, server) = pair().await;
        let (probe, seen) = Probe::new(server);
        let outcome = Rc::new(Outcome::<String>::default());
        let task = oneloop::spawn({
            let outcome = Rc::clone(&outcome);
            async move {
                let mut reader = BufReader::new(probe);
                let mut line = String::new();
                // The first line is complete in the first fill: no wait, no cancellation.
                assert_eq!(reader.read_line(&mut line).await.unwrap(), 6);
                // The second takes the rest of the buffer, then parks on the socket.
                let first = reader.read_line(&mut line).await;
                outcome
                    .cancelled
                    .set(Some(first.is_err_and(|e| oneloop::is_cancelled(&e))));
                *outcome.at_cancel.borrow_mut() = Some(line.clone());
                while !outcome.go_on.get() {
                    yield_now().await.unwrap();
                }
                let second = reader
                    .read_line(&mut line)
                    .await
                    .map_err(|e| format!("{:?}: {e}", e.kind()));
                *outcome.resumed.borrow_mut() = Some((second, line));
            }
        });
        client.write_all(first).await.unwrap();
        // The task has taken `first` from the kernel and is parked for more.
        until("read_line takes the first part and parks", || {
            seen.bytes() == first.len() && seen.parked()
        })
        .await;
        assert!(task.cancel());
        until("the task sees its cancellation", || {
            outcome.cancelled.get().is_some()
        })
        .await;
        client.write_all(rest).await.unwrap();
        outcome.go_on.set(true);
        bounded("the resumed read_line", task).await.unwrap();
        let at_cancel = outcome.at_cancel.borrow_mut().take().unwrap();
        let (second, line) = outcome.resumed.borrow_mut().take().unwrap();
        (outcome.cancelled.get().unwrap(), at_cancel, second, line)
    })
}

#[test]
fn a_cancelled_read_line_keeps_the_partial_line_and_the_next_call_finishes_it() {
    let (cancelled, at_cancel, second, line) = cancel_read_line_between(b"first\nhel", b"lo\n");
    // The first call returned "first\n" at once; the partial "hel" came with the cancel.
    assert!(
        cancelled,
        "the first read_line did not end with a cancellation"
    );
    assert_eq!(at_cancel, "first\nhel");
    assert_eq!(second, Ok(3));
    assert_eq!(line, "first\nhello\n");
}

#[test]
fn a_read_line_cancelled_inside_a_utf8_character_loses_no_bytes() {
    // "é" is C3 A9: the cancel comes after C3 has been taken from the kernel. Per the rule
    // that a cancelled operation never loses bytes, "h" is appended at the cancel, and the
    // C3 byte must still be there for the next call, which then completes "hé!\n".
    let (cancelled, at_cancel, second, line) =
        cancel_read_line_between(b"first\nh\xC3", b"\xA9!\n");
    assert!(cancelled);
    assert_eq!(at_cancel, "first\nh");
    assert_eq!(
        second,
        Ok(4),
        "the resumed read_line failed; line so far {line:?}"
    );
    assert_eq!(line, "first\nh\u{e9}!\n");
}

#[test]
fn a_cancelled_read_until_keeps_the_bytes_and_the_next_call_continues() {
    let (cancelled, at_cancel, second, record) = run(|| async {
        let (mut client, server) = pair().await;
        let (probe, seen) = Probe::new(server);
        let outcome = Rc::new(Outcome::<Vec<u8>>::default());
        let task = oneloop::spawn({
            let outcome = Rc::clone(&outcome);
            async move {
                let mut reader = BufReader::with_capacity(3, probe);
                let mut record = Vec::new();
                let first = reader.read_until(b';', &mut record).await;
                outcome
                    .cancelled
                    .set(Some(first.is_err_and(|e| oneloop::is_cancelled(&e))));
                *outcome.at_cancel.borrow_mut() = Some(record.clone());
                while !outcome.go_on.get() {
                    yield_now().await.unwrap();
                }
                let second = reader
                    .read_until(b';', &mut record)
                    .await
                    .map_err(|e| e.to_string());
                *outcome.resumed.borrow_mut() = Some((second, record));
            }
        });
        client.write_all(b"key=va").await.unwrap();
        until("read_until takes the bytes and parks", || {
            seen.bytes() == 6 && seen.parked()
        })
        .await;
        assert!(task.cancel());
        until("the task sees its cancellation", || {
            outcome.cancelled.get().is_some()
        })
        .await;
        client.write_all(b"lue;next").await.unwrap();
        outcome.go_on.set(true);
        bounded("the resumed read_until", task).await.unwrap();
        let at_cancel = outcome.at_cancel.borrow_mut().take().unwrap();
        let (second, record) = outcome.resumed.borrow_mut().take().unwrap();
        (outcome.cancelled.get().unwrap(), at_cancel, second, record)
    });
    assert!(cancelled);
    assert_eq!(at_cancel, b"key=va");
    assert_eq!(second, Ok(4));
    assert_eq!(record, b"key=value;");
}

#[test]
fn a_cancelled_next_line_resumes_the_same_line() {
    let (first, second, third) = run(|| async {
        let (mut client, server) = pair().await;
        let (probe, seen) = Probe::new(server);
        let go_on = Rc::new(Cell::new(false));
        let task = oneloop::spawn({
            let go_on = Rc::clone(&go_on);
            async move {
                let mut lines = BufReader::new(probe).lines();
                let first = lines
                    .next_line()
                    .await
                    .map_err(|e| oneloop::is_cancelled(&e));
                while !go_on.get() {
                    yield_now().await.unwrap();
                }
                let second = lines.next_line().await.unwrap();
                let third = lines.next_line().await.unwrap();
                (first, second, third)
            }
        });
        client.write_all(b"a long li").await.unwrap();
        until("next_line parks", || seen.bytes() == 9 && seen.parked()).await;
        task.cancel();
        turns(2).await;
        client.write_all(b"ne\r\n").await.unwrap();
        client.shutdown().await.unwrap();
        go_on.set(true);
        bounded("lines", task).await.unwrap()
    });
    assert_eq!(first, Err(true));
    assert_eq!(second.as_deref(), Some("a long line"));
    assert_eq!(third, None);
}

#[test]
fn a_read_line_dropped_by_a_timeout_keeps_the_partial_line_in_buf() {
    let line = run(|| async {
        let (mut client, server) = pair().await;
        let mut reader = BufReader::new(server);
        let mut line = String::new();
        client.write_all("half a li".as_bytes()).await.unwrap();
        // The read_line future is dropped at the deadline, mid-line.
        let first = oneloop::time::timeout(
            std::time::Duration::from_millis(20),
            reader.read_line(&mut line),
        )
        .await;
        assert!(first.is_err(), "the line was not complete yet");
        assert_eq!(line, "half a li", "what was read stays in buf");
        client.write_all("ne, é\n".as_bytes()).await.unwrap();
        bounded("rest of the line", reader.read_line(&mut line))
            .await
            .unwrap();
        line
    });
    assert_eq!(line, "half a line, é\n");
}

#[test]
fn read_line_rejects_invalid_utf8_and_keeps_the_text_before_it() {
    let (err, line) = run(|| async {
        let (mut client, server) = pair().await;
        let mut reader = BufReader::new(server);
        client.write_all(b"ok \xff bad\nnext\n").await.unwrap();
        let mut line = String::new();
        let err = bounded("bad line", reader.read_line(&mut line))
            .await
            .unwrap_err();
        let mut next = String::new();
        bounded("next line", reader.read_line(&mut next))
            .await
            .unwrap();
        assert_eq!(next, "next\n", "the bad line was consumed whole");
        (err.kind(), line)
    });
    assert_eq!(err, std::io::ErrorKind::InvalidData);
    assert_eq!(line, "ok ");
}

// ---- io buf reader order (added by mutation testing: each test here failed under a
// mutation of the library that the rest of the suite let through) ----

mod io_buf_reader_order {
    // `BufReader` hands out what it has buffered before anything else: a read whose buffer is
    // at least the `BufReader`'s capacity may bypass the copy only when nothing is buffered.
    //
    // (Mutation-tested: dropping the "nothing is buffered" half of the bypass condition made
    // a large read skip the buffered bytes and return later ones, silently reordering and
    // losing data; no existing test noticed.)

    use oneloop::io::{AsyncReadExt, AsyncWriteExt, BufReader};
    use testkit::{pair, pattern_bytes, run};

    #[test]
    fn a_large_read_after_a_small_one_gets_the_buffered_bytes_first() {
        let got = run(|| async {
            let mut reader = BufReader::with_capacity(4, &b"abcdefghijkl"[..]);
            let mut small = [0u8; 2];
            assert_eq!(reader.read(&mut small).await.unwrap(), 2);
            assert_eq!(&small, b"ab");
            assert_eq!(reader.buffer(), b"cd"); // the rest of the first fill
            let mut large = [0u8; 16]; // larger than the capacity: the bypass case
            let n = reader.read(&mut large).await.unwrap();
            let mut all = small.to_vec();
            all.extend_from_slice(&large[..n]);
            let mut rest = Vec::new();
            reader.read_to_end(&mut rest).await.unwrap();
            all.extend_from_slice(&rest);
            all
        });
        assert_eq!(got, b"abcdefghijkl");
    }

    #[test]
    fn mixed_small_and_large_reads_from_a_socket_keep_every_byte_in_order() {
        const TOTAL: usize = 64 * 1024;
        let got = run(|| async {
            let (mut client, server) = pair().await;
            let writer = oneloop::spawn(async move {
                client.write_all(&pattern_bytes(TOTAL)).await.unwrap();
                client.shutdown().await.unwrap();
            });
            let mut reader = BufReader::with_capacity(1000, server);
            let mut got = Vec::new();
            let mut small = [0u8; 7];
            let mut large = [0u8; 1500];
            for i in 0.. {
                let n = if i % 2 == 0 {
                    reader.read(&mut small).await.unwrap()
                } else {
                    reader.read(&mut large).await.unwrap()
                };
                if n == 0 {
                    break;
                }
                got.extend_from_slice(if i % 2 == 0 { &small[..n] } else { &large[..n] });
            }
            writer.await.unwrap();
            got
        });
        assert_eq!(got.len(), TOTAL);
        assert!(got == pattern_bytes(TOTAL), "bytes reordered or lost");
    }
}

#[test]
fn a_cancelled_read_to_string_keeps_what_it_read() {
    let text = run(|| async {
        let (mut client, server) = pair().await;
        let reader = oneloop::spawn(async move {
            let mut server = server;
            let mut text = String::new();
            let first = server.read_to_string(&mut text).await;
            assert!(oneloop::is_cancelled(&first.unwrap_err()));
            // Go on after the cancellation: nothing read before it was lost.
            server.read_to_string(&mut text).await.map(|_| text)
        });
        client.write_all(b"hello ").await.unwrap();
        turns(3).await; // the reader takes "hello " and waits for more
        reader.cancel();
        turns(3).await;
        client.write_all(b"world").await.unwrap();
        client.shutdown().await.unwrap();
        bounded("reader", reader).await.unwrap().unwrap()
    });
    assert_eq!(text, "hello world");
}

#[test]
fn read_to_end_of_many_small_reads_is_linear() {
    // A reader that hands out 512 bytes per poll: read_to_end must not offer (and so
    // zero-fill) the whole spare capacity at each read, which was quadratic. Counted, not
    // timed: the bytes offered over all reads stay within a constant factor of those read.
    struct Trickle {
        left: usize,
        offered: std::rc::Rc<Cell<usize>>,
    }
    impl oneloop::io::AsyncRead for Trickle {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
            buf: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.offered.set(self.offered.get() + buf.len());
            let n = self.left.min(buf.len()).min(512);
            buf[..n].fill(7);
            self.left -= n;
            std::task::Poll::Ready(Ok(n))
        }
    }
    const LEN: usize = 512 << 10;
    let (len, offered) = run(|| async {
        let offered = std::rc::Rc::new(Cell::new(0));
        let mut all = Vec::new();
        let mut trickle = Trickle {
            left: LEN,
            offered: std::rc::Rc::clone(&offered),
        };
        trickle.read_to_end(&mut all).await.unwrap();
        (all.len(), offered.get())
    });
    assert_eq!(len, LEN);
    // 1024 reads of 512 bytes, each offered at most a 16 KiB window: 31x. Offering all the
    // spare capacity of the doubling buffer each time makes it 201x.
    assert!(
        offered <= 64 * LEN,
        "{offered} bytes offered to read {LEN}: the zeroing is not bounded per read"
    );
}

#[test]
fn read_line_through_tiny_buffers_keeps_every_character_whole() {
    // A 1-byte buffer must grow to hold a 4-byte character it keeps while reading more.
    let text = "a\u{1F525}b\u{e9}\nsecond \u{20AC}\n\u{10FFFF}";
    for capacity in 1..=5 {
        let lines = run(move || async move {
            let mut reader = BufReader::with_capacity(capacity, text.as_bytes());
            let mut lines = Vec::new();
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line).await {
                    Ok(0) => break,
                    Ok(n) => {
                        assert_eq!(n, line.len());
                        lines.push(line);
                    }
                    Err(e) => panic!("capacity {capacity}: {e}"),
                }
            }
            lines
        });
        assert_eq!(
            lines,
            ["a\u{1F525}b\u{e9}\n", "second \u{20AC}\n", "\u{10FFFF}"],
            "capacity {capacity}"
        );
    }
}

#[test]
fn read_line_ending_inside_a_character_is_invalid_data() {
    let err = run(|| async {
        let mut reader = BufReader::with_capacity(2, &b"ok \xF0\x9F"[..]);
        let mut line = String::new();
        let err = reader.read_line(&mut line).await.unwrap_err();
        (err.kind(), line)
    });
    assert_eq!(err, (std::io::ErrorKind::InvalidData, "ok ".to_string()));
}

#[test]
fn read_until_max_accepts_exactly_the_limit_and_refuses_one_more_without_buffering_it() {
    let (exact, refused, held, next) = run(|| async {
        let mut input = vec![b'a'; 8];
        input.push(b'\n');
        input.extend(std::iter::repeat_n(b'b', 1000));
        input.extend(b"\nok\n");
        let mut reader = BufReader::with_capacity(3, &input[..]);
        let mut line = Vec::new();
        let exact = reader.read_until_max(b'\n', &mut line, 8).await.unwrap();
        let mut long = Vec::new();
        let err = reader
            .read_until_max(b'\n', &mut long, 8)
            .await
            .unwrap_err();
        let refused = io::LineTooLong::is(&err) && err.kind() == io::ErrorKind::InvalidData;
        // The rest of the long line is still unread; skip it, then read on normally.
        let mut rest = Vec::new();
        reader.read_until(b'\n', &mut rest).await.unwrap();
        let mut next = Vec::new();
        reader.read_until_max(b'\n', &mut next, 8).await.unwrap();
        (exact, refused, long.len(), next)
    });
    assert_eq!(exact, 9, "8 bytes and the newline");
    assert!(refused);
    assert_eq!(held, 9, "no more than limit + 1 bytes were buffered");
    assert_eq!(next, b"ok\n");
}
