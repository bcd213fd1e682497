//! The pieces of `http_charfinder` that need no network: everything the server writes
//! into a page or a JSON answer, so that it can be tested here, in-file, and reused.
//!
//! - [`escape`]: HTML escaping ([`push_html`], [`escape_html`]) and percent-encoding of
//!   link queries ([`percent_encode`]).
//! - [`json`]: a small RFC 8259 string writer ([`push_json_string`]).
//! - [`chars`]: the `/chars` API: [`parse_window`] reads `start`/`stop` (or says why it
//!   cannot, [`BadWindow`]) and [`chars_json`] writes one [`Page`](crate::Page).
//! - [`home`]: the HTML page ([`home_page`]) with its rows ([`push_row`]), the sample-word
//!   links ([`SAMPLE_WORDS`]) and the script that loads more rows on scroll.
//!
//! # Example
//!
//! ```
//! use charindex::web::{chars_json, home_page, parse_window};
//! use charindex::UnicodeNameIndex;
//!
//! let index = UnicodeNameIndex::new();
//! let window = parse_window(Some("0"), None).unwrap();
//! let page = index.find_page("cat face", window);
//! assert!(home_page("cat face", &page).contains("10 matches for &#39;cat face&#39;"));
//! assert!(chars_json(&page).starts_with(r#"{"total":10,"start":0,"stop":10,"#));
//! ```

pub mod chars;
pub mod escape;
pub mod home;
pub mod json;

pub use chars::{chars_json, parse_window, BadWindow, PAGE_SIZE};
pub use escape::{escape_html, percent_encode, push_html};
pub use home::{home_page, push_row, PROMPT, SAMPLE_WORDS};
pub use json::{json_string, push_json_string};
