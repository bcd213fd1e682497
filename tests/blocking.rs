//! `task::spawn_blocking`: the result and the panic come back through the cross-thread
//! waker, the loop keeps running timers and tasks while a job blocks, and many jobs (more
//! than the pool has threads) all complete.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use oneloop::task::{spawn_blocking, yield_now};
use oneloop::time::sleep;
use testkit::{bounded, run, turns};

#[test]
fn spawn_blocking_returns_the_result_to_an_idle_loop() {
    // Nothing else is alive: the loop waits in the reactor with no timeout, and only the
    // pool thread's wake can end that wait.
    let (value, thread_name) = run(|| async {
        let handle = spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(5));
            (6 * 7, std::thread::current().name().map(str::to_owned))
        });
        bounded("blocking job", handle).await.unwrap()
    });
    assert_eq!(value, 42);
    assert_ne!(
        thread_name,
        std::thread::current().name().map(str::to_owned)
    );
}

#[test]
fn a_panicking_blocking_job_is_a_join_error_with_its_payload() {
    let (is_panic, payload, loop_alive) = run(|| async {
        let handle = spawn_blocking(|| -> u32 { panic!("boom in the pool") });
        let err = bounded("blocking job", handle)
            .await
            .expect_err("the job panicked");
        let is_panic = err.is_panic() && !err.is_cancelled();
        let payload = err.into_panic();
        let payload = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // The loop goes on, and so does the pool.
        let after = bounded("next job", spawn_blocking(|| 1)).await.unwrap();
        (is_panic, payload, after == 1)
    });
    assert!(is_panic);
    assert_eq!(payload, "boom in the pool");
    assert!(loop_alive);
}

#[test]
fn the_loop_runs_timers_and_tasks_while_a_blocking_job_waits() {
    // The job blocks until the loop has fired a timer and run another task, and says so by
    // a message: if the loop were stalled by the job, the message would never come.
    let (job_saw_message, ticks_before_job_done, task_ran) = run(|| async {
        let (tx, rx) = mpsc::channel::<()>();
        let job = spawn_blocking(move || rx.recv_timeout(Duration::from_secs(10)).is_ok());
        let job_done = Rc::new(Cell::new(false));
        let ticks = Rc::new(Cell::new(0u32));
        let ticker = oneloop::spawn({
            let (job_done, ticks) = (job_done.clone(), ticks.clone());
            async move {
                let mut interval = oneloop::time::interval(Duration::from_millis(1));
                while !job_done.get() {
                    interval.tick().await.unwrap();
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        sleep(Duration::from_millis(5)).await.unwrap(); // a timer fires...
        let task_ran = oneloop::spawn(async { 7 }).await.unwrap() == 7; // ...a task runs...
        while ticks.get() < 3 {
            yield_now().await.unwrap();
        }
        let ticks_before = ticks.get();
        tx.send(()).unwrap(); // ...and only then is the job let go.
        let saw = bounded("blocking job", job).await.unwrap();
        job_done.set(true);
        bounded("ticker", ticker).await.unwrap();
        (saw, ticks_before, task_ran)
    });
    assert!(
        job_saw_message,
        "the job timed out: the loop did not run while it blocked"
    );
    assert!(ticks_before_job_done >= 3);
    assert!(task_ran);
}

#[test]
fn two_hundred_blocking_jobs_all_complete() {
    // More jobs than the pool has threads (64): the rest wait in its queue.
    const JOBS: u64 = 200;
    let (sum, ran) = run(|| async {
        let ran = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..JOBS)
            .map(|i| {
                let ran = Arc::clone(&ran);
                spawn_blocking(move || {
                    std::thread::sleep(Duration::from_millis(1));
                    ran.fetch_add(1, Ordering::SeqCst);
                    i * i
                })
            })
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += bounded("a blocking job", handle).await.unwrap();
        }
        (sum, ran.load(Ordering::SeqCst))
    });
    assert_eq!(sum, (0..JOBS).map(|i| i * i).sum::<u64>());
    assert_eq!(ran, JOBS as usize);
}

#[test]
fn cancel_does_not_interrupt_a_started_blocking_job() {
    // Documented: the blocking call cannot be interrupted, `cancel()` has no effect on it.
    let result = run(|| async {
        let (tx, rx) = mpsc::channel::<()>();
        let handle = spawn_blocking(move || rx.recv_timeout(Duration::from_secs(10)).is_ok());
        turns(2).await; // the waiting task has started
        handle.cancel();
        turns(2).await;
        tx.send(()).unwrap();
        bounded("blocking job", handle).await
    });
    assert!(result.expect("cancel stopped the job's task"));
}

#[test]
fn abort_stops_waiting_but_the_job_still_runs_to_its_end() {
    let finished = Arc::new(AtomicBool::new(false));
    let (aborted, finished) = run(move || async move {
        let (tx, rx) = mpsc::channel::<()>();
        let handle = spawn_blocking({
            let finished = Arc::clone(&finished);
            move || {
                let _ = rx.recv_timeout(Duration::from_secs(10));
                finished.store(true, Ordering::SeqCst);
            }
        });
        turns(2).await;
        handle.abort();
        let aborted = bounded("aborted job", handle)
            .await
            .expect_err("aborted")
            .is_cancelled();
        assert!(
            !finished.load(Ordering::SeqCst),
            "the job was not waiting any more"
        );
        tx.send(()).unwrap();
        bounded("the job's end", async {
            while !finished.load(Ordering::SeqCst) {
                sleep(Duration::from_millis(1)).await.unwrap();
            }
        })
        .await;
        (aborted, finished.load(Ordering::SeqCst))
    });
    assert!(aborted);
    assert!(finished);
}

#[test]
fn a_blocking_job_submitted_behind_a_blocked_one_gets_its_own_thread() {
    // Job A waits for job B; both are submitted back to back while one pool thread is
    // idle. B must not queue behind A (that would deadlock until A gives up).
    let answered = run(|| async {
        spawn_blocking(|| ()).await.unwrap(); // leaves one idle pool thread
        let (tx, rx) = mpsc::channel::<()>();
        let a = spawn_blocking(move || rx.recv_timeout(Duration::from_secs(20)).is_ok());
        let b = spawn_blocking(move || tx.send(()).is_ok());
        let b = bounded("job b", b).await.unwrap();
        let a = bounded("job a", a).await.unwrap();
        (a, b)
    });
    assert_eq!(answered, (true, true));
}
