//! flags3: *Fluent Python*'s `flags3_asyncio.py` — `flags2` plus a second request per
//! country: after the flag, `metadata.json` gives the country's name, and the flag is
//! saved as `downloads/{Country_Name}-{CC}.gif`, the file written by `spawn_blocking` on
//! a thread of the pool so that the loop never waits for the disk.
//!
//! Run it: `cargo run --example flags3 -- -a` (194 flags from a flag site started inside
//! the program), then look at `downloads/` (`Brazil-BR.gif`, `Korea,_South-KR.gif`...).
//! The command line is `flags2`'s: try `-s DELAY -m 100`, `-s ERROR -a -v`, `B`, Ctrl-C
//! in the middle of `-a -s DELAY`, `--base-url URL` for another server, `-h` for help.
//!
//! Beside the book's program: `get_flag` (shared with `flags2`, in
//! `flags_common/fetch.rs`) and `get_country` (each a request), then `download_one` takes
//! the semaphore once for each (the second request waits its turn like any other), and
//! hands the bytes to `spawn_blocking`; `downloader_coro` and the reports are `flags2`'s,
//! in `flags_common/concurrent.rs`, which `main` hands this program's `download_one`.
//! What differs: the book never awaited its `run_in_executor` (a failed write went
//! unnoticed and the report could come before the files); here the write is awaited,
//! inside `task::shield` so that a Ctrl-C arriving during the write lets it finish (a
//! thread cannot be interrupted anyway) and the flag counts as saved. A 404 for either
//! file counts as not found.

mod flags_common;

use std::process::ExitCode;
use std::rc::Rc;

use flags_common::concurrent::{async_main, Shared};
use flags_common::fetch::{
    fetch_failed, flag_saved, get_flag, refusal, FetchError, GetError, Outcome,
};
use flagsite::common::{country_filename, save_flag, Program};
use flagsite::site::country_from_metadata;
use oneloop::http::Client;

/// The name of the country `cc` (the `"country"` of `{base_url}/{cc}/metadata.json`), or
/// why there is none.
async fn get_country(client: &Client, base_url: &str, cc: &str) -> Result<String, GetError> {
    let url = format!("{base_url}/{cc}/metadata.json", cc = cc.to_lowercase());
    let resp = client.get(&url).await?;
    match resp.status() {
        200 => country_from_metadata(&resp.bytes().await?).ok_or(GetError::NoCountry),
        status => Err(refusal(resp, status).await),
    }
}

/// Downloads the flag of `cc` and its country's name, each request inside a permit of
/// `shared.semaphore`, and saves the flag in `shared.dest_dir` as `{Country_Name}-{CC}.gif`
/// on a thread of the pool; says how it ended (`{cc} OK`, `{cc} not found`) when
/// `shared.verbose`.
async fn download_one(cc: String, shared: Rc<Shared>) -> Result<Outcome, FetchError> {
    // Each request holds a permit only while it runs (the book's two `async with
    // semaphore` blocks): between them the permit goes to whoever waits. `acquire` fails
    // only when this task is cancelled while it waits (`GetError::Cancelled`).
    let fetched = async {
        let image = {
            let _permit = shared.semaphore.acquire().await?;
            get_flag(&shared.client, &shared.base_url, &cc).await?
        };
        let country = {
            let _permit = shared.semaphore.acquire().await?;
            get_country(&shared.client, &shared.base_url, &cc).await?
        };
        Ok((image, country))
    };
    let (image, country) = match fetched.await {
        Ok(fetched) => fetched,
        Err(e) => return fetch_failed(cc, e, shared.verbose),
    };
    let filename = country_filename(&country, &cc);
    let dir = shared.dest_dir.clone();
    let name = filename.clone();
    let write = oneloop::task::spawn_blocking(move || save_flag(&dir, &name, &image));
    let saved = match oneloop::task::shield(write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("cannot save {filename}: {e}")),
        Err(join_error) => Err(format!("the write of {filename} failed: {join_error}")),
    };
    flag_saved(cc, saved, shared.verbose)
}

fn main() -> ExitCode {
    // `run` returns once `async_main` has, after cancelling what is left (the site).
    oneloop::run(async_main(Program::full("flags3"), download_one))
}
