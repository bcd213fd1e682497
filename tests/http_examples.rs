//! The `http_hello` and `http_get` examples, built and run against each other over
//! loopback: the server prints its address, the tiny curl fetches from it (with and without
//! `-i`), fails cleanly on a bad URL, and Ctrl-C stops the server.

use std::process::Command;
use std::time::Duration;

use testkit::example::example_binary;
use testkit::Watched;

fn example(name: &str) -> Command {
    Command::new(example_binary(name))
}

/// Runs `http_get` with `args`, bounded; returns (exit code, stdout, stderr).
fn http_get(args: &[&str]) -> (i32, String, String) {
    let mut cmd = example("http_get");
    cmd.args(args);
    let (status, stdout, stderr) = Watched::spawn(cmd).finish(Duration::from_secs(30));
    (status.code().unwrap_or(-1), stdout.join("\n"), stderr)
}

#[test]
fn http_get_fetches_from_http_hello_and_ctrl_c_stops_it() {
    let mut hello = example("http_hello");
    hello.arg("127.0.0.1:0");
    let mut server = Watched::spawn(hello);
    let base = server.wait_line(Duration::from_secs(30), |line| {
        line.strip_prefix("Serving on ")
            .map(|url| url.trim_end_matches('/').to_string())
    });

    let (code, out, err) = http_get(&[&format!("{base}/?name=J%C3%BCrgen")]);
    assert_eq!((code, out.as_str()), (0, "Hello, Jürgen!"), "{err}");

    let (code, out, _) = http_get(&["-i", &format!("{base}/x")]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().map(|l| l.trim_end_matches('\r')).collect();
    assert_eq!(lines[0], "HTTP/1.1 200 OK");
    assert!(lines.contains(&"Content-Length: 14"), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("Date: ")), "{lines:?}");
    assert_eq!(lines.last(), Some(&"Hello, world!"));

    let (code, out, err) = http_get(&["https://example.com/"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(
        err.trim(),
        "http_get: https://example.com/: https is not supported"
    );

    let port = testkit::closed_port();
    let (code, _, err) = http_get(&[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{err}"
    );

    let (code, _, err) = http_get(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("usage"), "{err}");

    server.interrupt();
    let (status, _, stderr) = server.finish(Duration::from_secs(30));
    assert!(
        status.success(),
        "http_hello after Ctrl-C: {status}; {stderr}"
    );
}
