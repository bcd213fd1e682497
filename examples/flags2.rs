//! flags2: the flag downloader of *Fluent Python*'s `flags2_asyncio.py` — a `Semaphore`
//! bounds the requests in flight, `as_completed` hands over each result as it comes, and
//! every failure is counted, never fatal.
//!
//! Run it: `cargo run --example flags2 -- -a` downloads the 194 flags from a flag site
//! that the program starts inside its own loop (one loop serves and downloads). Try
//! `-s DELAY` (every answer half a second late: watch what `-m 100` changes), `-s ERROR
//! -a -v` (a quarter of the requests fail; each is reported and counted), `-e -m 100`
//! (every code AA to ZZ: 482 of them are not found), `B` or `BR CN` for some codes, and
//! Ctrl-C in the middle of `-a -s DELAY`: the downloads still running are cancelled and
//! the report counts what finished. `--base-url http://127.0.0.1:8001/flags` downloads
//! from another server, such as `cargo run --example flags_server`; `-h` lists the rest.
//! Flags go to `downloads/` (or `--dest DIR`, or `$FLAGS_DEST_DIR`).
//!
//! Beside the book's program, read in the same order: `get_flag` (in
//! `flags_common/fetch.rs`, shared with `flags3`), `download_one` (here: the semaphore as
//! a guard around the request), `downloader_coro` (the semaphore, the tasks,
//! `as_completed`, the counter) and `async_main` (the reports), both in
//! `flags_common/concurrent.rs`, which `main` hands this program's `download_one`. What
//! differs: the loop runs the flag site too; Ctrl-C cancels the tasks (each gets
//! `Cancelled` at its next await) and still prints the report, then exits 130; a flag is
//! written to a temporary name and renamed, so no `.gif` is ever half-written.

mod flags_common;

use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;

use flags_common::concurrent::async_main;
use flags_common::fetch::{get_flag, FetchError, GetError, Outcome};
use flagsite::common::{save_flag, Program, Status};
use oneloop::http::Client;
use oneloop::sync::Semaphore;

/// Downloads the flag of `cc` into `dest_dir` as `{cc}.gif`, the request inside a permit
/// of `semaphore`; says how it ended (`{cc} OK`, `{cc} not found`) when `verbose`.
async fn download_one(
    client: Client,
    cc: String,
    base_url: Rc<str>,
    semaphore: Rc<Semaphore>,
    verbose: bool,
    dest_dir: Rc<Path>,
) -> Result<Outcome, FetchError> {
    // The semaphore as a guard (the book's `async with semaphore`): the permit is held
    // for the request and its body, and released when `image` is computed.
    let image = match semaphore.acquire().await {
        Ok(_permit) => get_flag(&client, &base_url, &cc).await,
        // `acquire` fails only when this task is cancelled while it waits.
        Err(_cancelled) => {
            return Ok(Outcome {
                status: Status::Cancelled,
                cc,
            })
        }
    };
    let (status, msg) = match image {
        Err(GetError::NotFound) => (Status::NotFound, "not found"),
        Err(GetError::Http(e)) if e.is_cancelled() => {
            return Ok(Outcome {
                status: Status::Cancelled,
                cc,
            });
        }
        Err(e) => {
            return Err(FetchError {
                country_code: cc,
                cause: e.to_string(),
            })
        }
        Ok(image) => {
            // Blocking, as in the book: a few kilobytes to the page cache.
            let filename = format!("{}.gif", cc.to_lowercase());
            if let Err(e) = save_flag(&dest_dir, &filename, &image) {
                return Err(FetchError {
                    country_code: cc,
                    cause: format!("cannot save {filename}: {e}"),
                });
            }
            (Status::Ok, "OK")
        }
    };
    if verbose {
        println!("{cc} {msg}");
    }
    Ok(Outcome { status, cc })
}

fn main() -> ExitCode {
    // `run` returns once `async_main` has, after cancelling what is left (the site).
    oneloop::run(async_main(Program::full("flags2"), download_one))
}
