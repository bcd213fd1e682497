//! End-to-end tests of the flag downloaders (`flags`, `flags2`, `flags3`) and of
//! `flags_server`: the real example binaries, run as child processes, downloading from
//!
//! * the flag site each downloader starts inside its own loop (no `--base-url`);
//! * a flag site run by this test on a thread of its own (`TestSite`), whose request
//!   counters show how many requests were ever in flight at once;
//! * `flags_server` run as its own process;
//! * nginx serving what `flags_server --write DIR` wrote (skipped, with a message, when
//!   nginx is not installed).
//!
//! Every saved file is compared byte for byte with the site's own bytes, and the download
//! folder must hold exactly the expected files: nothing partial, nothing stray. Every
//! wait is bounded by [`limit`]; every server and child is stopped when its test ends.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use flagsite::common::{country_filename, POP20_CC};
use flagsite::faults::{Faults, Mode};
use flagsite::server::{start_with, Config, Stats};
use flagsite::{Site, COUNTRIES};
use testkit::example::example_binary;
use testkit::limit;

// ---------------------------------------------------------------------------------------
// Binaries, folders, processes
// ---------------------------------------------------------------------------------------

/// The site's files, drawn once per test process.
fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(Site::new)
}

/// A fresh folder under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("oneloop-flags-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("cannot create a temporary folder");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A child process whose stdout lines arrive on a channel as they are printed and whose
/// stderr is collected. Killed when dropped, if still running.
struct Proc {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Proc {
    fn start(mut command: Command) -> Proc {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Proc {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// The next stdout line, or `None` at the end of stdout; waits at most [`limit`].
    fn next_line(&mut self) -> Option<String> {
        match self.lines.recv_timeout(limit()) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!("no output for {:?}", limit()),
        }
    }

    /// Waits for the exit; returns the status, every stdout line and the stderr text.
    fn finish(mut self) -> Finished {
        while self.next_line().is_some() {}
        let deadline = Instant::now() + limit();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait failed") {
                break status;
            }
            assert!(Instant::now() < deadline, "no exit within {:?}", limit());
            thread::sleep(Duration::from_millis(10));
        };
        let stderr = self.stderr.take().map(|t| t.join().unwrap_or_default());
        Finished {
            status,
            stdout: std::mem::take(&mut self.seen),
            stderr: stderr.unwrap_or_default(),
        }
    }

