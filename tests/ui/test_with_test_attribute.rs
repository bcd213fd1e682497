//! `#[oneloop::test]` already makes the function a test: a second `#[test]` is refused.
#[oneloop::test]
#[test]
async fn twice() {}

fn main() {}
