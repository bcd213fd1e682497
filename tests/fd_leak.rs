//! No file descriptor and no reactor registration outlives a cancelled socket operation.
//!
//! This file holds a single test on purpose: it counts the entries of /proc/self/fd, and
//! tests running in parallel threads of the same binary would open and close sockets
//! under its feet.

use std::rc::Rc;

use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use oneloop::net::TcpStream;
use oneloop::runtime::stats;
use testkit::{bounded, full_backlog, listener, pair, parked, pattern_bytes, run, until, Probe};

async fn cancel_accept() {
    let (listener, _) = listener().await;
    let listener = Rc::new(listener);
    let (accept, is_parked) = {
        let listener = Rc::clone(&listener);
        parked(async move { std::future::poll_fn(|cx| listener.poll_accept(cx)).await })
    };
    let task = oneloop::spawn(accept);
    until("accept parks", || is_parked.get()).await;
    task.cancel();
    let err = bounded("accept", task)
        .await
        .unwrap()
        .map(|_| ())
        .unwrap_err();
    assert!(oneloop::is_cancelled(&err), "accept: {err:?}");
}

async fn cancel_read() {
    let (client, server) = pair().await;
    let (mut reader, seen) = Probe::new(server);
    let task = oneloop::spawn(async move {
        let mut buf = [0u8; 8];
        reader.read(&mut buf).await
    });
    until("read parks", || seen.parked()).await;
    task.cancel();
    let err = bounded("read", task).await.unwrap().unwrap_err();
    assert!(oneloop::is_cancelled(&err), "read: {err:?}");
    drop(client);
}

async fn cancel_write() {
    let (client, server) = pair().await;
    let (mut writer, seen) = Probe::new(client);
    let task = oneloop::spawn(async move {
        let data: Vec<u8> = pattern_bytes(32 * 1024 * 1024);
        writer.write_all(&data).await
    });
    until("write parks", || seen.parked()).await;
    task.cancel();
    let err = bounded("write", task).await.unwrap().unwrap_err();
    assert!(oneloop::is_cancelled(&err), "write: {err:?}");
    drop(server);
}

async fn cancel_connect() {
    let (listener, held) = full_backlog()
        .await
        .expect("a listener's queue would not fill");
    let (connect, is_parked) = parked(TcpStream::connect(listener.local_addr().unwrap()));
    let task = oneloop::spawn(connect);
    until("connect parks", || is_parked.get()).await;
    task.cancel();
    let err = bounded("connect", task).await.unwrap().unwrap_err();
    assert!(oneloop::is_cancelled(&err), "connect: {err:?}");
    drop(held);
}

async fn refused_connect() {
    let port = testkit::closed_port();
    let err = bounded("connect", TcpStream::connect(("127.0.0.1", port)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn cancelled_accept_read_write_and_connect_leak_no_fd() {
    let before_loop = testkit::open_fds();
    let counts = run(|| async {
        let fds = testkit::open_fds();
        let sources = stats().io_sources;
        let mut after_each = Vec::new();
        cancel_accept().await;
        after_each.push(("accept", testkit::open_fds(), stats().io_sources));
        cancel_read().await;
        after_each.push(("read", testkit::open_fds(), stats().io_sources));
        cancel_write().await;
        after_each.push(("write", testkit::open_fds(), stats().io_sources));
        cancel_connect().await;
        after_each.push(("connect", testkit::open_fds(), stats().io_sources));
        refused_connect().await;
        after_each.push(("refused connect", testkit::open_fds(), stats().io_sources));
        (fds, sources, after_each)
    });
    let after_loop = testkit::open_fds();
    let (fds, sources, after_each) = counts;
    for (case, fds_after, sources_after) in after_each {
        assert_eq!(fds_after, fds, "open fds after the cancelled {case}");
        assert_eq!(
            sources_after, sources,
            "registered sources after the cancelled {case}"
        );
    }
    assert_eq!(after_loop, before_loop, "the loop itself left fds open");
}
