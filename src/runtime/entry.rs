//! The entry points of the loop: `run` (asyncio.run), `Runtime`, `Builder`, `block_on`.
//!
//! `block_on` polls its future in place, as the *root* task (task 1), and turns the loop
//! (`super::turn`) until the root is done; `run` adds asyncio's epilogue: cancel every task
//! left, and let them clean up.

use std::future::Future;
use std::io;
use std::panic;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::context::{self, Core};
use super::counters::bump;
use super::task::inject;
use super::task::key::TaskKey;
use super::task::state::State;
use super::trace::{self, Recorder};
use super::{live_tasks, turn, PollRoot};

/// How long [`run`] lets leftover tasks clean up after it cancelled them, before it drops
/// them. asyncio waits without limit; a task that ignores its cancellation would then hang
/// the program at exit.
const CLEANUP_GRACE: Duration = Duration::from_secs(2);

/// Runs `future` to completion on a new loop on this thread, then cancels every task still
/// alive and lets them run their cleanup (for at most 2 s, then they are dropped), like
/// `asyncio.run`. Panics if called inside a running loop, or if the loop cannot be created
/// (no file descriptors left for its epoll instance).
///
/// ```
/// let answer = oneloop::run(async {
///     oneloop::time::sleep(std::time::Duration::from_millis(1)).await.unwrap();
///     42
/// });
/// assert_eq!(answer, 42);
/// ```
pub fn run<F: Future>(future: F) -> F::Output {
    assert_not_nested("oneloop::run");
    let runtime =
        Runtime::new().unwrap_or_else(|e| panic!("oneloop::run could not create the loop: {e}"));
    let output = runtime.block_on(future);
    runtime.cancel_leftovers(CLEANUP_GRACE);
    output
}

/// Runs `future` to completion on a new loop on this thread and returns its output, then
/// drops every task still running, at once: what `#[tokio::main]` does, and what
/// `#[oneloop::main]` expands to. Destructors run; code after a task's await does not.
/// [`run`] is the asyncio way out: the tasks left are cancelled and may clean up.
/// Panics if called inside a running loop.
///
/// ```
/// use oneloop::time::{sleep, Duration};
///
/// let answer = oneloop::runtime::block_on(async {
///     // A task that never ends by itself does not hold the exit.
///     oneloop::spawn(async { loop { let _ = sleep(Duration::from_secs(1)).await; } });
///     42
/// });
/// assert_eq!(answer, 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let runtime = Runtime::new()
        .unwrap_or_else(|e| panic!("oneloop::runtime::block_on could not create the loop: {e}"));
    runtime.block_on(future)
    // `runtime` is dropped here, and every task's future with it.
}

/// A loop: tasks, timers and a reactor, run on the thread that calls [`Runtime::block_on`].
///
/// ```
/// let rt = oneloop::Runtime::new().unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Runtime {
    core: Rc<Core>,
}

/// Builds a [`Runtime`] with options.
///
/// ```
/// let rt = oneloop::Runtime::builder().trace(false).build().unwrap();
/// rt.block_on(async {});
/// ```
#[derive(Debug, Default)]
pub struct Builder {
    trace: Option<bool>,
    trace_file: Option<PathBuf>,
}

