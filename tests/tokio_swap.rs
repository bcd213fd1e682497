//! The tokio swap, proven: tokio programs ported by renaming the crate.
//!
//! `tokio_swap/originals/*.rs` are programs written for tokio, as a tokio user writes them:
//! an echo server with clients, a chat room over mpsc, a bounded concurrent fetcher
//! (`Arc<Semaphore>` + `JoinSet` + `timeout` + `select!` + a cancel signal), a TCP proxy
//! (`copy_bidirectional`), a length-prefixed protocol (`read_u32`/`write_u32`, `split`,
//! `try_join!`), a worker pool (`JoinSet::spawn`'s `AbortHandle`, `try_join_next`,
//! `join_all`), a price feed over `broadcast` (+ `Barrier`, `oneshot`) and a configuration
//! reloader over `watch` + `RwLock` (+ `OnceCell`, `Barrier`), a log tailer with rotation
//! (`fs`), a job runner (`process`), and a server that reloads its configuration on SIGHUP
//! and stops on SIGTERM (`signal::unix`). They are not compiled here
//! (oneloop's tests do not depend on tokio); the `swapcheck` crate compiles them against
//! tokio 1 (`features = ["full"]`) and checks, with `cargo test -p swapcheck`, that each
//! prints exactly its transcript in `tokio_swap/transcripts.rs`, as its port must here.
//! `tokio_swap/*.rs` are the ports: the original with `tokio` renamed to `oneloop` plus only
//! the edits README's "Porting from tokio" lists, which
//! `ports_differ_from_originals_only_by_listed_edits` checks line by line.

// The ports keep tokio's `Arc<Semaphore>` / `Arc<Mutex<_>>` / `Arc<Notify>` (`acquire_owned`
// takes an `Arc`); oneloop's primitives are `!Sync`, which this clippy lint flags.
#[allow(clippy::arc_with_non_send_sync)]
#[path = "tokio_swap/chat.rs"]
mod chat;
#[allow(clippy::arc_with_non_send_sync)]
#[path = "tokio_swap/echo.rs"]
mod echo;
#[allow(clippy::arc_with_non_send_sync)]
#[path = "tokio_swap/feed.rs"]
mod feed;
#[allow(clippy::arc_with_non_send_sync)]
#[path = "tokio_swap/fetcher.rs"]
mod fetcher;
#[path = "tokio_swap/framed.rs"]
mod framed;
#[allow(clippy::arc_with_non_send_sync)]
#[path = "tokio_swap/jobs.rs"]
mod jobs;
#[path = "tokio_swap/logtail.rs"]
mod logtail;
#[path = "tokio_swap/pool.rs"]
mod pool;
#[path = "tokio_swap/proxy.rs"]
mod proxy;
#[allow(clippy::arc_with_non_send_sync)]
#[path = "tokio_swap/reload.rs"]
mod reload;
#[path = "tokio_swap/reloader.rs"]
mod reloader;
#[path = "tokio_swap/transcripts.rs"]
mod transcripts;

use std::time::Duration;

use transcripts::{
    CHAT, ECHO, FEED, FETCHER, FRAMED, JOBS, LOGTAIL, POOL, PROXY, RELOAD, RELOADER,
};

/// Runs a ported program (each builds its own loop with `#[oneloop::main]`) on a thread of
/// its own, so that a hang fails the test instead of stalling it.
fn run_bounded(name: &str, program: fn() -> String) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _ = tx.send(program());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(transcript) => transcript,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("{name}: hung"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("{name}: ended without a transcript"),
        },
    }
}

fn check(name: &str, program: fn() -> String, expected: &str) {
    let got = run_bounded(name, program);
    let expected = expected.strip_prefix('\n').unwrap();
    assert_eq!(
        got, expected,
        "{name}: oneloop's transcript differs from tokio's\n{got}"
    );
}

