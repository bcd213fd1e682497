//! The client against test servers written here, mostly raw sockets that say exactly what
//! a test needs: chunked bodies with extensions and trailers, redirects and redirect loops,
//! a server closing a pooled connection, a truncated body, cancelled and dropped responses
//! (their connections are not reused), the per-host connection bound, timeouts, and every
//! kind of error. Connections are counted on the server side.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use oneloop::http::{Client, ErrorKind, Request, Response, Server, Timeout};
use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use oneloop::net::{TcpListener, TcpStream};
use testkit::http::{echo, start, SHORT};
use testkit::{bounded, run};

/// A raw server: each accepted connection runs `conn(stream, index)` in its own task.
/// Returns the address and the number of connections accepted so far.
async fn raw_server<F, Fut>(conn: F) -> (SocketAddr, Rc<Cell<usize>>)
where
    F: Fn(TcpStream, usize) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Rc::new(Cell::new(0));
    let count = Rc::clone(&accepted);
    oneloop::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let index = count.get();
            count.set(index + 1);
            oneloop::spawn(conn(stream, index));
        }
    });
    (addr, accepted)
}

/// Reads one request head (requests here have no body); `None` when the client closed.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// A raw server that answers every request on every connection with `response`.
async fn answering(response: &'static [u8]) -> (SocketAddr, Rc<Cell<usize>>) {
    raw_server(move |mut stream, _| async move {
        while read_request(&mut stream).await.is_some() {
            if stream.write_all(response).await.is_err() {
                return;
            }
        }
    })
    .await
}

#[test]
fn chunked_with_extensions_and_trailers() {
    run(|| async {
        let (addr, accepted) = answering(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
              5;name=value\r\nhello\r\n1;x\r\n,\r\n6\r\n world\r\n0;last\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n",
        )
        .await;
        let client = Client::new();
        let url = format!("http://{addr}/");
        for _ in 0..3 {
            let resp = bounded("get", client.get(&url)).await.unwrap();
            assert_eq!(resp.text().await.unwrap(), "hello, world");
        }
        assert_eq!(
            accepted.get(),
            1,
            "the trailers were consumed: the connection was reused"
        );
    });
}

