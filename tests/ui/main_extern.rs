//! `#[oneloop::main]` on an `extern "C"` function: `extern` is refused.
#[oneloop::main]
async extern "C" fn main() {}
