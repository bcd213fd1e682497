//! Discovers the swap programs: every `tests/tokio_swap/originals/NAME.rs` with its port
//! `tests/tokio_swap/NAME.rs`, so that a new program needs no edit in this crate.
//!
//! Writes `programs.rs` into `OUT_DIR`: a module `original` holding every original (compiled
//! against tokio), a module `port` holding every port (compiled against oneloop), and
//! `PROGRAMS`, one `Program` per name pairing the two `run`s with the transcript
//! `transcripts::NAME` (the name in capitals) from `tests/tokio_swap/transcripts.rs`. Also
//! writes `tests.rs`: one `#[test]` per program, so that a failure names its program.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let swap = manifest.join("..").join("tests").join("tokio_swap");
    let originals = swap.join("originals");
    println!("cargo:rerun-if-changed={}", originals.display());
    println!("cargo:rerun-if-changed={}", swap.display());

    let mut names: Vec<String> = fs::read_dir(&originals)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", originals.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no programs in {}", originals.display());

    let mut programs = String::new();
    let mut tests = String::new();
    writeln!(programs, "/// The tokio originals, compiled against tokio.").unwrap();
    writeln!(programs, "mod original {{").unwrap();
    for name in &names {
        module(&mut programs, name, &originals.join(format!("{name}.rs")));
    }
    writeln!(
        programs,
        "}}\n/// The oneloop ports, compiled against oneloop."
    )
    .unwrap();
    writeln!(programs, "mod port {{").unwrap();
    for name in &names {
        let port = swap.join(format!("{name}.rs"));
        assert!(
            port.exists(),
            "{name}: the original has no port {}",
            port.display()
        );
        module(&mut programs, name, &port);
    }
    writeln!(programs, "}}\n").unwrap();
    writeln!(programs, "/// Every program, by name.").unwrap();
    writeln!(programs, "pub const PROGRAMS: &[Program] = &[").unwrap();
    for name in &names {
        writeln!(
            programs,
            "    Program {{ name: {name:?}, original: || original::{name}::run().into(), \
             port: || port::{name}::run().into(), expected: transcripts::{} }},",
            name.to_uppercase()
        )
        .unwrap();
        writeln!(
            tests,
            "#[test]\nfn {name}_port_matches_tokio() {{\n    swapcheck::check({name:?});\n}}"
        )
        .unwrap();
    }
    writeln!(programs, "];").unwrap();

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    fs::write(out.join("programs.rs"), programs).expect("cannot write programs.rs");
    fs::write(out.join("tests.rs"), tests).expect("cannot write tests.rs");
}

/// `#[path = "..."] pub mod NAME;`, with the lint the ports need: they keep tokio's
/// `Arc<Semaphore>` and the like, and oneloop's primitives are `!Sync`.
fn module(out: &mut String, name: &str, path: &Path) {
    writeln!(out, "    #[allow(clippy::arc_with_non_send_sync)]").unwrap();
    writeln!(out, "    #[path = {:?}]", path.display().to_string()).unwrap();
    writeln!(out, "    pub mod {name};").unwrap();
}
