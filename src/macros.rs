//! `join!`, `try_join!` and `select!`: waiting on several futures inside one task, with
//! tokio's syntax.
//!
//! Both are `macro_rules!` that expand to a `poll_fn` polling the futures, pinned on the
//! stack, in the order they are written. Two tricks carry them:
//!
//! - **Hygienic names by recursion.** A macro cannot count, so it cannot make up `fut0`,
//!   `fut1`, ... Instead the `@munch` rules take one branch per step and write the names
//!   `fut` and `out` in their own expansion. Every expansion gets fresh hygiene, so the `fut`
//!   of branch 1 and the `fut` of branch 2 are different variables, which `@expand` then
//!   declares and uses.
//! - **Bodies run outside every loop `select!` makes.** A branch body may say `break` or
//!   `continue` for the *user's* loop, `return`, `?` or `.await`. So the futures are polled
//!   and the winner's output is tested against its pattern inside an inner block (which is
//!   also where the losers are dropped), and only then, outside, is the body run.
//!
//! Everything the expansion names comes from `::core`, except three hidden items of
//! `oneloop::task`: `__PassOn` (how `join!` and `try_join!` pass a cancel on to every
//! branch) and the two counters `select!` uses to give back a cancellation a pattern
//! refused; and `oneloop::__select_clean_pattern`, the proc macro that lets `select!` test
//! a pattern with `mut`/`ref` bindings by reference.

/// Waits for several futures at once and returns all their outputs as a tuple (tokio's
/// `join!`). Each poll polls every unfinished future, in the written order.
///
/// Cancellation: as for [`gather`](crate::gather), a cancel request of the task reaches
/// **every** unfinished branch, each of which sees one `Cancelled` at its next
/// cancellation point; `join!` then returns what the branches returned.
///
/// ```
/// use oneloop::time::{sleep, Duration};
///
/// oneloop::run(async {
///     let (a, b) = oneloop::join!(
///         async { sleep(Duration::from_millis(10)).await.unwrap(); "a" },
///         async { "b" },
///     );
///     assert_eq!((a, b), ("a", "b"));
/// });
/// ```
#[macro_export]
macro_rules! join {
    (@munch [$($done:tt)*]) => { $crate::join!(@expand $($done)*) };
    (@munch [$($done:tt)*] $e:expr $(, $($rest:tt)*)?) => {
        $crate::join!(@munch [$($done)* (fut out owed $e)] $($($rest)*)?)
    };
    (@expand $(($fut:ident $out:ident $owed:ident $e:tt))*) => {{
        $(
            let mut $fut = ::core::pin::pin!($e);
            let mut $out = ::core::option::Option::None;
            let mut $owed: u32 = 0;
        )*
        // Cancel requests of the task go to every unfinished branch (as for `gather`).
        let mut pass_on = $crate::task::__PassOn::new();
        ::core::future::poll_fn(|_cx| {
            let taken = pass_on.take("join");
            let mut all_done = true;
            $(
                if $out.is_none() {
                    $owed += taken;
                    let lent = pass_on.lend($owed);
                    let poll = ::core::future::Future::poll($fut.as_mut(), _cx);
                    if pass_on.settle(lent) {
                        $owed -= 1;
                    }
                    match poll {
                        ::core::task::Poll::Ready(output) => {
                            $out = ::core::option::Option::Some(output);
                        }
                        ::core::task::Poll::Pending => all_done = false,
                    }
                }
            )*
            if all_done {
                pass_on.give_back();
                ::core::task::Poll::Ready(())
            } else {
                // Woken by whichever unfinished future makes progress.
                ::core::task::Poll::Pending
            }
        })
        .await;
        ($(
            match $out {
                ::core::option::Option::Some(output) => output,
                ::core::option::Option::None => ::core::unreachable!(),
            },
        )*)
    }};
    () => { () };
    ($($e:expr),+ $(,)?) => { $crate::join!(@munch [] $($e),+) };
}

