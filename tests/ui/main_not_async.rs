//! `#[oneloop::main]` on a function that is not `async`.
#[oneloop::main]
fn main() {}
