//! `#[oneloop::main]` on a `const` function: `const` is refused.
#[oneloop::main]
const async fn main() {}
