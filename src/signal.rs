//! `ctrl_c()`: wait for SIGINT, through the reactor.
//!
//! A signal handler may do almost nothing safely; writing a byte to a pipe is one of the few
//! things it may do. So each loop that has a waiting `ctrl_c()` gets a non-blocking pipe
//! whose read end is registered with its reactor, and the SIGINT handler writes one byte to
//! the pipe of every such loop: the reactor then sees the read end become readable (the
//! "self-pipe trick") and wakes the loop's `ctrl_c()` futures, all of them, through one
//! fan-out waker; the first to run drains the pipe and counts the signal, and every future
//! that was waiting completes.
//!
//! As tokio's, the first `ctrl_c()` installs the handler for the rest of the process: from
//! then on SIGINT no longer ends it. A SIGINT that arrives while no loop waits is kept (one
//! flag, set by the handler) and completes the next `ctrl_c()` at once, so a server that
//! stops waiting for a moment still gets its shutdown. Pipes are pooled and never closed:
//! the handler may be writing to a pipe at the very moment its waiter goes away, and writing
//! to a closed — or worse, reused — descriptor would be a bug no test could catch.

use std::cell::Cell;
use std::future::poll_fn;
use std::io;
use std::os::fd::IntoRawFd;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll, Wake, Waker};

use slab::Slab;

use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// How many loops (threads) may wait for Ctrl-C at once in the whole process; each holds
/// one pipe, shared by all its `ctrl_c()` futures, however many.
const MAX_LOOPS: usize = 64;

/// Write ends of the pooled pipes (-1: not created yet), read by the handler.
static WRITE_FDS: [AtomicI32; MAX_LOOPS] = [const { AtomicI32::new(-1) }; MAX_LOOPS];
/// Which pipes have a waiter now; the handler writes only to those.
static ACTIVE: [AtomicBool; MAX_LOOPS] = [const { AtomicBool::new(false) }; MAX_LOOPS];

/// A SIGINT arrived while no loop was waiting: the next `ctrl_c()` completes at once.
static KEPT: AtomicBool = AtomicBool::new(false);

struct State {
    /// Read ends of the pooled pipes.
    read_fds: [RawFd; MAX_LOOPS],
    /// The handler is installed (for good, from the first `ctrl_c()` on).
    installed: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    read_fds: [-1; MAX_LOOPS],
    installed: false,
});

extern "C" fn on_sigint(_signal: libc::c_int) {
    // Only async-signal-safe calls here: atomic loads and stores, and write(2). errno is
    // saved and restored because write may change it under the interrupted code's feet.
    let saved = errno();
    let mut told = false;
    for (fd, active) in WRITE_FDS.iter().zip(&ACTIVE) {
        let fd = fd.load(Ordering::SeqCst);
        if fd >= 0 && active.load(Ordering::SeqCst) {
            // SAFETY: writing one byte from a static buffer to a descriptor this module owns
            // and never closes; a full pipe just makes write fail with EAGAIN (a byte is
            // already there, and one is all a waiter needs).
            #[allow(unsafe_code)]
            unsafe {
                libc::write(fd, b"!".as_ptr().cast(), 1);
            }
            told = true;
        }
    }
    if !told {
        KEPT.store(true, Ordering::SeqCst);
    }
    set_errno(saved);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(unsafe_code)]
fn errno_location() -> *mut libc::c_int {
    // SAFETY: returns a pointer to this thread's errno; always valid.
    unsafe { libc::__errno_location() }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[allow(unsafe_code)]
fn errno_location() -> *mut libc::c_int {
    // SAFETY: returns a pointer to this thread's errno; always valid.
    unsafe { libc::__error() }
}

#[allow(unsafe_code)]
fn errno() -> libc::c_int {
    // SAFETY: the pointer is this thread's errno.
    unsafe { *errno_location() }
}

#[allow(unsafe_code)]
fn set_errno(value: libc::c_int) {
    // SAFETY: the pointer is this thread's errno.
    unsafe { *errno_location() = value }
}

/// Waits for Ctrl-C (SIGINT). A cancellation point. Each signal completes every future
/// waiting at that moment, on every loop of the process.
///
/// As tokio's: the first call installs the SIGINT handler for the rest of the process (from
/// then on Ctrl-C no longer ends it by itself), and a SIGINT that arrives while nobody
/// waits is kept and completes the next wait at once. So a server that handles one Ctrl-C
/// and then waits again loses none.
///
/// ```no_run
/// #[oneloop::main]
/// async fn main() {
///     println!("press Ctrl-C");
///     oneloop::signal::ctrl_c().await.expect("cannot listen for Ctrl-C");
///     println!("bye");
/// }
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let shared = LoopSigint::current()?;
    let seen_at_start = shared.received.get();
    let key = lock(&shared.fan_out.wakers).insert(None);
    let _leave = Leave {
        fan_out: &shared.fan_out,
        key,
    };
    poll_fn(|cx| {
        ready!(poll_proceed(cx, "ctrl_c"))?;
        if shared.received.get() > seen_at_start {
            return Poll::Ready(Ok(())); // another waiter of this loop drained the pipe
        }
        // This loop's pipe is active (since `LoopSigint::current`), so a signal from now on
        // reaches the pipe; one that came while nobody listened was kept.
        if KEPT.swap(false, Ordering::SeqCst) {
            return Poll::Ready(Ok(()));
        }
        *lock(&shared.fan_out.wakers)
            .get_mut(key)
            .expect("our own slot") = Some(cx.waker().clone());
        // The reactor holds one waker per direction: give it the fan-out waker, which wakes
        // every `ctrl_c()` of this loop; whichever runs first drains the pipe.
        let fan_out = Waker::from(Arc::clone(&shared.fan_out));
        let mut fan_cx = Context::from_waker(&fan_out);
        let waiter = &shared.waiter;
        ready!(waiter
            .registration
            .poll_io(&mut fan_cx, Direction::Read, || {
                let mut bytes = [0u8; 64];
                // SAFETY: reading into a local buffer of the length given.
                #[allow(unsafe_code)]
                let n =
                    unsafe { libc::read(waiter.read_fd, bytes.as_mut_ptr().cast(), bytes.len()) };
                if n > 0 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error()) // EAGAIN: nothing yet, wait for readiness
                }
            }))?;
        shared.received.set(shared.received.get() + 1);
        fan_out.wake_by_ref(); // the others waiting now see `received` move
        Poll::Ready(Ok(()))
    })
    .await
}

