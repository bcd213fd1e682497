//! The Unicode character-name index shared by oneloop's charfinder examples.
//!
//! *Fluent Python*'s asyncio chapter serves one small piece of data three ways: from the
//! command line (`charfinder`), over a line protocol (`tcp_charfinder`) and over HTTP
//! (`http_charfinder`). This crate is that piece of data: an inverted index from the words
//! of every Unicode character name to the characters whose names hold them. It knows
//! nothing about the event loop; the examples only call it.
//!
//! # The data
//!
//! Names come from [`unicode_names2`] 4.0, whose tables are **Unicode 17.0**
//! (`UnicodeData.txt` and `NameAliases.txt` 17.0.0). Every character from U+0020 to
//! U+10FFFF that has a name is indexed: 153,626 characters under 27,399 distinct words.
//! As in Python's `unicodedata.name()`, CJK unified ideographs and Hangul syllables have
//! derived names (`CJK UNIFIED IDEOGRAPH-4E00`, `HANGUL SYLLABLE GA`), while Tangut
//! ideographs, control characters and private-use characters have none, so they are not
//! indexed.
//!
//! # Where things live
//!
//! - [`index`]: [`UnicodeNameIndex`], built at start-up, and its queries
//!   ([`find`](UnicodeNameIndex::find), [`describe`](UnicodeNameIndex::describe),
//!   [`status`](UnicodeNameIndex::status)).
//! - [`page`]: one window of a query's results and their total ([`Page`],
//!   [`find_page`](UnicodeNameIndex::find_page)), without materialising the rest.
//! - [`query`]: how a query string is read: words, `U+XXXX`, or characters to describe.
//! - [`words`]: the one tokenizer, shared by names and queries ([`tokenize`]).
//! - [`describe`]: the description line of one character ([`describe_char`]).
//! - [`lines`]: every indexed character's description line, made once and kept in one
//!   buffer ([`DescriptionLines`]), so a server copies answers instead of formatting them.
//! - [`web`]: what `http_charfinder` writes: the escaped HTML page, the `/chars` JSON,
//!   the parsing of its `start`/`stop`.
//! - [`pystr`]: the bits of Python's `str` the protocol is defined by: [`repr`],
//!   [`py_strip`], [`is_printable`].
//!
//! # Example
//!
//! ```
//! use charindex::UnicodeNameIndex;
//!
//! let index = UnicodeNameIndex::new();
//! let lines = index.describe("registered");
//! assert_eq!(lines, ["U+00AE \t®\tREGISTERED SIGN"]);
//! assert_eq!(
//!     UnicodeNameIndex::status("registered", lines.len()),
//!     "1 match for 'registered'"
//! );
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod describe;
pub mod index;
pub mod lines;
pub mod page;
pub mod pystr;
pub mod query;
mod unprintable_table;
pub mod web;
pub mod words;

pub use describe::describe_char;
pub use index::UnicodeNameIndex;
pub use lines::DescriptionLines;
pub use page::Page;
pub use pystr::{is_printable, py_isspace, py_strip, repr};
pub use query::Query;
pub use words::tokenize;