    fn interrupt(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid fits pid_t");
        // SAFETY: kill(2) with a valid signal number on our own child's pid.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::kill(pid, libc::SIGINT) };
        assert_eq!(rc, 0, "kill -INT {pid} failed");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Finished {
    status: ExitStatus,
    stdout: Vec<String>,
    stderr: String,
}

impl Finished {
    fn assert_exit(&self, code: i32) {
        assert_eq!(
            self.status.code(),
            Some(code),
            "exit status {}\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout.join("\n"),
            self.stderr
        );
    }
}

/// Runs a downloader to its end with `dest` as its download folder (`$FLAGS_DEST_DIR`).
fn run(name: &str, args: &[&str], dest: &Path) -> Finished {
    let mut command = Command::new(example_binary(name));
    command.args(args).env("FLAGS_DEST_DIR", dest);
    Proc::start(command).finish()
}

// ---------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------

/// The folder holds exactly `expected` (file name -> site path), each byte-identical to
/// the site's file. Nothing else: no temporary file, no stray name.
fn assert_saved(dest: &Path, expected: &BTreeMap<String, String>) {
    let found: BTreeSet<String> = match fs::read_dir(dest) {
        Ok(entries) => entries
            .map(|e| {
                e.expect("readable entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect(),
        Err(_) => BTreeSet::new(), // never created: nothing saved
    };
    let wanted: BTreeSet<String> = expected.keys().cloned().collect();
    assert_eq!(
        found, wanted,
        "the download folder holds other files than expected"
    );
    for (file, site_path) in expected {
        let saved = fs::read(dest.join(file)).expect("a saved file");
        let original = &site().get(site_path).expect("a site file").bytes;
        assert!(&saved == original, "{file} differs from {site_path}");
    }
}

/// What `flags` and `flags2` save for `codes`: `{cc}.gif`.
fn gifs(codes: &[&str]) -> BTreeMap<String, String> {
    codes
        .iter()
        .map(|cc| {
            let cc = cc.to_lowercase();
            (format!("{cc}.gif"), format!("/flags/{cc}/{cc}.gif"))
        })
        .collect()
}

/// What `flags3` saves for `codes`: `{Country_Name}-{CC}.gif`.
fn named_gifs(codes: &[&str]) -> BTreeMap<String, String> {
    codes
        .iter()
        .map(|cc| {
            let name = flagsite::country_name(cc).expect("a site code");
            let lower = cc.to_lowercase();
            (
                country_filename(name, cc),
                format!("/flags/{lower}/{lower}.gif"),
            )
        })
        .collect()
}

fn all_codes() -> Vec<&'static str> {
    COUNTRIES.iter().map(|(cc, _)| *cc).collect()
}

/// Checks `flags`' two lines: the 20 codes, each once, then the count and time.
fn assert_flags_output(out: &Finished) {
    out.assert_exit(0);
    assert_eq!(out.stdout.len(), 2, "{:?}", out.stdout);
    let printed: BTreeSet<&str> = out.stdout[0].split_whitespace().collect();
    assert_eq!(out.stdout[0].split_whitespace().count(), 20);
    assert_eq!(printed, POP20_CC.iter().copied().collect());
    let time = out.stdout[1]
        .strip_prefix("20 flags downloaded in ")
        .and_then(|rest| rest.strip_suffix('s'))
        .unwrap_or_else(|| panic!("bad last line {:?}", out.stdout[1]));
    assert_two_decimals(time);
}

fn assert_two_decimals(number: &str) {
    let (whole, fraction) = number.split_once('.').expect("a decimal point");
    assert!(
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.len() == 2
            && fraction.bytes().all(|b| b.is_ascii_digit()),
        "not a number with two decimals: {number:?}"
    );
}

/// The start report of `flags2`/`flags3`; returns the URL it names.
fn assert_initial_report(
    lines: &[String],
    label: &str,
    searching: &str,
    concurrency: &str,
) -> String {
    let url = lines[0]
        .strip_prefix(&format!("{label} site: "))
        .unwrap_or_else(|| panic!("bad first line {:?}", lines[0]))
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/flags"),
        "{url}"
    );
    assert_eq!(lines[1], searching);
    assert_eq!(lines[2], concurrency);
    url
}

/// The final report: exactly these lines after the 20 dashes, then the time.
fn assert_final_report(lines: &[String], expected: &[&str]) {
    let dashes = lines
        .iter()
        .rposition(|l| l == &"-".repeat(20))
        .unwrap_or_else(|| panic!("no line of dashes in {lines:?}"));
    let tail = &lines[dashes + 1..];
    assert_eq!(tail.len(), expected.len() + 1, "{tail:?}");
    assert_eq!(&tail[..expected.len()], expected);
    let time = tail[expected.len()]
        .strip_prefix("Elapsed time: ")
        .and_then(|t| t.strip_suffix('s'))
        .unwrap_or_else(|| panic!("bad last line {:?}", tail[expected.len()]));
    assert_two_decimals(time);
}

/// The `-v` lines of `flags2`/`flags3`: each code's outcome, checking that no code
/// appears twice. Returns code -> "OK" / "not found" / "error" / "cancelled".
fn verbose_outcomes(lines: &[String]) -> BTreeMap<String, &'static str> {
    let mut outcomes = BTreeMap::new();
    for line in lines {
        let (cc, outcome) = if let Some(rest) = line.strip_prefix("*** Error for ") {
            (rest.split(':').next().unwrap_or_default(), "error")
        } else if let Some(cc) = line.strip_suffix(" OK") {
            (cc, "OK")
        } else if let Some(cc) = line.strip_suffix(" not found") {
            (cc, "not found")
        } else if let Some(cc) = line.strip_suffix(" cancelled") {
            (cc, "cancelled")
        } else {
            continue;
        };
        assert!(cc.len() == 2, "odd result line {line:?}");
        if let Some(before) = outcomes.insert(cc.to_string(), outcome) {
            panic!("{cc} reported twice: {before}, then {line:?}");
        }
    }
    outcomes
}

fn count(outcomes: &BTreeMap<String, &str>, what: &str) -> usize {
    outcomes.values().filter(|o| **o == what).count()
}

fn codes_with<'a>(outcomes: &'a BTreeMap<String, &str>, what: &str) -> Vec<&'a str> {
    outcomes
        .iter()
        .filter(|(_, o)| **o == what)
        .map(|(cc, _)| cc.as_str())
        .collect()
}

