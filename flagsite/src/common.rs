//! What the three downloaders share, as the book's `flags2_common.py` does for its
//! downloaders: the command line, the list of codes it asks for, the reports, and
//! [`save_flag`], which never leaves a half-written file.
//!
//! Everything here is plain synchronous code, tested in this file; the examples `flags`,
//! `flags2` and `flags3` add the asynchronous part.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::countries::COUNTRIES;
use crate::faults::Mode;

/// The 20 most populous countries: the downloaders' default list.
///
/// ```
/// assert_eq!(flagsite::common::POP20_CC[0], "CN");
/// ```
pub const POP20_CC: [&str; 20] = [
    "CN", "IN", "US", "ID", "BR", "PK", "NG", "BD", "RU", "JP", "MX", "PH", "VN", "ET", "EG", "DE",
    "IR", "TR", "CD", "FR",
];

/// Kept low by default, as in the book, not to upset a real remote site.
///
/// ```
/// use flagsite::common::{parse_args, Parsed, Program, DEFAULT_CONCUR_REQ};
/// let Ok(Parsed::Run(args)) = parse_args(Program::full("flags2"), ["-a"]) else { panic!() };
/// assert_eq!(args.max_req, DEFAULT_CONCUR_REQ);
/// ```
pub const DEFAULT_CONCUR_REQ: usize = 5;
/// The most concurrent requests a downloader makes, whatever `-m` asks for.
///
/// ```
/// let asked = 5000;
/// assert_eq!(asked.min(flagsite::common::MAX_CONCUR_REQ), 1000);
/// ```
pub const MAX_CONCUR_REQ: usize = 1000;
/// The environment variable that names the download folder when `--dest` does not.
///
/// ```
/// assert_eq!(flagsite::common::DEST_DIR_ENV, "FLAGS_DEST_DIR");
/// ```
pub const DEST_DIR_ENV: &str = "FLAGS_DEST_DIR";
/// The default download folder, relative to the current folder.
///
/// ```
/// assert_eq!(flagsite::common::DEFAULT_DEST_DIR, "downloads");
/// ```
pub const DEFAULT_DEST_DIR: &str = "downloads";

/// Where to download from: one of the flag site's modes, or the book's remote site.
///
/// ```
/// use flagsite::common::Server;
/// use flagsite::faults::Mode;
/// assert_eq!(Server::parse("error"), Some(Server::Site(Mode::Error)));
/// assert_eq!(Server::parse("Remote"), Some(Server::Remote));
/// assert_eq!(Server::Remote.label(), "REMOTE");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// The flag site in this mode (started inside the downloader unless `--base-url`).
    Site(Mode),
    /// The book's site on the Internet, which this machine cannot reach.
    Remote,
}

impl Server {
    /// Case-insensitive `LOCAL`, `DELAY`, `ERROR` or `REMOTE`.
    ///
    /// ```
    /// assert_eq!(flagsite::common::Server::parse("nowhere"), None);
    /// ```
    pub fn parse(label: &str) -> Option<Server> {
        if label.eq_ignore_ascii_case("REMOTE") {
            return Some(Server::Remote);
        }
        label.parse().ok().map(Server::Site)
    }

    /// The upper-case label.
    ///
    /// ```
    /// use flagsite::common::Server;
    /// use flagsite::faults::Mode;
    /// assert_eq!(Server::Site(Mode::Delay).label(), "DELAY");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Server::Site(mode) => mode.label(),
            Server::Remote => "REMOTE",
        }
    }
}

/// The labels `-s` accepts, sorted, as the usage error lists them.
const SERVER_OPTIONS: &str = "DELAY, ERROR, LOCAL, REMOTE";

/// Which command line a downloader has: `flags` takes only the options that choose the
/// site and the folder; `flags2` and `flags3` take the book's full command line.
///
/// ```
/// use flagsite::common::Program;
/// let flags2 = Program::full("flags2");
/// assert!(flags2.usage().starts_with("usage: flags2 [-h] [-a] [-e]"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Program {
    /// The program's name, for the usage line.
    pub name: &'static str,
    /// Whether it takes `-a -e -l -m -v` and country codes.
    pub full: bool,
}