#[test]
fn echo_port_matches_tokio_transcript() {
    check("echo", echo::run, ECHO);
}

#[test]
fn chat_port_matches_tokio_transcript() {
    check("chat", chat::run, CHAT);
}

#[test]
fn fetcher_port_matches_tokio_transcript() {
    check("fetcher", fetcher::run, FETCHER);
}

#[test]
fn logtail_port_matches_tokio_transcript() {
    check("logtail", logtail::run, LOGTAIL);
}

#[test]
fn jobs_port_matches_tokio_transcript() {
    check("jobs", jobs::run, JOBS);
}

#[test]
fn reloader_port_matches_tokio_transcript() {
    check("reloader", reloader::run, RELOADER);
}

#[test]
fn proxy_port_matches_tokio_transcript() {
    check("proxy", proxy::run, PROXY);
}

#[test]
fn framed_port_matches_tokio_transcript() {
    check("framed", framed::run, FRAMED);
}

#[test]
fn pool_port_matches_tokio_transcript() {
    check("pool", pool::run, POOL);
}

#[test]
fn feed_port_matches_tokio_transcript() {
    check("feed", feed::run, FEED);
}

#[test]
fn reload_port_matches_tokio_transcript() {
    check("reload", reload::run, RELOAD);
}

// ---- The edits a port may make. ---------------------------------------------------------
//
// Each rule is one bullet of README's "Porting from tokio" (quoted in `RULES`, and checked
// to be still there): an edit a port needs that the README does not list fails the diff.
// Lines are compared with all whitespace removed, so rustfmt's reflowing does not matter.

/// A rule: its name, the README text it stands for (`None`: not in README yet), and the
/// test on an (original with `tokio` renamed, port) pair of lines.
type Rule = (&'static str, Option<&'static str>, fn(&str, &str) -> bool);

