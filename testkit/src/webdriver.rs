//! Just enough of a WebDriver client to drive headless Chromium from a test: start
//! `chromedriver`, open a session with the flags a sandboxed CI machine needs, load pages,
//! run scripts, read alerts, take screenshots, and kill everything on every path.
//!
//! WebDriver is JSON over HTTP, one request per command, so the client is a blocking
//! `std::net::TcpStream` per command (`Connection: close`) and `serde_json`. Every socket
//! has a read and write timeout, and starting the driver is bounded, so a wedged browser
//! fails the test instead of hanging it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The bound on one WebDriver command (a page load included).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// The bound on chromedriver's start-up.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The flags headless Chromium needs on a CI machine with no display, no GPU, no network
/// and root: `--no-sandbox` because the sandbox refuses to run as root in a container.
const CHROMIUM_FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1000,800",
];

/// Where the browser and its driver are, or why the test cannot run here.
pub fn find_tools() -> Result<(PathBuf, PathBuf), String> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| which(name))
        .ok_or("no chromium, chromium-browser or google-chrome on PATH")?;
    let driver = which("chromedriver").ok_or("no chromedriver on PATH")?;
    Ok((browser, driver))
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// One browser session. Dropping it ends the session, kills chromedriver and any browser
/// process still running on this session's profile directory, and removes the directory.
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless session, trying
    /// three times: the port is free when chosen, but another process may take it before
    /// chromedriver binds it.
    pub fn start(browser: &Path, driver: &Path) -> Result<Browser, String> {
        let mut last = String::new();
        for _ in 0..3 {
            match Browser::start_once(browser, driver) {
                Ok(session) => return Ok(session),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn start_once(browser: &Path, driver: &Path) -> Result<Browser, String> {
        let port = free_port()?;
        let profile = PathBuf::from(format!("{}{port}", profile_prefix()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).map_err(|e| format!("profile dir: {e}"))?;
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start chromedriver: {e}"))?;
        // From here on the guard owns the child: any early return kills it.
        let mut session = Browser {
            driver: child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            session: String::new(),
            profile,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match session.call("GET", "/status", None) {
                Ok(status) if status["ready"] == json!(true) => break,
                _ if Instant::now() > deadline => {
                    return Err(format!("chromedriver not ready within {START_TIMEOUT:?}"))
                }
                // Someone else took the port between `free_port` and the driver's bind.
                _ if matches!(session.driver.try_wait(), Ok(Some(_))) => {
                    return Err(format!("chromedriver exited at start (port {port} taken?)"))
                }
                _ => thread::sleep(Duration::from_millis(50)),
            }
        }
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", session.profile.display()));
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "unhandledPromptBehavior": "ignore",
                    "goog:chromeOptions": {
                        "binary": browser.to_string_lossy(),
                        "args": args,
                    }
                }
            }
        });
        let created = session.call("POST", "/session", Some(capabilities))?;
        session.session = created["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no sessionId in {created}"))?
            .to_string();
        Ok(session)
    }

    /// Loads `url` and waits for its `load` event.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.session_call("POST", "/url", Some(json!({ "url": url })))
            .map(drop)
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value, String> {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Polls `script` until it returns `true`, at most `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, script: &str) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            if self.execute(script, json!([]))? == json!(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{what}: not true within {limit:?}"));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The text of the open alert, confirm or prompt dialog, if any.
    pub fn dialog_text(&self) -> Option<String> {
        self.session_call("GET", "/alert/text", None)
            .ok()
            .map(|v| v.as_str().unwrap_or_default().to_string())
    }

    /// A PNG screenshot of the window.
    pub fn screenshot_png(&self) -> Result<Vec<u8>, String> {
        let encoded = self.session_call("GET", "/screenshot", None)?;
        let text = encoded.as_str().ok_or("screenshot is not a string")?;
        base64_decode(text)
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// One WebDriver command: an HTTP request, answered by `{"value": ...}`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect_timeout(&self.addr, COMMAND_TIMEOUT)
            .map_err(|e| format!("connect to chromedriver: {e}"))?;
        let io = |e: std::io::Error| format!("{method} {path}: {e}");
        stream.set_read_timeout(Some(COMMAND_TIMEOUT)).map_err(io)?;
        stream
            .set_write_timeout(Some(COMMAND_TIMEOUT))
            .map_err(io)?;
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).map_err(io)?;
        // chromedriver keeps the connection open whatever `Connection: close` says, so the
        // answer ends where its Content-Length says, not at end of stream.
        let mut answer = Vec::new();
        let mut buf = [0; 16 * 1024];
        let (head, body_start, length) = loop {
            let n = stream.read(&mut buf).map_err(io)?;
            if n == 0 {
                return Err(format!("{method} {path}: connection closed early"));
            }
            answer.extend_from_slice(&buf[..n]);
            if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&answer[..end]).into_owned();
                let length = head
                    .lines()
                    .filter_map(|line| line.split_once(':'))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                    .ok_or_else(|| format!("{method} {path}: no Content-Length in {head:?}"))?;
                break (head, end + 4, length);
            }
        };
        while answer.len() < body_start + length {
            let n = stream.read(&mut buf).map_err(io)?;
            if n == 0 {
                return Err(format!("{method} {path}: connection closed early"));
            }
            answer.extend_from_slice(&buf[..n]);
        }
        let json = String::from_utf8_lossy(&answer[body_start..body_start + length]);
        let ok = head.starts_with("HTTP/1.1 200");
        let value: Value = serde_json::from_str(&json)
            .map_err(|e| format!("{method} {path}: bad JSON ({e}): {json:.200}"))?;
        if ok {
            Ok(value["value"].clone())
        } else {
            Err(format!("{method} {path}: {}", value["value"]))
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // The session's browser processes, if the driver could not close them: found by
        // their unique profile directory, killed by pid.
        for pid in pids_with_arg(&self.profile.to_string_lossy()) {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A guard for the test's own thread: when dropped, kills every chromedriver this process
/// started and every browser on a profile directory of this process, whatever state they
/// are in. It covers the one path `Browser`'s `Drop` cannot: a bounded test that timed out
/// leaves its `Browser` on a thread that never returns.
pub struct Reaper;

impl Drop for Reaper {
    fn drop(&mut self) {
        let mut pids = pids_with_arg(&profile_prefix());
        pids.extend(children_named(std::process::id(), "chromedriver"));
        for pid in pids {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}

/// What every profile directory of this process starts with.
fn profile_prefix() -> String {
    std::env::temp_dir()
        .join(format!("oneloop-chromium-{}-", std::process::id()))
        .to_string_lossy()
        .into_owned()
}

/// The pids of the children of `parent` whose command name contains `name`.
fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // `/proc/PID/stat` is `pid (comm) state ppid ...`; comm may hold spaces.
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                return false;
            };
            let ppid = stat[close + 1..].split_whitespace().nth(1);
            stat[open + 1..close].contains(name) && ppid == Some(parent.to_string().as_str())
        })
        .collect()
}

/// The pids of processes whose command line contains `needle` (Linux `/proc`).
fn pids_with_arg(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|cmd| String::from_utf8_lossy(&cmd).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

fn free_port() -> Result<u16, String> {
    // Bind port 0, read the port, close: chromedriver cannot be told to pick one itself.
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|e| format!("local_addr: {e}"))
}

/// Standard base64 (RFC 4648, with padding), as WebDriver encodes screenshots.
fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let value = |c: u8| -> Result<u32, String> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("bad base64 byte {c}")),
        } as u32)
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|&b| b != b'=').collect();
        let mut acc = 0u32;
        for &b in &data {
            acc = acc << 6 | value(b)?;
        }
        acc <<= 6 * (4 - data.len() as u32);
        let decoded = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        out.extend_from_slice(&decoded[..data.len().saturating_sub(1)]);
    }
    Ok(out)
}

#[cfg(test)]
#[test]
fn base64_decodes_the_rfc_examples() {
    assert_eq!(base64_decode("").unwrap(), b"");
    assert_eq!(base64_decode("Zg==").unwrap(), b"f");
    assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
    assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
    assert_eq!(base64_decode("Zm9vYmFy").unwrap(), b"foobar");
}
