//! The server, driven by curl and by raw sockets: keep-alive, HEAD, chunked uploads,
//! HTTP/1.0, pipelining, a request split byte by byte, every limit (431, 413, 408, idle
//! close, 400, 501, a panicking handler's 500), garbage, and clients vanishing half-way.
//! After each misbehaviour, a normal request on a new connection must still get 200.

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;

use oneloop::http::{Client, Request, Response, Server};
use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use oneloop::net::TcpStream;
use testkit::http::{echo, raw, read_all, start, statuses, still_serves, SHORT};
use testkit::{bounded, run};

#[test]
fn pipelined_requests_are_answered_in_order() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        let text = raw(
            addr,
            b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n\
              POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
              GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(statuses(&text), [200, 200, 200], "{text}");
        let one = text.find("GET /one len=0").expect("first");
        let two = text.find("POST /two len=3 body=abc").expect("second");
        let three = text.find("GET /three len=0").expect("third");
        assert!(one < two && two < three, "{text}");
        assert!(text.contains("Connection: close"));
    });
}

#[test]
fn a_request_split_byte_by_byte_is_parsed() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = b"POST /split?q=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
        for byte in request {
            stream.write_all(&[*byte]).await.unwrap();
            oneloop::task::yield_now().await.unwrap();
        }
        let text = read_all(&mut stream).await;
        assert_eq!(statuses(&text), [200]);
        assert!(text.contains("POST /split len=2 body=hi"), "{text}");
    });
}

#[test]
fn head_gets_the_get_headers_and_no_body() {
    run(|| async {
        let addr = start(Server::new(), |_req| async {
            Response::text("twelve bytes")
        })
        .await;
        let text = raw(
            addr,
            b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(statuses(&text), [200, 200], "{text}");
        assert_eq!(text.matches("Content-Length: 12").count(), 2, "{text}");
        assert_eq!(text.matches("twelve bytes").count(), 1, "{text}");
        assert!(text.ends_with("twelve bytes"));
    });
}

#[test]
fn http_1_0_closes_unless_kept_alive() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        let text = raw(addr, b"GET /old HTTP/1.0\r\n\r\n").await;
        assert_eq!(statuses(&text), [200]);
        assert!(text.contains("Connection: close"), "{text}");
        // With keep-alive, the connection stays for a second request.
        let text = raw(
            addr,
            b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
        )
        .await;
        assert_eq!(statuses(&text), [200, 200], "{text}");
        assert!(text.contains("Connection: keep-alive"));
        assert!(text.contains("Date: "));
    });
}

#[test]
fn head_too_large_is_431() {
    run(|| async {
        let server = Server::builder().max_header_bytes(1024).build();
        let addr = start(server, echo).await;
        let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(2000));
        let text = raw(addr, big.as_bytes()).await;
        assert_eq!(statuses(&text), [431], "{text}");
        assert!(text.contains("Connection: close"));
        // The default limit is 16 KiB.
        let addr = start(Server::new(), echo).await;
        let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(17 * 1024));
        assert_eq!(statuses(&raw(addr, big.as_bytes()).await), [431]);
        let many: String = (0..200).map(|i| format!("X-{i}: v\r\n")).collect();
        let text = raw(addr, format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()).await;
        assert_eq!(statuses(&text), [431]);
        still_serves(addr).await;
    });
}

#[test]
fn body_over_the_limit_is_413_without_reading_it() {
    run(|| async {
        let seen = Rc::new(Cell::new(0));
        let counter = Rc::clone(&seen);
        let server = Server::builder().max_body_bytes(1000).build();
        let addr = start(server, move |req: Request| {
            counter.set(counter.get() + 1);
            echo(req)
        })
        .await;
        // Only the head is sent: the answer comes without waiting for the body.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
            .await
            .unwrap();
        let text = read_all(&mut stream).await;
        assert_eq!(statuses(&text), [413], "{text}");
        // A chunked body that grows past the limit.
        let chunk = format!("{:x}\r\n{}\r\n", 600, "z".repeat(600));
        let req = format!("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}{chunk}0\r\n\r\n");
        assert_eq!(statuses(&raw(addr, req.as_bytes()).await), [413]);
        // At the limit is fine.
        let req = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{}",
            "y".repeat(1000)
        );
        assert_eq!(statuses(&raw(addr, req.as_bytes()).await), [200]);
        assert_eq!(seen.get(), 1, "the handler never saw the refused requests");
        still_serves(addr).await;
    });
}

