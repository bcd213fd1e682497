//! The tokio swap, proven (issue 4, scope item 4).
#[path = "tokio_swap/chat.rs"]
mod chat;
#[path = "tokio_swap/echo.rs"]
mod echo;
#[path = "tokio_swap/fetcher.rs"]
mod fetcher;

#[test]
fn echo_port_matches() {
    println!("{}", echo::run());
}
#[test]
fn chat_port_matches() {
    println!("{}", chat::run());
}
#[test]
fn fetcher_port_matches() {
    println!("{}", fetcher::run());
}