const RULES: &[Rule] = &[
    (
        "sleep / sleep_until / tick / yield_now return a Result",
        Some("`sleep(..).await`, `sleep_until(..).await`, `interval.tick().await` and\n  `task::yield_now().await` return a `Result`: handle it, `?` it, or `let _ =` it."),
        |orig, port| handled(orig, port, &["sleep", "sleep_until", "tick", "yield_now"], &["?", ".unwrap()"]),
    ),
    (
        "recv().await gives Result<Option<T>, Cancelled>",
        Some("`mpsc::Receiver::recv().await` returns `Result<Option<T>, Cancelled>`: add `?` (inside a\n  function returning `Result<_, Cancelled>` or `io::Result`) or `.ok().flatten()`."),
        |orig, port| suffixed(orig, port, &["recv"], &["?", ".ok().flatten()"]),
    ),
    (
        "notified / lock / acquire return a Result",
        Some("`Notify::notified().await`, `Mutex::lock().await` and `Semaphore::acquire().await`\n  likewise return a `Result` that can carry the cancellation."),
        |orig, port| handled(orig, port, &["notified", "lock", "acquire"], &["?", ".unwrap()"]),
    ),
    (
        "a select! branch on recv() matches Ok(pattern)",
        Some("In a `select!` branch on `recv()`, wrap the pattern in `Ok(..)`: `Some(msg) = rx.recv() =>`\n  becomes `Ok(Some(msg)) = rx.recv() =>`."),
        select_recv_pattern,
    ),
    (
        "read / write / wait / get_or_init / lock_owned / closed return a Result",
        Some("add `?` or `.unwrap()`. `Receiver::recv_many(..).await` returns"),
        |orig, port| {
            handled(
                orig,
                port,
                &[
                    "read",
                    "write",
                    "read_owned",
                    "write_owned",
                    "lock_owned",
                    "wait",
                    "get_or_init",
                    "closed",
                ],
                &["?", ".unwrap()"],
            )
        },
    ),
    (
        "a match on broadcast's RecvError gains a Cancelled arm",
        Some("A `match` on `broadcast::error::RecvError` gains an arm for `RecvError::Cancelled`"),
        |orig, port| {
            orig.trim().is_empty() && squeeze(port).starts_with("Err(RecvError::Cancelled)=>")
        },
    ),
    (
        "Signal::recv().await gives Result<Option<()>, Cancelled>",
        Some("`signal::unix::Signal::recv().await` likewise returns `Result<Option<()>, Cancelled>`\n  (and `poll_recv` a `Poll` of it): the same `?` or `.ok().flatten()`."),
        |orig, port| suffixed(orig, port, &["recv"], &["?", ".ok().flatten()"]),
    ),
    (
        "SendError(v) patterns gain `, ..`",
        Some("the pattern `Err(SendError(v))` becomes `Err(SendError(v, ..))`;"),
        send_error_pattern,
    ),
    (
        "File::into_std().await returns an io::Result",
        Some("`fs::File::into_std().await` returns `io::Result<std::fs::File>` (its wait can be\n  cancelled): add `?`."),
        |orig, port| suffixed(orig, port, &["into_std"], &["?"]),
    ),
    (
        "a File that syncs or sets its length is `let mut`",
        Some("`fs::File::sync_all`, `sync_data` and `set_len` take `&mut self` (tokio's take `&self`,\n  with a lock inside the file): declare the file `let mut`."),
        file_let_mut,
    ),
];

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Byte offsets just after each `.await` in `s` that awaits a call `name(..)` or
/// `.name(..)` with `name` in `calls`.
fn awaits_of(s: &str, calls: &[&str]) -> Vec<usize> {
    let bytes = s.as_bytes();
    let mut points = Vec::new();
    for (at, _) in s.match_indices(").await") {
        let end = at + ").await".len();
        if bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            continue;
        }
        // Back from the `)` to its `(`, then the name before it.
        let mut depth = 0;
        let mut open = None;
        for i in (0..=at).rev() {
            match bytes[i] {
                b')' => depth += 1,
                b'(' => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let name_start = s[..open]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        if calls.contains(&&s[name_start..open]) {
            points.push(end);
        }
    }
    points
}

/// `port` is `orig` with one of `suffixes` inserted after one or more of the `.await`s of
/// `calls` (each a possible place; every combination is tried).
fn suffixed(orig: &str, port: &str, calls: &[&str], suffixes: &[&str]) -> bool {
    let (orig, port) = (squeeze(orig), squeeze(port));
    let points = awaits_of(&orig, calls);
    let mut choices = vec![0usize; points.len()]; // 0: nothing, k: suffixes[k - 1]
    loop {
        let mut candidate = String::new();
        let mut from = 0;
        for (point, choice) in points.iter().zip(&choices) {
            candidate.push_str(&orig[from..*point]);
            if *choice > 0 {
                candidate.push_str(suffixes[choice - 1]);
            }
            from = *point;
        }
        candidate.push_str(&orig[from..]);
        if candidate == port && choices.iter().any(|c| *c > 0) {
            return true;
        }
        // Next combination, like counting in base `suffixes.len() + 1`.
        let mut i = 0;
        loop {
            if i == choices.len() {
                return false;
            }
            choices[i] += 1;
            if choices[i] <= suffixes.len() {
                break;
            }
            choices[i] = 0;
            i += 1;
        }
    }
}

/// README's "handle it, `?` it, or `let _ =` it": a suffix after the `.await`, or the
/// statement `call(..).await;` becoming `let _ = call(..).await;`.
fn handled(orig: &str, port: &str, calls: &[&str], suffixes: &[&str]) -> bool {
    if suffixed(orig, port, calls, suffixes) {
        return true;
    }
    let (o, p) = (squeeze(orig), squeeze(port));
    p.strip_prefix("let_=") == Some(o.as_str())
        && o.ends_with(".await;")
        && awaits_of(&o, calls).last() == Some(&(o.len() - 1))
}

/// `Some(x) = rx.recv() => ...` in a `select!` becomes `Ok(Some(x)) = rx.recv() => ...`.
fn select_recv_pattern(orig: &str, port: &str) -> bool {
    let (orig, port) = (squeeze(orig), squeeze(port));
    let Some(eq) = orig.find('=') else {
        return false;
    };
    let (pattern, rest) = orig.split_at(eq);
    rest.contains(".recv()=>") && port == format!("Ok({pattern}){rest}")
}

/// `SendError(x)` in a pattern becomes `SendError(x, ..)`.
fn send_error_pattern(orig: &str, port: &str) -> bool {
    let (orig, port) = (squeeze(orig), squeeze(port));
    let Some(at) = orig.find("SendError(") else {
        return false;
    };
    let inner = at + "SendError(".len();
    let Some(close) = orig[inner..].find(')').map(|i| inner + i) else {
        return false;
    };
    port == format!("{},..{}", &orig[..close], &orig[close..])
}

/// `let file = File::...` becomes `let mut file = File::...`.
fn file_let_mut(orig: &str, port: &str) -> bool {
    let (orig, port) = (squeeze(orig), squeeze(port));
    orig.starts_with("let")
        && !orig.starts_with("letmut")
        && orig.contains("File::")
        && port == orig.replacen("let", "letmut", 1)
}

/// The longest common subsequence of lines, as the pairs of differing blocks between.
fn differing_blocks<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(Vec<&'a str>, Vec<&'a str>)> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut blocks = Vec::new();
    let mut block: (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            if !block.0.is_empty() || !block.1.is_empty() {
                blocks.push(std::mem::take(&mut block));
            }
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
            block.0.push(a[i]);
            i += 1;
        } else {
            block.1.push(b[j]);
            j += 1;
        }
    }
    if !block.0.is_empty() || !block.1.is_empty() {
        blocks.push(block);
    }
    blocks
}

