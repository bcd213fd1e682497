//! A write to a TCP peer that reset the connection is an error, never a SIGPIPE: even in a
//! program that put SIGPIPE back to its default action (which kills the process), as
//! command-line tools do. Its own test binary, because it changes that process-wide action.

use std::io::IoSlice;
use std::time::Duration;

use oneloop::io::AsyncWriteExt;
use oneloop::time::sleep;

#[test]
fn a_vectored_write_to_a_reset_peer_is_an_error_not_a_sigpipe() {
    // SAFETY: setting a signal's action to its default; nothing else in this binary
    // depends on SIGPIPE being ignored.
    #[allow(unsafe_code)]
    let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert_ne!(previous, libc::SIG_ERR);
    let errors = testkit::run(|| async {
        let (mut ours, theirs) = testkit::net::pair().await;
        // Bytes the peer never reads, then its close: the kernel answers with a reset.
        ours.write_all(b"unread").await.unwrap();
        drop(theirs);
        sleep(Duration::from_millis(20)).await.unwrap();
        let mut errors = Vec::new();
        for _ in 0..20 {
            let bufs = [IoSlice::new(b"head"), IoSlice::new(b"body")];
            match ours.write_vectored(&bufs).await {
                Ok(_) => sleep(Duration::from_millis(5)).await.unwrap(),
                // The first write after the reset learns of it (`ConnectionReset`); the
                // next is the one that finds the pipe broken, where `writev` raises SIGPIPE.
                Err(e) => {
                    errors.push(e.kind());
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        break;
                    }
                }
            }
        }
        errors
    });
    // Still alive: the reset came back as an error.
    assert_eq!(
        errors.last(),
        Some(&std::io::ErrorKind::BrokenPipe),
        "{errors:?}"
    );
}