impl Program {
    /// A downloader with the book's full command line (`flags2`, `flags3`).
    ///
    /// ```
    /// assert!(flagsite::common::Program::full("flags3").full);
    /// ```
    pub fn full(name: &'static str) -> Program {
        Program { name, full: true }
    }

    /// A downloader that only chooses its site and folder (`flags`).
    ///
    /// ```
    /// assert!(!flagsite::common::Program::simple("flags").full);
    /// ```
    pub fn simple(name: &'static str) -> Program {
        Program { name, full: false }
    }

    /// The one-line usage summary.
    ///
    /// ```
    /// let usage = flagsite::common::Program::simple("flags").usage();
    /// assert_eq!(usage, "usage: flags [-h] [-s LABEL] [--base-url URL] [--dest DIR]");
    /// ```
    pub fn usage(&self) -> String {
        if self.full {
            format!(
                "usage: {} [-h] [-a] [-e] [-l N] [-m CONCURRENT] [-s LABEL] [-v] \
                 [--base-url URL] [--dest DIR] [CC ...]",
                self.name
            )
        } else {
            format!(
                "usage: {} [-h] [-s LABEL] [--base-url URL] [--dest DIR]",
                self.name
            )
        }
    }

    /// The text `-h` prints.
    ///
    /// ```
    /// let help = flagsite::common::Program::full("flags2").help();
    /// assert!(help.contains("-m CONCURRENT, --max_req CONCURRENT"));
    /// ```
    pub fn help(&self) -> String {
        let mut text = self.usage();
        text.push_str("\n\n");
        if self.full {
            text.push_str(
                "Download flags for country codes. Default: top 20 countries by population.\n\n\
                 positional arguments:\n  \
                 CC                    country code or 1st letter (eg. B for BA...BZ)\n\n",
            );
        } else {
            text.push_str("Download the flags of the 20 most populous countries, all at once.\n\n");
        }
        text.push_str("options:\n  -h, --help            show this help message and exit\n");
        if self.full {
            let _ = write!(
                text,
                "  -a, --all             get all available flags (AD to ZW)\n\
                 \x20 -e, --every           get flags for every possible code (AA...ZZ)\n\
                 \x20 -l N, --limit N       limit to N first codes\n\
                 \x20 -m CONCURRENT, --max_req CONCURRENT\n\
                 \x20                       maximum concurrent requests (default={DEFAULT_CONCUR_REQ}, at most {MAX_CONCUR_REQ})\n"
            );
        }
        text.push_str(
            "  -s LABEL, --server LABEL\n\
             \x20                       Server to hit; one of DELAY, ERROR, LOCAL, REMOTE (default=LOCAL)\n",
        );
        if self.full {
            text.push_str("  -v, --verbose         output detailed progress info\n");
        }
        let _ = write!(
            text,
            "  --base-url URL        download from URL (e.g. http://127.0.0.1:8001/flags) instead of\n\
             \x20                       the flag site started inside this program\n\
             \x20 --dest DIR            save the flags in DIR (default: ${DEST_DIR_ENV} if set, else {DEFAULT_DEST_DIR})\n"
        );
        text
    }
}

/// A parsed command line.
///
/// ```
/// use flagsite::common::{parse_args, Parsed, Program};
/// let Parsed::Run(args) = parse_args(Program::full("flags2"), ["-a", "-m", "9"]).unwrap() else {
///     panic!()
/// };
/// assert!(args.all);
/// assert_eq!(args.max_req, 9);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    /// `-a`: all the site's codes.
    pub all: bool,
    /// `-e`: every code from AA to ZZ.
    pub every: bool,
    /// `-l N`: keep the first N codes after sorting.
    pub limit: Option<usize>,
    /// `-m CONCURRENT`: at most this many requests at once (before the cap of 1000).
    pub max_req: usize,
    /// `-s LABEL`.
    pub server: Server,
    /// `-v`: one line per result instead of the progress bar.
    pub verbose: bool,
    /// `--base-url URL`, without a trailing `/`.
    pub base_url: Option<String>,
    /// `--dest DIR`, else `$FLAGS_DEST_DIR`, else `downloads`.
    pub dest_dir: PathBuf,
    /// The `CC` arguments as given (checked by [`expand_cc_args`]).
    pub cc_args: Vec<String>,
}

