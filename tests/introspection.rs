//! `runtime::tasks()` and `runtime::stats()` tell the state of *now*: tasks held in known
//! places (a sleep, a read, a `JoinHandle`, an event, the run queue) are reported there, the
//! task asking is `Running` and waits on nothing, and the counters include the turn that is
//! running and the lengths of the run queue and the deferred list.

use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use oneloop::io::AsyncReadExt;
use oneloop::runtime::{stats, tasks, TaskInfo, TaskState};
use oneloop::task::{self, Builder};
use oneloop::time;

fn find(all: &[TaskInfo], name: &str) -> (TaskState, &'static str) {
    let info = all
        .iter()
        .find(|t| t.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no task {name} in {all:?}"));
    (info.state, info.waits_on)
}

#[test]
fn stats_inside_the_first_turn_count_it() {
    let (turns, run_queue) = testkit::run(|| async {
        let s = stats();
        (s.turns, s.run_queue)
    });
    // The root is being polled in turn 1, and nothing else is queued.
    assert_eq!((turns, run_queue), (1, 0));
}

#[test]
fn tasks_and_stats_report_where_each_task_is_now() {
    testkit::run(|| async {
        let (mut client, server) = testkit::pair().await;
        let sleeper = Builder::new()
            .name("sleeper")
            .spawn(time::sleep(Duration::from_secs(60)));
        let reader = Builder::new().name("reader").spawn(async move {
            let mut buf = [0u8; 8];
            client.read(&mut buf).await
        });
        let go = Rc::new(oneloop::sync::Event::new());
        let child = Builder::new().name("child").spawn({
            let go = Rc::clone(&go);
            async move { go.wait().await }
        });
        let joiner = Builder::new().name("joiner").spawn(child);
        testkit::turns(2).await; // every task has reached its wait
        let queued = Builder::new().name("queued").spawn(async {});

        let all = tasks();
        assert_eq!(find(&all, "sleeper"), (TaskState::Waiting, "sleep"));
        assert_eq!(find(&all, "reader"), (TaskState::Waiting, "read"));
        assert_eq!(find(&all, "child"), (TaskState::Waiting, "event"));
        assert_eq!(find(&all, "joiner"), (TaskState::Waiting, "join"));
        assert_eq!(find(&all, "queued"), (TaskState::Scheduled, ""));
        // The task asking is running, and waits on nothing (not on its last yield).
        let me = all.iter().find(|t| t.state == TaskState::Running).unwrap();
        assert_eq!((me.id.to_string().as_str(), me.waits_on), ("1", ""));

        let s = stats();
        assert_eq!((s.run_queue, s.deferred), (1, 0)); // `queued`
        assert!(s.turns >= 3, "{s:?}");
        // One poll of a `yield_now` puts this task's waker on the deferred list.
        let mut yielding = pin!(task::yield_now());
        let first = std::future::poll_fn(|cx| Poll::Ready(yielding.as_mut().poll(cx))).await;
        assert!(first.is_pending());
        assert_eq!(stats().deferred, 1);

        go.set();
        joiner.await.unwrap().unwrap().unwrap();
        sleeper.cancel();
        assert!(sleeper.await.unwrap().is_err());
        drop(server); // the reader sees end of file
        assert_eq!(reader.await.unwrap().unwrap(), 0);
        queued.await.unwrap();
    });
}
