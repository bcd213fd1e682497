//! The signal machinery under `ctrl_c()` and `signal::unix::signal()`: one handler per
//! signal number, self-pipes, and the listeners that wait on them through the reactor.
//!
//! A signal handler may do almost nothing safely; writing a byte to a pipe is one of the few
//! things it may do. So each loop that listens for a signal gets a non-blocking pipe for it
//! whose read end is registered with its reactor, and the handler writes one byte to the
//! pipe of every (loop, signal) pair that listens for the signal that arrived: the reactor
//! then sees the read end become readable (the "self-pipe trick") and wakes that loop's
//! listeners of that signal, all of them, through one fan-out waker; the first to run
//! drains the pipe and counts the signal, and every listener then sees the count move.
//!
//! As tokio's, the first listener of a signal installs its handler for the rest of the
//! process: from then on the signal's default action (ending the process, for most) no
//! longer happens. A signal that arrives while no loop listens is kept (one flag per signal,
//! set by the handler) and completes the next wait at once. Pipes are pooled and never
//! closed: the handler may be writing to a pipe at the very moment its listener goes away,
//! and writing to a closed — or worse, reused — descriptor would be a bug no test could
//! catch. Several signals arriving before a listener runs count as one (as tokio's).
//!
//! A handler that was installed before ours (another library's, tokio's for one) is not
//! lost: ours calls it after its own work, as tokio's registry does, so two runtimes in one
//! process both see the signal. Only the default action and "ignore" are replaced.

use std::cell::{Cell, RefCell};
use std::io;
use std::os::fd::IntoRawFd;
use std::os::fd::RawFd;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll, Wake, Waker};

use slab::Slab;

use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// How many (loop, signal) pairs may listen at once in the whole process; each holds one
/// pipe, shared by all the listeners of that signal on that loop, however many.
const MAX_PIPES: usize = 64;

/// Signal numbers are below this (Linux has 64, the real-time ones included).
pub(crate) const MAX_SIGNAL: usize = 65;

/// Write ends of the pooled pipes (-1: not created yet), read by the handler.
static WRITE_FDS: [AtomicI32; MAX_PIPES] = [const { AtomicI32::new(-1) }; MAX_PIPES];
/// Which pipes have a listener now; the handler writes only to those.
static ACTIVE: [AtomicBool; MAX_PIPES] = [const { AtomicBool::new(false) }; MAX_PIPES];
/// Which signal each active pipe listens for.
static SIGNAL_OF: [AtomicI32; MAX_PIPES] = [const { AtomicI32::new(0) }; MAX_PIPES];

/// Per signal: one arrived while no loop was listening; the next wait completes at once.
static KEPT: [AtomicBool; MAX_SIGNAL] = [const { AtomicBool::new(false) }; MAX_SIGNAL];

/// Per signal: the handler function that was installed before ours (0: none, or the
/// default action, or "ignore"), called after ours so that another library's handler in
/// the same process (tokio's, say) keeps working.
static PREVIOUS: [AtomicUsize; MAX_SIGNAL] = [const { AtomicUsize::new(0) }; MAX_SIGNAL];
/// Per signal: the previous handler takes three arguments (`SA_SIGINFO`).
static PREVIOUS_SIGINFO: [AtomicBool; MAX_SIGNAL] = [const { AtomicBool::new(false) }; MAX_SIGNAL];

struct State {
    /// Read ends of the pooled pipes.
    read_fds: [RawFd; MAX_PIPES],
    /// Per signal: the handler is installed (for good, from the first listener on).
    installed: [bool; MAX_SIGNAL],
}

static STATE: Mutex<State> = Mutex::new(State {
    read_fds: [-1; MAX_PIPES],
    installed: [false; MAX_SIGNAL],
});

extern "C" fn on_signal(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // Only async-signal-safe calls here: atomic loads and stores, and write(2). errno is
    // saved and restored because write may change it under the interrupted code's feet.
    let saved = errno();
    let mut told = false;
    for slot in 0..MAX_PIPES {
        let fd = WRITE_FDS[slot].load(Ordering::SeqCst);
        if fd >= 0
            && ACTIVE[slot].load(Ordering::SeqCst)
            && SIGNAL_OF[slot].load(Ordering::SeqCst) == signum
        {
            // SAFETY: writing one byte from a static buffer to a descriptor this module owns
            // and never closes; a full pipe just makes write fail with EAGAIN (a byte is
            // already there, and one is all a listener needs).
            #[allow(unsafe_code)]
            unsafe {
                libc::write(fd, b"!".as_ptr().cast(), 1);
            }
            told = true;
        }
    }
    let index = usize::try_from(signum).ok().filter(|&i| i < MAX_SIGNAL);
    if let (false, Some(i)) = (told, index) {
        KEPT[i].store(true, Ordering::SeqCst);
    }
    set_errno(saved);
    if let Some(i) = index {
        call_previous(i, signum, info, context);
    }
}