// ---------------------------------------------------------------------------------------
// A flag site on a thread of this test
// ---------------------------------------------------------------------------------------

/// The flag site on its own thread and loop, with counters this test can read.
struct TestSite {
    base_url: String,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl TestSite {
    fn start(mode: Mode, faults: Faults) -> TestSite {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let stopping = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            oneloop::run(async move {
                let config = Config {
                    mode,
                    faults,
                    log: false,
                };
                let running = start_with(config, Rc::new(site().clone()))
                    .await
                    .expect("cannot start the test site");
                let _ = tx.send((running.base_url.clone(), Arc::clone(&running.stats)));
                // Polled rather than signalled: the stop comes from another thread.
                while !stopping.load(Ordering::SeqCst) {
                    let _ = oneloop::time::sleep(Duration::from_millis(10)).await;
                }
                running.task.abort();
            })
        });
        let (base_url, stats) = rx
            .recv_timeout(limit())
            .expect("the test site did not start");
        TestSite {
            base_url,
            stats,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for TestSite {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Against the site inside each downloader
// ---------------------------------------------------------------------------------------

#[test]
fn flags_downloads_the_twenty_with_its_own_site() {
    let dest = TempDir::new("flags");
    let out = run("flags", &[], dest.path());
    assert_flags_output(&out);
    assert_saved(dest.path(), &gifs(&POP20_CC));
}

/// `flags` has the book's error handling: none. Against the ERROR site (whose fixed seed
/// fails some of the first 20 answers) it stops with a message and exit 1; whatever it
/// saved before that is whole.
#[test]
fn flags_stops_at_the_first_error() {
    let dest = TempDir::new("flags-error");
    let out = run("flags", &["-s", "ERROR"], dest.path());
    out.assert_exit(1);
    assert!(
        out.stderr.starts_with("*** http://127.0.0.1:"),
        "{:?}",
        out.stderr
    );
    let saved: Vec<String> = fs::read_dir(dest.path())
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let codes: Vec<String> = saved
        .iter()
        .map(|f| f.strip_suffix(".gif").unwrap_or(f).to_uppercase())
        .collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    assert!(codes.len() < 20, "{codes:?}");
    assert_saved(dest.path(), &gifs(&codes));
}

#[test]
fn flags2_downloads_all_with_its_own_site() {
    let dest = TempDir::new("flags2-all");
    let out = run("flags2", &["-a"], dest.path());
    out.assert_exit(0);
    assert_initial_report(
        &out.stdout,
        "LOCAL",
        "Searching for 194 flags: from AD to ZW",
        "5 concurrent connections will be used.",
    );
    assert_final_report(&out.stdout, &["194 flags downloaded."]);
    assert_eq!(out.stdout.len(), 3 + 1 + 2, "no progress lines on stdout");
    assert_eq!(
        out.stderr, "",
        "no progress bar when stderr is not a terminal"
    );
    assert_saved(dest.path(), &gifs(&all_codes()));
}

#[test]
fn flags2_default_list_one_letter_and_limit() {
    let dest = TempDir::new("flags2-args");
    let out = run("flags2", &["-l", "3", "-v"], dest.path());
    out.assert_exit(0);
    assert_initial_report(
        &out.stdout,
        "LOCAL",
        "Searching for 3 flags: BD, BR, CD",
        "3 concurrent connections will be used.",
    );
    assert_final_report(&out.stdout, &["3 flags downloaded."]);
    assert_saved(dest.path(), &gifs(&["BD", "BR", "CD"]));

    // `-m 1` and a letter: its 26 codes, of which the site has 17 (BA..BZ).
    let dest = TempDir::new("flags2-letter");
    let out = run("flags2", &["b", "-m", "1", "-v"], dest.path());
    out.assert_exit(0);
    assert_initial_report(
        &out.stdout,
        "LOCAL",
        "Searching for 26 flags: from BA to BZ",
        "1 concurrent connection will be used.",
    );
    let outcomes = verbose_outcomes(&out.stdout);
    assert_eq!(outcomes.len(), 26);
    let found: Vec<&str> = all_codes()
        .into_iter()
        .filter(|cc| cc.starts_with('B'))
        .collect();
    assert_eq!(codes_with(&outcomes, "OK"), found);
    assert_final_report(
        &out.stdout,
        &[
            &format!("{} flags downloaded.", found.len()),
            &format!("{} not found.", 26 - found.len()),
        ],
    );
    assert_saved(dest.path(), &gifs(&found));
}

#[test]
fn flags3_downloads_all_with_country_names() {
    let dest = TempDir::new("flags3-all");
    let out = run("flags3", &["-a", "-m", "20"], dest.path());
    out.assert_exit(0);
    assert_initial_report(
        &out.stdout,
        "LOCAL",
        "Searching for 194 flags: from AD to ZW",
        "20 concurrent connections will be used.",
    );
    assert_final_report(&out.stdout, &["194 flags downloaded."]);
    assert_saved(dest.path(), &named_gifs(&all_codes()));
}

#[test]
fn the_dest_option_beats_the_environment() {
    let env_dest = TempDir::new("env");
    let opt_dest = TempDir::new("opt");
    let dest_arg = opt_dest.path().to_string_lossy().into_owned();
    let out = run("flags2", &["BR", "--dest", &dest_arg], env_dest.path());
    out.assert_exit(0);
    assert_saved(opt_dest.path(), &gifs(&["BR"]));
    assert_saved(env_dest.path(), &BTreeMap::new());
}

// ---------------------------------------------------------------------------------------
// Errors, concurrency, Ctrl-C
// ---------------------------------------------------------------------------------------

#[test]
fn every_code_against_error_mode_is_counted_once() {
    let faults = Faults {
        seed: 7,
        ..Faults::for_mode(Mode::Error)
    };
    let site = TestSite::start(Mode::Error, faults);
    for (program, saved_as) in [("flags2", gifs as fn(&[&str]) -> _), ("flags3", named_gifs)] {
        let dest = TempDir::new("every");
        let out = run(
            program,
            &[
                "-e",
                "-m",
                "100",
                "-v",
                "-s",
                "ERROR",
                "--base-url",
                &site.base_url,
            ],
            dest.path(),
        );
        out.assert_exit(0);
        assert_initial_report(
            &out.stdout,
            "ERROR",
            "Searching for 676 flags: from AA to ZZ",
            "100 concurrent connections will be used.",
        );
        let outcomes = verbose_outcomes(&out.stdout);
        assert_eq!(outcomes.len(), 676, "every code reported exactly once");
        let (ok, nf, err) = (
            count(&outcomes, "OK"),
            count(&outcomes, "not found"),
            count(&outcomes, "error"),
        );
        assert_eq!(ok + nf + err, 676);
        assert!(ok > 0 && nf > 0 && err > 0, "{ok} {nf} {err}");
        assert_eq!(count(&outcomes, "cancelled"), 0);
        assert_final_report(
            &out.stdout,
            &[
                &format!("{ok} flags downloaded."),
                &format!("{nf} not found."),
                &format!("{err} errors."),
            ],
        );
        // The codes the site has can only be OK or errors; the others only 404 or errors.
        for (cc, outcome) in &outcomes {
            let on_site = flagsite::country_name(cc).is_some();
            assert!(
                *outcome == "error" || (*outcome == "OK") == on_site,
                "{cc}: {outcome}"
            );
        }
        assert_saved(dest.path(), &saved_as(&codes_with(&outcomes, "OK")));
        // Both kinds of failure occur: HTTP statuses ("503 Service Unavailable") and
        // dropped connections, which have no status (the client's error names the URL).
        let reasons: Vec<&str> = out
            .stdout
            .iter()
            .filter_map(|l| {
                l.strip_prefix("*** Error for ")?
                    .split_once(": ")
                    .map(|(_, r)| r)
            })
            .collect();
        assert!(reasons.iter().any(|r| r.starts_with('5')), "{reasons:?}");
        assert!(
            reasons.iter().any(|r| r.starts_with("http://")),
            "{reasons:?}"
        );
    }
    assert!(site.stats.peak() <= 100, "peak {}", site.stats.peak());
}

/// Runs `flags2 -m N` against a test site where each answer takes 20 ms, and returns the
/// most requests the site ever had at once.
fn peak_with(max_req: &str, codes: &[&str]) -> usize {
    let faults = Faults {
        delay: Duration::from_millis(20),
        ..Faults::for_mode(Mode::Delay)
    };
    let site = TestSite::start(Mode::Delay, faults);
    let dest = TempDir::new("peak");
    let mut args = vec!["-m", max_req, "--base-url", &site.base_url];
    args.extend_from_slice(codes);
    let out = run("flags2", &args, dest.path());
    out.assert_exit(0);
    assert_eq!(site.stats.requests(), codes.len());
    site.stats.peak()
}

#[test]
fn m1_is_sequential_and_m7_never_exceeds_seven() {
    let twenty: Vec<&str> = POP20_CC.to_vec();
    assert_eq!(peak_with("1", &twenty), 1, "-m 1: two requests at once");
    let all = all_codes();
    let peak = peak_with("7", &all);
    assert!((1..=7).contains(&peak), "-m 7: {peak} requests at once");
}

/// Ctrl-C in the middle of `-a -s DELAY -m 5 -v`: every task is cancelled at its next
/// await, the report counts each code once, exit 130, and only whole flags are left.
fn interrupt(program: &str, saved_as: fn(&[&str]) -> BTreeMap<String, String>) {
    let dest = TempDir::new("ctrl-c");
    let mut command = Command::new(example_binary(program));
    command
        .args(["-a", "-s", "DELAY", "-m", "5", "-v"])
        .env("FLAGS_DEST_DIR", dest.path());
    let mut proc = Proc::start(command);
    // Wait for the first finished download: by then the SIGINT handler is installed
    // (it is, before the first request goes out) and most downloads are still to come.
    loop {
        let line = proc
            .next_line()
            .expect("the downloader ended before any flag");
        if line.ends_with(" OK") {
            break;
        }
    }
    proc.interrupt();
    let out = proc.finish();
    out.assert_exit(130);
    let outcomes = verbose_outcomes(&out.stdout);
    assert_eq!(outcomes.len(), 194, "every code reported exactly once");
    let (ok, cancelled) = (count(&outcomes, "OK"), count(&outcomes, "cancelled"));
    assert_eq!(ok + cancelled, 194, "{outcomes:?}");
    assert!(ok >= 1 && cancelled >= 1, "ok {ok}, cancelled {cancelled}");
    assert_final_report(
        &out.stdout,
        &[
            &format!("{ok} flag{} downloaded.", if ok == 1 { "" } else { "s" }),
            &format!("{cancelled} cancelled."),
        ],
    );
    assert_saved(dest.path(), &saved_as(&codes_with(&outcomes, "OK")));
}

#[test]
fn ctrl_c_in_flags2_cancels_reports_and_exits_130() {
    interrupt("flags2", gifs);
}

#[test]
fn ctrl_c_in_flags3_cancels_reports_and_exits_130() {
    interrupt("flags3", named_gifs);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let dest = TempDir::new("usage");
    let cases: &[(&str, &[&str], &str)] = &[
        ("flags2", &["-m", "0"], "--max_req CONCURRENT must be >= 1"),
        (
            "flags2",
            &["-m", "many"],
            "--max_req CONCURRENT must be an integer",
        ),
        ("flags2", &["-l", "0"], "--limit N must be >= 1"),
        ("flags2", &["-l"], "--limit needs a value"),
        (
            "flags2",
            &["-s", "MARS"],
            "--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE",
        ),
        (
            "flags2",
            &["B7"],
            "each CC argument must be A to Z or AA to ZZ.",
        ),
        (
            "flags2",
            &["USA"],
            "each CC argument must be A to Z or AA to ZZ.",
        ),
        ("flags2", &["--nope"], "unrecognized argument: --nope"),
        (
            "flags2",
            &["--base-url", "https://x"],
            "--base-url URL must start with http://",
        ),
        ("flags3", &["-m", "-1"], "--max_req CONCURRENT must be >= 1"),
        ("flags3", &["-s", "x"], "--server LABEL must be one of"),
        (
            "flags3",
            &["1"],
            "each CC argument must be A to Z or AA to ZZ.",
        ),
        ("flags", &["-a"], "unrecognized argument: -a"),
        ("flags", &["BR"], "unrecognized argument: BR"),
        ("flags", &["-s", "nowhere"], "--server LABEL must be one of"),
        (
            "flags_server",
            &["--local-port", "http"],
            "--local-port must be a port number",
        ),
        (
            "flags_server",
            &["--error-rate", "2"],
            "--error-rate must be a fraction",
        ),
        ("flags_server", &["--what"], "unrecognized argument: --what"),
    ];
    for (program, args, message) in cases {
        let out = run(program, args, dest.path());
        out.assert_exit(2);
        assert!(
            out.stderr
                .starts_with(&format!("*** Usage error: {message}")),
            "{program} {args:?}: {:?}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!("usage: {program} [-h]")),
            "{:?}",
            out.stderr
        );
        assert!(
            out.stdout.is_empty(),
            "{program} {args:?} printed {:?}",
            out.stdout
        );
    }
    for program in ["flags", "flags2", "flags3", "flags_server"] {
        let out = run(program, &["-h"], dest.path());
        out.assert_exit(0);
        assert!(
            out.stdout[0].starts_with(&format!("usage: {program} [-h]")),
            "{:?}",
            out.stdout
        );
    }
    for program in ["flags", "flags2", "flags3"] {
        let out = run(program, &["-s", "remote"], dest.path());
        out.assert_exit(2);
        assert!(out.stderr.contains("no network"), "{:?}", out.stderr);
    }
    assert_saved(dest.path(), &BTreeMap::new());
}

// ---------------------------------------------------------------------------------------
// Against flags_server, and against nginx
// ---------------------------------------------------------------------------------------

/// Runs the three downloaders against `base_url` and checks their output and files.
fn download_everything_from(base_url: &str, tag: &str) {
    let dest = TempDir::new(&format!("{tag}-flags"));
    let out = run("flags", &["--base-url", base_url], dest.path());
    assert_flags_output(&out);
    assert_saved(dest.path(), &gifs(&POP20_CC));

    for (program, saved_as) in [("flags2", gifs as fn(&[&str]) -> _), ("flags3", named_gifs)] {
        let dest = TempDir::new(&format!("{tag}-{program}"));
        let out = run(
            program,
            &["-a", "-m", "10", "--base-url", base_url],
            dest.path(),
        );
        out.assert_exit(0);
        let url = assert_initial_report(
            &out.stdout,
            "LOCAL",
            "Searching for 194 flags: from AD to ZW",
            "10 concurrent connections will be used.",
        );
        assert_eq!(url, base_url);
        assert_final_report(&out.stdout, &["194 flags downloaded."]);
        assert_saved(dest.path(), &saved_as(&all_codes()));

        // Codes the site lacks are 404s from any server.
        let dest = TempDir::new(&format!("{tag}-{program}-404"));
        let out = run(
            program,
            &["ZZ", "BR", "-v", "--base-url", base_url],
            dest.path(),
        );
        out.assert_exit(0);
        assert_final_report(&out.stdout, &["1 flag downloaded.", "1 not found."]);
        assert_saved(dest.path(), &saved_as(&["BR"]));
    }
}

#[test]
fn downloaders_against_flags_server_in_its_own_process() {
    let mut command = Command::new(example_binary("flags_server"));
    command.args([
        "--local-port",
        "0",
        "--delay-port",
        "0",
        "--error-port",
        "0",
        "--delay",
        "0.05",
        "-v",
    ]);
    let mut server = Proc::start(command);
    let mut urls = BTreeMap::new();
    loop {
        let line = server.next_line().expect("flags_server ended early");
        if line == "Hit CTRL-C to stop." {
            break;
        }
        let (label, rest) = line.split_once(" site: ").expect("a site line");
        let url = rest.split_whitespace().next().expect("a URL");
        urls.insert(label.to_string(), url.to_string());
    }
    assert_eq!(urls.len(), 3, "{urls:?}");
    download_everything_from(&urls["LOCAL"], "server");

    // The ERROR port misbehaves, and flags2 counts every code anyway.
    let dest = TempDir::new("server-error");
    let out = run(
        "flags2",
        &[
            "-a",
            "-m",
            "50",
            "-v",
            "-s",
            "error",
            "--base-url",
            &urls["ERROR"],
        ],
        dest.path(),
    );
    out.assert_exit(0);
    let outcomes = verbose_outcomes(&out.stdout);
    assert_eq!(outcomes.len(), 194);
    assert!(count(&outcomes, "error") > 0);
    assert_saved(dest.path(), &gifs(&codes_with(&outcomes, "OK")));

    server.interrupt();
    let out = server.finish();
    out.assert_exit(0);
    assert_eq!(
        out.stdout.last().map(String::as_str),
        Some("Server shutting down.")
    );
    // `-v`: a line per request. LOCAL had flags' 20, flags2's 194 + 2 and flags3's
    // 2 * 194 + 3 (no metadata request after ZZ's 404); the client retries a request
    // once on a stale kept-alive connection, hence "at least".
    let local: Vec<&String> = out
        .stdout
        .iter()
        .filter(|l| l.starts_with("LOCAL GET /flags/"))
        .collect();
    assert!(
        local.len() >= 20 + 196 + 391,
        "{} LOCAL log lines",
        local.len()
    );
    assert!(
        local
            .iter()
            .any(|l| l.as_str() == "LOCAL GET /flags/zz/zz.gif -> 404"),
        "{local:?}"
    );
    assert!(local
        .iter()
        .any(|l| l.as_str() == "LOCAL GET /flags/br/metadata.json -> 200"));
    assert!(out
        .stdout
        .iter()
        .any(|l| l.starts_with("ERROR GET /flags/")));
}

/// A free port on 127.0.0.1 (bound and released: nginx cannot be told to pick one).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// The site as `flags_server --write DIR` writes it, checked file by file.
fn written_site(tag: &str) -> TempDir {
    let root = TempDir::new(tag);
    let out = run(
        "flags_server",
        &["--write", &root.path().to_string_lossy()],
        root.path(),
    );
    out.assert_exit(0);
    for (path, file) in site().files() {
        let written = fs::read(root.path().join(path.trim_start_matches('/'))).expect("written");
        assert!(written == file.bytes, "{path} written differently");
    }
    root
}

/// Starts a server that cannot be told to pick its own port: `command(port)` on a port
/// that was free a moment ago, until one attempt accepts connections (another process may
/// take the port in between; then the server exits and we try another).
fn start_on_free_port(what: &str, command: impl Fn(u16) -> Command) -> (Proc, u16) {
    for _attempt in 0..5 {
        let port = free_port();
        let mut proc = Proc::start(command(port));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + limit();
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
                return (proc, port);
            }
            if proc.child.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let out = proc.finish();
        println!("{what} did not start on port {port}: {}", out.stderr);
    }
    panic!("{what} would not start");
}

#[test]
fn downloaders_against_nginx_serving_the_written_site() {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let Some(nginx) = nginx else {
        println!("nginx is not installed (apt-get install nginx): skipping the nginx test");
        return;
    };
    let root = written_site("nginx-root");
    // nginx in the foreground, one process, everything under its own prefix.
    let prefix = TempDir::new("nginx-prefix");
    let (nginx_proc, port) = start_on_free_port("nginx", |port| {
        let p = prefix.path().display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {p}/nginx.pid;\n\
             error_log stderr;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  types {{ image/gif gif; application/json json; }}\n\
             \x20 client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n\
             \x20 fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n\
             \x20 scgi_temp_path {p}/scgi;\n\
             \x20 server {{ listen 127.0.0.1:{port}; root {}; }}\n}}\n",
            root.path().display()
        );
        let conf_path = prefix.path().join("nginx.conf");
        fs::write(&conf_path, conf).expect("write nginx.conf");
        let mut command = Command::new(&nginx);
        command
            .arg("-p")
            .arg(prefix.path())
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg("stderr");
        command
    });
    download_everything_from(&format!("http://127.0.0.1:{port}/flags"), "nginx");
    // Stopped by its pid (Proc's drop kills it and reaps it).
    drop(nginx_proc);
}

/// Python's `http.server` answers in HTTP/1.0 and closes each connection: the downloaders
/// meet bodies that end with the connection, and a pool that cannot keep anything.
#[test]
fn downloaders_against_python_http_server() {
    let python = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(python, Ok(status) if status.success()) {
        println!("python3 is not installed: skipping the http.server test");
        return;
    }
    let root = written_site("python-root");
    let (server, port) = start_on_free_port("python3 -m http.server", |port| {
        let mut command = Command::new("python3");
        command
            .args(["-m", "http.server", "--bind", "127.0.0.1", "--directory"])
            .arg(root.path())
            .arg(port.to_string());
        command
    });
    download_everything_from(&format!("http://127.0.0.1:{port}/flags"), "python");
    drop(server);
}
