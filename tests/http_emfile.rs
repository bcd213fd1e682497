//! `http::serve` survives a full fd table: in a child process under `ulimit -n 64`,
//! requests wait in the listener's queue while the table is full; the accept loop's
//! back-off keeps the loop from spinning (few turns), and once descriptors are freed the
//! queued requests are answered without any new connection arriving to announce them.

use std::fs::File;
use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

use oneloop::http::{serve, Response};
use oneloop::net::TcpListener;
use oneloop::time::sleep;
use testkit::{bounded, child_mode, Watched, CHILD_ENV};

/// EMFILE on Linux: the per-process descriptor table is full.
const EMFILE: i32 = 24;
/// How long the fd table stays full.
const WINDOW: Duration = Duration::from_millis(300);
/// Requests made before the table fills up; they wait in the listener's queue.
const CLIENTS: usize = 5;

/// The child: runs only with `ONELOOP_TEST_CHILD=http-emfile`, under `ulimit -n 64`.
#[test]
fn child_http_serve_backs_off_on_emfile() {
    if child_mode().as_deref() != Some("http-emfile") {
        return;
    }
    let summary = oneloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients: Vec<std::net::TcpStream> = (0..CLIENTS)
            .map(|i| {
                let mut c = std::net::TcpStream::connect(addr).unwrap();
                let req = format!("GET /{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                c.write_all(req.as_bytes()).unwrap();
                c
            })
            .collect();
        let mut hog = Vec::new();
        let full = loop {
            match File::open("/dev/null") {
                Ok(file) => hog.push(file),
                Err(e) => break e,
            }
        };
        assert_eq!(
            full.raw_os_error(),
            Some(EMFILE),
            "filling the table: {full}"
        );
        let server = oneloop::spawn(serve(listener, |req: oneloop::http::Request| async move {
            Response::text(format!("served {}", req.path()))
        }));
        let turns_before = oneloop::runtime::stats().turns;
        sleep(WINDOW).await.unwrap();
        let turns = oneloop::runtime::stats().turns - turns_before;
        // A 100 ms back-off over 300 ms is a handful of turns; a spin is many thousands.
        assert!(
            turns < 1000,
            "{turns} loop turns with a full fd table: a busy loop"
        );
        drop(hog);
        let answers = oneloop::task::spawn_blocking(move || {
            clients
                .into_iter()
                .map(|mut c| {
                    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    let mut text = String::new();
                    let _ = c.read_to_string(&mut text);
                    text
                })
                .collect::<Vec<_>>()
        });
        let answers = bounded("answers after the table was freed", answers)
            .await
            .unwrap();
        for (i, text) in answers.iter().enumerate() {
            assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
            assert!(text.ends_with(&format!("served /{i}")), "{text}");
        }
        server.cancel();
        let _ = bounded("server stops", server).await;
        format!("turns={turns}")
    });
    println!("child: ok {summary}");
}

#[test]
fn http_serve_backs_off_on_emfile_and_recovers() {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" "$@""#)
        .arg(exe)
        .args([
            "child_http_serve_backs_off_on_emfile",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "http-emfile");
    let child = Watched::spawn(cmd);
    let (status, stdout, stderr) = child.finish(Duration::from_secs(30));
    assert!(
        status.success() && stdout.iter().any(|l| l.contains("child: ok")),
        "the child failed ({status}); stdout: {stdout:#?}\nstderr: {stderr}"
    );
}
