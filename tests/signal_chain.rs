//! A handler installed before oneloop's keeps working: oneloop's handler calls the one it
//! replaced (a plain one and an `SA_SIGINFO` one), so another library in the process, tokio's
//! signal registry for one, still sees its signals.
//!
//! The only test of this binary: the handlers it installs stay for the whole process.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;

use oneloop::signal::unix::{signal, SignalKind};

static PLAIN_CALLS: AtomicUsize = AtomicUsize::new(0);
static SIGINFO_CALLS: AtomicUsize = AtomicUsize::new(0);
static SIGINFO_SIGNO: AtomicI32 = AtomicI32::new(0);

extern "C" fn plain(_signum: libc::c_int) {
    PLAIN_CALLS.fetch_add(1, Ordering::SeqCst);
}

extern "C" fn with_info(_signum: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    SIGINFO_CALLS.fetch_add(1, Ordering::SeqCst);
    if !info.is_null() {
        // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler, and oneloop's
        // handler passes on the one it was given.
        #[allow(unsafe_code)]
        let signo = unsafe { (*info).si_signo };
        SIGINFO_SIGNO.store(signo, Ordering::SeqCst);
    }
}

/// Installs `handler` for `signum` the way another library would, before oneloop's.
#[allow(unsafe_code)]
fn install_foreign(signum: libc::c_int, handler: libc::sighandler_t, siginfo: bool) {
    // SAFETY: a zeroed sigaction is "no flags, empty mask"; the handlers above only touch
    // atomics, which is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler;
        action.sa_flags = if siginfo { libc::SA_SIGINFO } else { 0 };
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(signum, &action, std::ptr::null_mut()), 0);
    }
}

#[allow(unsafe_code)]
fn raise(signum: libc::c_int) {
    // SAFETY: raise(3) with a valid signal number whose handlers are installed above.
    assert_eq!(unsafe { libc::raise(signum) }, 0);
}

#[test]
fn oneloop_calls_the_handler_it_replaced() {
    install_foreign(
        libc::SIGUSR1,
        plain as extern "C" fn(libc::c_int) as libc::sighandler_t,
        false,
    );
    install_foreign(
        libc::SIGUSR2,
        with_info as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
            as libc::sighandler_t,
        true,
    );
    oneloop::run(async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
        for round in 1..=2 {
            raise(libc::SIGUSR1);
            raise(libc::SIGUSR2);
            let wait = Duration::from_secs(20);
            let got1 = oneloop::time::timeout(wait, usr1.recv()).await;
            let got2 = oneloop::time::timeout(wait, usr2.recv()).await;
            assert!(
                matches!(got1, Ok(Ok(Some(())))),
                "oneloop saw SIGUSR1: {got1:?}"
            );
            assert!(
                matches!(got2, Ok(Ok(Some(())))),
                "oneloop saw SIGUSR2: {got2:?}"
            );
            assert_eq!(
                PLAIN_CALLS.load(Ordering::SeqCst),
                round,
                "the plain handler"
            );
            assert_eq!(
                SIGINFO_CALLS.load(Ordering::SeqCst),
                round,
                "the SA_SIGINFO one"
            );
            assert_eq!(SIGINFO_SIGNO.load(Ordering::SeqCst), libc::SIGUSR2);
        }
    });
}
