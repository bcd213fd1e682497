//! The `http_charfinder` example's handler on `oneloop::http` against a hyper 1.x port of
//! it on tokio's `current_thread` runtime: the same routes (`/` and `/chars`), the same
//! index, page and JSON code (`charindex::web`), the same two log lines per search. Each
//! server runs on a thread of its own and is loaded in turn by `wrk -t1 -c50` with a
//! query mix (a Lua script rotating over home pages and `/chars` windows, below);
//! figures: requests per second and the server thread's CPU time per request, medians of
//! alternated rounds and of the per-round ratios.
//!
//! The oneloop side is the example itself: `examples/http_charfinder/app.rs`, included as a
//! module, serving through its own `app::serve`. The hyper side is `answer` below, a
//! line-for-line port of `app::answer` to hyper's request and response types.
//!
//! Both handlers print `Query: ...` and `Sending N results` for every search, as the
//! book's server does. While the servers run, this program points its standard output
//! (file descriptor 1) at `/dev/null`, so that those lines cost what a log written to a
//! file costs (formatting and one `write` each) without flooding the terminal, and writes
//! its own figures to a copy of the original standard output.
//!
//! `cargo run --release -p oneloop-bench --bin charfinder_vs_hyper [-- ROUNDS SECS]`
//! (default 7 rounds of 3 s). Needs `wrk`.

#[path = "../compare/mod.rs"]
mod compare;

#[path = "../../../examples/http_charfinder/app.rs"]
mod app;

use std::convert::Infallible;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd};
use std::rc::Rc;
use std::sync::Arc;

use charindex::web::{chars_json, home_page, parse_window, PAGE_SIZE};
use charindex::{py_strip, repr, UnicodeNameIndex};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;

use compare::rounds::{load_average, machine, pair, Sample, Tally};
use compare::servers::{hyper_serve, on_thread, Served};
use compare::thread_cpu::thread_cpu_ns;
use compare::wrk::wrk;

/// The query mix, one request after another on each connection, rotating: searches with 0
/// to 3,483 matches on the home page (which renders at most 200 rows) and 200-entry
/// windows of `/chars` (about 15 KB of JSON), among them windows deep into `cjk`'s ~100,000
/// matches.
const PATHS: [&str; 10] = [
    "/?query=cat+face",
    "/chars?query=cjk&start=0",
    "/?query=sign",
    "/?query=chess+black",
    "/chars?query=cjk&start=50000",
    "/?query=U%2B1F525",
    "/chars?query=circled+digit&start=0",
    "/?query=%C3%A9%E2%82%AC",
    "/chars?query=cjk&start=90000&stop=90200",
    "/?query=registered",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7).max(1);
    let secs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    let mut out = quiet_stdout();
    let script = write_script();
    let names = [
        "http_charfinder on oneloop::http",
        "hyper 1 port / tokio current_thread",
    ];
    let servers = [start_oneloop(), start_hyper()];
    for (name, served) in names.iter().zip(&servers) {
        if let Err(e) = check_paths(served.addr) {
            eprintln!("charfinder_vs_hyper: {name}: {e}");
            std::process::exit(1);
        }
    }
    let _ = writeln!(out, "{}; {} at the start", machine(), load_average());
    let mut tally = Tally::default();
    for round in 0..rounds {
        let both = pair(round, |i| {
            let served = servers[i];
            let before = thread_cpu_ns(served.tid);
            let run = wrk(&format!("http://{}", served.addr), 50, secs, Some(&script))?;
            if run.non_2xx > 0.0 {
                return Err(format!(
                    "{}: {} answers were not 2xx",
                    names[i], run.non_2xx
                ));
            }
            Ok(Sample {
                per_sec: run.per_sec,
                cpu_ns: (thread_cpu_ns(served.tid) - before) / run.requests,
            })
        });
        let both = both.unwrap_or_else(|e| {
            eprintln!("charfinder_vs_hyper: {e}");
            std::process::exit(1);
        });
        let _ = writeln!(
            out,
            "round {}: {:>6.0} vs {:>6.0} req/s, {:>6.0} vs {:>6.0} ns CPU/req ({})",
            round + 1,
            both[0].per_sec,
            both[1].per_sec,
            both[0].cpu_ns,
            both[1].cpu_ns,
            load_average()
        );
        tally.push(both);
    }
    let _ = std::fs::remove_file(&script);
    let _ = writeln!(
        out,
        "\nwrk -t1 -c50, {rounds} rounds of {secs} s, query mix of {} paths, server thread CPU \
         (median [min-max]):",
        PATHS.len()
    );
    let _ = write!(
        out,
        "{}",
        tally.summary(names, ["oneloop", "hyper"], "req/s")
    );
    let _ = writeln!(out, "{} at the end", load_average());
}

/// The example's own server (`app::serve`), never shut down.
fn start_oneloop() -> Served {
    on_thread("oneloop-charfinder", |listener| {
        oneloop::run(async move {
            let listener = oneloop::net::TcpListener::from_std(listener).expect("from_std");
            let index = Rc::new(UnicodeNameIndex::new());
            let _ = app::serve(listener, index, std::future::pending::<()>()).await;
        })
    })
}