/// Waits for several futures that return `Result`s (tokio's `try_join!`): `Ok` of the tuple
/// of their `Ok` values once all have succeeded, or, as soon as one fails, its `Err`; the
/// others are then dropped unfinished. Each poll polls every unfinished future, in the
/// written order. All error types must be the same.
///
/// Cancellation: as for [`join!`], a cancel request reaches every unfinished branch. A
/// branch that returns its `Cancelled` as an error (`Err(Cancelled)`, or an `io::Error`
/// made from it) ends the `try_join!` with that error.
///
/// ```
/// use oneloop::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// oneloop::run(async {
///     let (mut a, mut b) = io::duplex(64);
///     let (written, read) = oneloop::try_join!(
///         async { a.write_u32(7).await.map(|()| 4) },
///         b.read_u32(),
///     )?;
///     assert_eq!((written, read), (4, 7));
///
///     let failed: Result<((), ()), &str> = oneloop::try_join!(
///         async { std::future::pending::<()>().await; Ok(()) }, // dropped
///         async { Err("no") },
///     );
///     assert_eq!(failed, Err("no"));
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[macro_export]
macro_rules! try_join {
    (@munch [$($done:tt)*]) => { $crate::try_join!(@expand $($done)*) };
    (@munch [$($done:tt)*] $e:expr $(, $($rest:tt)*)?) => {
        $crate::try_join!(@munch [$($done)* (fut out owed $e)] $($($rest)*)?)
    };
    (@expand $(($fut:ident $out:ident $owed:ident $e:tt))*) => {{
        $(
            let mut $fut = ::core::pin::pin!($e);
            let mut $out = ::core::option::Option::None;
            let mut $owed: u32 = 0;
        )*
        // Cancel requests of the task go to every unfinished branch (as for `join!`).
        let mut pass_on = $crate::task::__PassOn::new();
        let outcome = ::core::future::poll_fn(|_cx| {
            let taken = pass_on.take("try_join");
            let mut all_done = true;
            $(
                if $out.is_none() {
                    $owed += taken;
                    let lent = pass_on.lend($owed);
                    let poll = ::core::future::Future::poll($fut.as_mut(), _cx);
                    if pass_on.settle(lent) {
                        $owed -= 1;
                    }
                    match poll {
                        ::core::task::Poll::Ready(::core::result::Result::Ok(output)) => {
                            $out = ::core::option::Option::Some(output);
                        }
                        ::core::task::Poll::Ready(::core::result::Result::Err(err)) => {
                            pass_on.give_back();
                            return ::core::task::Poll::Ready(::core::result::Result::Err(err));
                        }
                        ::core::task::Poll::Pending => all_done = false,
                    }
                }
            )*
            if all_done {
                pass_on.give_back();
                ::core::task::Poll::Ready(::core::result::Result::Ok(()))
            } else {
                // Woken by whichever unfinished future makes progress.
                ::core::task::Poll::Pending
            }
        })
        .await;
        match outcome {
            ::core::result::Result::Ok(()) => ::core::result::Result::Ok(($(
                match $out {
                    ::core::option::Option::Some(output) => output,
                    ::core::option::Option::None => ::core::unreachable!(),
                },
            )*)),
            ::core::result::Result::Err(err) => ::core::result::Result::Err(err),
        }
    }};
    () => { ::core::result::Result::Ok(()) };
    ($($e:expr),+ $(,)?) => { $crate::try_join!(@munch [] $($e),+) };
}

