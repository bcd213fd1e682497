//! The layers point one way: a check of DESIGN.md's "Layers" drawing against the code.
//!
//! The crate has three layers: the public API (`task`, `time`'s futures, `net`, `io`,
//! `sync`, ... and the public face of `runtime`: `run`, `Runtime`, `Handle`, `stats`), the
//! loop internals (`runtime.rs`, `runtime/context.rs`, `runtime/task/`, the trace, the
//! counters, the invariants), and the drivers (`reactor/`, `time/wheel.rs`,
//! `time/timers.rs`). A layer may use the layers below it, never one above. This test reads
//! every file under `src/`, resolves each `crate::` and `super::` path in its code (not its
//! comments) to the module it names, and fails on an arrow that points up.

use std::fs;
use std::path::{Path, PathBuf};

/// How deep a layer is: a file may name modules of its own layer or deeper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Public,
    Internals,
    Drivers,
}

/// The items `runtime.rs` shows the world (declared in, or re-exported from, the files of
/// the public face). Every other name under `runtime` is the loop's own.
const RUNTIME_PUBLIC: &[&str] = &[
    "entry",
    "handle",
    "callback",
    "stats",
    "run",
    "block_on",
    "Builder",
    "Runtime",
    "Handle",
    "TryCurrentError",
    "call_soon",
    "call_later",
    "call_at",
    "CallbackHandle",
    "tasks",
    "Stats",
    "TaskInfo",
    "TaskState",
];

/// The layer of the module at `path` (segments from the crate root).
fn layer_of(path: &[String]) -> Layer {
    let seg = |i: usize| path.get(i).map(String::as_str);
    match (seg(0), seg(1)) {
        (Some("reactor"), _) => Layer::Drivers,
        (Some("time"), Some("wheel" | "timers")) => Layer::Drivers,
        (Some("runtime"), None) => Layer::Internals,
        (Some("runtime"), Some(name)) if RUNTIME_PUBLIC.contains(&name) => Layer::Public,
        (Some("runtime"), Some(_)) => Layer::Internals,
        _ => Layer::Public,
    }
}

/// The module a file under `src/` defines, as path segments (`src/runtime/task/mod.rs` is
/// `runtime::task`, `src/runtime.rs` is `runtime`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("a file under src/");
    let mut segments: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
        segments.pop();
    }
    segments
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of `line`, without a trailing `//` comment (string contents are rare enough in
/// these paths' neighbourhood not to matter).
fn code_of(line: &str) -> &str {
    line.find("//").map_or(line, |at| &line[..at])
}

/// Every module path the code names through `crate::` or `super::`, resolved against
/// `module`: `(line number, path)`. A `use a::{b, c}` names `a::b` and `a::c`.
fn named_paths(module: &[String], text: &str) -> Vec<(usize, Vec<String>)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = code_of(line);
        let mut rest = code;
        while let Some(at) = find_root(rest) {
            let tail = &rest[at..];
            let (path, used) = parse_path(tail);
            rest = &tail[used.max(1)..];
            if tail.starts_with("super::*") {
                continue; // a test module's `use super::*`: the file itself
            }
            let Some(mut resolved) = resolve(module, &path.0) else {
                continue;
            };
            if path.1.is_empty() {
                found.push((number + 1, resolved));
            } else {
                for item in &path.1 {
                    resolved.push(item.clone());
                    found.push((number + 1, resolved.clone()));
                    resolved.pop();
                }
            }
        }
    }
    found
}

/// Where the next path starting at `crate::` or `super::` begins in `code`.
fn find_root(code: &str) -> Option<usize> {
    let candidates = ["crate::", "super::"];
    candidates
        .iter()
        .filter_map(|root| {
            code.match_indices(root)
                .find(|(at, _)| {
                    !code[..*at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
                .map(|(at, _)| at)
        })
        .min()
}

/// Splits `a::b::{c, d::e}` into (`[a, b]`, `[c, d]`) and says how many bytes it took.
fn parse_path(text: &str) -> ((Vec<String>, Vec<String>), usize) {
    let mut segments = Vec::new();
    let mut at = 0;
    loop {
        let ident: String = text[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        at += ident.len();
        if !ident.is_empty() {
            segments.push(ident);
        }
        if text[at..].starts_with("::{") {
            let open = at + 3;
            let close = text[open..].find('}').map_or(text.len(), |c| open + c);
            let items = text[open..close]
                .split(',')
                .filter_map(|item| {
                    let first = item.trim().split("::").next()?.trim();
                    let first = first.split_whitespace().next()?;
                    (!first.is_empty() && first != "self" && first != "*")
                        .then(|| first.to_string())
                })
                .collect();
            return ((segments, items), close);
        }
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            return ((segments, Vec::new()), at);
        }
    }
}

/// `crate::a::b` or `super::...::a` (relative to `module`) as segments from the crate root;
/// `None` if it is neither.
fn resolve(module: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut segments = path.iter().peekable();
    let mut base: Vec<String> = match segments.next().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") => {
            let mut base = module.to_vec();
            base.pop();
            while segments.peek().map(|s| s.as_str()) == Some("super") {
                segments.next();
                base.pop();
            }
            base
        }
        _ => return None,
    };
    base.extend(segments.cloned());
    (!base.is_empty()).then_some(base)
}

#[test]
fn lower_layers_never_use_upper_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        let layer = layer_of(&module);
        if layer == Layer::Public {
            continue;
        }
        checked += 1;
        let text = fs::read_to_string(file).expect("readable source file");
        for (line, target) in named_paths(&module, &text) {
            let target_layer = layer_of(&target);
            if target_layer < layer {
                upward.push(format!(
                    "{}:{line}: {layer:?} uses {} ({target_layer:?})",
                    file.strip_prefix(&src).unwrap_or(file).display(),
                    target.join("::"),
                ));
            }
        }
    }
    assert!(
        checked >= 15,
        "only {checked} files of the lower layers found"
    );
    assert!(
        upward.is_empty(),
        "arrows pointing up (DESIGN.md, \"Layers\"):\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_arrow() {
    let module: Vec<String> = ["runtime", "task", "cell"].map(String::from).into();
    let code = "use crate::task::JoinHandle;\nuse super::super::stats::{Stats, tasks};\n// crate::net in a comment\nuse super::key::TaskKey;";
    let layers: Vec<(usize, Layer)> = named_paths(&module, code)
        .into_iter()
        .map(|(line, path)| (line, layer_of(&path)))
        .collect();
    assert_eq!(
        layers,
        [
            (1, Layer::Public),
            (2, Layer::Public),
            (2, Layer::Public),
            (4, Layer::Internals)
        ]
    );
    assert_eq!(
        layer_of(&module_of(
            Path::new("src"),
            Path::new("src/reactor/mod.rs")
        )),
        Layer::Drivers
    );
    assert_eq!(
        layer_of(&module_of(Path::new("src"), Path::new("src/runtime.rs"))),
        Layer::Internals
    );
}