#[test]
fn slowloris_headers_get_408() {
    run(|| async {
        let server = Server::builder().header_read_timeout(SHORT).build();
        let addr = start(server, echo).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nX-Slow: ")
            .await
            .unwrap();
        // ... and nothing more: the server answers 408 at its deadline and closes.
        let text = read_all(&mut stream).await;
        assert_eq!(statuses(&text), [408], "{text}");
        // A connection that sends nothing at all gets the same.
        let mut silent = TcpStream::connect(addr).await.unwrap();
        assert_eq!(statuses(&read_all(&mut silent).await), [408]);
        still_serves(addr).await;
    });
}

#[test]
fn idle_keep_alive_connections_are_closed() {
    run(|| async {
        let server = Server::builder().idle_timeout(SHORT).build();
        let addr = start(server, echo).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        // One answer, then silence until the idle timeout closes the connection.
        let text = read_all(&mut stream).await;
        assert_eq!(statuses(&text), [200], "{text}");
        still_serves(addr).await;
    });
}

#[test]
fn malformed_requests_are_400_and_unknown_codings_501() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        for bad in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"GET / HTTP/9.9\r\n\r\n",
        ] {
            let text = raw(addr, bad).await;
            assert_eq!(
                statuses(&text),
                [400],
                "{:?} -> {text}",
                String::from_utf8_lossy(bad)
            );
        }
        let text = raw(
            addr,
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        )
        .await;
        assert_eq!(statuses(&text), [501], "{text}");
        still_serves(addr).await;
    });
}

#[test]
fn garbage_bytes_never_hurt_the_server() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..20 {
            let garbage: Vec<u8> = (0..(64 + round * 97))
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let text = raw(addr, &garbage).await;
            // 400 (or a silent close for bytes that never form a line): never a crash.
            assert!(statuses(&text).iter().all(|s| *s == 400), "{text}");
        }
        still_serves(addr).await;
    });
}

