//! `#[oneloop::test]` on a function that is not `async`.
#[oneloop::test]
fn not_async() {}

fn main() {}
