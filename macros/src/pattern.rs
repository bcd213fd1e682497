//! The pattern cleaner behind `oneloop::select!`: a copy of a pattern without its binding
//! modes (`mut`, `ref`), so the pattern can be *tested* against a reference to a branch's
//! output before the output is moved into the branch body.
//!
//! `select!` must decide whether the winning output fits its pattern while the losing
//! futures are still alive (a refused output re-enables the wait), but may run the body only
//! after they are dropped. So it tests first, by reference, and binds later, by value.
//! Testing `Some(mut v)` against `&Option<T>` does not compile (a `mut` binding moves out of
//! the reference); `Some(v)` does, and fits exactly the same values: binding modes never
//! change *which* values a pattern matches.

use proc_macro::{Group, TokenStream, TokenTree};

/// Drops every `mut` and `ref` keyword from `input`, inside groups too (a pattern that came
/// through a `macro_rules!` `$p:pat` arrives wrapped in an invisible group).
pub(crate) fn clean(input: TokenStream) -> TokenStream {
    input
        .into_iter()
        .filter(
            |tree| !matches!(tree, TokenTree::Ident(ident) if is_binding_mode(&ident.to_string())),
        )
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let mut cleaned = Group::new(group.delimiter(), clean(group.stream()));
                cleaned.set_span(group.span());
                TokenTree::Group(cleaned)
            }
            other => other,
        })
        .collect()
}

/// `mut` and `ref` are keywords: in a pattern they can only be binding modes (or the `mut`
/// of `&mut`, which the test by reference does not need either).
fn is_binding_mode(word: &str) -> bool {
    word == "mut" || word == "ref"
}
