//! `#[oneloop::main]` on something that is not a function.
#[oneloop::main]
struct Main;

fn main() {}
