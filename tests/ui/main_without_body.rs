//! `#[oneloop::main]` on a function declared without a body.
#[oneloop::main]
async fn main();
