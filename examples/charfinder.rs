//! charfinder: find Unicode characters by the words of their names, from the command line.
//!
//! This is the book's `charfinder.py`, the synchronous starting point of the chapter: the
//! same index ([`charindex::UnicodeNameIndex`]) is later served over TCP
//! (`tcp_charfinder`) and HTTP (`http_charfinder`). It uses no event loop at all; it shows
//! what those servers answer for one query.
//!
//! Run it with the query as arguments (they are joined by one space):
//!
//! ```text
//! cargo run --example charfinder -- chess black
//! ```
//!
//! It prints one description line per character (`U+265A \t♚\tBLACK CHESS KING`), in code
//! point order, then the status line in parentheses: `(35 matches for 'chess black')`.
//!
//! Things to try: `registered`, `cat face`, `circled digit`, `u+1f525` (a code point),
//! `é€` (describe these characters), `jabberwocky` (no match), `cjk` (about 100,000 lines).

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use charindex::UnicodeNameIndex;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: charfinder WORD...   (e.g. charfinder chess black)");
        return ExitCode::from(2);
    }
    let Some(words) = args
        .iter()
        .map(|arg| arg.to_str())
        .collect::<Option<Vec<&str>>>()
    else {
        eprintln!("charfinder: the query is not valid UTF-8");
        return ExitCode::from(2);
    };
    let query = words.join(" ");

    let index = UnicodeNameIndex::new();
    match print_results(&index, &query) {
        Ok(()) => ExitCode::SUCCESS,
        // `charfinder cjk | head` closes the pipe early; that is not an error worth a word.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("charfinder: cannot write the results: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the description lines and then the status line, in parentheses.
fn print_results(index: &UnicodeNameIndex, query: &str) -> io::Result<()> {
    // `cjk` prints 100,000 lines: buffer them instead of a write call per line.
    let mut out = BufWriter::new(io::stdout().lock());
    let lines = index.describe(query);
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "({})", UnicodeNameIndex::status(query, lines.len()))?;
    out.flush()
}
