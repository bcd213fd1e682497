//! One turn of the loop, as counted by `runtime::stats()`: when a turn polls the reactor,
//! that a socket is still heard while tasks keep the loop busy, and that the running task's
//! cells (its cancel flag) survive another loop being made current inside it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use oneloop::runtime::{self, Runtime};
use oneloop::task::yield_now;
use oneloop::time::sleep;
use oneloop::{spawn, Cancelled, JoinHandle};

/// Task polls the loop may run between two polls of the reactor while it never blocks.
const POLLS_PER_IO: u64 = 128;

#[test]
fn tasks_that_yield_to_each_other_poll_the_reactor_once_per_128_task_polls() {
    let (turns, polls, io_polls) = testkit::run(|| async {
        let before = runtime::stats();
        let workers: Vec<_> = (0..10)
            .map(|_| {
                spawn(async {
                    for _ in 0..200 {
                        yield_now().await.unwrap();
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.unwrap();
        }
        let after = runtime::stats();
        (
            after.turns - before.turns,
            after.polls - before.polls,
            after.io_polls - before.io_polls,
        )
    });
    // About 2,000 polls, a dozen per turn: some 200 turns, and a look at I/O only every
    // 128 polls (one turn in ten or so), plus the odd turn that found nothing to run.
    assert!(polls >= 2_000, "{polls} polls");
    assert!(turns >= 190, "{turns} turns for {polls} polls");
    assert!(
        io_polls <= polls / POLLS_PER_IO + 3,
        "{io_polls} reactor polls in {turns} turns for {polls} task polls"
    );
    assert!(
        io_polls >= polls / (POLLS_PER_IO + 11),
        "{io_polls} reactor polls for {polls} task polls: I/O went unheard for longer than 128 polls"
    );
}

#[test]
fn a_socket_is_heard_while_a_task_spins_on_yield_now() {
    let spins = testkit::run(|| async {
        let (mut client, mut server) = testkit::net::pair().await;
        let got = Rc::new(Cell::new(false));
        let reader = spawn({
            let got = Rc::clone(&got);
            async move {
                let mut byte = [0u8; 1];
                server.read_exact(&mut byte).await.unwrap();
                got.set(true);
                byte[0]
            }
        });
        yield_now().await.unwrap(); // the reader is waiting for readiness now
        client.write_all(b"x").await.unwrap();
        // Never blocks: the loop only hears the socket because it polls the reactor at least
        // once every 128 task polls even while tasks are always ready.
        let mut spins = 0u64;
        while !got.get() {
            yield_now().await.unwrap();
            spins += 1;
        }
        assert_eq!(reader.await.unwrap(), b'x');
        spins
    });
    assert!(
        spins <= 2 * POLLS_PER_IO,
        "the spinner yielded {spins} times before the reader heard its socket"
    );
}

#[test]
fn a_cancel_request_survives_another_loop_made_current_inside_the_task() {
    let outcome = testkit::run(|| async {
        let own_handle: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
        let outcome: Rc<Cell<Option<Result<(), Cancelled>>>> = Rc::default();
        let victim = spawn({
            let own_handle = Rc::clone(&own_handle);
            let outcome = Rc::clone(&outcome);
            async move {
                // Another loop, with a task that was never polled and holds this task's
                // handle. Dropping the loop makes it current while it drops that task, whose
                // destructor cancels this one: a request added to this task while another
                // loop is current.
                let me = own_handle.borrow_mut().take().expect("the handle is filed");
                let other = Runtime::new().unwrap();
                let canceller = CancelOnDrop(Some(me));
                drop(other.handle().spawn(async move {
                    let _canceller = canceller;
                }));
                drop(other);
                // `sleep(ZERO)` is ready at once: only the request can make it fail, and
                // only if the task's cells still say a request may be pending.
                outcome.set(Some(sleep(Duration::ZERO).await));
            }
        });
        *own_handle.borrow_mut() = Some(victim);
        testkit::net::until("the victim ran", || outcome.get().is_some()).await;
        outcome.get()
    });
    assert_eq!(outcome, Some(Err(Cancelled)));
}

/// Cancels the task of its handle when dropped.
struct CancelOnDrop(Option<JoinHandle<()>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            assert!(handle.cancel(), "the victim is still running");
        }
    }
}
