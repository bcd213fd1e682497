//! `shutdown` takes `"drop"` or `"cancel"`, nothing else.
#[oneloop::main(shutdown = "later")]
async fn main() {}
