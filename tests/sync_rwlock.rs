//! `oneloop::sync::RwLock`: readers share, a writer excludes; first come, first served, so a
//! queued writer holds back the readers that come after it (writers are not starved); the
//! cancellation rule (a waiter cancelled while queued, or after it was granted the lock,
//! passes it on); owned guards; counts of holders before and after.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use oneloop::sync::RwLock;
use oneloop::task::{yield_now, JoinHandle};

use oneloop::{spawn, Cancelled};
use testkit::bounded;

/// Lets every ready task run until it waits (a few turns of the loop).
async fn settle() {
    for _ in 0..3 {
        yield_now().await.unwrap();
    }
}

type Log = Rc<RefCell<Vec<String>>>;

/// A task that takes the lock (`write` or not), logs "name+" when it has it and "name-"
/// when it lets go, holding it for `turns` turns of the loop.
fn holder(
    lock: &Rc<RwLock<u32>>,
    log: &Log,
    name: &str,
    write: bool,
    turns: usize,
) -> JoinHandle<()> {
    let (lock, log, name) = (Rc::clone(lock), Rc::clone(log), name.to_string());
    spawn(async move {
        if write {
            let mut guard = lock.write().await.unwrap();
            *guard += 1;
            log.borrow_mut().push(format!("{name}+"));
            for _ in 0..turns {
                yield_now().await.unwrap();
            }
            log.borrow_mut().push(format!("{name}-"));
        } else {
            let _guard = lock.read().await.unwrap();
            log.borrow_mut().push(format!("{name}+"));
            for _ in 0..turns {
                yield_now().await.unwrap();
            }
            log.borrow_mut().push(format!("{name}-"));
        }
    })
}

async fn join_all(tasks: Vec<JoinHandle<()>>) {
    for task in tasks {
        bounded("a holder", task).await.unwrap();
    }
}

#[oneloop::test]
async fn readers_share_and_a_writer_excludes() {
    let lock = RwLock::new(0);
    let r1 = lock.read().await.unwrap();
    let r2 = lock.try_read().unwrap();
    assert!(lock.try_write().is_err());
    assert_eq!(format!("{lock:?}"), "RwLock { data: 0 }");
    drop((r1, r2));
    let w = lock.write().await.unwrap();
    assert!(lock.try_read().is_err());
    assert!(lock.try_write().is_err());
    assert_eq!(format!("{lock:?}"), "RwLock { data: <locked> }");
    drop(w);
    assert!(lock.try_write().is_ok());
}

#[oneloop::test]
async fn a_queued_writer_is_not_starved_by_later_readers() {
    let lock = Rc::new(RwLock::new(0));
    let log: Log = Rc::default();
    let first = lock.read().await.unwrap(); // a reader holds the lock
    let writer = holder(&lock, &log, "w", true, 1);
    settle().await; // the writer queues
                    // Readers that come now would share the lock with `first`, but the writer asked first.
    assert!(lock.try_read().is_err());
    let readers: Vec<_> = (0..3)
        .map(|i| holder(&lock, &log, &format!("r{i}"), false, 1))
        .collect();
    settle().await;
    assert!(log.borrow().is_empty(), "everyone waits behind the writer");
    drop(first);
    bounded("writer", writer).await.unwrap();
    join_all(readers).await;
    assert_eq!(
        *log.borrow(),
        ["w+", "w-", "r0+", "r1+", "r2+", "r0-", "r1-", "r2-"],
        "the writer first, then the readers behind it, all together"
    );
}

#[oneloop::test]
async fn waiters_are_served_first_in_first_out() {
    let lock = Rc::new(RwLock::new(0));
    let log: Log = Rc::default();
    let held = lock.write().await.unwrap();
    let tasks = vec![
        holder(&lock, &log, "w1", true, 1),
        holder(&lock, &log, "r1", false, 1),
        holder(&lock, &log, "r2", false, 1),
        holder(&lock, &log, "w2", true, 1),
        holder(&lock, &log, "r3", false, 1),
    ];
    settle().await;
    drop(held);
    join_all(tasks).await;
    assert_eq!(
        *log.borrow(),
        ["w1+", "w1-", "r1+", "r2+", "r1-", "r2-", "w2+", "w2-", "r3+", "r3-"]
    );
    assert_eq!(*lock.read().await.unwrap(), 2);
}

#[oneloop::test]
async fn a_writer_cancelled_while_queued_lets_the_readers_behind_it_in() {
    let lock = Rc::new(RwLock::new(0));
    let log: Log = Rc::default();
    let first = lock.read().await.unwrap();
    let l = Rc::clone(&lock);
    let writer = spawn(async move { l.write().await.map(drop) });
    settle().await;
    let reader = holder(&lock, &log, "r", false, 0);
    settle().await;
    assert!(log.borrow().is_empty(), "queued behind the writer");
    writer.cancel();
    assert_eq!(bounded("writer", writer).await.unwrap(), Err(Cancelled));
    bounded("reader", reader).await.unwrap();
    assert_eq!(*log.borrow(), ["r+", "r-"]);
    drop(first);
    assert!(lock.try_write().is_ok(), "every permit came back");
}

