//! `spawn_blocking`: run blocking code on a small thread pool, without stalling the loop.
//!
//! The pool is shared by every loop in the process. A job's result (or its panic) is stored
//! in a slot behind a mutex; the pool thread then wakes the waiting task through its
//! `Waker` — a wake from another thread, so it goes through the loop's inject queue and
//! interrupts the loop's wait (see `runtime/task/inject.rs`).

use std::collections::VecDeque;
use std::future::poll_fn;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use super::{spawn, JoinHandle};

/// At most this many pool threads; more jobs wait in the queue. Blocking work here is file
/// and DNS calls; 64 keeps a burst of them from exhausting the process's threads.
const MAX_THREADS: usize = 64;

/// An idle pool thread exits after this long, so a quiet program holds no spare threads.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    state: Mutex<PoolState>,
    /// Signalled when a job is queued.
    work: Condvar,
}

struct PoolState {
    jobs: VecDeque<Job>,
    /// Threads alive, and how many of them are waiting for a job.
    threads: usize,
    idle: usize,
}

static POOL: Pool = Pool {
    state: Mutex::new(PoolState {
        jobs: VecDeque::new(),
        threads: 0,
        idle: 0,
    }),
    work: Condvar::new(),
};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Queues `job`; starts a thread if none is idle and the pool is not full. Gives the job
/// back if it could not start a thread and no thread exists to run it later.
fn execute(job: Job) -> Result<(), (Job, std::io::Error)> {
    let mut state = lock(&POOL.state);
    state.jobs.push_back(job);
    // An idle thread takes a job only once it wakes up, so count the queued jobs against
    // the idle threads: with one idle thread and two jobs submitted back to back, the second
    // needs a thread of its own (it might be the job that unblocks the first).
    if state.jobs.len() <= state.idle {
        POOL.work.notify_one();
        return Ok(());
    }
    if state.threads >= MAX_THREADS {
        return Ok(()); // a busy thread takes it when it finishes its job
    }
    state.threads += 1;
    drop(state);
    if let Err(e) = thread::Builder::new()
        .name("oneloop-blocking".into())
        .spawn(worker)
    {
        let mut state = lock(&POOL.state);
        state.threads -= 1;
        if state.threads == 0 {
            let job = state.jobs.pop_back().expect("the job just queued");
            return Err((job, e));
        }
    }
    Ok(())
}

fn worker() {
    let mut state = lock(&POOL.state);
    loop {
        if let Some(job) = state.jobs.pop_front() {
            drop(state);
            job(); // panics are caught inside the job
            state = lock(&POOL.state);
            continue;
        }
        state.idle += 1;
        let (next, timeout) = POOL
            .work
            .wait_timeout(state, IDLE_TIMEOUT)
            .unwrap_or_else(PoisonError::into_inner);
        state = next;
        state.idle -= 1;
        if timeout.timed_out() && state.jobs.is_empty() {
            state.threads -= 1;
            return;
        }
    }
}

/// Where a pool thread leaves the result for the task that waits for it.
struct Slot<R> {
    result: Option<thread::Result<R>>,
    waker: Option<Waker>,
}

/// Runs `f` on the blocking thread pool and returns a handle to its result. The loop keeps
/// running meanwhile. A panic in `f` comes back as a `JoinError` with `is_panic()`.
///
/// The blocking call cannot be interrupted: `cancel()` has no effect on it, and `abort()`
/// only stops waiting for it (the thread still runs `f` to the end). Must be called inside
/// a loop.
///
/// ```
/// oneloop::run(async {
///     let sum = oneloop::task::spawn_blocking(|| (1..=100u32).sum::<u32>());
///     assert_eq!(sum.await.unwrap(), 5050);
/// });
/// ```
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let job_slot = Arc::clone(&slot);
    let job: Job = Box::new(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        let waker = {
            let mut slot = lock(&job_slot);
            slot.result = Some(result);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake(); // outside the lock
        }
    });
    let start_error = execute(job).err().map(|(_job, e)| e);
    spawn(async move {
        if let Some(e) = start_error {
            panic!("spawn_blocking could not start a thread: {e}");
        }
        let result = poll_fn(|cx| {
            let mut slot = lock(&slot);
            match slot.result.take() {
                Some(result) => Poll::Ready(result),
                None => {
                    slot.waker = Some(cx.waker().clone());
                    // Woken by the pool thread when the job is done.
                    Poll::Pending
                }
            }
        })
        .await;
        result.unwrap_or_else(|payload| panic::resume_unwind(payload))
    })
}
