//! # flagsite: the flag site of *Fluent Python*'s downloaders, generated
//!
//! The book's flag downloaders fetch `/flags/{cc}/{cc}.gif` and `/flags/{cc}/metadata.json`
//! for 194 countries from a web site. This crate is that site, made up on the spot so the
//! examples need no network:
//!
//! | module | what lives there |
//! |---|---|
//! | [`common`] | what the downloaders share: command line, code lists, reports, `save_flag` |
//! | [`countries`] | the 194 codes and their English names |
//! | [`gif`] | a GIF89a encoder with its own LZW compressor |
//! | [`draw`] | a deterministic picture per code |
//! | [`faults`] | the LOCAL, DELAY and ERROR modes, decided by seeded dice |
//! | [`site`] | every file of the site by path; writing it to a folder |
//! | [`server`] | the `oneloop::http` handler, its request counters, the site started in a loop |
//!
//! ```
//! assert_eq!(flagsite::COUNTRIES.len(), 194);
//! assert!(flagsite::draw::flag_gif("FR").starts_with(b"GIF89a"));
//! ```

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod common;
pub mod countries;
pub mod draw;
pub mod faults;
pub mod gif;
pub mod server;
pub mod site;

pub use countries::{country_name, COUNTRIES};
pub use site::Site;