/// What the command line asks for.
///
/// ```
/// use flagsite::common::{parse_args, Parsed, Program};
/// assert_eq!(parse_args(Program::simple("flags"), ["-h"]), Ok(Parsed::Help));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Download, with these arguments.
    Run(Args),
    /// `-h`: print [`Program::help`] and exit 0.
    Help,
}

/// A usage error: print `*** Usage error: {0}` and the usage line, exit 2.
///
/// ```
/// let e = flagsite::common::UsageError("--limit N must be >= 1".into());
/// assert_eq!(e.to_string(), "*** Usage error: --limit N must be >= 1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "*** Usage error: {}", self.0)
    }
}

impl std::error::Error for UsageError {}

/// Parses the arguments after the program name, as `argparse` does for the book: short
/// options may be clustered (`-av`) and take their value attached or next (`-m5`,
/// `-m 5`), long ones with `=` or next (`--max_req=5`); `--` ends the options. With
/// `--dest` absent, the folder comes from `$FLAGS_DEST_DIR`, else `downloads`.
///
/// ```
/// use flagsite::common::{parse_args, Program};
/// let err = parse_args(Program::full("flags2"), ["-m", "0"]).unwrap_err();
/// assert_eq!(err.to_string(), "*** Usage error: --max_req CONCURRENT must be >= 1");
/// ```
pub fn parse_args<I, S>(program: Program, args: I) -> Result<Parsed, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let usage = |msg: String| Err(UsageError(msg));
    let mut parsed = Args {
        all: false,
        every: false,
        limit: None,
        max_req: DEFAULT_CONCUR_REQ,
        server: Server::Site(Mode::Local),
        verbose: false,
        base_url: None,
        dest_dir: std::env::var_os(DEST_DIR_ENV)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DEST_DIR)),
        cc_args: Vec::new(),
    };
    let mut args = args.into_iter().map(Into::into);
    let mut options_done = false;
    while let Some(arg) = args.next() {
        if options_done || arg == "-" || !arg.starts_with('-') {
            if !program.full {
                return usage(format!("unrecognized argument: {arg}"));
            }
            parsed.cc_args.push(arg);
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        // Split the argument into (option name, attached value, rest of a cluster).
        let mut pending: Vec<(String, Option<String>)> = Vec::new();
        if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => pending.push((format!("--{name}"), Some(value.into()))),
                None => pending.push((arg.clone(), None)),
            }
        } else {
            let cluster: Vec<char> = arg[1..].chars().collect();
            let mut i = 0;
            while i < cluster.len() {
                let name = format!("-{}", cluster[i]);
                i += 1;
                if matches!(cluster[i - 1], 'l' | 'm' | 's') && i < cluster.len() {
                    pending.push((name, Some(cluster[i..].iter().collect())));
                    break;
                }
                pending.push((name, None));
            }
        }
        for (name, attached) in pending {
            let canonical = match name.as_str() {
                "-h" | "--help" => return Ok(Parsed::Help),
                "-s" | "--server" => "--server",
                "--base-url" => "--base-url",
                "--dest" => "--dest",
                "-a" | "--all" if program.full => "--all",
                "-e" | "--every" if program.full => "--every",
                "-v" | "--verbose" if program.full => "--verbose",
                "-l" | "--limit" if program.full => "--limit",
                "-m" | "--max_req" if program.full => "--max_req",
                _ => return usage(format!("unrecognized argument: {name}")),
            };
            let takes_value = matches!(
                canonical,
                "--server" | "--base-url" | "--dest" | "--limit" | "--max_req"
            );
            if !takes_value {
                if attached.is_some() {
                    return usage(format!("{canonical} takes no value"));
                }
                match canonical {
                    "--all" => parsed.all = true,
                    "--every" => parsed.every = true,
                    _ => parsed.verbose = true,
                }
                continue;
            }
            let metavar = match canonical {
                "--server" => "LABEL",
                "--base-url" => "URL",
                "--dest" => "DIR",
                "--limit" => "N",
                _ => "CONCURRENT",
            };
            let Some(value) = attached.or_else(|| args.next()) else {
                return usage(format!("{canonical} needs a value: {canonical} {metavar}"));
            };
            match canonical {
                "--server" => match Server::parse(&value) {
                    Some(server) => parsed.server = server,
                    None => {
                        return usage(format!("--server LABEL must be one of {SERVER_OPTIONS}"))
                    }
                },
                "--base-url" => {
                    let url = value.trim_end_matches('/');
                    if !(url.starts_with("http://") && url.len() > "http://".len()) {
                        return usage(format!(
                            "--base-url URL must start with http:// (got {value:?})"
                        ));
                    }
                    parsed.base_url = Some(url.to_string());
                }
                "--dest" => {
                    if value.is_empty() {
                        return usage("--dest DIR must not be empty".into());
                    }
                    parsed.dest_dir = PathBuf::from(value);
                }
                _ => {
                    let n: i64 = match value.trim().parse() {
                        Ok(n) => n,
                        Err(_) => {
                            return usage(format!(
                                "{canonical} {metavar} must be an integer, not {value:?}"
                            ))
                        }
                    };
                    if n < 1 {
                        return usage(format!("{canonical} {metavar} must be >= 1"));
                    }
                    let n = usize::try_from(n).unwrap_or(usize::MAX);
                    if canonical == "--limit" {
                        parsed.limit = Some(n);
                    } else {
                        parsed.max_req = n;
                    }
                }
            }
        }
    }
    // Check the codes now, so every usage error is reported before anything starts.
    expand_cc_args(parsed.every, parsed.all, &parsed.cc_args, parsed.limit)?;
    Ok(Parsed::Run(parsed))
}

