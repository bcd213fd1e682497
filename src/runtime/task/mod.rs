//! The loop's side of tasks: what a task is in memory and how it is named and woken.
//!
//! The public layer (`src/task/`: `spawn`, `JoinHandle`, the cancellation rule) is built on
//! these; nothing here uses it back. In the order a task meets them:
//!
//! | file | what lives there |
//! |---|---|
//! | `cell.rs` | the task cell (the boxed future, then its output) and the slab entry, `Task` |
//! | `slab.rs` | the task slab: every live task's entry, by slot, in pages that never move |
//! | `key.rs` | `TaskKey`: slot plus generation, the one way to name a task from outside |
//! | `state.rs` | `State`: `Idle`, `Scheduled`, `Running`, `Notified`, `Finished` |
//! | `waker.rs` | the loop's `Waker`: a `TaskRef` (runtime id + `TaskKey`) packed in one word |
//! | `inject.rs` | the inject queue (`Remote`): wakes from other threads |
//! | `id.rs`, `error.rs` | `task::Id` and `JoinError`, public types the loop makes |

pub(crate) mod cell;
mod error;
mod id;
pub(crate) mod inject;
pub(crate) mod key;
pub(crate) mod slab;
pub(crate) mod state;
pub(crate) mod waker;

pub use error::JoinError;
pub use id::Id;
