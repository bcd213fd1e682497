//! The task cell: the one heap allocation of a task, holding its future and, later, its output.
//!
//! A spawned future `F` is boxed as a `TaskCell<F>` and stored, type-erased, in the loop's task
//! slab. The cell goes through three stages: `Running(F)` while the loop polls it,
//! `Finished(result)` once the future returned (or panicked, or was cancelled), and `Consumed`
//! after the `JoinHandle` took the result. Everything else about the task (its state, its
//! cancel counters, its name) lives in the slab entry, [`Task`], whose memory the slab
//! (`slab.rs`) reuses, so the only per-task allocation is this small box.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::state::State;
use super::{Id, JoinError};

/// The type-erased interface the loop uses to drive a task cell without knowing `F`.
pub(crate) trait Erased {
    /// Polls the future once; on `Ready` stores its output and drops the future.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;
    /// Drops the future now (abort, cancel before first poll, panic) and stores `err` as the result.
    fn finish(self: Pin<&mut Self>, err: JoinError);
    /// Moves the result into `dst`, which must be `&mut Option<Result<F::Output, JoinError>>`.
    fn take_output(self: Pin<&mut Self>, dst: &mut dyn Any);
}

/// A boxed, type-erased task cell, as stored in the slab.
pub(crate) type BoxedTask = Pin<Box<dyn Erased>>;

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// The concrete cell for a future `F`.
pub(crate) struct TaskCell<F: Future> {
    /// Why an enum and not two fields: the future and its output never exist at the same
    /// time, so they share the same bytes.
    stage: Stage<F>,
}

impl<F: Future + 'static> TaskCell<F> {
    pub(crate) fn boxed(future: F) -> BoxedTask {
        Box::pin(TaskCell {
            stage: Stage::Running(future),
        })
    }
}

#[allow(unsafe_code)]
impl<F: Future + 'static> Erased for TaskCell<F>
where
    F::Output: 'static,
{
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `TaskCell` is only ever reached through `Pin<&mut Self>`, and we never move
        // the `F` out of `Stage::Running`: it is polled in place and later dropped in place
        // when the stage is overwritten. That is exactly the pinning contract (structural
        // pinning of the `Running` field), so projecting the pin to `F` is sound.
        let this = unsafe { self.get_unchecked_mut() };
        let future = match &mut this.stage {
            Stage::Running(future) => unsafe { Pin::new_unchecked(future) },
            // The loop never polls a finished cell; treat it as done rather than panic.
            _ => return Poll::Ready(()),
        };
        match future.poll(cx) {
            Poll::Ready(output) => {
                this.stage = Stage::Finished(Ok(output));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn finish(mut self: Pin<&mut Self>, err: JoinError) {
        // `Pin::set` drops the old cell (and `F` with it) in place and writes the new one:
        // what pinning allows, with no unsafe code.
        self.set(TaskCell {
            stage: Stage::Finished(Err(err)),
        });
    }

    fn take_output(self: Pin<&mut Self>, dst: &mut dyn Any) {
        // SAFETY: the stage is replaced only when it is `Finished`, which holds no pinned
        // data (the future is gone); a `Running` future is never moved or touched here.
        let this = unsafe { self.get_unchecked_mut() };
        if !matches!(this.stage, Stage::Finished(_)) {
            return;
        }
        if let Some(dst) = dst.downcast_mut::<Option<Result<F::Output, JoinError>>>() {
            if let Stage::Finished(result) = std::mem::replace(&mut this.stage, Stage::Consumed) {
                *dst = Some(result);
            }
        }
    }
}

/// Cancellation bookkeeping of one task (the rule is in `oneloop::task`'s docs).
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct CancelState {
    /// asyncio's `cancelling()`: `cancel()` adds one, `uncancel()` takes one away.
    pub(crate) requested: u32,
    /// Requests not yet delivered; each cancellation point that runs consumes one.
    pub(crate) undelivered: u32,
    /// How many `shield(..)` futures are being polled on this task right now; while it is
    /// not zero, no request is delivered.
    pub(crate) shield: u32,
}

/// One entry of the loop's task slab.
pub(crate) struct Task {
    /// The boxed future; `None` while the loop has it out to poll, and always for the root
    /// future of `block_on`, which lives on the caller's stack.
    pub(crate) cell: Option<BoxedTask>,
    /// Tells this task apart from earlier tasks that used the same slab slot; a waker carries
    /// it, so a stale waker cannot wake a stranger.
    pub(crate) generation: u16,
    /// Where the task stands (see `state.rs`).
    pub(crate) state: State,
    /// Polled at least once? A task cancelled before its first poll never runs.
    pub(crate) started: bool,
    /// `abort()` was called: drop the future at its next scheduling.
    pub(crate) aborted: bool,
    /// A `JoinHandle` still exists; if not, the entry is removed as soon as the task finishes.
    pub(crate) has_handle: bool,
    /// Cancel requests, delivered at cancellation points.
    pub(crate) cancel: CancelState,
    /// The public id (1 for the root future, then 2, 3, ... in spawn order).
    pub(crate) id: Id,
    /// The name given with `task::Builder::name`, shared with the `JoinHandle`.
    pub(crate) name: Option<Rc<str>>,
    /// The task awaiting this one's `JoinHandle`, woken when it finishes.
    pub(crate) join_waker: Option<Waker>,
    /// How many times it was polled (for `runtime::tasks()` and for tests).
    pub(crate) polls: u32,
    /// What its last `Pending` was waiting for ("sleep", "read", ...), for `runtime::tasks()`.
    pub(crate) waits_on: &'static str,
}

impl Task {
    pub(crate) fn new(
        cell: Option<BoxedTask>,
        generation: u16,
        id: Id,
        name: Option<Rc<str>>,
    ) -> Task {
        Task {
            cell,
            generation,
            state: State::Scheduled,
            started: false,
            aborted: false,
            has_handle: true,
            cancel: CancelState::default(),
            id,
            name,
            join_waker: None,
            polls: 0,
            waits_on: "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slab entry is what every live task costs besides its cell, and it is copied on
    /// every spawn: keep it from growing by accident (96 bytes on 64-bit targets today).
    #[test]
    fn task_entry_stays_small() {
        assert!(
            std::mem::size_of::<Task>() <= 96,
            "Task is {} bytes",
            std::mem::size_of::<Task>()
        );
    }

    /// The cell of an empty future is its one allocation per task: the benchmark's
    /// "bytes allocated per task, warm" figure (32 bytes) comes from here.
    #[test]
    fn cell_of_an_empty_future_is_small() {
        fn size_of_cell<F: Future>(_: &F) -> usize {
            std::mem::size_of::<TaskCell<F>>()
        }
        let empty = async {};
        assert!(size_of_cell(&empty) <= 32, "{}", size_of_cell(&empty));
    }
}
