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
//! Beside the book's program, read in the same order: `get_flag`, `download_one` (the
//! semaphore as a guard around the request), `downloader_coro` (the semaphore, the tasks,
//! `as_completed`, the counter), `main` (the reports). What differs: the loop runs the
//! flag site too; Ctrl-C cancels the tasks (each gets `Cancelled` at its next await) and
//! still prints the report, then exits 130; a flag is written to a temporary name and
//! renamed, so no `.gif` is ever half-written.

mod flags_common;

use std::fmt;
use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use flags_common::{args_or_exit, source, CtrlC, Progress, TaskList, EXIT_INTERRUPTED};
use flagsite::common::{
    expand_cc_args, final_report, initial_report, save_flag, Counter, Program, Status,
    MAX_CONCUR_REQ,
};
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
    let args = args_or_exit(Program::full("flags2"));
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
