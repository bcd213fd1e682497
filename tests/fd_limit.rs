//! Accept loops survive a full fd table. In a child process whose `RLIMIT_NOFILE` is
//! lowered to 64 (`sh -c 'ulimit -n 64; exec ...'`, so the test crate needs no libc),
//! clients connect, the fd table is then filled to the brim, and the server's `accept`
//! must return EMFILE as an error (not spin inside the library, not park for ever); a
//! server that backs off (as the `echo` example does) fails a small number of times; once
//! descriptors are freed it accepts the queued connections and serves them, without any
//! new connection arriving to announce them.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use oneloop::net::{TcpListener, TcpStream};
use oneloop::time::sleep;
use testkit::{bounded, child_mode, Watched, CHILD_ENV};

/// EMFILE on Linux: the per-process descriptor table is full.
const EMFILE: i32 = 24;
/// The server's pause after an accept error, as in the `echo` example (shorter).
const BACKOFF: Duration = Duration::from_millis(10);
/// How long the fd table stays full.
const WINDOW: Duration = Duration::from_millis(200);
/// Connections made before the table fills up; they wait in the listener's queue.
const CLIENTS: usize = 5;

async fn echo(mut stream: TcpStream) {
    let mut buf = [0u8; 256];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// The child: runs only with `ONELOOP_TEST_CHILD=emfile`, under `ulimit -n 64`.
#[test]
fn child_accepts_again_after_emfile() {
    if child_mode().as_deref() != Some("emfile") {
        return;
    }
    let summary = oneloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients: Vec<std::net::TcpStream> = (0..CLIENTS)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();

        // Fill the fd table.
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
        assert!(
            hog.len() < 64,
            "the fd limit is not 64: ran `ulimit -n 64`?"
        );

        let errors = Rc::new(RefCell::new(Vec::new()));
        let accepted = Rc::new(Cell::new(0usize));
        let server = oneloop::spawn({
            let (errors, accepted) = (errors.clone(), accepted.clone());
            async move {
                loop {
                    match listener.accept().await {
                        Ok((stream, _)) => {
                            accepted.set(accepted.get() + 1);
                            oneloop::spawn(echo(stream));
                        }
                        Err(e) if oneloop::is_cancelled(&e) => return,
                        Err(e) => {
                            errors.borrow_mut().push(e.raw_os_error());
                            let _ = sleep(BACKOFF).await;
                        }
                    }
                }
            }
        });

        let turns_before = oneloop::runtime::stats().turns;
        sleep(WINDOW).await.unwrap();
        let turns_in_window = oneloop::runtime::stats().turns - turns_before;
        let errors_in_window = errors.borrow().len();
        assert_eq!(accepted.get(), 0, "accepted with a full fd table?");
        assert!(
            errors_in_window >= 1,
            "accept never reported the full table"
        );
        assert!(
            errors.borrow().iter().all(|&e| e == Some(EMFILE)),
            "not EMFILE: {:?}",
            errors.borrow()
        );
        // A 10 ms back-off over 200 ms allows about 20 errors; hundreds would mean the
        // loop retried without waiting.
        assert!(
            errors_in_window < 100,
            "{errors_in_window} accept errors: a busy loop"
        );
        assert!(
            turns_in_window < 1000,
            "{turns_in_window} loop turns: a busy loop"
        );

        // Free the table: the queued connections are accepted and served.
        drop(hog);
        let served = oneloop::task::spawn_blocking(move || {
            for (i, client) in clients.into_iter().enumerate() {
                client
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut writer = client.try_clone().unwrap();
                let mut reader = BufReader::new(client);
                let line = format!("client {i}\n");
                writer.write_all(line.as_bytes()).unwrap();
                let mut back = String::new();
                reader.read_line(&mut back).unwrap();
                assert_eq!(back, line);
            }
            CLIENTS
        });
        let served = bounded("clients served after the table was freed", served)
            .await
            .unwrap();
        assert_eq!(accepted.get(), CLIENTS);
        server.cancel();
        let _ = bounded("server stops", server).await;
        format!("served={served} errors={errors_in_window} turns={turns_in_window}")
    });
    println!("child: ok {summary}");
}

#[test]
fn accept_reports_emfile_without_spinning_and_recovers() {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" "$@""#)
        .arg(exe)
        .args([
            "child_accepts_again_after_emfile",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "emfile");
    let child = Watched::spawn(cmd);
    let (status, stdout, stderr) = child.finish(Duration::from_secs(30));
    assert!(
        status.success() && stdout.iter().any(|l| l.contains("child: ok")),
        "the child failed ({status}); stdout: {stdout:#?}\nstderr: {stderr}"
    );
}