impl Builder {
    /// A builder for a loop on the current thread — the only kind there is. tokio's name,
    /// so that `Builder::new_current_thread().enable_all().build()` ports unchanged.
    ///
    /// ```
    /// let rt = oneloop::runtime::Builder::new_current_thread().enable_all().build()?;
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder::default()
    }

    /// Accepted for porting from tokio; does nothing: the reactor and the timers are always
    /// on (the loop is one thing, not a set of drivers).
    ///
    /// ```
    /// let _builder = oneloop::Runtime::builder().enable_all();
    /// ```
    pub fn enable_all(self) -> Self {
        self
    }

    /// Accepted for porting from tokio; does nothing (I/O is always enabled).
    ///
    /// ```
    /// let _builder = oneloop::Runtime::builder().enable_io();
    /// ```
    pub fn enable_io(self) -> Self {
        self
    }

    /// Accepted for porting from tokio; does nothing (timers are always enabled).
    ///
    /// ```
    /// let _builder = oneloop::Runtime::builder().enable_time();
    /// ```
    pub fn enable_time(self) -> Self {
        self
    }

    /// Prints one line per turn of the loop on stderr (tasks run, timers fired, I/O events,
    /// wait). Without this call, the environment variable `ONELOOP_TRACE=1` turns it on.
    ///
    /// ```
    /// let _builder = oneloop::Runtime::builder().trace(true);
    /// ```
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = Some(on);
        self
    }

    /// Records the run in a trace file at `path`, written when the `Runtime` is dropped, in
    /// the Chrome Trace Event Format (JSON) that Perfetto (ui.perfetto.dev) and Chromium's
    /// trace viewer open, and that `cargo run --example loop_timeline -- PATH` draws as an
    /// SVG: a track for the loop with a slice per phase of each turn, a track per task with
    /// a slice per poll, timer fires, cancel requests and deliveries, and an arrow from each
    /// wake to the poll it caused. DESIGN.md ("Seeing the loop") shows how to read it.
    /// Without this call, `ONELOOP_TRACE=chrome:PATH` does the same.
    ///
    /// ```
    /// let path = std::env::temp_dir().join("oneloop-doc-trace.json");
    /// let rt = oneloop::Runtime::builder().trace_file(&path).build()?;
    /// rt.block_on(async { oneloop::task::yield_now().await.unwrap() });
    /// drop(rt); // writes the file
    /// assert!(std::fs::read_to_string(&path)?.contains("\"traceEvents\""));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn trace_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.trace_file = Some(path.into());
        self
    }

    /// Creates the loop: its epoll (or `polling`) instance and its cross-thread waker.
    ///
    /// ```
    /// let rt = oneloop::Runtime::builder().build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        // `ONELOOP_TRACE=1`: a line per turn; `ONELOOP_TRACE=chrome:PATH`: a trace file.
        let env = std::env::var_os("ONELOOP_TRACE").unwrap_or_default();
        let env_file = env
            .to_str()
            .and_then(|v| v.strip_prefix("chrome:"))
            .map(PathBuf::from);
        let trace = self
            .trace
            .unwrap_or(env_file.is_none() && env != "0" && !env.is_empty());
        let recorder = self
            .trace_file
            .or(env_file)
            .map(|path| Box::new(Recorder::new(path)));
        Ok(Runtime {
            core: Rc::new(Core::new(trace, recorder)?),
        })
    }
}

impl Runtime {
    /// A loop with default options (see [`Builder`]).
    ///
    /// ```
    /// let rt = oneloop::Runtime::new()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::default().build()
    }

    /// A [`Builder`] for a loop with options.
    ///
    /// ```
    /// let rt = oneloop::Runtime::builder().trace(false).build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Runs the loop until `future` completes and returns its output. Tasks it spawned and
    /// that are still alive stay in the loop for the next `block_on` (they are dropped with
    /// the `Runtime`). Panics if called inside a running loop; a panic of `future` itself
    /// propagates to the caller.
    ///
    /// ```
    /// let rt = oneloop::Runtime::new().unwrap();
    /// let handle = rt.block_on(async { oneloop::spawn(async { "later" }) });
    /// assert_eq!(rt.block_on(handle).unwrap(), "later");
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        assert_not_nested("Runtime::block_on");
        block_on_core(&self.core, future)
    }

    /// A [`Handle`](super::Handle) to this loop, to spawn on it or block on it later
    /// (tokio's `Runtime::handle`).
    ///
    /// ```
    /// let rt = oneloop::Runtime::new().unwrap();
    /// let handle = rt.handle();
    /// let task = handle.spawn(async { 5 }); // queued; runs when the loop next runs
    /// assert_eq!(handle.block_on(task).unwrap(), 5);
    /// ```
    pub fn handle(&self) -> super::Handle {
        super::Handle::new(Rc::clone(&self.core))
    }

    /// `run`'s epilogue, as `asyncio.run`'s: finish the turn (the tasks already queued run
    /// once, so a task spawned just before the root returned takes its first step), cancel
    /// every live task, then turn the loop until they have all finished or `grace` has
    /// passed. A task spawned during that last step is cancelled before its first poll, so
    /// it never runs (asyncio's too).
    fn cancel_leftovers(&self, grace: Duration) {
        let core = &self.core;
        let _enter = context::enter(Rc::clone(core));
        super::run_queued_once(core);
        let live: Vec<(TaskKey, u64)> = core
            .tasks
            .borrow_mut()
            .iter_mut()
            .filter(|(_, task)| task.state != State::Finished)
            .map(|(slot, task)| {
                task.cancel.requested += 1;
                task.cancel.undelivered += 1;
                let key = TaskKey {
                    slot: slot as u32,
                    generation: task.generation,
                };
                (key, task.id.0)
            })
            .collect();
        super::running::request_added();
        for (key, id) in live {
            trace::cancel_requested(core, id);
            core.schedule(key);
        }
        let deadline = Instant::now() + grace;
        while live_tasks(core) > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if let Err(e) = turn(core, None, Some(left)) {
                panic!("oneloop: waiting for I/O failed during shutdown: {e}");
            }
        }
    }
}