#[test]
fn a_panicking_handler_is_a_500_for_that_request_only() {
    run(|| async {
        let addr = start(Server::new(), |req: Request| async move {
            if req.path() == "/boom" {
                panic!("handler failure under test");
            }
            if req.path() == "/bye" {
                return Response::text("bye").header("Connection", "close");
            }
            Response::text("fine")
        })
        .await;
        let text = raw(
            addr,
            b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(statuses(&text), [500, 200], "{text}");
        // A handler's own `Connection: close` ends the connection after its answer.
        let text = raw(
            addr,
            b"GET /bye HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await;
        assert_eq!(statuses(&text), [200], "{text}");
        assert_eq!(text.matches("Connection: close").count(), 1, "{text}");
        still_serves(addr).await;
    });
}

#[test]
fn clients_vanishing_mid_request_and_mid_response() {
    run(|| async {
        let big = Rc::new(vec![b'x'; 8 << 20]);
        let addr = start(Server::new(), move |_req| {
            let big = Rc::clone(&big);
            async move { Response::new(200).body(big.to_vec()) }
        })
        .await;
        // Mid-request: half a head, then gone.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
        drop(stream);
        // Mid-body: a declared body cut short.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
            .await
            .unwrap();
        drop(stream);
        // Mid-response: 8 MiB asked for, a few bytes read, then gone.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut some = [0u8; 100];
        bounded("first bytes", stream.read(&mut some))
            .await
            .unwrap();
        drop(stream);
        still_serves(addr).await;
    });
}

#[test]
fn request_headers_and_query_reach_the_handler() {
    run(|| async {
        let addr = start(Server::new(), |req: Request| async move {
            Response::json(format!(
                r#"{{"q":{:?},"bad":{:?},"agent":{:?},"version":{:?},"local":{}}}"#,
                req.query("q"),
                req.query("bad"),
                req.header("USER-AGENT"),
                req.version(),
                req.peer_addr().is_some_and(|a| a.ip().is_loopback())
            ))
        })
        .await;
        let resp = Client::new()
            .request("GET", &format!("http://{addr}/s?q=a+b%2Fc&bad=%E9"))
            .header("User-Agent", "probe/1")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(
            resp.text().await.unwrap(),
            r#"{"q":Some("a b/c"),"bad":None,"agent":Some("probe/1"),"version":"HTTP/1.1","local":true}"#
        );
    });
}

#[test]
fn graceful_shutdown_finishes_requests_in_flight() {
    run(|| async {
        let listener = oneloop::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneloop::sync::oneshot::channel::<()>();
        let (started, in_handler) = oneloop::sync::oneshot::channel::<()>();
        let started = Rc::new(Cell::new(Some(started)));
        let server = oneloop::spawn(async move {
            let handler = move |_req: Request| {
                let started = started.take();
                async move {
                    if let Some(started) = started {
                        let _ = started.send(());
                    }
                    let _ = oneloop::time::sleep(SHORT).await;
                    Response::text("finished")
                }
            };
            Server::new()
                .serve_with_shutdown(listener, handler, stopped)
                .await
        });
        let request =
            oneloop::spawn(async move { Client::new().get(&format!("http://{addr}/")).await });
        bounded("handler start", in_handler).await.unwrap();
        stop.send(()).unwrap();
        let resp = bounded("in-flight request", request)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp.header("connection"), Some("close"));
        assert_eq!(resp.text().await.unwrap(), "finished");
        bounded("server end", server).await.unwrap().unwrap();
        // The listener is gone.
        assert!(TcpStream::connect(addr).await.is_err());
    });
}

// ---------------------------------------------------------------------------------------
// curl
// ---------------------------------------------------------------------------------------

/// Runs curl with `args` (plus `-sS`), or `None` when curl is not installed.
async fn curl(args: &[&str]) -> Option<(String, String)> {
    if !testkit::http::installed("curl") {
        println!("curl is not installed: skipping (.ci/run installs it)");
        return None;
    }
    let mut cmd = Command::new("curl");
    cmd.arg("-sS").arg("--max-time").arg("20").args(args);
    let out = testkit::http::program(cmd).await?;
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn curl_keep_alive_head_chunked_upload_and_http_1_0() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        let base = format!("http://{addr}");
        // Two URLs in one curl: the second reuses the connection.
        let Some((out, err)) = curl(&["-v", &format!("{base}/a"), &format!("{base}/b")]).await
        else {
            return;
        };
        assert_eq!(out, "GET /a len=0 body=GET /b len=0 body=");
        assert!(err.contains("Re-using existing connection"), "{err}");
        // HEAD.
        let (out, _) = curl(&["-I", &format!("{base}/h")]).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
        assert!(out.contains("Content-Length: 19"), "{out}");
        // A chunked upload, large enough for several chunks.
        let body = "0123456789".repeat(10_000);
        let (out, _) = curl(&[
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            &body,
            &format!("{base}/up"),
        ])
        .await
        .unwrap();
        assert!(
            out.starts_with("POST /up len=100000 body=0123456789"),
            "{}",
            &out[..60.min(out.len())]
        );
        // HTTP/1.0.
        let (out, _) = curl(&["--http1.0", "-i", &format!("{base}/old")])
            .await
            .unwrap();
        assert!(out.contains("Connection: close"), "{out}");
        assert!(out.ends_with("GET /old len=0 body="), "{out}");
        still_serves(addr).await;
    });
}