/// Waits for the first of several futures and runs that branch's body; the others are
/// dropped (tokio's `select!`).
///
/// ```text
/// select! {
///     biased;                                  // accepted, and what oneloop always does
///     <pattern> = <future> => <expression>,
///     <pattern> = <future>, if <condition> => { <block> }
///     else => <expression>,                    // when every branch is disabled
/// }
/// ```
///
/// The futures are polled in the written order. When one finishes, its output is matched
/// against its pattern: if it matches, the other futures are dropped and the body runs
/// (outside the select, so `break`, `continue`, `return` and `?` act on the code around
/// it); if not, the branch is disabled and the others go on. A branch whose `if` condition
/// is false starts disabled. When all are disabled the `else` branch runs; without one,
/// `select!` panics. A branch of any other shape is a compile error that quotes it and
/// says what was expected.
///
/// Cancellation: a cancel request of the task is delivered to the first oneloop future
/// polled, which then finishes with `Err(Cancelled)`. If that branch's pattern refuses the
/// error (`Ok(v) = rx.recv()`), the branch is disabled as usual, but the request is not
/// lost: it is put back and delivered at the next cancellation point — the next branch
/// polled, or the first await after the `select!`.
///
/// Patterns may bind by value, `mut` or `ref` (`Ok(mut line) = ..`, `Some(ref x) = ..`):
/// the output is first tested against the pattern with its binding modes taken out (by the
/// hidden proc macro `__select_clean_pattern`, as tokio does), then moved into it.
///
/// ```
/// use oneloop::time::{sleep, Duration};
///
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::channel(1);
///     oneloop::spawn(async move { tx.send("ping").await.unwrap() });
///     let got = oneloop::select! {
///         msg = rx.recv() => msg.unwrap(),
///         _ = sleep(Duration::from_secs(5)) => None,
///     };
///     assert_eq!(got, Some("ping"));
/// });
/// ```
#[macro_export]
macro_rules! select {
    // ---- one branch at a time, into `(fut out enabled <pat> <future> <condition> <body>)`.
    (@munch [$($done:tt)*] [] else => $b:block $(,)?) => {
        $crate::select!(@expand [$($done)*] [$b])
    };
    (@munch [$($done:tt)*] [] else => $b:expr $(,)?) => {
        $crate::select!(@expand [$($done)*] [$b])
    };
    (@munch [$($done:tt)*] []) => {
        $crate::select!(@expand [$($done)*] [
            ::core::panic!("select!: all branches are disabled and there is no else branch")
        ])
    };
    (@munch [$($done:tt)*] [] $p:pat = $f:expr, if $c:expr => $b:block, $($rest:tt)*) => {
        $crate::select!(@munch [$($done)* (fut out enabled $p, $f, $c, $b)] [] $($rest)*)
    };
    (@munch [$($done:tt)*] [] $p:pat = $f:expr, if $c:expr => $b:block $($rest:tt)*) => {
        $crate::select!(@munch [$($done)* (fut out enabled $p, $f, $c, $b)] [] $($rest)*)
    };
    (@munch [$($done:tt)*] [] $p:pat = $f:expr, if $c:expr => $b:expr $(, $($rest:tt)*)?) => {
        $crate::select!(@munch [$($done)* (fut out enabled $p, $f, $c, $b)] [] $($($rest)*)?)
    };
    (@munch [$($done:tt)*] [] $p:pat = $f:expr => $b:block, $($rest:tt)*) => {
        $crate::select!(@munch [$($done)* (fut out enabled $p, $f, true, $b)] [] $($rest)*)
    };
    (@munch [$($done:tt)*] [] $p:pat = $f:expr => $b:block $($rest:tt)*) => {
        $crate::select!(@munch [$($done)* (fut out enabled $p, $f, true, $b)] [] $($rest)*)
    };
    (@munch [$($done:tt)*] [] $p:pat = $f:expr => $b:expr $(, $($rest:tt)*)?) => {
        $crate::select!(@munch [$($done)* (fut out enabled $p, $f, true, $b)] [] $($($rest)*)?)
    };
    // ---- the expansion proper.
    (@expand [$(($fut:ident $out:ident $on:ident $p:pat, $f:tt, $c:tt, $b:tt))*] [$($else:tt)*]) => {{
        // The winner's output, if any, lands here; declared outside the block below so it
        // outlives the futures.
        $( let mut $out = ::core::option::Option::None; )*
        // Did the winning poll deliver a cancel request? (See the pattern check below.)
        let mut cancel_seen = false;
        {
            // Conditions first, then the futures (tokio's order); a disabled branch's future
            // is created but never polled.
            $( let mut $on: bool = $c; )*
            $( let mut $fut = ::core::pin::pin!($f); )*
            loop {
                ::core::future::poll_fn(|_cx| {
                    $(
                        if $on {
                            let before = $crate::task::__cancels_delivered();
                            if let ::core::task::Poll::Ready(output) =
                                ::core::future::Future::poll($fut.as_mut(), _cx)
                            {
                                cancel_seen = $crate::task::__cancels_delivered() != before;
                                $on = false;
                                $out = ::core::option::Option::Some(output);
                                return ::core::task::Poll::Ready(());
                            }
                        }
                    )*
                    if false $(|| $on)* {
                        // Woken by whichever enabled future makes progress.
                        ::core::task::Poll::Pending
                    } else {
                        ::core::task::Poll::Ready(()) // every branch disabled: `else`
                    }
                })
                .await;
                // Does the output fit its pattern? If not, drop it; that branch stays disabled.
                $(
                    if let ::core::option::Option::Some(output) = &$out {
                        // Tested by reference, with the binding modes taken out (`Some(mut v)`
                        // becomes `Some(v)`, which fits the same values): the output is moved
                        // into the pattern only below, once the futures are dropped.
                        #[allow(unused_variables, unreachable_patterns)]
                        let fits = match output {
                            $crate::__select_clean_pattern!($p) => true,
                            _ => false,
                        };
                        if !fits {
                            $out = ::core::option::Option::None;
                            if cancel_seen {
                                // The refused output was a delivered cancellation: give the
                                // request back so the next cancellation point delivers it.
                                $crate::task::__redeliver_cancel();
                            }
                            continue;
                        }
                    }
                )*
                break;
            }
        } // the futures, winners and losers, are dropped here, before any body runs
        $(
            if $out.is_some() {
                // Matched in place, so `ref mut` bindings borrow from `$out` (declared `mut`).
                #[allow(unreachable_patterns)]
                match $out {
                    ::core::option::Option::Some($p) => $b,
                    _ => ::core::unreachable!(),
                }
            } else
        )*
        { $($else)* }
    }};
    (@munch [$($done:tt)*] [] $($bad:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: expected `<pattern> = <future> => <body>,` or `else => <body>`, found: ",
            ::core::stringify!($($bad)*)
        ))
    };
    // ---- entry points.
    (biased; $($branches:tt)*) => { $crate::select!(@munch [] [] $($branches)*) };
    ($($branches:tt)*) => { $crate::select!(@munch [] [] $($branches)*) };
}

/// Pins values on the stack, under their own names (tokio's `pin!`): after
/// `oneloop::pin!(fut)`, `fut` is a `Pin<&mut _>` that can be polled again and again, as a
/// `select!` loop does. Also accepts `let` bindings: `oneloop::pin! { let x = make(); }`.
///
/// ```
/// use oneloop::time::{sleep, Duration};
///
/// oneloop::run(async {
///     let deadline = sleep(Duration::from_millis(5));
///     oneloop::pin!(deadline);
///     loop {
///         oneloop::select! {
///             _ = &mut deadline => break,
///             _ = oneloop::task::yield_now() => {} // other work, turn after turn
///         }
///     }
///     // The same `deadline` was polled turn after turn, never moved nor re-created.
///     assert!(deadline.is_elapsed());
/// });
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => {
        $( let mut $x = ::core::pin::pin!($x); )*
    };
    ($(let $x:ident = $init:expr;)*) => {
        $( let $x = $init; $crate::pin!($x); )*
    };
}
