//! `#[oneloop::test]` on a test that takes an argument.
#[oneloop::test]
async fn with_argument(n: u8) {
    let _ = n;
}

fn main() {}
