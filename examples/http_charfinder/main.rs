//! http_charfinder: the book's Unicode character finder as a web page, on `oneloop::http`
//! (a port of *Fluent Python*'s `http_charfinder.py`, which used aiohttp).
//!
//! Differs from the book: every text is HTML-escaped and every link query percent-encoded
//! (the book reflected the query raw); pages hold 200 rows, the script fetches the rest.
//!
//! Run it: `cargo run --release --example http_charfinder [-- ADDR [PORT]]` (default
//! `127.0.0.1 2345`) and open <http://127.0.0.1:2345/?query=cat+face>. Try the sample-word
//! links, `U+1F525`, `é€`, or `cjk` and scroll to the end of the table. From a terminal:
//! `curl 'http://127.0.0.1:2345/chars?query=cjk&start=90000'`. Ctrl-C stops the server:
//! `Server shutting down.`, every connection closed, exit 0.
//!
//! `app.rs` holds the handler (shared with the tests); the page, the JSON and the escaping
//! are in `charindex::web`.

mod app;

use std::rc::Rc;

use charindex::UnicodeNameIndex;
use oneloop::net::TcpListener;

#[oneloop::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1".into());
    let port: u16 = match args.next().map(|p| p.parse()) {
        None => 2345,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("usage: http_charfinder [ADDR [PORT]]  (PORT: a number from 0 to 65535)");
            std::process::exit(2);
        }
    };
    // Build the index before accepting anyone (tens of milliseconds in release mode).
    let index = Rc::new(UnicodeNameIndex::new());
    let listener = match TcpListener::bind((addr.as_str(), port)).await {
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
    println!("Serving on {local}. Hit CTRL-C to stop.");
    let ctrl_c = async {
        if let Err(e) = oneloop::signal::ctrl_c().await {
            eprintln!("cannot wait for Ctrl-C: {e}");
            std::process::exit(1);
        }
        println!("Server shutting down.");
    };
    // Returns once the listener and every connection are closed.
    if let Err(e) = app::serve(listener, index, ctrl_c).await {
        eprintln!("server error: {e}");
        std::process::exit(1);
    }
}