/// The sorted list of codes the arguments ask for, as the book's `expand_cc_args`: `-e`
/// every code AA to ZZ; else `-a` the site's 194; else each `CC` (two letters, or one
/// letter for its 26 codes); else the 20 most populous countries. Then the first `limit`.
///
/// ```
/// use flagsite::common::expand_cc_args;
/// assert_eq!(expand_cc_args(false, false, &["b".into()], Some(3)).unwrap(), ["BA", "BB", "BC"]);
/// assert_eq!(expand_cc_args(true, false, &[], None).unwrap().len(), 676);
/// assert_eq!(expand_cc_args(false, true, &[], None).unwrap().len(), 194);
/// assert!(expand_cc_args(false, false, &["B2".into()], None).is_err());
/// ```
pub fn expand_cc_args(
    every: bool,
    all: bool,
    cc_args: &[String],
    limit: Option<usize>,
) -> Result<Vec<String>, UsageError> {
    const A_Z: std::ops::RangeInclusive<u8> = b'A'..=b'Z';
    let mut codes: Vec<String> = if every {
        A_Z.flat_map(|a| A_Z.map(move |b| String::from_utf8_lossy(&[a, b]).into_owned()))
            .collect()
    } else if all {
        COUNTRIES.iter().map(|(code, _)| code.to_string()).collect()
    } else {
        let mut codes = Vec::new();
        for cc in cc_args {
            let cc = cc.to_ascii_uppercase();
            let letters = cc.as_bytes();
            if !letters.iter().all(|b| A_Z.contains(b)) || !(1..=2).contains(&letters.len()) {
                return Err(UsageError(
                    "each CC argument must be A to Z or AA to ZZ.".into(),
                ));
            }
            if letters.len() == 1 {
                codes.extend(A_Z.map(|b| format!("{cc}{}", b as char)));
            } else {
                codes.push(cc);
            }
        }
        if codes.is_empty() {
            codes = POP20_CC.iter().map(|cc| cc.to_string()).collect();
        }
        codes
    };
    codes.sort_unstable();
    codes.dedup();
    codes.truncate(limit.unwrap_or(usize::MAX));
    Ok(codes)
}

