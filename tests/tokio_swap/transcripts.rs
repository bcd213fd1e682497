//! The transcripts the tokio swap programs print: one `pub const NAME: &str` per program
//! `tokio_swap/originals/name.rs`, each opening with a newline (for readability; the checks
//! strip it).
//!
//! Shared by oneloop's own `tests/tokio_swap.rs` (which runs the ports) and by the
//! `swapcheck` crate (which runs the originals on tokio and the ports on oneloop and asserts
//! that both print exactly these), so a transcript here is what tokio really prints (tokio
//! 1.54.1, `current_thread`). A new program adds its transcript here, named after its file
//! in capitals, and `cargo test -p swapcheck` confirms it against tokio.

pub const ECHO: &str = r"
echo: client 0 line 0
echo: client 0 line 1
echo: client 0 line 2
client 0 saw the end, 0 bytes after
echo: client 1 line 0
echo: client 1 line 1
echo: client 1 line 2
client 1 saw the end, 0 bytes after
echo: client 2 line 0
echo: client 2 line 1
echo: client 2 line 2
client 2 saw the end, 0 bytes after
echo: client 3 line 0
echo: client 3 line 1
echo: client 3 line 2
client 3 saw the end, 0 bytes after
lines per connection: [3, 3, 3, 3]
lines echoed: 12";

pub const CHAT: &str = r"
alice heard 11 lines, in order: true
  * bob joined
  * carol joined
  alice -> alice: message 0
  alice -> alice: message 1
  alice -> alice: message 2
  bob -> alice: message 0
  bob -> alice: message 1
  bob -> alice: message 2
  carol -> alice: message 0
  carol -> alice: message 1
  carol -> alice: message 2
bob heard 10 lines, in order: true
  * carol joined
  alice -> bob: message 0
  alice -> bob: message 1
  alice -> bob: message 2
  bob -> bob: message 0
  bob -> bob: message 1
  bob -> bob: message 2
  carol -> bob: message 0
  carol -> bob: message 1
  carol -> bob: message 2
carol heard 9 lines, in order: true
  alice -> carol: message 0
  alice -> carol: message 1
  alice -> carol: message 2
  bob -> carol: message 0
  bob -> carol: message 1
  bob -> carol: message 2
  carol -> carol: message 0
  carol -> carol: message 1
  carol -> carol: message 2
hub delivered 30";

pub const FETCHER: &str = r"
batch 1: 6 ok, 2 timed out, 2 failed
/0 ok: body of /0: 0
/1 ok: body of /1: 1
/2 ok: body of /2: 4
/3 timed out
/4 error: closed without an answer
/5 ok: body of /5: 25
/6 ok: body of /6: 36
/7 ok: body of /7: 49
/8 timed out
/9 error: closed without an answer
at most 3 in flight: true
batch 2: 0 finished, 5 aborted by the signal
stuck requests seen: 3
permits back: 3";

pub const PROXY: &str = r#"
client 0 sent 19 bytes, got "HELLO FROM CLIENT 0"
client 1 sent 20 bytes, got "HELLO FROM CLIENT 1!"
client 2 sent 21 bytes, got "HELLO FROM CLIENT 2!!"
session: 19 bytes up, 19 bytes down
session: 20 bytes up, 20 bytes down
session: 21 bytes up, 21 bytes down"#;

pub const FRAMED: &str = r#"
client 0 got ["gnip", "dexiferp-htgnel", "!"]
client 1 failed: the server answered 1 of 2 frames
server: connection 0 answered 3 frames
server: connection 1 refused: frame of 100 bytes is too long"#;

pub const POOL: &str = r"
finished before the pool ran: false
job 3 still running: aborting it
job 7 still running: aborting it
job 0 -> 0
job 1 -> 1
job 2 -> 4
job 4 -> 16
job 5 -> 25
job 6 -> 36
aborted: 2
second batch: [1, 4, 16]";

pub const FEED: &str = r"
3 subscribers
published 12 quotes, each to all 3: true; kept 4
ticker: 12 quotes, in order: true, missed 0, total 1237
chart: 12 quotes, in order: true, missed 0, total 1237
auditor: woken after 12 quotes, 12 unread
  lagged by 8
  #8 at 103
  #9 at 106
  #10 at 102
  #11 at 105";

pub const RELOAD: &str = r"
5 watchers, 3 reloads applied
worker 0 (retries 3): v1=hello@1 v2=hi@2 v3=hey@3
worker 1 (retries 3): v1=hello@1 v2=hi@2 v3=hey@3
worker 2 (retries 3): v1=hello@1 v2=hi@2 v3=hey@3
gate opened at v2, greeting hi
defaults loaded 1 time(s)
final: v3 hey";

/// What the `logtail` original printed on tokio 1.54.1.
pub const LOGTAIL: &str = r#"
tail: INFO request 0 took 0 ms
tail: WARN request 1 took 7 ms
tail: INFO request 2 took 14 ms
tail: ERROR request 3 took 21 ms
tail: (rotated)
tail: INFO request 4 took 28 ms
tail: WARN request 5 took 35 ms
tail: INFO request 6 took 42 ms
tail: ERROR request 7 took 49 ms
per level: {"ERROR": 2, "INFO": 4, "WARN": 2}
files: app.log (110 bytes), app.log.1 (103 bytes)
removed: true"#;

/// What the `jobs` original printed on tokio 1.54.1.
pub const JOBS: &str = r#"
hello: exit status: 0 | 17 bytes out, first line "hello from hello" | err ""
count: exit status: 0 | 6 bytes out, first line "1" | err ""
fails: exit status: 4 | 0 bytes out, first line "" | err "about to fail"
slow: killed after the deadline
big: exit status: 0 | 108894 bytes out, first line "1" | err ""
permits back: 2
apple
fig
pear
sort exited: exit status: 0
hand-killed: running before true, signal Some(9), id after None
status: Some(9) success false"#;

/// What the `reloader` original printed on tokio 1.54.1.
pub const RELOADER: &str = r#"
ready: hello, v1
asked: hello, v1
reloaded: hello, v2
asked: hello, v2
asked: hello, v2
terminating after 3 connections
served: 3"#;