/// Calls the handler that was installed before ours for signal `i`, if it was a function.
#[allow(unsafe_code)]
fn call_previous(
    i: usize,
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    let previous = PREVIOUS[i].load(Ordering::SeqCst);
    if previous == 0 {
        return;
    }
    // SAFETY: `previous` is the `sa_sigaction` of the action that `sigaction` returned when
    // ours replaced it, stored only when it was a function (not `SIG_DFL`/`SIG_IGN`), so it
    // is a handler of the shape its `SA_SIGINFO` flag says; it is called with the arguments
    // the kernel gave ours, as the kernel would have called it.
    unsafe {
        if PREVIOUS_SIGINFO[i].load(Ordering::SeqCst) {
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(previous);
            handler(signum, info, context);
        } else {
            let handler: extern "C" fn(libc::c_int) = std::mem::transmute(previous);
            handler(signum);
        }
    }
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

/// One listener of one signal on the current loop: `ctrl_c()` makes one per call,
/// `signal::unix::Signal` holds one. While it lives, the signal reaches this loop's pipe.
pub(crate) struct Listener {
    shared: Rc<LoopSignal>,
    /// This listener's slot in the fan-out.
    key: usize,
    /// The loop's count of signals when this listener last completed (or was made).
    seen: u64,
}

impl Listener {
    /// Starts listening for `signum` (installing its handler if this is the first
    /// listener in the process). The caller has checked that `signum` may be caught.
    pub(crate) fn new(signum: libc::c_int, what: &'static str) -> io::Result<Listener> {
        let shared = LoopSignal::current(signum, what)?;
        let key = lock(&shared.fan_out.wakers).insert(None);
        let seen = shared.received.get();
        Ok(Listener { shared, key, seen })
    }

    /// Waits for the next signal after the last one this listener saw. A cancellation
    /// point: `what` names the wait for `runtime::tasks()`.
    pub(crate) fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        what: &'static str,
    ) -> Poll<io::Result<()>> {
        ready!(poll_proceed(cx, what))?;
        let shared = &*self.shared;
        if shared.received.get() > self.seen {
            self.seen = shared.received.get(); // another listener of this loop drained the pipe
            return Poll::Ready(Ok(()));
        }
        // This loop's pipe is active (since `LoopSignal::current`), so a signal from now on
        // reaches the pipe; one that came while nobody listened was kept.
        if KEPT[shared.signum as usize].swap(false, Ordering::SeqCst) {
            return Poll::Ready(Ok(()));
        }
        if let Some(slot) = lock(&shared.fan_out.wakers).get_mut(self.key) {
            *slot = Some(cx.waker().clone());
        }
        // The reactor holds one waker per direction: give it the fan-out waker, which wakes
        // every listener of this signal on this loop; whichever runs first drains the pipe.
        let fan_out = Waker::from(Arc::clone(&shared.fan_out));
        let mut fan_cx = Context::from_waker(&fan_out);
        let pipe = &shared.pipe;
        ready!(pipe.registration.poll_io(&mut fan_cx, Direction::Read, || {
            let mut bytes = [0u8; 64];
            // SAFETY: reading into a local buffer of the length given.
            #[allow(unsafe_code)]
            let n = unsafe { libc::read(pipe.read_fd, bytes.as_mut_ptr().cast(), bytes.len()) };
            if n > 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error()) // EAGAIN: nothing yet, wait for readiness
            }
        }))?;
        shared.received.set(shared.received.get() + 1);
        self.seen = shared.received.get();
        fan_out.wake_by_ref(); // the others waiting now see `received` move
        Poll::Ready(Ok(()))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let waker = lock(&self.shared.fan_out.wakers).try_remove(self.key);
        drop(waker); // outside the lock
    }
}

thread_local! {
    /// Per signal number, the machinery the listeners of that signal on one loop of this
    /// thread (`ctrl_c()`, `signal::unix::Signal`, a child's exit without pidfd) share,
    /// alive while one is. Loops are told apart by their reactor: a `LoopSignal` holds its
    /// loop's reactor (through its registration), so no other loop's can have its address.
    static LOOP_SIGNALS: RefCell<Vec<(libc::c_int, Weak<LoopSignal>)>> =
        const { RefCell::new(Vec::new()) };
}

