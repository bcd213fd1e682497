//! http_charfinder: the book's Unicode character finder as a web page, on `oneloop::http`
//! (a port of *Fluent Python*'s `http_charfinder.py`, which used aiohttp).
//!
//! Differs from the book: every text is HTML-escaped and every link query percent-encoded
//! (the book reflected the query raw); pages hold 200 rows, the script fetches the rest.
//!
//! Run it: `cargo run --release --example http_charfinder [-- ADDR [PORT] [--workers N]]` (default
//! `127.0.0.1 2345`) and open <http://127.0.0.1:2345/?query=cat+face>. Try the sample-word
//! links, `U+1F525`, `é€`, or `cjk` and scroll to the end of the table. From a terminal:
//! `curl 'http://127.0.0.1:2345/chars?query=cjk&start=90000'`. Ctrl-C stops the server:
//! `Server shutting down.`, every connection closed, exit 0.
//!
//! `--workers N` serves from N processes sharing the port through `SO_REUSEPORT`, as
//! `tcp_charfinder` does (`workers_common/`, shared with it; DESIGN.md, "Beyond one core"):
//! the first process binds, then starts N-1 copies of itself with `HTTP_CHARFINDER_WORKER`
//! set; each worker's log lines start with `[pid N] `, and Ctrl-C on the first one is passed
//! on to the others.
//!
//! `app.rs` holds the handler (shared with the tests); the page, the JSON and the escaping
//! are in `charindex::web`.

mod app;
#[path = "../workers_common/mod.rs"]
mod workers_common;

use std::rc::Rc;

use charindex::UnicodeNameIndex;
use workers_common::{listen, log_prefix, options, start_workers, stop_workers, Options};

/// Set (to the worker's number) in the environment of the workers the first process starts.
const WORKER_ENV: &str = "HTTP_CHARFINDER_WORKER";

#[oneloop::main]
async fn main() {
    let Options {
        addr,
        port,
        workers,
    } = options("http_charfinder", 2345);
    if workers > 1 {
        let _ = app::LOG_PREFIX.set(log_prefix());
    }
    let prefix = app::LOG_PREFIX.get().map_or("", String::as_str);
    // Build the index before accepting anyone (tens of milliseconds in release mode).
    let index = Rc::new(UnicodeNameIndex::new());
    let listener = match listen(&addr, port, workers > 1).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}:{port}: {e}");
            std::process::exit(1);
        }
    };
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(e) => {
            eprintln!("cannot read the listening address: {e}");
            std::process::exit(1);
        }
    };
    println!("{prefix}Serving on {local}. Hit CTRL-C to stop.");
    // The first process starts the others once it knows the port (it may have asked for 0).
    let children = start_workers(workers, &addr, local.port(), WORKER_ENV);
    let ctrl_c = async {
        if let Err(e) = oneloop::signal::ctrl_c().await {
            eprintln!("cannot wait for Ctrl-C: {e}");
            std::process::exit(1);
        }
        println!("{prefix}Server shutting down.");
    };
    // Returns once the listener and every connection are closed.
    let served = app::serve(listener, index, ctrl_c).await;
    stop_workers(children).await;
    if let Err(e) = served {
        eprintln!("server error: {e}");
        std::process::exit(1);
    }
}