impl Drop for Runtime {
    /// Drops every task's future (their destructors may still use the loop, so it is made
    /// current meanwhile), which also breaks the `Rc` cycles between tasks and handles.
    fn drop(&mut self) {
        let _enter = context::enter(Rc::clone(&self.core));
        self.core.closing.set(true);
        loop {
            let cells: Vec<_> = self
                .core
                .tasks
                .borrow_mut()
                .iter_mut()
                .filter_map(|(_, t)| t.cell.take())
                .collect();
            if cells.is_empty() {
                break;
            }
            drop(cells);
        }
        // Taken out first and dropped outside the borrows: a waker's destructor (a join
        // waker, a deferred waker) may be foreign code that calls back into oneloop.
        let tasks = std::mem::take(&mut *self.core.tasks.borrow_mut());
        drop(tasks);
        let deferred = std::mem::take(&mut *self.core.deferred.borrow_mut());
        drop(deferred);
        trace::finish(&self.core);
        inject::unregister(self.core.id);
    }
}

/// `Runtime::block_on`'s body, shared with `Handle::block_on`: polls `future` as the root
/// task and turns the loop until it is done. The caller checked that no loop runs here.
pub(crate) fn block_on_core<F: Future>(core: &Rc<Core>, future: F) -> F::Output {
    let _enter = context::enter(Rc::clone(core));
    let mut root = Root {
        future: std::pin::pin!(future),
        output: None,
    };
    let (key, _) = core.insert_task(None, None);
    let _root_entry = RootEntry {
        core,
        slot: key.slot,
    };
    let outcome = loop {
        match turn(core, Some((key.slot, &mut root)), None) {
            Ok(None) if root.output.is_none() => continue,
            Ok(None) => break Ok(()),
            Ok(Some(panic)) => break Err(panic),
            Err(e) => panic!("oneloop: waiting for I/O failed, the loop cannot go on: {e}"),
        }
    };
    match outcome {
        Ok(()) => root.output.take().expect("root future finished"),
        Err(panic) => panic::resume_unwind(panic),
    }
}

pub(crate) fn assert_not_nested(what: &str) {
    if context::with_current(|_| ()).is_some() {
        panic!("{what} was called inside a running oneloop loop; a loop cannot block on itself: await the future or spawn it instead");
    }
}

/// Removes the root's slab entry when `block_on` returns — or unwinds, so that a panic that
/// escapes a turn leaves no task behind that would never finish.
struct RootEntry<'a> {
    core: &'a Core,
    slot: u32,
}

impl Drop for RootEntry<'_> {
    fn drop(&mut self) {
        let core = self.core;
        super::running::running(|r| r.task.set(None));
        core.run_queue
            .borrow_mut()
            .retain(|&queued| queued != self.slot);
        let Ok(mut tasks) = core.tasks.try_borrow_mut() else {
            return;
        };
        if let Some(root) = tasks.try_remove(self.slot as usize) {
            if root.state != State::Finished {
                bump(&core.counters.finished, 1);
            }
        }
    }
}

/// The future given to `block_on`, polled in place on the caller's stack.
struct Root<'a, T> {
    future: Pin<&'a mut dyn Future<Output = T>>,
    output: Option<T>,
}

impl<T> PollRoot for Root<'_, T> {
    fn is_done(&self) -> bool {
        self.output.is_some()
    }

    fn poll_root(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.future
            .as_mut()
            .poll(cx)
            .map(|output| self.output = Some(output))
    }
}
