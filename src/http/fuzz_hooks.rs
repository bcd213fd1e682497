//! Test hooks: the crate-private URL and query parsers, reachable by the property tests
//! (`tests/fuzz_http.rs`), which feed them arbitrary text. Hidden from the documentation and
//! not part of the API contract; everything else those tests fuzz goes through the public
//! client and server over loopback.

use super::url::{self, Url};
use super::Error;

/// Parses `text` as the client parses a URL, and writes it back out (`http://host[:port]/target`).
///
/// ```
/// let url = oneloop::http::fuzz_hooks::parse_url("http://Example.com/a b").unwrap();
/// assert_eq!(url, "http://example.com/a%20b");
/// ```
pub fn parse_url(text: &str) -> Result<String, Error> {
    Url::parse(text).map(|url| url.to_text())
}

/// Resolves a redirect's `location` against `base`, as the client does, and writes it out.
///
/// ```
/// let url = oneloop::http::fuzz_hooks::join_url("http://h/a/b", "c?d").unwrap();
/// assert_eq!(url, "http://h/a/c?d");
/// ```
pub fn join_url(base: &str, location: &str) -> Result<String, Error> {
    Url::parse(base)?.join(location).map(|url| url.to_text())
}

/// Percent-decodes one query-string component, as `Request::query` does.
///
/// ```
/// let text = oneloop::http::fuzz_hooks::decode_query_component("caf%C3%A9+au+lait");
/// assert_eq!(text.as_deref(), Some("café au lait"));
/// ```
pub fn decode_query_component(text: &str) -> Option<String> {
    url::decode_query_component(text)
}
