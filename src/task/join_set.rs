//! `JoinSet` (work in progress).
