//! `#[oneloop::main]` on an `async fn main` that takes an argument.
#[oneloop::main]
async fn main(x: u32) {
    let _ = x;
}
