//! `join!` and `select!` (work in progress).
