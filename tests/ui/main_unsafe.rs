//! `#[oneloop::main]` on an `async unsafe fn`: `unsafe` is refused.
#[oneloop::main]
async unsafe fn main() {}