#[test]
fn cancelling_serve_closes_its_connections() {
    run(|| async {
        let listener = oneloop::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let server = oneloop::spawn(oneloop::http::serve(listener, echo));
        // A kept-alive connection, idle in the server.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = bounded("response", stream.read(&mut buf)).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        server.cancel();
        let err = bounded("serve ends", server).await.unwrap().unwrap_err();
        assert!(oneloop::is_cancelled(&err), "{err}");
        // The idle connection was closed with it, and nobody listens any more.
        assert_eq!(read_all(&mut stream).await, "");
        assert!(TcpStream::connect(addr).await.is_err());
    });
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        // The interim answer comes before any body byte was sent.
        let mut interim = [0u8; 25];
        bounded("100 Continue", stream.read_exact(&mut interim))
            .await
            .unwrap();
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        stream.write_all(b"hello").await.unwrap();
        let text = read_all(&mut stream).await;
        assert_eq!(statuses(&text), [200]);
        assert!(text.ends_with("PUT /up len=5 body=hello"), "{text}");
    });
}

#[test]
fn many_clients_at_once() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        let mut tasks = Vec::new();
        for c in 0..100 {
            tasks.push(oneloop::spawn(async move {
                let client = Client::builder().max_connections_per_host(1).build();
                for r in 0..10 {
                    let resp = client
                        .post(&format!("http://{addr}/{c}"), format!("{r}"))
                        .await
                        .unwrap();
                    assert_eq!(
                        resp.text().await.unwrap(),
                        format!("POST /{c} len=1 body={r}")
                    );
                }
            }));
        }
        for task in tasks {
            bounded("a client", task).await.unwrap();
        }
    });
}

#[test]
fn fifty_pipelined_requests_in_random_pieces() {
    run(|| async {
        let addr = start(Server::new(), echo).await;
        // GETs, length-framed POSTs and chunked POSTs, back to back.
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for i in 0..50 {
            match i % 3 {
                0 => {
                    wire.extend(format!("GET /g{i} HTTP/1.1\r\nHost: x\r\n\r\n").bytes());
                    expected.push(format!("GET /g{i} len=0 body="));
                }
                1 => {
                    let body = "b".repeat(i * 37);
                    wire.extend(
                        format!(
                            "POST /p{i} HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        )
                        .bytes(),
                    );
                    expected.push(format!("POST /p{i} len={} body={body}", body.len()));
                }
                _ => {
                    let body = "c".repeat(i * 11);
                    wire.extend(
                        format!(
                            "POST /c{i} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x};e=1\r\n{body}\r\n0\r\nT: v\r\n\r\n",
                            body.len()
                        )
                        .bytes(),
                    );
                    expected.push(format!("POST /c{i} len={} body={body}", body.len()));
                }
            }
        }
        wire.extend(b"GET /last HTTP/1.1\r\nConnection: close\r\n\r\n");
        expected.push("GET /last len=0 body=".to_string());
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let reader = {
            let (mut r, mut w) = stream.split();
            let mut seed = 0x1234_5678_9ABC_DEF1u64;
            let write = async move {
                let mut at = 0;
                while at < wire.len() {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let n = (1 + seed % 300) as usize;
                    let end = (at + n).min(wire.len());
                    w.write_all(&wire[at..end]).await.unwrap();
                    at = end;
                    let _ = oneloop::task::yield_now().await;
                }
            };
            let read = async move {
                let mut out = Vec::new();
                let _ = bounded("all answers", r.read_to_end(&mut out)).await;
                String::from_utf8_lossy(&out).into_owned()
            };
            testkit::join2(write, read).await.1
        };
        assert_eq!(statuses(&reader).len(), 51, "{reader}");
        let mut at = 0;
        for want in &expected {
            let found = reader[at..]
                .find(want.as_str())
                .unwrap_or_else(|| panic!("{want} missing or out of order"));
            at += found + want.len();
        }
    });
}
