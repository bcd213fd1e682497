//! `#[oneloop::test]` on a generic test.
#[oneloop::test]
async fn generic<T: Default>() {
    let _ = T::default();
}

fn main() {}
