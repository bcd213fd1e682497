//! Which thread is which, and how much CPU each has used: the comparisons read the CPU
//! time of one thread (a server's loop, a client's loop) around a run, because on a shared
//! machine CPU time per request is much less disturbed by other processes than requests
//! per second.

/// The kernel's id of the calling thread (what `/proc/self/task/` lists).
pub fn gettid() -> i32 {
    // SAFETY: a system call without arguments.
    unsafe { libc::gettid() }
}

/// CPU time (user + system) thread `tid` of this process has used, in nanoseconds.
///
/// Read from `/proc/self/task/TID/schedstat`, whose first field is the scheduler's own count
/// of nanoseconds on a CPU; where the kernel has no schedstat, from the `utime` and `stime`
/// clock ticks of `/proc/self/task/TID/stat` (10 ms each: a 3 s run at full load reads to
/// about 0.3%, a 100 ms one to 10%).
pub fn thread_cpu_ns(tid: i32) -> f64 {
    let schedstat = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat"));
    let on_cpu = schedstat.ok().and_then(|s| {
        s.split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
    });
    match on_cpu {
        Some(ns) => ns,
        None => thread_cpu_ticks_ns(tid),
    }
}

/// The same from `/proc/self/task/TID/stat`, in clock ticks.
fn thread_cpu_ticks_ns(tid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the name.
    // SAFETY: sysconf only reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz * 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_of_a_working_thread_grows() {
        let tid = gettid();
        let before = thread_cpu_ns(tid);
        // Read until the clock moves (each read is a few microseconds of CPU; a million
        // of them pass a 10 ms tick many times over), bounded so a broken clock fails.
        let moved = (0..1_000_000).any(|_| thread_cpu_ns(tid) > before);
        assert!(moved, "the thread's CPU time never grew: {before} ns");
    }
}
