//! The smallest HTTP server: `Hello, NAME!` for `/?name=NAME`, on every path.
//!
//! Run it: `cargo run --example http_hello [-- ADDR]` (default `127.0.0.1:8080`; port 0
//! picks a free one), then `curl 'http://127.0.0.1:8080/?name=loop'`. Ctrl-C stops it,
//! after letting requests in flight finish.

use oneloop::http::{serve_with_shutdown, Request, Response};
use oneloop::net::TcpListener;

async fn hello(req: Request) -> Response {
    let name = req.query("name").unwrap_or_else(|| "world".to_string());
    Response::text(format!("Hello, {name}!\n"))
}

#[oneloop::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = match TcpListener::bind(addr.as_str()).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("http_hello: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("Serving on http://{local}/"),
        Err(e) => eprintln!("http_hello: {e}"),
    }
    if let Err(e) = serve_with_shutdown(listener, hello, oneloop::signal::ctrl_c()).await {
        eprintln!("http_hello: {e}");
        std::process::exit(1);
    }
}
