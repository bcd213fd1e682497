//! `try_join!` (first error wins, the others are dropped; cancellation passed on like
//! `join!`) and `select!` with `mut`/`ref` bindings inside its patterns.

use std::cell::Cell;
use std::future::pending;
use std::rc::Rc;

use oneloop::sync::mpsc;
use oneloop::task::yield_now;
use oneloop::time::{sleep, Duration};
use oneloop::Cancelled;
use testkit::{run, Counts, DropCounter};

#[test]
fn try_join_gives_every_ok_value_in_written_order() {
    let out = run(|| async {
        oneloop::try_join!(
            async {
                yield_now().await?;
                Ok::<_, Cancelled>("a")
            },
            async { Ok(1) },
            async {
                yield_now().await?;
                yield_now().await?;
                Ok(2.5)
            },
        )
    });
    assert_eq!(out, Ok(("a", 1, 2.5)));
}

#[test]
fn try_join_returns_the_first_error_and_drops_the_others_unfinished() {
    let (result, slow_polls, slow_drops, guard_drops) = run(|| async {
        let slow = Counts::new();
        let (guard, guard_drops) = DropCounter::new();
        let result: Result<((), (), ()), String> = oneloop::try_join!(
            slow.wrap(async move {
                let _guard = guard;
                pending::<()>().await;
                Ok(())
            }),
            async {
                yield_now().await.unwrap();
                Err("second failed".to_owned())
            },
            async {
                for _ in 0..10 {
                    yield_now().await.unwrap();
                }
                Err("third failed later".to_owned())
            },
        );
        (result, slow.polls(), slow.drops(), guard_drops.get())
    });
    assert_eq!(result, Err("second failed".to_owned()));
    assert_eq!(
        slow_polls, 2,
        "polled at each of the two polls, then dropped"
    );
    assert_eq!((slow_drops, guard_drops), (1, 1));
}

#[test]
fn try_join_of_nothing_is_ok() {
    let out: Result<(), ()> = run(|| async { oneloop::try_join!() });
    assert_eq!(out, Ok(()));
}

#[test]
fn a_cancel_reaches_every_branch_of_try_join() {
    let (result, saw) = run(|| async {
        let saw = Rc::new(Cell::new(0));
        let saw2 = Rc::clone(&saw);
        let task = oneloop::spawn(async move {
            let branch = |saw: Rc<Cell<u32>>| async move {
                let slept = sleep(Duration::from_secs(60)).await;
                if slept.is_err() {
                    saw.set(saw.get() + 1);
                }
                slept
            };
            oneloop::try_join!(branch(Rc::clone(&saw2)), branch(Rc::clone(&saw2)))
        });
        yield_now().await.unwrap();
        task.cancel();
        (task.await.unwrap(), saw.get())
    });
    assert_eq!(result, Err(Cancelled));
    assert_eq!(
        saw, 1,
        "the first branch ended the try_join! with its Cancelled"
    );
}

#[test]
fn try_join_with_question_mark_in_io_code() {
    use oneloop::io::{self, AsyncReadExt, AsyncWriteExt};
    let out = run(|| async {
        let (mut a, mut b) = io::duplex(8);
        let (_, n) = oneloop::try_join!(a.write_u16(513), b.read_u16())?;
        io::Result::Ok(n)
    });
    assert_eq!(out.unwrap(), 513);
}

#[test]
fn select_binds_mut_inside_a_pattern() {
    let got = run(|| async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(String::from("line")).await.unwrap();
        oneloop::select! {
            Ok(Some(mut line)) = rx.recv() => {
                line.push_str(" + more");
                line
            }
            _ = sleep(Duration::from_secs(60)) => String::new(),
        }
    });
    assert_eq!(got, "line + more");
}

#[test]
fn select_binds_ref_and_ref_mut_inside_a_pattern() {
    let got = run(|| async {
        let (a, b) = oneloop::select! {
            (Some(ref name), mut n) = async { (Some(String::from("x")), 1) } => {
                n += 1;
                (name.clone(), n)
            }
        };
        let c = oneloop::select! {
            Some(ref mut v) = async { Some(vec![1]) } => {
                v.push(2);
                v.len()
            }
        };
        (a, b, c)
    });
    assert_eq!(got, ("x".to_owned(), 2, 2));
}

#[test]
fn select_with_a_mut_pattern_that_does_not_fit_goes_on_waiting() {
    let got = run(|| async {
        oneloop::select! {
            Some(mut v) = async { None::<u32> } => {
                v += 1;
                v
            }
            v = async {
                yield_now().await.unwrap();
                7
            } => v,
        }
    });
    assert_eq!(
        got, 7,
        "the first branch's None was refused, the second won"
    );
}
