//! `task::Id`: a task's public name, unique within its loop, in spawn order.
//!
//! The loop hands ids out when it files a task (`Core::insert_task`) and keeps one in every
//! slab entry; the public layer re-exports the type as `oneloop::task::Id`. A task's low 16
//! bits also make its generation (`TaskKey`): consecutive tasks never share one.

use std::fmt;

/// A task's id: unique within its loop, in spawn order (the root future of `block_on` is 1).
///
/// ```
/// oneloop::run(async {
///     let a = oneloop::spawn(async {});
///     let b = oneloop::spawn(async {});
///     assert!(a.id() < b.id());
/// #   a.await.unwrap(); b.await.unwrap();
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(pub(crate) u64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
