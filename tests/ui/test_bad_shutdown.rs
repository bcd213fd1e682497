//! `shutdown` takes `"drop"` or `"cancel"`, nothing else.
#[oneloop::test(shutdown = "never")]
async fn bad_shutdown() {}

fn main() {}