/// `"s"` unless `n` is 1.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The three lines printed before downloading, as the book's `initial_report`.
///
/// ```
/// let codes: Vec<String> = ["BR", "CN"].map(String::from).to_vec();
/// assert_eq!(
///     flagsite::common::initial_report(&codes, 1, "LOCAL", "http://127.0.0.1:8001/flags"),
///     "LOCAL site: http://127.0.0.1:8001/flags\n\
///      Searching for 2 flags: BR, CN\n\
///      1 concurrent connection will be used.\n"
/// );
/// ```
pub fn initial_report(cc_list: &[String], actual_req: usize, label: &str, url: &str) -> String {
    let cc_msg = match cc_list {
        [first, .., last] if cc_list.len() > 10 => format!("from {first} to {last}"),
        _ => cc_list.join(", "),
    };
    format!(
        "{label} site: {url}\nSearching for {} flag{}: {cc_msg}\n{actual_req} concurrent connection{} will be used.\n",
        cc_list.len(),
        plural(cc_list.len()),
        plural(actual_req)
    )
}

/// What happened to one code (the book's `HTTPStatus`, plus what Ctrl-C leaves).
///
/// ```
/// use flagsite::common::{Counter, Status};
/// let mut counter = Counter::default();
/// counter.add(Status::Ok);
/// assert_eq!(counter.total(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Downloaded and saved.
    Ok,
    /// The site answered 404.
    NotFound,
    /// Any other status, a timeout, a connection or a file error.
    Error,
    /// Ctrl-C came first.
    Cancelled,
}

/// How many codes ended each way (the book's `collections.Counter` of statuses).
///
/// ```
/// use flagsite::common::{Counter, Status};
/// let mut counter = Counter::default();
/// counter.add(Status::NotFound);
/// counter.add(Status::Error);
/// assert_eq!((counter.not_found, counter.error, counter.total()), (1, 1, 2));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    /// Downloaded.
    pub ok: usize,
    /// Not found.
    pub not_found: usize,
    /// Failed.
    pub error: usize,
    /// Cancelled by Ctrl-C before they finished.
    pub cancelled: usize,
}

impl Counter {
    /// Counts one code.
    ///
    /// ```
    /// let mut counter = flagsite::common::Counter::default();
    /// counter.add(flagsite::common::Status::Cancelled);
    /// assert_eq!(counter.cancelled, 1);
    /// ```
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Ok => self.ok += 1,
            Status::NotFound => self.not_found += 1,
            Status::Error => self.error += 1,
            Status::Cancelled => self.cancelled += 1,
        }
    }

    /// Every code counted.
    ///
    /// ```
    /// assert_eq!(flagsite::common::Counter::default().total(), 0);
    /// ```
    pub fn total(&self) -> usize {
        self.ok + self.not_found + self.error + self.cancelled
    }
}

/// The lines printed after downloading, as the book's `final_report` (and a `cancelled`
/// line, which the book did not need, when Ctrl-C stopped the downloads).
///
/// ```
/// use flagsite::common::{final_report, Counter};
/// use std::time::Duration;
/// let counter = Counter { ok: 1, not_found: 2, error: 3, cancelled: 0 };
/// assert_eq!(
///     final_report(&counter, Duration::from_millis(1234)),
///     "--------------------\n1 flag downloaded.\n2 not found.\n3 errors.\nElapsed time: 1.23s\n"
/// );
/// ```
pub fn final_report(counter: &Counter, elapsed: Duration) -> String {
    let mut text = format!(
        "{}\n{} flag{} downloaded.\n",
        "-".repeat(20),
        counter.ok,
        plural(counter.ok)
    );
    if counter.not_found > 0 {
        let _ = writeln!(text, "{} not found.", counter.not_found);
    }
    if counter.error > 0 {
        let _ = writeln!(text, "{} error{}.", counter.error, plural(counter.error));
    }
    if counter.cancelled > 0 {
        let _ = writeln!(text, "{} cancelled.", counter.cancelled);
    }
    let _ = writeln!(text, "Elapsed time: {:.2}s", elapsed.as_secs_f64());
    text
}

