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
//! Beside the book's program: `get_flag` and `get_country` (each a request), then
//! `download_one` takes the semaphore once for each (the second request waits its turn
//! like any other), and hands the bytes to `spawn_blocking`. What differs: the book never
//! awaited its `run_in_executor` (a failed write went unnoticed and the report could come
//! before the files); here the write is awaited, inside `task::shield` so that a Ctrl-C
//! arriving during the write lets it finish (a thread cannot be interrupted anyway) and
//! the flag counts as saved. A 404 for either file counts as not found.

mod flags_common;

use std::fmt;
use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use flags_common::{args_or_exit, source, CtrlC, Progress, TaskList, EXIT_INTERRUPTED};
use flagsite::common::{
    country_filename, expand_cc_args, final_report, initial_report, save_flag, Counter, Program,
    Status, MAX_CONCUR_REQ,
};
use flagsite::site::country_from_metadata;
use oneloop::http::{self, Client};
use oneloop::sync::Semaphore;

/// How long one request may take, body included, before it counts as an error.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why `get_flag` brought no flag.
enum GetError {
    /// 404: the site has no flag for this code.
    NotFound,
    /// Any other status.
    Status(u16, String),
    /// `metadata.json` has no `"country"` string.
    NoCountry,
    /// The task was cancelled while it waited for a permit.
    Cancelled,
    /// No answer: connection refused or dropped, timeout, malformed response, or the
    /// task was cancelled (`is_cancelled()`).
    Http(http::Error),
}

impl From<http::Error> for GetError {
    fn from(e: http::Error) -> GetError {
        GetError::Http(e)
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::NotFound => f.write_str("404 Not Found"),
            GetError::Status(status, reason) if reason.is_empty() => write!(f, "{status}"),
            GetError::Status(status, reason) => write!(f, "{status} {reason}"),
            GetError::Http(e) => write!(f, "{e}"),
            GetError::NoCountry => f.write_str("metadata.json has no \"country\""),
            GetError::Cancelled => f.write_str("cancelled"),
        }
    }
}

/// The book's `FetchError`: a failed download, and the code it was for.
struct FetchError {
    country_code: String,
    cause: String,
}

/// The book's `Result` named tuple: how one code ended.
struct Outcome {
    status: Status,
    cc: String,
}

/// The error for an answer other than 200. Its body (a short message) is read first, so
/// that the connection goes back to the client's pool: an unread body can only be
/// skipped by closing the connection.
async fn refusal(resp: http::ClientResponse, status: u16) -> GetError {
    let reason = resp.reason().trim().to_string();
    let _ = resp.bytes().await;
    if status == 404 {
        GetError::NotFound
    } else {
        GetError::Status(status, reason)
    }
}

async fn get_flag(client: &Client, base_url: &str, cc: &str) -> Result<Vec<u8>, GetError> {
    let url = format!("{base_url}/{cc}/{cc}.gif", cc = cc.to_lowercase());
    let resp = client.get(&url).await?;
    match resp.status() {
        200 => Ok(resp.bytes().await?),
        status => Err(refusal(resp, status).await),
    }
}

async fn get_country(client: &Client, base_url: &str, cc: &str) -> Result<String, GetError> {
    let url = format!("{base_url}/{cc}/metadata.json", cc = cc.to_lowercase());
    let resp = client.get(&url).await?;
    match resp.status() {
        200 => country_from_metadata(&resp.bytes().await?).ok_or(GetError::NoCountry),
        status => Err(refusal(resp, status).await),
    }
}

async fn download_one(
    client: Client,
    cc: String,
    base_url: Rc<str>,
    semaphore: Rc<Semaphore>,
    verbose: bool,
    dest_dir: Rc<Path>,
) -> Result<Outcome, FetchError> {
    // Each request holds a permit only while it runs (the book's two `async with
    // semaphore` blocks): between them the permit goes to whoever waits. `acquire` fails
    // only when this task is cancelled while it waits.
    let fetched = async {
        let image = {
            let _permit = semaphore.acquire().await.map_err(|_| GetError::Cancelled)?;
            get_flag(&client, &base_url, &cc).await?
        };
        let country = {
            let _permit = semaphore.acquire().await.map_err(|_| GetError::Cancelled)?;
            get_country(&client, &base_url, &cc).await?
        };
        Ok((image, country))
    };
    let (status, msg) = match fetched.await {
        Err(GetError::NotFound) => (Status::NotFound, "not found"),
        Err(GetError::Cancelled) => {
            return Ok(Outcome {
                status: Status::Cancelled,
                cc,
            })
        }
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
        Ok((image, country)) => {
            let filename = country_filename(&country, &cc);
            let dir = dest_dir.to_path_buf();
            let name = filename.clone();
            let write = oneloop::task::spawn_blocking(move || save_flag(&dir, &name, &image));
            match oneloop::task::shield(write).await {
                Ok(Ok(())) => (Status::Ok, "OK"),
                Ok(Err(e)) => {
                    return Err(FetchError {
                        country_code: cc,
                        cause: format!("cannot save {filename}: {e}"),
                    })
                }
                Err(join_error) => {
                    return Err(FetchError {
                        country_code: cc,
                        cause: format!("the write of {filename} failed: {join_error}"),
                    })
                }
            }
        }
    };
    if verbose {
        println!("{cc} {msg}");
    }
    Ok(Outcome { status, cc })
}

