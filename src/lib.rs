//! oneloop: the One Loop (work in progress; see DESIGN.md).
