//! Compile-fail tests: every misuse that the macros document as a compile error is one,
//! with the message they promise. `#[oneloop::main]` and `#[oneloop::test]` refuse a
//! function that is not `async`, takes arguments, is generic, is `const`, `unsafe` or
//! `extern`, has no body, is not a function at all, or (for `test`) also carries `#[test]`;
//! both refuse a `shutdown` other than `"drop"` or `"cancel"`. `select!` refuses a branch
//! that is not `<pattern> = <future> => <body>`.
//!
//! Each case is `tests/ui/NAME.rs` with the compiler's expected output in
//! `tests/ui/NAME.stderr`; after a deliberate change to a message, regenerate them with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and read the diff. One test function,
//! as trybuild compiles every case in one project (the first run builds the dependencies
//! once, under `target/tests/trybuild/`).

#[test]
fn misuses_the_macros_document_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
