//! The bounded-concurrency driver `flags2` and `flags3` share: `downloader_coro` (a
//! semaphore, one task per code, `as_completed`, the counter) and `async_main` (the
//! command line, the reports, the exit code).
//!
//! The two programs differ only in how one code is downloaded, so each passes its own
//! `download_one` here, as the book's `flags2_common.main` is given each program's
//! `download_many`. A `download_one` is any `async fn` of this shape:
//!
//! ```text
//! async fn download_one(cc: String, shared: Rc<Shared>) -> Result<Outcome, FetchError>
//! ```
//!
//! where [`Shared`] holds the book's other arguments (`client`, `base_url`, `semaphore`,
//! `verbose`) and the download folder. It takes a permit of `semaphore` around each
//! request, and ends with `fetch_failed` or `flag_saved`: the rest (the errors reported,
//! the tasks that never started, Ctrl-C) is done here.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use flagsite::common::{
    expand_cc_args, final_report, initial_report, Counter, Program, Status, MAX_CONCUR_REQ,
};
use oneloop::http::Client;
use oneloop::sync::Semaphore;

use super::fetch::{FetchError, Outcome};
use super::{args_or_exit, source, CtrlC, Progress, TaskList, EXIT_INTERRUPTED};

/// How long one request may take, body included, before it counts as an error.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What every `download_one` of a run is given besides its code (the book passes them one
/// by one): one `Rc` of it, cloned into each task.
pub struct Shared {
    /// One client for every request; its pool may open as many connections to the site
    /// as the semaphore lets requests through, and no more are needed.
    pub client: Client,
    /// The URL the flags are under (`{base_url}/{cc}/{cc}.gif`).
    pub base_url: String,
    /// A permit for each request in flight: at most `-m N` at once.
    pub semaphore: Semaphore,
    /// `-v`: say how each code ended.
    pub verbose: bool,
    /// Where the flags are saved.
    pub dest_dir: PathBuf,
}

/// Downloads `cc_list` with at most `concur_req` requests at once, each code by
/// `download_one` in a task of its own. Returns the counts and whether Ctrl-C cut the run
/// short.
pub async fn downloader_coro<D, F>(
    download_one: D,
    cc_list: &[String],
    base_url: &str,
    verbose: bool,
    concur_req: usize,
    dest_dir: &Path,
) -> (Counter, bool)
where
    D: Fn(String, Rc<Shared>) -> F,
    F: Future<Output = Result<Outcome, FetchError>> + 'static,
{
    let mut counter = Counter::default();
    let shared = Rc::new(Shared {
        client: Client::builder()
            .max_connections_per_host(concur_req)
            .timeout(TIMEOUT)
            .build(),
        base_url: base_url.to_string(),
        semaphore: Semaphore::new(concur_req),
        verbose,
        dest_dir: dest_dir.to_path_buf(),
    });
    let tasks = TaskList::new();
    // Before the downloads are spawned, so SIGINT is ours before the first request.
    let ctrl_c = CtrlC::watch(tasks.clone());
    let to_do: Vec<_> = cc_list
        .iter()
        .map(|cc| {
            let task = tasks.spawn(download_one(cc.clone(), Rc::clone(&shared)));
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

/// The whole run of `program` (the book's `flags2_common.main`): the command line, the
/// initial report, `downloader_coro` with `download_one`, the final report. Exits 130
/// after Ctrl-C (the report is still printed), 1 if a code went uncounted.
pub async fn async_main<D, F>(program: Program, download_one: D) -> ExitCode
where
    D: Fn(String, Rc<Shared>) -> F,
    F: Future<Output = Result<Outcome, FetchError>> + 'static,
{
    let args = args_or_exit(program);
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
        download_one,
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
