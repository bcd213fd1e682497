//! The watchdog: every run is bounded in time. The round runner arms it before each run of a
//! workload (`arm`); a thread started once (`start`) ends the process if the armed run
//! overruns, so a hung runtime fails the harness instead of hanging CI.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// When the armed run must have finished, in ms since the epoch; `u64::MAX` when disarmed.
static DEADLINE: AtomicU64 = AtomicU64::new(u64::MAX);
/// What is running, for the message.
static WHAT: Mutex<String> = Mutex::new(String::new());

fn epoch_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Starts the thread that exits the process if the run armed with `arm` has not finished
/// within its limit. It checks five times a second: the limits are minutes.
pub fn start() {
    std::thread::spawn(|| loop {
        std::thread::sleep(Duration::from_millis(200));
        if epoch_ms() > DEADLINE.load(Ordering::SeqCst) {
            let what = WHAT.lock().map(|w| w.clone()).unwrap_or_default();
            eprintln!("oneloop-bench: {what} did not finish in time; giving up");
            std::process::exit(2);
        }
    });
}

/// `what` must finish within `limit` (until the next `arm` or `disarm`).
pub fn arm(what: String, limit: Duration) {
    if let Ok(mut w) = WHAT.lock() {
        *w = what;
    }
    DEADLINE.store(epoch_ms() + limit.as_millis() as u64, Ordering::SeqCst);
}

/// Nothing is running any more.
pub fn disarm() {
    DEADLINE.store(u64::MAX, Ordering::SeqCst);
}

/// For a child process: exits it after `limit`, whatever it is doing.
pub fn exit_after(limit: Duration, what: &'static str) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("oneloop-bench: {what} did not finish in {limit:?}; giving up");
        std::process::exit(2);
    });
}
