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

use std::process::ExitCode;
use std::rc::Rc;

use flags_common::concurrent::{async_main, Shared};
use flags_common::fetch::{fetch_failed, flag_saved, get_flag, FetchError, GetError, Outcome};
use flagsite::common::{save_flag, Program};

/// Downloads the flag of `cc` into `shared.dest_dir` as `{cc}.gif`, the request inside a
/// permit of `shared.semaphore`; says how it ended (`{cc} OK`, `{cc} not found`) when
/// `shared.verbose`.
async fn download_one(cc: String, shared: Rc<Shared>) -> Result<Outcome, FetchError> {
    // The semaphore as a guard (the book's `async with semaphore`): the permit is held
    // for the request and its body, and released when `image` is computed.
    let image = match shared.semaphore.acquire().await {
        Ok(_permit) => get_flag(&shared.client, &shared.base_url, &cc).await,
        // `acquire` fails only when this task is cancelled while it waits.
        Err(_cancelled) => Err(GetError::Cancelled),
    };
    let image = match image {
        Ok(image) => image,
        Err(e) => return fetch_failed(cc, e, shared.verbose),
    };
    // Blocking, as in the book: a few kilobytes to the page cache.
    let filename = format!("{}.gif", cc.to_lowercase());
    let saved = save_flag(&shared.dest_dir, &filename, &image)
        .map_err(|e| format!("cannot save {filename}: {e}"));
    flag_saved(cc, saved, shared.verbose)
}

fn main() -> ExitCode {
    // `run` returns once `async_main` has, after cancelling what is left (the site).
    oneloop::run(async_main(Program::full("flags2"), download_one))
}
