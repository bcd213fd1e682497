//! HTTP/1.1 over the loop's TCP: a client with a keep-alive pool and a server, both parsing
//! with `httparse` (cargo feature `http`, on by default).
//!
//! ```
//! use oneloop::http::{serve, Client, Request, Response};
//! use oneloop::net::TcpListener;
//!
//! oneloop::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let url = format!("http://{}/hello?name=loop", listener.local_addr().unwrap());
//!     oneloop::spawn(serve(listener, |req: Request| async move {
//!         Response::text(format!("hello, {}", req.query("name").unwrap_or_default()))
//!     }));
//!     let resp = Client::new().get(&url).await.unwrap();
//!     assert_eq!(resp.status(), 200);
//!     assert_eq!(resp.text().await.unwrap(), "hello, loop");
//! });
//! ```
//!
//! | file | what lives there |
//! |---|---|
//! | `url.rs` | `http://host[:port]/path?query`, redirect targets, query decoding |
//! | `headers.rs` | header lists, case-insensitive lookups |
//! | `conn.rs` | a connection and its read buffer, shared by client and server |
//! | `body.rs` | the body codec: `Content-Length`, chunked, read-until-close |
//! | `error.rs` | [`Error`], [`ErrorKind`] |
//! | `fuzz_hooks.rs` | the URL and query parsers, for the property tests (hidden) |
//! | `client/` | [`Client`] (`mod.rs`), the pool (`pool.rs`), [`RequestBuilder`] (`request.rs`), the exchange of one request (`exchange.rs`), [`ClientResponse`] (`response.rs`) |
//! | `server/` | [`serve`], [`Server`] (`mod.rs`), one connection's task (`connection.rs`), [`Request`] and [`Response`] (`message.rs`), the `Date` header (`date.rs`) |
//!
//! Two response types: [`Response`] is what a server handler builds (`Response::text("hi")`),
//! [`ClientResponse`] (also `http::client::Response`) is what the client receives
//! (`resp.text().await`). One type cannot be both: `text` and `header` would have to be a
//! constructor and a reader at once.
//!
//! Not here: TLS (`https://` is an [`ErrorKind::UnsupportedScheme`] error), HTTP/2,
//! compression, cookies, proxies, streaming request bodies and streaming server responses.

mod body;
pub mod client;
mod conn;
mod error;
#[doc(hidden)]
pub mod fuzz_hooks;
mod headers;
mod server;
mod url;

pub use client::{Client, ClientBuilder, RequestBuilder, Response as ClientResponse};
pub use error::{Error, ErrorKind, Timeout};
pub use server::{
    serve, serve_with_shutdown, InvalidQuery, Request, Response, Server, ServerBuilder,
};