/// Downloads `cc_list` with at most `concur_req` requests at once. Returns the counts and
/// whether Ctrl-C cut the run short.
async fn downloader_coro(
    cc_list: &[String],
    base_url: &str,
    verbose: bool,
    concur_req: usize,
    dest_dir: &Path,
) -> (Counter, bool) {
    let mut counter = Counter::default();
    let semaphore = Rc::new(Semaphore::new(concur_req));
    // One client for every request; its pool may open as many connections to the site
    // as the semaphore lets requests through, and no more are needed.
    let client = Client::builder()
        .max_connections_per_host(concur_req)
        .timeout(TIMEOUT)
        .build();
    let (base_url, dest_dir): (Rc<str>, Rc<Path>) = (base_url.into(), dest_dir.into());
    let tasks = TaskList::new();
    // Before the downloads are spawned, so SIGINT is ours before the first request.
    let ctrl_c = CtrlC::watch(tasks.clone());
    let to_do: Vec<_> = cc_list
        .iter()
        .map(|cc| {
            let task = tasks.spawn(download_one(
                client.clone(),
                cc.clone(),
                Rc::clone(&base_url),
                Rc::clone(&semaphore),
                verbose,
                Rc::clone(&dest_dir),
            ));
            let cc = cc.clone();
            async move { (cc, task.await) }
        })
        .collect();
    let mut to_do_iter = oneloop::as_completed(to_do);
    let progress = Progress::new(cc_list.len(), verbose);
    while let Some((cc, joined)) = to_do_iter.next().await {
        let (status, cc) = match joined {
            Ok(Ok(res)) => (res.status, res.cc),
            Ok(Err(exc)) => {
                if verbose {
                    println!("*** Error for {}: {}", exc.country_code, exc.cause);
                }
                (Status::Error, exc.country_code)
            }
            // Cancelled before it first ran: it never started.
            Err(join_error) if join_error.is_cancelled() => (Status::Cancelled, cc),
            Err(join_error) => {
                if verbose {
                    println!("*** Error for {cc}: {join_error}");
                }
                (Status::Error, cc)
            }
        };
        if verbose && status == Status::Cancelled {
            println!("{cc} cancelled");
        }
        counter.add(status);
        progress.inc();
    }
    progress.finish();
    (counter, ctrl_c.interrupted())
}

async fn async_main() -> ExitCode {
    let args = args_or_exit(Program::full("flags3"));
    // Already checked by the parser, which reports a usage error on bad codes.
    let cc_list =
        expand_cc_args(args.every, args.all, &args.cc_args, args.limit).unwrap_or_default();
    let actual_req = args.max_req.min(MAX_CONCUR_REQ).min(cc_list.len());
    let source = match source(&args).await {
        Ok(source) => source,
        Err(code) => return code,
    };
    print!(
        "{}",
        initial_report(&cc_list, actual_req, args.server.label(), &source.base_url)
    );
    let t0 = Instant::now();
    let (counter, interrupted) = downloader_coro(
        &cc_list,
        &source.base_url,
        args.verbose,
        actual_req,
        &args.dest_dir,
    )
    .await;
    if counter.total() != cc_list.len() {
        eprintln!("*** some downloads are unaccounted for: {counter:?}");
        return ExitCode::FAILURE;
    }
    print!("{}", final_report(&counter, t0.elapsed()));
    if interrupted {
        ExitCode::from(EXIT_INTERRUPTED)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    // `run` returns once `async_main` has, after cancelling what is left (the site).
    oneloop::run(async_main())
}
