//! `#[oneloop::main]` on a generic `async fn`.
#[oneloop::main]
async fn main<T>() {}