/// The hyper port, one index shared by every connection's task (`Arc`: tokio's `spawn`
/// needs `Send`).
fn start_hyper() -> Served {
    on_thread("hyper-charfinder", |listener| {
        let index = Arc::new(UnicodeNameIndex::new());
        let service = service_fn(move |request| {
            let response = answer(&index, &request);
            async move { Ok::<_, Infallible>(response) }
        });
        hyper_serve(listener, service)
    })
}

/// `app::answer`, ported: the same routes, checks, logging and pages.
fn answer(
    index: &UnicodeNameIndex,
    request: &hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let route = match request.uri().path() {
        "/" => Route::Home,
        "/chars" => Route::Chars,
        _ => return plain(404, "not found"),
    };
    if !matches!(request.method().as_str(), "GET" | "HEAD") {
        let mut response = plain(405, "method not allowed");
        response.headers_mut().insert(
            "Allow",
            hyper::header::HeaderValue::from_static("GET, HEAD"),
        );
        return response;
    }
    let query_string = request.uri().query();
    let query = param(query_string, "query").unwrap_or_default();
    let query = py_strip(&query);
    match route {
        Route::Home => {
            println!("Query: {}", repr(query));
            let page = index.find_page(query, 0..PAGE_SIZE);
            println!("Sending {} results", page.chars.len());
            respond(200, "text/html; charset=utf-8", home_page(query, &page))
        }
        Route::Chars => {
            let start = param(query_string, "start");
            let stop = param(query_string, "stop");
            let window = match parse_window(start.as_deref(), stop.as_deref()) {
                Ok(window) => window,
                Err(bad) => return plain(400, &bad.to_string()),
            };
            println!("Query: {}", repr(query));
            let page = index.find_page(query, window);
            println!("Sending {} results", page.chars.len());
            respond(200, "application/json", chars_json(&page))
        }
    }
}

/// `app::param` over a raw query string, with the decoder `Request::query` uses.
fn param(query_string: Option<&str>, name: &str) -> Option<String> {
    let query_string = query_string?;
    let decode = oneloop::http::fuzz_hooks::decode_query_component;
    let found = query_string.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if decode(key)? == name {
            decode(value)
        } else {
            None
        }
    });
    found.or_else(|| {
        let present = query_string
            .split('&')
            .any(|pair| pair.split('=').next() == Some(name));
        present.then(|| "\u{FFFD}".to_string())
    })
}

/// The two pages the server has, as in `app.rs`.
enum Route {
    Home,
    Chars,
}

/// `app::plain`: a short fixed text (errors).
fn plain(status: u16, message: &str) -> hyper::Response<Full<Bytes>> {
    respond(status, "text/plain; charset=utf-8", format!("{message}\n"))
}

/// A response with `app::secured`'s header.
fn respond(status: u16, content_type: &'static str, body: String) -> hyper::Response<Full<Bytes>> {
    let response = hyper::Response::builder()
        .status(status)
        .header("Content-Type", content_type)
        .header("X-Content-Type-Options", "nosniff")
        .body(Full::new(Bytes::from(body)));
    response.expect("a valid status and header")
}

/// Asks for every path of the mix once (a blocking client, `Connection: close`) and
/// checks that the answer is a 200: `wrk` only counts failures.
fn check_paths(addr: std::net::SocketAddr) -> Result<(), String> {
    use std::io::Read;
    for path in PATHS {
        let mut stream = std::net::TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        let mut answer = Vec::new();
        stream
            .write_all(request.as_bytes())
            .and_then(|()| stream.read_to_end(&mut answer))
            .map_err(|e| format!("GET {path}: {e}"))?;
        let head = String::from_utf8_lossy(&answer[..answer.len().min(200)]).into_owned();
        if !head.starts_with("HTTP/1.1 200 ") {
            return Err(format!("GET {path}: {head}"));
        }
    }
    Ok(())
}

/// The `wrk` script: each request takes the next path of [`PATHS`].
fn write_script() -> std::path::PathBuf {
    let quoted: Vec<String> = PATHS.iter().map(|p| format!("  \"{p}\",")).collect();
    let script = format!(
        "local paths = {{\n{}\n}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  \
         return wrk.format(nil, paths[i])\nend\n",
        quoted.join("\n")
    );
    let path = std::env::temp_dir().join(format!("charfinder-mix-{}.lua", std::process::id()));
    if let Err(e) = std::fs::write(&path, script) {
        eprintln!("charfinder_vs_hyper: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
    path
}

/// Points file descriptor 1 at `/dev/null` (the handlers' log lines go there) and returns
/// a handle on the original standard output, for the figures.
fn quiet_stdout() -> File {
    let null = File::options()
        .write(true)
        .open("/dev/null")
        .expect("open /dev/null");
    // SAFETY: dup and dup2 on descriptors this process owns (1, and the open /dev/null);
    // the duplicate of 1 is owned by the returned File alone.
    unsafe {
        let saved = libc::dup(1);
        assert!(saved >= 0, "dup(1) failed");
        libc::dup2(null.as_raw_fd(), 1);
        File::from_raw_fd(saved)
    }
}
