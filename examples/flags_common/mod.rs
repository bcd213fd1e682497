//! The asynchronous part the flag downloaders (`flags`, `flags2`, `flags3`) share, beside
//! the synchronous part in `flagsite::common` (command line, reports, `save_flag`): here,
//! where to download from, the progress bar, and a list of tasks that Ctrl-C can cancel;
//! in `fetch.rs`, `get_flag` and its errors; in `concurrent.rs`, the driver `flags2` and
//! `flags3` run with their own `download_one` (`downloader_coro`, `async_main`).
//!
//! Each example includes this folder with `mod flags_common;` and uses what it needs.

#![allow(dead_code)] // `flags` uses less of this than `flags2` and `flags3` do.

pub mod concurrent;
pub mod fetch;

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::io::IsTerminal;
use std::pin::Pin;
use std::process::ExitCode;
use std::rc::Rc;

use flagsite::common::{parse_args, Args, Parsed, Program, Server};
use flagsite::server::Running;
use oneloop::{JoinError, JoinHandle};

/// The exit code of a usage error (as `argparse`'s).
pub const EXIT_USAGE: u8 = 2;
/// The exit code after Ctrl-C: 128 + SIGINT, as a shell reports a process it interrupted.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The command line of `program`, or the end of the program: `-h` prints the help and
/// exits 0; a usage error prints `*** Usage error: ...` and the usage line, and exits 2.
pub fn args_or_exit(program: Program) -> Args {
    match parse_args(program, std::env::args().skip(1)) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            print!("{}", program.help());
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("{e}\n{}", program.usage());
            std::process::exit(EXIT_USAGE.into());
        }
    }
}

/// Where the downloads come from: the `--base-url` given, or the flag site started in
/// this loop in the mode `-s` names. `-s REMOTE` without a URL is an error: the book's
/// site is on the Internet, and this program does not go there.
pub struct Source {
    /// The URL the flags are under (`{base_url}/{cc}/{cc}.gif`).
    pub base_url: String,
    /// The site running in this loop, if we started one (stopped when the loop ends).
    pub site: Option<Running>,
}

/// Works out the [`Source`] for `args`, starting the site if needed; on failure prints
/// why and returns the exit code to end with.
pub async fn source(args: &Args) -> Result<Source, ExitCode> {
    if let Some(url) = &args.base_url {
        return Ok(Source {
            base_url: url.clone(),
            site: None,
        });
    }
    match args.server {
        Server::Remote => {
            eprintln!(
                "*** REMOTE site: there is no network here. Start `cargo run --example \
                 flags_server` and pass --base-url http://127.0.0.1:8001/flags, or use \
                 -s LOCAL, DELAY or ERROR to download from a site inside this program."
            );
            Err(ExitCode::from(EXIT_USAGE))
        }
        Server::Site(mode) => match flagsite::server::start(mode).await {
            Ok(site) => Ok(Source {
                base_url: site.base_url.clone(),
                site: Some(site),
            }),
            Err(e) => {
                eprintln!("*** cannot start the flag site: {e}");
                Err(ExitCode::FAILURE)
            }
        },
    }
}

/// Spawned tasks that can all be cancelled at once (asyncio: a list of `Task`s and
/// `task.cancel()` on each), while `as_completed` waits on them.
///
/// `as_completed` needs to own what it waits on and `cancel` needs the handles too, so the
/// handles live here, in a shared list, and each future given to `as_completed` polls its
/// own handle through the list. The list is only borrowed during one poll or one cancel,
/// never across an await, so the borrows never overlap on the one thread.
pub struct TaskList<T> {
    handles: Rc<RefCell<Vec<JoinHandle<T>>>>,
}

impl<T> Clone for TaskList<T> {
    fn clone(&self) -> Self {
        TaskList {
            handles: Rc::clone(&self.handles),
        }
    }
}

impl<T: 'static> TaskList<T> {
    pub fn new() -> TaskList<T> {
        TaskList {
            handles: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// Spawns `future` as a task and returns a future of its result, to await (or give to
    /// `as_completed`) in place of its `JoinHandle`.
    pub fn spawn<F>(&self, future: F) -> impl Future<Output = Result<T, JoinError>>
    where
        F: Future<Output = T> + 'static,
    {
        let index = {
            let mut handles = self.handles.borrow_mut();
            handles.push(oneloop::spawn(future));
            handles.len() - 1
        };
        let handles = Rc::clone(&self.handles);
        // Pending here means the task has not finished; it wakes us when it does.
        poll_fn(move |cx| Pin::new(&mut handles.borrow_mut()[index]).poll(cx))
    }

    /// Asks every task to stop: each gets `Cancelled` at its next await (the ones not yet
    /// started never start). Returns how many were still running.
    pub fn cancel_all(&self) -> usize {
        self.handles
            .borrow()
            .iter()
            .filter(|handle| handle.cancel())
            .count()
    }
}

/// Waits for Ctrl-C in a task of its own, then cancels every task of `tasks`. The handler
/// of SIGINT is installed when this task first runs, which is before any task spawned
/// after it: call this before spawning the downloads. `interrupted()` says whether it
/// fired; drop the watcher (or the loop ending) stops it.
pub struct CtrlC {
    fired: Rc<Cell<bool>>,
    task: JoinHandle<()>,
}

impl CtrlC {
    pub fn watch<T: 'static>(tasks: TaskList<T>) -> CtrlC {
        let fired = Rc::new(Cell::new(false));
        let flag = Rc::clone(&fired);
        let task = oneloop::task::Builder::new()
            .name("ctrl-c")
            .spawn(async move {
                if oneloop::signal::ctrl_c().await.is_ok() {
                    flag.set(true);
                    tasks.cancel_all();
                }
            });
        CtrlC { fired, task }
    }

    pub fn interrupted(&self) -> bool {
        self.fired.get()
    }
}

impl Drop for CtrlC {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The progress bar (tqdm's role in the book): on stderr, only when stderr is a terminal
/// and `-v` is off.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn new(total: usize, verbose: bool) -> Progress {
        if verbose || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(total as u64);
        // tqdm's look: percentage, bar, count, [elapsed<remaining, rate].
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{percent:>3}%|{wide_bar}| {pos}/{len} [{elapsed_precise}<{eta_precise}, {rate}]",
        ) {
            bar.set_style(style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.2} flags/s", state.per_sec());
                },
            ));
        }
        Progress(Some(bar))
    }

    pub fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish();
        }
    }
}