fn explained(orig: &str, port: &str) -> Option<&'static str> {
    RULES
        .iter()
        .find(|(_, _, allowed)| allowed(orig, port))
        .map(|(name, _, _)| *name)
}

#[test]
fn ports_differ_from_originals_only_by_listed_edits() {
    let pairs = [
        (
            "echo",
            include_str!("tokio_swap/originals/echo.rs"),
            include_str!("tokio_swap/echo.rs"),
        ),
        (
            "chat",
            include_str!("tokio_swap/originals/chat.rs"),
            include_str!("tokio_swap/chat.rs"),
        ),
        (
            "fetcher",
            include_str!("tokio_swap/originals/fetcher.rs"),
            include_str!("tokio_swap/fetcher.rs"),
        ),
        (
            "logtail",
            include_str!("tokio_swap/originals/logtail.rs"),
            include_str!("tokio_swap/logtail.rs"),
        ),
        (
            "jobs",
            include_str!("tokio_swap/originals/jobs.rs"),
            include_str!("tokio_swap/jobs.rs"),
        ),
        (
            "reloader",
            include_str!("tokio_swap/originals/reloader.rs"),
            include_str!("tokio_swap/reloader.rs"),
        ),
        (
            "proxy",
            include_str!("tokio_swap/originals/proxy.rs"),
            include_str!("tokio_swap/proxy.rs"),
        ),
        (
            "framed",
            include_str!("tokio_swap/originals/framed.rs"),
            include_str!("tokio_swap/framed.rs"),
        ),
        (
            "pool",
            include_str!("tokio_swap/originals/pool.rs"),
            include_str!("tokio_swap/pool.rs"),
        ),
        (
            "feed",
            include_str!("tokio_swap/originals/feed.rs"),
            include_str!("tokio_swap/feed.rs"),
        ),
        (
            "reload",
            include_str!("tokio_swap/originals/reload.rs"),
            include_str!("tokio_swap/reload.rs"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, original, port) in pairs {
        assert!(
            original.contains("tokio::"),
            "{name}: the original does not use tokio"
        );
        assert!(
            !port.contains("tokio"),
            "{name}: the port still names tokio"
        );
        let renamed = original.replace("tokio", "oneloop");
        let a: Vec<&str> = renamed.lines().collect();
        let b: Vec<&str> = port.lines().collect();
        for (orig, ported) in differing_blocks(&a, &b) {
            // Line by line when the block kept its shape; else as one piece (rustfmt reflowed it).
            let units: Vec<(String, String)> = if orig.len() == ported.len() {
                orig.iter()
                    .zip(&ported)
                    .map(|(o, p)| (o.to_string(), p.to_string()))
                    .collect()
            } else {
                vec![(orig.join("\n"), ported.join("\n"))]
            };
            for (o, p) in units {
                match explained(&o, &p) {
                    Some(rule) => println!("{name}: [{rule}]\n  - {}\n  + {}", o.trim(), p.trim()),
                    None => {
                        failures.push(format!("{name}: no listed edit explains\n  - {o}\n  + {p}"))
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The checker itself: the listed edits pass, anything else is refused.
#[test]
fn edit_rules_refuse_other_edits() {
    let ok = [
        ("    sleep(d).await;", "    let _ = sleep(d).await;"),
        ("sleep(d).await;", "sleep(d).await.unwrap();"),
        (
            "while let Some(x) = rx.recv().await {",
            "while let Some(x) = rx.recv().await? {",
        ),
        ("*m.lock().await += 1;", "*m.lock().await.unwrap() += 1;"),
        (
            "let x = f(a.recv().await, b.recv().await);",
            "let x = f(a.recv().await?, b.recv().await);",
        ),
        (
            "let g = lock.read().await;",
            "let g = lock.read().await.unwrap();",
        ),
        ("barrier.wait().await;", "barrier.wait().await.unwrap();"),
        ("", "            Err(RecvError::Cancelled) => break,"),
        ("Err(SendError(v)) => v,", "Err(SendError(v, ..)) => v,"),
        (
            "let std = file.into_std().await;",
            "let std = file.into_std().await?;",
        ),
        (
            "let file = File::create(&path).await?;",
            "let mut file = File::create(&path).await?;",
        ),
    ];
    for (orig, port) in ok {
        assert!(explained(orig, port).is_some(), "refused: {orig} -> {port}");
    }
    let refused = [
        ("rx.recv().await;", "rx.recv().await.unwrap();"),
        ("foo().await;", "let _ = foo().await;"),
        ("sleep(d).await;", "sleep(d).await.expect(\"x\");"),
        ("sleep(d).await;", "sleep(d);"),
        ("let x = other().await;", "let x = other().await?;"),
        ("Some(x) = fut => {", "Ok(Some(x)) = fut => {"),
        ("let a = 1;", "let a = 2;"),
        ("", "Err(RecvError::Closed) => break,"),
        ("", "let x = 1;"),
        ("let g = lock.read();", "let g = lock.read().unwrap();"),
        ("Err(SendError(v)) => v,", "Err(SendError(v, w)) => v,"),
        ("let x = 1;", "let mut x = 1;"),
        (
            "let std = file.into_std().await;",
            "let std = file.into_std().await.unwrap();",
        ),
    ];
    for (orig, port) in refused {
        assert_eq!(explained(orig, port), None, "accepted: {orig} -> {port}");
    }
}

/// The rules above that stand for README bullets quote them; README must still say so.
#[test]
fn edit_rules_are_the_readme_list() {
    let readme = include_str!("../README.md");
    let section = &readme[readme
        .find("## Porting from tokio")
        .expect("README has no \"Porting from tokio\"")..];
    for (name, quote, _) in RULES {
        if let Some(quote) = quote {
            assert!(
                section.contains(quote),
                "README no longer lists the rule {name:?}: {quote}"
            );
        }
    }
}