#[oneloop::test]
async fn a_writer_cancelled_after_it_was_granted_the_lock_passes_it_on() {
    let lock = Rc::new(RwLock::new(0));
    let log: Log = Rc::default();
    let held = lock.read().await.unwrap();
    let l = Rc::clone(&lock);
    let writer = spawn(async move { l.write().await.map(|mut g| *g += 100) });
    settle().await;
    let next = holder(&lock, &log, "w2", true, 0);
    settle().await;
    drop(held); // the lock is granted to `writer`, which has not run yet
    writer.cancel(); // delivered at its next poll, before it takes the grant
    assert_eq!(bounded("writer", writer).await.unwrap(), Err(Cancelled));
    bounded("next", next).await.unwrap();
    assert_eq!(*log.borrow(), ["w2+", "w2-"]);
    assert_eq!(*lock.read().await.unwrap(), 1, "only w2 wrote");
}

#[oneloop::test]
async fn a_reader_dropped_after_it_was_granted_passes_its_share_on() {
    let lock = Rc::new(RwLock::new(0));
    let log: Log = Rc::default();
    let held = lock.write().await.unwrap();
    let l = Rc::clone(&lock);
    let reader = spawn(async move { l.read().await.map(drop) });
    let writer = holder(&lock, &log, "w", true, 0);
    settle().await;
    drop(held); // grants `reader`; `writer` waits for it
    reader.abort(); // its read future is dropped holding the grant
    assert!(bounded("reader", reader).await.unwrap_err().is_cancelled());
    bounded("writer", writer).await.unwrap();
    assert_eq!(*log.borrow(), ["w+", "w-"]);
}

#[oneloop::test]
async fn a_read_dropped_inside_select_leaves_nothing_behind() {
    let lock = RwLock::new(0);
    let held = lock.write().await.unwrap();
    let timed_out = oneloop::select! {
        _ = lock.read() => false,
        _ = yield_now() => true,
    };
    assert!(timed_out);
    drop(held);
    assert!(lock.try_write().is_ok());
}

#[oneloop::test]
async fn downgrade_lets_the_queued_readers_in_but_not_a_writer() {
    let lock = Rc::new(RwLock::new(0));
    let log: Log = Rc::default();
    let mut w = lock.write().await.unwrap();
    let readers = vec![
        holder(&lock, &log, "r1", false, 1),
        holder(&lock, &log, "r2", false, 1),
    ];
    settle().await;
    *w = 5;
    let r = w.downgrade();
    join_all(readers).await;
    assert_eq!(*log.borrow(), ["r1+", "r2+", "r1-", "r2-"]);
    assert!(
        lock.try_write().is_err(),
        "the downgraded guard still reads"
    );
    drop(r);
    assert_eq!(*lock.try_write().unwrap(), 5);
}

#[oneloop::test]
async fn owned_guards_move_into_tasks_and_release_on_drop() {
    #[allow(clippy::arc_with_non_send_sync)]
    let lock = Arc::new(RwLock::new(vec![1]));
    let w = Arc::clone(&lock).write_owned().await.unwrap();
    let l = Arc::clone(&lock);
    let reader = spawn(async move { l.read_owned().await.map(|g| g.len()) });
    settle().await;
    assert!(!reader.is_finished());
    let writer = spawn(async move {
        let mut w = w;
        w.push(2);
    });
    assert_eq!(bounded("reader", reader).await.unwrap(), Ok(2));
    bounded("writer", writer).await.unwrap();
    assert!(Arc::clone(&lock).try_write_owned().is_ok());
    assert_eq!(Arc::strong_count(&lock), 1, "no guard keeps the lock alive");
}

#[oneloop::test]
async fn an_owned_write_cancelled_after_the_grant_passes_it_on() {
    #[allow(clippy::arc_with_non_send_sync)]
    let lock = Arc::new(RwLock::new(0));
    let held = Arc::clone(&lock).read_owned().await.unwrap();
    let l = Arc::clone(&lock);
    let writer = spawn(async move { l.write_owned().await.map(drop) });
    let l = Arc::clone(&lock);
    let reader = spawn(async move { l.read_owned().await.map(|g| *g) });
    settle().await;
    drop(held);
    writer.cancel();
    assert_eq!(bounded("writer", writer).await.unwrap(), Err(Cancelled));
    assert_eq!(bounded("reader", reader).await.unwrap(), Ok(0));
    assert_eq!(Arc::strong_count(&lock), 1);
    assert!(lock.try_write().is_ok());
}
