//! A tcp_charfinder server run as a child process, and its CPU time as the kernel counts it.
//!
//! The `charfinder_cpu` row compares two programs, not two runtimes in one process: the
//! release `tcp_charfinder` example and the book's server under `python3`. Each is started
//! here with its standard output on `/dev/null` (both log two lines per query; Python
//! buffers them in blocks, our example writes each line as it goes), waited for until it
//! answers a first prompt, and killed when dropped. Its CPU time is `utime + stime` from
//! `/proc/PID/stat`: every thread of the process, user and kernel side, exactly what the
//! kernel charged it, whatever it does inside.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server process, killed (and reaped) on drop.
pub struct ServerProcess {
    child: Child,
    /// Where it listens: 127.0.0.1 and a port that was free when it started.
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `command` with `127.0.0.1 PORT` appended (both servers take `[ADDR [PORT]]`)
    /// and waits, at most `limit`, until it answers a connection with its `?> ` prompt.
    /// Python builds its index at import (about 1.5 s), so the first connects are refused.
    pub fn start(mut command: Command, limit: Duration) -> Result<ServerProcess, String> {
        // A free port: the kernel picks one, the probe socket lets it go, the server takes
        // it. Another process could take it in between; on loopback in a benchmark, that
        // would show as a failed start, not as a wrong figure.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        // If the harness dies (its watchdog exits the process), the server must not outlive
        // it, holding a core: the kernel kills it when its parent goes.
        // SAFETY: between fork and exec only async-signal-safe calls are allowed; prctl is
        // one, and the closure touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command
            .args(["127.0.0.1", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {command:?}: {e}"))?;
        let mut server = ServerProcess { child, addr };
        server.wait_ready(limit)?;
        Ok(server)
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the server exited before serving: {status}"));
            }
            if let Ok(mut probe) = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)) {
                let _ = probe.set_read_timeout(Some(Duration::from_secs(10)));
                let mut prompt = [0u8; 3];
                return match probe.read_exact(&mut prompt) {
                    Ok(()) if &prompt == b"?> " => Ok(()),
                    Ok(()) => Err(format!("the server's first bytes were {prompt:?}")),
                    Err(e) => Err(format!("no prompt from the server: {e}")),
                };
            }
            if Instant::now() > deadline {
                return Err(format!("the server did not listen within {limit:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The CPU time (user + system, every thread) the process has used so far.
    pub fn cpu_time(&self) -> Result<Duration, String> {
        let path = format!("/proc/{}/stat", self.child.id());
        let stat = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        let ticks = stat_cpu_ticks(&stat).ok_or_else(|| format!("{path}: unexpected format"))?;
        Ok(Duration::from_secs_f64(
            ticks as f64 / clock_ticks_per_second(),
        ))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `utime + stime` (fields 14 and 15, in clock ticks) of a `/proc/PID/stat` line. The
/// second field is the command name in parentheses and may hold spaces or `)`, so the
/// fields are counted after its last `)`: the state (field 3) comes first there.
fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(utime + stime)
}

/// How many clock ticks `/proc` counts per second (`USER_HZ`, 100 on Linux).
fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant of the system and touches no memory of ours.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        hz as f64
    } else {
        100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        // A name with a space and a `)`, as a process may call itself.
        let stat = "4242 (tcp charf) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 \
                    250 31 0 0 20 0 1 0 123 456 789";
        assert_eq!(stat_cpu_ticks(stat), Some(281));
        assert_eq!(stat_cpu_ticks("4242 (short"), None);
    }

    #[test]
    fn own_process_has_used_some_cpu() {
        let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
        assert!(stat_cpu_ticks(&stat).is_some());
    }
}