/// Saves `img` as `dir/filename` so that the name never holds a partial file: the bytes
/// go to a temporary name in the same folder (`.{filename}.part`) and the file is renamed
/// into place (atomic on one file system). On any error the temporary file is removed.
/// Creates `dir` if needed.
///
/// There is no `fsync`: the promise is about this program stopping (an error, Ctrl-C, a
/// cancelled task), not the machine losing power, and an `fsync` per flag would cost
/// milliseconds each — in `flags2`, which writes on the loop's thread as the book does,
/// 194 of them made `-a` take 0.8 s instead of 0.01 s on the development machine.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("save-flag-doc-{}", std::process::id()));
/// flagsite::common::save_flag(&dir, "br.gif", b"GIF89a...")?;
/// assert_eq!(std::fs::read(dir.join("br.gif"))?, b"GIF89a...");
/// assert_eq!(std::fs::read_dir(&dir)?.count(), 1); // no temporary file left
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn save_flag(dir: &Path, filename: &str, img: &[u8]) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{filename}.part"));
    let written = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(img)?;
        drop(file);
        fs::rename(&temporary, dir.join(filename))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// The file name `flags3` saves a flag under: `{Country_Name}-{CC}.gif`, spaces as `_`.
/// A `/` (which no site name has) would name a folder, so it becomes `_` too.
///
/// ```
/// assert_eq!(flagsite::common::country_filename("Korea, South", "KR"), "Korea,_South-KR.gif");
/// ```
pub fn country_filename(country: &str, cc: &str) -> String {
    format!("{}-{cc}.gif", country.replace([' ', '/', '\0'], "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(args: &[&str]) -> Result<Parsed, UsageError> {
        parse_args(Program::full("flags2"), args.iter().copied())
    }

    fn run(args: &[&str]) -> Args {
        match full(args) {
            Ok(Parsed::Run(args)) => args,
            other => panic!("{other:?}"),
        }
    }

    fn error(args: &[&str]) -> String {
        match full(args) {
            Err(e) => e.to_string(),
            other => panic!("{args:?} parsed: {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_books() {
        let args = run(&[]);
        assert_eq!(args.max_req, 5);
        assert_eq!(args.server, Server::Site(Mode::Local));
        assert!(!args.all && !args.every && !args.verbose);
        assert_eq!(args.limit, None);
        assert_eq!(args.base_url, None);
    }

    #[test]
    fn options_short_long_clustered_attached() {
        let args = run(&[
            "-av",
            "-m5",
            "--limit=7",
            "-s",
            "delay",
            "--base-url",
            "http://h:1/flags/",
            "--dest",
            "d",
        ]);
        assert!(args.all && args.verbose);
        assert_eq!((args.max_req, args.limit), (5, Some(7)));
        assert_eq!(args.server, Server::Site(Mode::Delay));
        assert_eq!(args.base_url.as_deref(), Some("http://h:1/flags"));
        assert_eq!(args.dest_dir, PathBuf::from("d"));
        let args = run(&[
            "--every",
            "--max_req",
            "100",
            "--server=ERROR",
            "--verbose",
            "--",
            "-x",
        ]);
        assert!(args.every && args.verbose);
        assert_eq!(args.cc_args, ["-x"]);
        assert_eq!(run(&["-vm", "3"]).max_req, 3);
        assert_eq!(run(&["-sRemote"]).server, Server::Remote);
    }

    #[test]
    fn every_usage_error_says_what_is_wrong() {
        let cases: &[(&[&str], &str)] = &[
            (&["-m", "0"], "--max_req CONCURRENT must be >= 1"),
            (&["-m", "-3"], "--max_req CONCURRENT must be >= 1"),
            (
                &["-m", "x"],
                "--max_req CONCURRENT must be an integer, not \"x\"",
            ),
            (&["-l", "0"], "--limit N must be >= 1"),
            (&["--limit"], "--limit needs a value: --limit N"),
            (
                &["-s", "MARS"],
                "--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE",
            ),
            (&["B2"], "each CC argument must be A to Z or AA to ZZ."),
            (&["BRA"], "each CC argument must be A to Z or AA to ZZ."),
            (&["-"], "each CC argument must be A to Z or AA to ZZ."),
            (&["é"], "each CC argument must be A to Z or AA to ZZ."),
            (&["-x"], "unrecognized argument: -x"),
            (&["--all=1"], "--all takes no value"),
            (
                &["--base-url", "ftp://x"],
                "--base-url URL must start with http:// (got \"ftp://x\")",
            ),
        ];
        for (args, message) in cases {
            assert_eq!(
                error(args),
                format!("*** Usage error: {message}"),
                "{args:?}"
            );
        }
        let simple = |args: &[&str]| parse_args(Program::simple("flags"), args.iter().copied());
        assert_eq!(simple(&["-a"]).unwrap_err().0, "unrecognized argument: -a");
        assert_eq!(simple(&["BR"]).unwrap_err().0, "unrecognized argument: BR");
        assert!(matches!(simple(&["-s", "delay"]), Ok(Parsed::Run(_))));
    }

    #[test]
    fn codes_expand_sort_dedup_and_limit() {
        let cc = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            expand_cc_args(false, false, &cc(&["us", "BR", "u", "br"]), None)
                .unwrap()
                .len(),
            27
        );
        let default = expand_cc_args(false, false, &[], None).unwrap();
        assert_eq!(default.len(), 20);
        assert_eq!((default[0].as_str(), default[19].as_str()), ("BD", "VN"));
        assert_eq!(
            expand_cc_args(false, false, &[], Some(2)).unwrap(),
            ["BD", "BR"]
        );
        assert_eq!(
            expand_cc_args(true, true, &cc(&["ZZ"]), Some(1000))
                .unwrap()
                .len(),
            676
        );
    }

    #[test]
    fn reports_follow_the_books_wording() {
        let codes: Vec<String> = expand_cc_args(false, true, &[], None).unwrap();
        assert_eq!(
            initial_report(&codes, 5, "ERROR", "http://x/flags"),
            "ERROR site: http://x/flags\nSearching for 194 flags: from AD to ZW\n5 concurrent connections will be used.\n"
        );
        assert_eq!(
            initial_report(&codes[..1], 1, "LOCAL", "u"),
            "LOCAL site: u\nSearching for 1 flag: AD\n1 concurrent connection will be used.\n"
        );
        let counter = Counter {
            ok: 0,
            not_found: 0,
            error: 1,
            cancelled: 4,
        };
        assert_eq!(
            final_report(&counter, Duration::from_millis(5)),
            "--------------------\n0 flags downloaded.\n1 error.\n4 cancelled.\nElapsed time: 0.01s\n"
        );
    }

    #[test]
    fn ten_codes_are_listed_eleven_are_a_range() {
        let codes = expand_cc_args(false, true, &[], Some(11)).unwrap();
        let report = |n: usize| initial_report(&codes[..n], 1, "LOCAL", "u");
        assert!(
            report(10).contains("Searching for 10 flags: AD, AE, AF, AG, AL, AM, AO, AR, AT, AU\n")
        );
        assert!(report(11).contains("Searching for 11 flags: from AD to AZ\n"));
        assert!(report(0).contains("Searching for 0 flags: \n"));
    }

    #[test]
    fn a_failed_save_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("save-flag-fail-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        // A folder where the flag should go makes the rename fail.
        fs::create_dir_all(dir.join("xx.gif")).unwrap();
        assert!(save_flag(&dir, "xx.gif", b"GIF").is_err());
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["xx.gif"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
