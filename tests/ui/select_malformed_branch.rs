//! A `select!` branch must read `<pattern> = <future> => <body>,` (or `else => <body>`):
//! this one has no future.
fn main() {
    oneloop::run(async {
        let n: u8 = oneloop::select! {
            Some(x) => x,
        };
        let _ = n;
    });
}
