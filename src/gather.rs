//! `gather` and `as_completed` (work in progress).