/// What the `ctrl_c()` futures of one loop share: one pooled pipe registered with that
/// loop's reactor, a count of the signals it delivered, and the wakers of the futures.
pub(crate) struct LoopSigint {
    waiter: Waiter,
    /// Signals drained from the pipe so far; a future completes when it moves.
    received: Cell<u64>,
    fan_out: Arc<FanOut>,
}

impl LoopSigint {
    /// The current loop's, created (pipe, registration, handler) by its first waiter and
    /// dropped with its last.
    fn current() -> io::Result<Rc<LoopSigint>> {
        let core = context::current("oneloop::signal::ctrl_c");
        if let Some(shared) = core.sigint.borrow().upgrade() {
            return Ok(shared);
        }
        let shared = Rc::new(LoopSigint {
            waiter: Waiter::new()?,
            received: Cell::new(0),
            fan_out: Arc::new(FanOut {
                wakers: Mutex::new(Slab::new()),
            }),
        });
        *core.sigint.borrow_mut() = Rc::downgrade(&shared);
        Ok(shared)
    }
}

/// The wakers of one loop's `ctrl_c()` futures, woken all at once (it is the waker the
/// reactor holds for the loop's pipe). `Waker` must be `Send + Sync`, hence the `Mutex`.
struct FanOut {
    wakers: Mutex<Slab<Option<Waker>>>,
}

impl Wake for FanOut {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let wakers: Vec<Waker> = lock(&self.wakers)
            .iter()
            .filter_map(|(_, w)| w.clone())
            .collect();
        for waker in wakers {
            waker.wake(); // outside the lock
        }
    }
}

/// Takes a `ctrl_c()` future's waker out of the fan-out when the future goes.
struct Leave<'a> {
    fan_out: &'a FanOut,
    key: usize,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let waker = lock(&self.fan_out.wakers).try_remove(self.key);
        drop(waker); // outside the lock
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One loop's hold on the SIGINT machinery: a pooled pipe, active, registered with the
/// loop's reactor. The first one in the process installs the handler, for good.
struct Waiter {
    /// The read end's registration with this loop's reactor. The pipe is never closed, so
    /// no order of deregistering and releasing the slot can reach a closed or reused
    /// descriptor; a loop that takes the slot next registers it with its own reactor.
    registration: Registration,
    read_fd: RawFd,
    slot: usize,
}

impl Waiter {
    fn new() -> io::Result<Waiter> {
        let mut state = lock(&STATE);
        let slot = (0..MAX_LOOPS)
            .find(|&i| !ACTIVE[i].load(Ordering::SeqCst))
            .ok_or_else(|| {
                io::Error::other("more than 64 loops are waiting for ctrl_c() at once")
            })?;
        if state.read_fds[slot] < 0 {
            // mio's pipe is created non-blocking and close-on-exec in one system call
            // (pipe2); a blocking write end could stall the signal handler.
            let (sender, receiver) = mio::unix::pipe::new()?;
            state.read_fds[slot] = receiver.into_raw_fd();
            WRITE_FDS[slot].store(sender.into_raw_fd(), Ordering::SeqCst);
        }
        let read_fd = state.read_fds[slot];
        drain(read_fd); // a byte left from an earlier signal must not fire this waiter
        let registration = Registration::new(read_fd)?;
        if !state.installed {
            install_handler()?;
            state.installed = true;
        }
        ACTIVE[slot].store(true, Ordering::SeqCst);
        Ok(Waiter {
            registration,
            read_fd,
            slot,
        })
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        // From now on a signal is kept (`KEPT`) unless another loop listens. The next owner
        // of the slot drains the pipe first, so a byte written meanwhile cannot fire it.
        let _state = lock(&STATE);
        ACTIVE[self.slot].store(false, Ordering::SeqCst);
    }
}

fn drain(fd: RawFd) {
    let mut buf = [0u8; 64];
    // SAFETY: reading into a local buffer of the length given, from a non-blocking pipe.
    #[allow(unsafe_code)]
    while unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
}

#[allow(unsafe_code)]
fn install_handler() -> io::Result<()> {
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; we then set the
    // handler to a function that only does async-signal-safe work (see `on_sigint`).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