#[test]
fn streaming_chunks_and_a_truncated_body_is_an_error() {
    run(|| async {
        // The server closes after part of the declared body.
        let (addr, _) = raw_server(|mut stream, _| async move {
            read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it")
                .await;
        })
        .await;
        let err = bounded("get", async {
            Client::new()
                .get(&format!("http://{addr}/t"))
                .await
                .unwrap()
                .bytes()
                .await
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedResponse, "{err}");
        assert!(
            err.to_string().contains(&format!("http://{addr}/t")),
            "{err}"
        );
        // Same for a chunked body cut short.
        let (addr, _) = raw_server(|mut stream, _| async move {
            read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
                .await;
        })
        .await;
        let mut resp = Client::new().get(&format!("http://{addr}/")).await.unwrap();
        let mut got = Vec::new();
        let err = loop {
            match bounded("chunk", resp.chunk()).await {
                Ok(Some(piece)) => got.extend(piece),
                Ok(None) => panic!("a truncated body read as complete"),
                Err(e) => break e,
            }
        };
        assert_eq!(got, b"ab");
        assert_eq!(err.kind(), ErrorKind::MalformedResponse);
        // Reading on after the failure fails again: it never looks like a clean end.
        assert!(resp.chunk().await.is_err());
    });
}

#[test]
fn http_1_0_read_until_close() {
    run(|| async {
        let (addr, accepted) = raw_server(|mut stream, _| async move {
            read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ")
                .await;
            let _ = stream.write_all(b"the end").await;
        })
        .await;
        let client = Client::new();
        for _ in 0..2 {
            let resp = bounded("get", client.get(&format!("http://{addr}/")))
                .await
                .unwrap();
            assert_eq!(resp.version(), "HTTP/1.0");
            assert_eq!(resp.text().await.unwrap(), "until the end");
        }
        assert_eq!(
            accepted.get(),
            2,
            "a read-until-close connection is never reused"
        );
    });
}

#[test]
fn redirects_are_followed_and_loops_stopped() {
    run(|| async {
        let addr = start(Server::new(), |req: Request| async move {
            let path = req.path().to_string();
            if let Some(n) = path.strip_prefix("/hop/") {
                let n: u32 = n.parse().unwrap_or(0);
                let (status, to) = match n {
                    0 => return Response::text("landed"),
                    1 => (301, "/hop/0".to_string()),
                    2 => (308, "1".to_string()), // relative
                    _ => (302, format!("/hop/{}", n - 1)),
                };
                return Response::new(status).header("Location", to).body("moved");
            }
            if path == "/loop" {
                return Response::new(307).header("Location", "/loop");
            }
            if path == "/see-other" {
                return Response::new(303).header("Location", "/hop/0");
            }
            Response::new(404)
        })
        .await;
        let client = Client::new();
        let resp = client.get(&format!("http://{addr}/hop/5")).await.unwrap();
        assert_eq!(resp.url(), format!("http://{addr}/hop/0"));
        assert_eq!(resp.text().await.unwrap(), "landed");
        let err = client
            .get(&format!("http://{addr}/hop/6"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooManyRedirects);
        let err = client
            .get(&format!("http://{addr}/loop"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooManyRedirects);
        assert!(err.to_string().contains("/loop"), "{err}");
        // HEAD follows too; POST does not.
        assert_eq!(
            client
                .head(&format!("http://{addr}/see-other"))
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            client
                .post(&format!("http://{addr}/see-other"), "x")
                .await
                .unwrap()
                .status(),
            303
        );
        // With redirects(0) the 3xx comes back as is.
        let direct = Client::builder().redirects(0).build();
        let resp = direct.get(&format!("http://{addr}/hop/1")).await.unwrap();
        assert_eq!(
            (resp.status(), resp.header("location")),
            (301, Some("/hop/0"))
        );
    });
}

#[test]
fn a_pooled_connection_closed_by_the_server_is_not_a_failure() {
    run(|| async {
        // Each connection answers one request with keep-alive, then reads the next request
        // and closes without a word: the race of a server's idle timeout.
        let (addr, accepted) = raw_server(|mut stream, _| async move {
            if read_request(&mut stream).await.is_some() {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
                let _ = read_request(&mut stream).await;
            }
        })
        .await;
        let client = Client::new();
        let url = format!("http://{addr}/");
        for _ in 0..3 {
            let resp = bounded("get", client.get(&url)).await.unwrap();
            assert_eq!(resp.text().await.unwrap(), "ok");
        }
        assert_eq!(accepted.get(), 3, "each retry went to a new connection");
        // A POST is not repeated on its own: the error comes back.
        let err = bounded("post", client.post(&url, "x")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");

        // A server that closes while the connection is idle in the pool: the pool sees it.
        let (addr, accepted) = raw_server(|mut stream, _| async move {
            if read_request(&mut stream).await.is_some() {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
        })
        .await;
        let url = format!("http://{addr}/");
        for _ in 0..3 {
            let resp = bounded("get", client.get(&url)).await.unwrap();
            assert_eq!(resp.text().await.unwrap(), "ok");
            let _ = oneloop::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(accepted.get(), 3);
    });
}

#[test]
fn a_close_the_loop_has_not_heard_of_yet_fails_no_request() {
    // A server on a thread of its own: it answers one request per connection with
    // keep-alive, then, when told to, closes that connection while the client's loop is
    // blocked and cannot poll its reactor. The pooled connection is then dead, and only the
    // kernel knows: a POST must find that out before sending (it is never sent twice), a
    // GET may send and be retried on a new connection. Either way, no request fails.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (close_tx, close_rx) = std::sync::mpsc::channel::<()>();
    let (closed_tx, closed_rx) = std::sync::mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        let mut requests = Vec::new();
        listener.set_nonblocking(true).unwrap();
        for _ in 0..4 {
            let Some(mut stream) = accept_within(&listener, testkit::limit()) else {
                break; // the client gave up (its failure is the test's)
            };
            stream.set_nonblocking(false).unwrap();
            stream.set_read_timeout(Some(testkit::limit())).unwrap();
            let Some(request) = read_std_request(&mut stream) else {
                continue; // the dead connection of a retried GET: nothing to answer
            };
            requests.push(request);
            std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            )
            .unwrap();
            if close_rx.recv().is_err() {
                break;
            }
            drop(stream);
            closed_tx.send(()).unwrap();
        }
        requests
    });
    let url = format!("http://{addr}/");
    run(move || async move {
        let client = Client::new();
        for method in ["GET", "POST", "GET", "POST"] {
            let request = match method {
                "POST" => client.request(method, &url).body("x"),
                _ => client.request(method, &url),
            };
            let resp = bounded("request", request.send()).await.unwrap();
            assert_eq!(resp.text().await.unwrap(), "ok", "{method}");
            // The answer is read and the connection idle in the pool. The server closes it
            // while this thread blocks: the FIN arrives, no reactor poll sees it.
            close_tx.send(()).unwrap();
            closed_rx.recv_timeout(testkit::limit()).unwrap();
            // (Time for the FIN to cross the loopback; the loop still does not poll.)
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(close_tx);
    });
    let requests = server.join().unwrap();
    assert_eq!(
        requests,
        ["GET", "POST", "GET", "POST"],
        "each request reached the server once, each on a new connection"
    );
}

/// The next connection to a non-blocking `listener`, or `None` after `limit`.
fn accept_within(listener: &std::net::TcpListener, limit: Duration) -> Option<std::net::TcpStream> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        match listener.accept() {
            Ok((stream, _)) => return Some(stream),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
    None
}

/// Reads one request's head and its `Content-Length` body from a blocking stream; returns
/// its method, or `None` if the connection closed first.
fn read_std_request(stream: &mut std::net::TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        match std::io::Read::read(stream, &mut byte) {
            Ok(1) => data.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8(data).ok()?;
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    std::io::Read::read_exact(stream, &mut body).ok()?;
    Some(head.split(' ').next()?.to_string())
}

#[test]
fn a_cancelled_request_reports_it_and_its_connection_is_not_reused() {
    run(|| async {
        // Answers with a head and half a body, then waits for ever on that connection;
        // later connections get a whole answer.
        let (addr, accepted) = raw_server(|mut stream, index| async move {
            while read_request(&mut stream).await.is_some() {
                if index == 0 {
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
                        .await;
                } else {
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        .await;
                }
            }
        })
        .await;
        let client = Client::new();
        let url = format!("http://{addr}/");
        let (got_head, head_seen) = oneloop::sync::oneshot::channel::<()>();
        let task = {
            let (client, url) = (client.clone(), url.clone());
            oneloop::spawn(async move {
                let resp = client.get(&url).await?;
                let _ = got_head.send(());
                resp.bytes().await
            })
        };
        bounded("head", head_seen).await.unwrap();
        task.cancel();
        let err = bounded("cancelled task", task).await.unwrap().unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::Cancelled);
        let resp = bounded("next get", client.get(&url)).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "ok");
        assert_eq!(
            accepted.get(),
            2,
            "the cancelled response's connection was closed"
        );

        // Cancelled while waiting for the head.
        let (silent, _) = raw_server(|mut stream, _| async move {
            let _ = read_request(&mut stream).await;
            let _ = oneloop::time::sleep(Duration::from_secs(60)).await;
        })
        .await;
        let task =
            oneloop::spawn(async move { Client::new().get(&format!("http://{silent}/")).await });
        let _ = oneloop::time::sleep(Duration::from_millis(20)).await;
        task.cancel();
        let err = bounded("cancelled get", task).await.unwrap().unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
    });
}

#[test]
fn a_dropped_response_closes_its_connection() {
    run(|| async {
        let (addr, accepted) =
            answering(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").await;
        let client = Client::new();
        let url = format!("http://{addr}/");
        drop(client.get(&url).await.unwrap()); // body unread
        let resp = client.get(&url).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "hello");
        let resp = client.get(&url).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "hello");
        assert_eq!(
            accepted.get(),
            2,
            "only the body-read connection was reused"
        );
    });
}

#[test]
fn requests_beyond_the_per_host_bound_wait_their_turn() {
    run(|| async {
        let active = Rc::new(Cell::new(0));
        let peak = Rc::new(Cell::new(0));
        let (a, p) = (Rc::clone(&active), Rc::clone(&peak));
        let (addr, accepted) = raw_server(move |mut stream, _| {
            let (active, peak) = (Rc::clone(&a), Rc::clone(&p));
            async move {
                active.set(active.get() + 1);
                peak.set(peak.get().max(active.get()));
                while read_request(&mut stream).await.is_some() {
                    let _ = oneloop::time::sleep(Duration::from_millis(2)).await;
                    if stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                active.set(active.get() - 1);
            }
        })
        .await;
        let client = Client::builder().max_connections_per_host(2).build();
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..10 {
            let (client, order) = (client.clone(), Rc::clone(&order));
            let url = format!("http://{addr}/{i}");
            tasks.push(oneloop::spawn(async move {
                let resp = client.get(&url).await.unwrap();
                assert_eq!(resp.text().await.unwrap(), "ok");
                order.borrow_mut().push(i);
            }));
        }
        for task in tasks {
            bounded("request", task).await.unwrap();
        }
        assert_eq!(accepted.get(), 2);
        assert!(peak.get() <= 2);
        assert_eq!(order.borrow().len(), 10);
    });
}

#[test]
fn timeouts_say_which() {
    run(|| async {
        let (silent, _) = raw_server(|mut stream, _| async move {
            let _ = read_request(&mut stream).await;
            let _ = oneloop::time::sleep(Duration::from_secs(60)).await;
        })
        .await;
        let client = Client::builder().timeout(SHORT).build();
        let err = bounded("timeout", client.get(&format!("http://{silent}/")))
            .await
            .unwrap_err();
        assert!(err.is_timeout());
        assert_eq!(err.timeout(), Some(Timeout::Request));
        assert!(err.to_string().contains("timed out"), "{err}");
        // The whole-request deadline covers the body too.
        let (slow, _) = raw_server(|mut stream, _| async move {
            let _ = read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                .await;
            let _ = oneloop::time::sleep(Duration::from_secs(60)).await;
        })
        .await;
        // A deadline long enough for the head to arrive on a loaded machine; the body's
        // rest never comes.
        let patient = Client::builder().timeout(SHORT * 5).build();
        let resp = patient.get(&format!("http://{slow}/")).await.unwrap();
        let err = bounded("body timeout", resp.bytes()).await.unwrap_err();
        assert_eq!(err.timeout(), Some(Timeout::Request));
        // A connect that cannot finish: a listener whose accept queue is full.
        if let Some((full, _held)) = testkit::full_backlog().await {
            let addr = full.local_addr().unwrap();
            let client = Client::builder().connect_timeout(SHORT).build();
            let err = bounded("connect timeout", client.get(&format!("http://{addr}/")))
                .await
                .unwrap_err();
            assert_eq!(err.timeout(), Some(Timeout::Connect), "{err}");
        }
    });
}

#[test]
fn errors_name_their_kind_and_url() {
    run(|| async {
        let client = Client::new();
        let err = client.get("https://example.com/x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsupportedScheme);
        assert_eq!(
            err.to_string(),
            "https://example.com/x: https is not supported"
        );
        for bad in [
            "",
            "not a url",
            "http://",
            "http://host:port/",
            "http://[::1/",
        ] {
            let err = client.get(bad).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{bad:?}: {err}");
        }
        let port = testkit::closed_port();
        let err = client
            .get(&format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connect);
        assert!(
            err.to_string().contains(&format!("127.0.0.1:{port}")),
            "{err}"
        );
        assert!(std::error::Error::source(&err).is_some());
        let err = client
            .request("GET", "http://127.0.0.1/")
            .header("Bad\nName", "v")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        let (garbage, _) = answering(b"SSH-2.0-OpenSSH\r\n\r\n").await;
        let err = bounded("garbage", client.get(&format!("http://{garbage}/")))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedResponse, "{err}");
    });
}

#[test]
fn body_too_large() {
    run(|| async {
        let addr = start(Server::new(), |_req| async {
            Response::new(200).body(vec![7u8; 5000])
        })
        .await;
        let client = Client::builder().max_body_size(4096).build();
        let url = format!("http://{addr}/");
        let err = client.get(&url).await.unwrap().bytes().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
        // chunk() streams past the limit: it holds nothing.
        let mut resp = client.get(&url).await.unwrap();
        let mut total = 0;
        while let Some(piece) = resp.chunk().await.unwrap() {
            total += piece.len();
        }
        assert_eq!(total, 5000);
    });
}

#[test]
fn methods_headers_and_bodies_round_trip() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        let client = Client::new();
        let resp = client
            .request("PUT", &format!("http://{addr}/item"))
            .header("X-Test", "1")
            .body("payload")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.text().await.unwrap(), "PUT /item len=7 body=payload");
        let resp = client.head(&format!("http://{addr}/h")).await.unwrap();
        assert_eq!(resp.header("content-length"), Some("19"));
        assert_eq!(resp.bytes().await.unwrap(), b"");
        let resp = client
            .post(&format!("http://{addr}/p"), vec![b'a'; 70_000])
            .await
            .unwrap();
        assert!(resp
            .text()
            .await
            .unwrap()
            .starts_with("POST /p len=70000 body=aaa"));
        // IPv6 loopback, when the machine has it.
        if let Ok(listener) = TcpListener::bind("[::1]:0").await {
            let port = listener.local_addr().unwrap().port();
            oneloop::spawn(oneloop::http::serve(listener, echo));
            let resp = client
                .get(&format!("http://[::1]:{port}/six"))
                .await
                .unwrap();
            assert_eq!(resp.text().await.unwrap(), "GET /six len=0 body=");
        }
        // A host name, resolved off the loop thread.
        let resp = client
            .get(&format!("http://localhost:{}/name", addr.port()))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    });
}

