//! The server side of `http_charfinder`: routing, logging and answering, over
//! `oneloop::http` and the `charindex` crate.
//!
//! This file is a module of the example and is also compiled into its tests
//! (`#[path = ...] mod app;`), so the tests can start the very same server inside their
//! own loop on port 0. Everything the server writes (page, JSON, escaping, parameter
//! parsing) lives in [`charindex::web`], tested there.
//!
//! Cost per request: [`UnicodeNameIndex::find_page`] never builds the whole result of a
//! query. `cjk` is one word, so its answer is a sub-slice of that word's postings list:
//! `/chars?query=cjk&start=90000` copies the same 200 entries out of the same list as
//! `start=0` does, and memory per request is one page (about 15 KB of JSON, 30 KB of HTML)
//! whatever the total.

#![allow(dead_code)] // each includer uses a different part

use std::future::Future;
use std::io;
use std::rc::Rc;
use std::sync::OnceLock;

use charindex::web::{chars_json, home_page, parse_window, PAGE_SIZE};
use charindex::{py_strip, repr, UnicodeNameIndex};
use oneloop::http::{Request, Response, Server};
use oneloop::net::TcpListener;

/// What starts every log line: unset (empty) with one process, `[pid N] ` with several
/// workers (`main.rs` sets it), so that their interleaved logs say who served what.
pub static LOG_PREFIX: OnceLock<String> = OnceLock::new();

/// `println!`, with this worker's [`LOG_PREFIX`].
macro_rules! log {
    ($($arg:tt)*) => {
        println!("{}{}", LOG_PREFIX.get().map_or("", String::as_str), format_args!($($arg)*))
    };
}

/// Answers one request. Logs `Query: Q` and `Sending N results` (N: the rows in this
/// answer) for each search, as the book's server does.
pub fn answer(index: &UnicodeNameIndex, request: &Request) -> Response {
    let route = match request.path() {
        "/" => Route::Home,
        "/chars" => Route::Chars,
        _ => return plain(404, "not found"),
    };
    // HEAD is answered like GET; the server sends the headers without the body.
    if !matches!(request.method(), "GET" | "HEAD") {
        return plain(405, "method not allowed").header("Allow", "GET, HEAD");
    }
    // An absent query is the empty query; one that is not valid UTF-8 reads as U+FFFD.
    let query = param(request, "query").unwrap_or_default();
    let query = py_strip(&query);
    match route {
        Route::Home => {
            log!("Query: {}", repr(query));
            let page = index.find_page(query, 0..PAGE_SIZE);
            log!("Sending {} results", page.chars.len());
            secured(Response::html(home_page(query, &page)))
        }
        Route::Chars => {
            let start = param(request, "start");
            let stop = param(request, "stop");
            let window = match parse_window(start.as_deref(), stop.as_deref()) {
                Ok(window) => window,
                Err(bad) => return plain(400, &bad.to_string()),
            };
            log!("Query: {}", repr(query));
            let page = index.find_page(query, window);
            log!("Sending {} results", page.chars.len());
            secured(Response::json(chars_json(&page)))
        }
    }
}

/// A query parameter, percent-decoded. One that is present but is not valid
/// percent-encoded UTF-8 (`start=%FF`) reads as U+FFFD, so that it is refused as "not a
/// number" rather than as "missing".
fn param(request: &Request, name: &str) -> Option<String> {
    request.query(name).or_else(|| {
        let present = request
            .query_string()?
            .split('&')
            .any(|pair| pair.split('=').next() == Some(name));
        present.then(|| "\u{FFFD}".to_string())
    })
}

/// The two pages this server has.
enum Route {
    Home,
    Chars,
}

/// A short plain-text answer (errors). Fixed texts only: nothing of the request is echoed.
fn plain(status: u16, message: &str) -> Response {
    secured(
        Response::new(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(format!("{message}\n")),
    )
}

/// Tells browsers not to guess another content type than the one sent (a JSON or text
/// answer is never rendered as HTML).
fn secured(response: Response) -> Response {
    response.header("X-Content-Type-Options", "nosniff")
}

/// Serves the charfinder on `listener` until `shutdown` completes, then closes the
/// listener and every connection (requests in flight may finish first).
pub async fn serve<S: Future>(
    listener: TcpListener,
    index: Rc<UnicodeNameIndex>,
    shutdown: S,
) -> io::Result<()> {
    let handler = move |request: Request| {
        let response = answer(&index, &request);
        async move { response }
    };
    Server::new()
        .serve_with_shutdown(listener, handler, shutdown)
        .await
}