/// What the listeners of one signal on one loop share: one pooled pipe registered with
/// that loop's reactor, a count of the signals it delivered, and the listeners' wakers.
pub(crate) struct LoopSignal {
    signum: libc::c_int,
    pipe: Pipe,
    /// Signals drained from the pipe so far; a listener completes when it moves.
    received: Cell<u64>,
    fan_out: Arc<FanOut>,
}

impl LoopSignal {
    /// The current loop's for `signum`, created (pipe, registration, handler) by its first
    /// listener and dropped with its last.
    fn current(signum: libc::c_int, what: &'static str) -> io::Result<Rc<LoopSignal>> {
        let reactor = context::expect_current(what, |core| Rc::clone(&core.reactor));
        let found = LOOP_SIGNALS.with_borrow_mut(|signals| {
            signals.retain(|(_, weak)| weak.strong_count() > 0);
            signals
                .iter()
                .filter(|(n, _)| *n == signum)
                .filter_map(|(_, weak)| weak.upgrade())
                .find(|shared| shared.pipe.registration.is_on(&reactor))
        });
        if let Some(shared) = found {
            return Ok(shared);
        }
        let shared = Rc::new(LoopSignal {
            signum,
            pipe: Pipe::new(signum)?,
            received: Cell::new(0),
            fan_out: Arc::new(FanOut {
                wakers: Mutex::new(Slab::new()),
            }),
        });
        LOOP_SIGNALS.with_borrow_mut(|signals| signals.push((signum, Rc::downgrade(&shared))));
        Ok(shared)
    }
}

/// The wakers of one loop's listeners of one signal, woken all at once (it is the waker the
/// reactor holds for that pipe). `Waker` must be `Send + Sync`, hence the `Mutex`.
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One (loop, signal) pair's hold on a pooled pipe, active, registered with the loop's
/// reactor. The first one for a signal in the process installs its handler, for good.
struct Pipe {
    /// The read end's registration with this loop's reactor. The pipe is never closed, so
    /// no order of deregistering and releasing the slot can reach a closed or reused
    /// descriptor; a loop that takes the slot next registers it with its own reactor.
    registration: Registration,
    read_fd: RawFd,
    slot: usize,
}

impl Pipe {
    fn new(signum: libc::c_int) -> io::Result<Pipe> {
        let mut state = lock(&STATE);
        let slot = (0..MAX_PIPES)
            .find(|&i| !ACTIVE[i].load(Ordering::SeqCst))
            .ok_or_else(|| {
                io::Error::other("more than 64 (loop, signal) pairs are listening at once")
            })?;
        if state.read_fds[slot] < 0 {
            // mio's pipe is created non-blocking and close-on-exec in one system call
            // (pipe2); a blocking write end could stall the signal handler.
            let (sender, receiver) = mio::unix::pipe::new()?;
            state.read_fds[slot] = receiver.into_raw_fd();
            WRITE_FDS[slot].store(sender.into_raw_fd(), Ordering::SeqCst);
        }
        let read_fd = state.read_fds[slot];
        drain(read_fd); // a byte left from an earlier signal must not fire this listener
        let registration = context::register(read_fd)?;
        if !state.installed[signum as usize] {
            install_handler(signum)?;
            state.installed[signum as usize] = true;
        }
        SIGNAL_OF[slot].store(signum, Ordering::SeqCst);
        ACTIVE[slot].store(true, Ordering::SeqCst);
        Ok(Pipe {
            registration,
            read_fd,
            slot,
        })
    }
}

impl Drop for Pipe {
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
fn install_handler(signum: libc::c_int) -> io::Result<()> {
    let index = usize::try_from(signum)
        .ok()
        .filter(|&i| i < MAX_SIGNAL)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; we read the
    // current action into one, then install a handler that only does async-signal-safe
    // work (see `on_signal`) and then calls the one it replaced.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signum, std::ptr::null(), &mut old) != 0 {
            return Err(io::Error::last_os_error());
        }
        let previous = old.sa_sigaction;
        if previous != libc::SIG_DFL && previous != libc::SIG_IGN {
            PREVIOUS_SIGINFO[index].store(old.sa_flags & libc::SA_SIGINFO != 0, Ordering::SeqCst);
            PREVIOUS[index].store(previous, Ordering::SeqCst);
        }
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal
            as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
            as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART | libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(signum, &action, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
