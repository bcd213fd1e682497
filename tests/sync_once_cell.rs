//! `oneloop::sync::OnceCell`: one initializer runs however many tasks race; the others
//! wait in order and are all released when it finishes; an initializer that is cancelled,
//! dropped or fails hands the turn to the next waiter (counted: how many ran).

use std::cell::Cell;
use std::rc::Rc;

use oneloop::sync::{OnceCell, SetError};
use oneloop::task::yield_now;
use oneloop::time::Duration;
use oneloop::{spawn, Cancelled};
use testkit::bounded;

/// Lets every ready task run until it waits (a few turns of the loop).
async fn settle() {
    for _ in 0..3 {
        yield_now().await.unwrap();
    }
}

#[oneloop::test]
async fn one_initializer_runs_and_every_racer_gets_its_value() {
    let cell = Rc::new(OnceCell::new());
    let runs = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let (cell, runs) = (Rc::clone(&cell), Rc::clone(&runs));
            spawn(async move {
                let value = cell
                    .get_or_init(|| async move {
                        runs.set(runs.get() + 1);
                        yield_now().await.unwrap(); // the others queue meanwhile
                        i * 10
                    })
                    .await
                    .unwrap();
                *value
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(bounded("a racer", task).await.unwrap(), 0);
    }
    assert_eq!(runs.get(), 1);
    assert!(cell.initialized());
    assert_eq!(cell.set(9), Err(SetError::AlreadyInitializedError(9)));
}

#[oneloop::test]
async fn an_initializer_cancelled_midway_hands_the_turn_to_the_next_waiter() {
    let cell = Rc::new(OnceCell::new());
    let c = Rc::clone(&cell);
    let first = spawn(async move {
        c.get_or_init(|| async {
            let _ = oneloop::time::sleep(Duration::from_secs(60)).await; // aborted here
            "first"
        })
        .await
        .copied()
    });
    settle().await;
    let c = Rc::clone(&cell);
    let second = spawn(async move { c.get_or_init(|| async { "second" }).await.copied() });
    settle().await;
    assert_eq!(cell.set("x"), Err(SetError::InitializingError("x")));
    first.abort(); // the initializer is dropped midway: the permit passes on
    assert!(bounded("first", first).await.unwrap_err().is_cancelled());
    assert_eq!(bounded("second", second).await.unwrap(), Ok("second"));
    assert_eq!(cell.get(), Some(&"second"));
}

#[oneloop::test]
async fn a_waiter_cancelled_while_another_initializes_gets_cancelled() {
    let cell = Rc::new(OnceCell::new());
    let gate = Rc::new(oneloop::sync::Notify::new());
    let (c, g) = (Rc::clone(&cell), Rc::clone(&gate));
    let init = spawn(async move {
        c.get_or_init(|| async move {
            g.notified().await.unwrap();
            1
        })
        .await
        .copied()
    });
    settle().await;
    let c = Rc::clone(&cell);
    let waiter = spawn(async move { c.get_or_init(|| async { 2 }).await.copied() });
    settle().await;
    waiter.cancel();
    assert_eq!(bounded("waiter", waiter).await.unwrap(), Err(Cancelled));
    gate.notify_one();
    assert_eq!(bounded("init", init).await.unwrap(), Ok(1));
}

#[oneloop::test]
async fn a_failed_try_init_leaves_the_cell_empty_for_the_next() {
    let cell = Rc::new(OnceCell::<u32>::new());
    let c = Rc::clone(&cell);
    let failing = spawn(async move {
        c.get_or_try_init(|| async {
            yield_now().await?;
            Err(std::io::Error::other("backend down"))
        })
        .await
        .copied()
        .map_err(|e| e.to_string())
    });
    let c = Rc::clone(&cell);
    let next = spawn(async move {
        c.get_or_try_init(|| async { Ok::<_, std::io::Error>(5) })
            .await
            .copied()
            .map_err(|e| e.to_string())
    });
    assert_eq!(
        bounded("failing", failing).await.unwrap(),
        Err("backend down".into())
    );
    assert_eq!(bounded("next", next).await.unwrap(), Ok(5));
}

#[test]
fn set_take_and_into_inner() {
    let mut cell = OnceCell::new();
    assert_eq!(cell.get(), None);
    cell.set(1).unwrap();
    assert_eq!(cell.get(), Some(&1));
    assert_eq!(cell.take(), Some(1));
    assert!(!cell.initialized());
    cell.set(2).unwrap();
    assert_eq!(cell.into_inner(), Some(2));
    assert_eq!(OnceCell::<u8>::default().into_inner(), None);
}