#[test]
fn idle_connections_older_than_the_pool_timeout_are_not_reused() {
    run(|| async {
        let (addr, accepted) = answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let url = format!("http://{addr}/");
        let client = Client::builder().pool_idle_timeout(SHORT).build();
        let fresh = Client::new();
        for c in [&client, &fresh] {
            for _ in 0..2 {
                let resp = bounded("get", c.get(&url)).await.unwrap();
                assert_eq!(resp.text().await.unwrap(), "ok");
                // Idle for longer than SHORT (a sleep never ends early).
                oneloop::time::sleep(SHORT * 2).await.unwrap();
            }
        }
        // Two connections for the client with the short idle timeout, one for the other.
        assert_eq!(accepted.get(), 3);
    });
}

#[test]
fn a_head_answer_has_no_body_whatever_its_headers_say() {
    run(|| async {
        // No length at all, or a bogus one: for a HEAD, neither means a body follows.
        for answer in [
            &b"HTTP/1.1 200 OK\r\nX-Kind: head\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            let (addr, accepted) = answering(answer).await;
            let client = Client::new();
            for _ in 0..3 {
                let resp = bounded("head", client.head(&format!("http://{addr}/")))
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                assert_eq!(resp.bytes().await.unwrap(), b"");
            }
            assert_eq!(accepted.get(), 1, "{:?}", String::from_utf8_lossy(answer));
        }
    });
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_host() {
    run(|| async {
        let report = |req: Request| async move {
            if let Some(to) = req.query("to") {
                return Response::new(302).header("Location", to);
            }
            Response::text(format!(
                "auth={:?} cookie={:?} host={:?} x={:?}",
                req.header("authorization"),
                req.header("cookie"),
                req.header("host"),
                req.header("x-keep")
            ))
        };
        let a = start(Server::new(), report).await;
        let b = start(Server::new(), report).await;
        let client = Client::new();
        let send = |url: String| {
            client
                .request("GET", &url)
                .header("Authorization", "Bearer secret")
                .header("Cookie", "id=1")
                .header("X-Keep", "yes")
                .send()
        };
        // Same host and port: everything goes along.
        let resp = send(format!("http://{a}/?to=/final")).await.unwrap();
        assert_eq!(
            resp.text().await.unwrap(),
            format!(
                r#"auth=Some("Bearer secret") cookie=Some("id=1") host=Some("{a}") x=Some("yes")"#
            )
        );
        // Another port: the credentials stay behind, the Host is the new one.
        let resp = send(format!("http://{a}/?to=http://{b}/final"))
            .await
            .unwrap();
        assert_eq!(
            resp.text().await.unwrap(),
            format!(r#"auth=None cookie=None host=Some("{b}") x=Some("yes")"#)
        );
    });
}

#[test]
fn a_response_split_byte_by_byte_is_decoded() {
    run(|| async {
        // Every answer trickles out one byte per write, with a loop turn between bytes.
        let (addr, accepted) = raw_server(|mut stream, _| async move {
            let answers: [&[u8]; 2] = [
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                  4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\nTrailer: x\r\n\r\n",
                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz",
            ];
            for answer in answers.iter().cycle() {
                if read_request(&mut stream).await.is_none() {
                    return;
                }
                for byte in answer.iter() {
                    if stream.write_all(&[*byte]).await.is_err() {
                        return;
                    }
                    let _ = oneloop::task::yield_now().await;
                }
            }
        })
        .await;
        let client = Client::new();
        let url = format!("http://{addr}/");
        for expected in ["abcdefg", "xyz", "abcdefg", "xyz"] {
            let resp = bounded("get", client.get(&url)).await.unwrap();
            assert_eq!(bounded("body", resp.text()).await.unwrap(), expected);
        }
        assert_eq!(accepted.get(), 1, "every body was read exactly to its end");
    });
}

#[test]
fn garbage_answers_are_errors_never_panics() {
    run(|| async {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let client = Client::builder().timeout(Duration::from_secs(5)).build();
        for round in 0..30 {
            let mut garbage: Vec<u8> = (0..(16 + round * 53))
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            // Half of the rounds start like a real answer, so the body decoder sees garbage.
            if round % 2 == 0 {
                let mut head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                head.append(&mut garbage);
                garbage = head;
            }
            let garbage: &'static [u8] = Box::leak(garbage.into_boxed_slice());
            let (addr, _) = raw_server(move |mut stream, _| async move {
                if read_request(&mut stream).await.is_some() {
                    let _ = stream.write_all(garbage).await;
                }
            })
            .await;
            match bounded("garbage", client.get(&format!("http://{addr}/"))).await {
                Ok(resp) => {
                    let _ = bounded("garbage body", resp.bytes()).await;
                }
                Err(e) => assert!(!e.is_cancelled(), "{e}"),
            }
        }
    });
}

#[test]
fn waiters_for_a_connection_are_served_first_come_first_served() {
    run(|| async {
        let (addr, accepted) = answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let client = Client::builder().max_connections_per_host(1).build();
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (client, order) = (client.clone(), Rc::clone(&order));
            let url = format!("http://{addr}/{i}");
            // Spawned in order, so they queue for the one connection in order.
            tasks.push(oneloop::spawn(async move {
                let resp = client.get(&url).await.unwrap();
                order.borrow_mut().push(i);
                assert_eq!(resp.text().await.unwrap(), "ok");
            }));
        }
        for task in tasks {
            bounded("request", task).await.unwrap();
        }
        assert_eq!(*order.borrow(), (0..8).collect::<Vec<_>>());
        assert_eq!(accepted.get(), 1);
    });
}
