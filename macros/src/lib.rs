//! `#[oneloop::main]` and `#[oneloop::test]`: run an `async fn` on a oneloop
//! event loop.
//!
//! This crate is an implementation detail of `oneloop`, which re-exports both
//! macros; use them as `#[oneloop::main]` and `#[oneloop::test]`. It has no
//! dependencies (no `syn`, no `quote`): it reads the function's tokens with
//! nothing but the compiler's `proc_macro` crate.
//!
//! # What they expand to
//!
//! `#[oneloop::main]` turns
//!
//! ```ignore
//! #[oneloop::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     body
//! }
//! ```
//!
//! into
//!
//! ```ignore
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     ::oneloop::run(async move { body })
//! }
//! ```
//!
//! and `#[oneloop::test]` turns
//!
//! ```ignore
//! #[oneloop::test]
//! #[should_panic]
//! async fn name() -> R {
//!     body
//! }
//! ```
//!
//! into
//!
//! ```ignore
//! #[::core::prelude::v1::test]
//! #[should_panic]
//! fn name() -> R {
//!     ::oneloop::run(async move { body })
//! }
//! ```
//!
//! Only `async` is removed. Everything else is kept as written: the other
//! attributes and doc comments, the visibility, the name, the return type
//! (which may be left out) and any `where` clause. Inner attributes at the top
//! of the body (`#![allow(...)]`) move to the generated function's body, where
//! they cover the `async` block too. The body itself is not rewritten: its
//! tokens keep their spans, so compiler errors inside it point at your code.
//!
//! # How the loop ends: `shutdown`
//!
//! `#[oneloop::main]` ends as `#[tokio::main]` does: it expands to
//! `::oneloop::runtime::block_on`, which builds a new event loop on the current
//! thread, drives the future to completion, and then drops the tasks still
//! running at once (their destructors run, no code after an await does). A
//! program ported from tokio exits as fast as it did there.
//!
//! `#[oneloop::main(shutdown = "cancel")]` ends as Python's `asyncio.run`
//! does: it expands to `::oneloop::run`, which cancels the tasks still alive
//! and lets them clean up (awaiting, bounded in time) before returning. The
//! examples that port the book's servers use it, so each connection logs its
//! close.
//!
//! `#[oneloop::test]` uses `::oneloop::run` (`shutdown = "cancel"`) unless told
//! `shutdown = "drop"`: nothing spawned by a test outlives it, and each test
//! gets a fresh loop of its own.
//!
//! The paths are absolute (`::oneloop::...`), so the crate using the macros
//! must depend on `oneloop` under that name.
//!
//! # Arguments
//!
//! oneloop has a single flavor: one loop on one thread. To make porting from
//! tokio a matter of renaming, both macros accept any other arguments and
//! ignore them silently, for example
//! `#[oneloop::main(flavor = "multi_thread", worker_threads = 2)]`,
//! `#[oneloop::test(flavor = "current_thread")]` or
//! `#[oneloop::test(start_paused = true)]`. Only `shutdown` is read; a value
//! other than `"drop"` or `"cancel"` is a compile error.
//!
//! # Errors
//!
//! The function must be a plain `async fn` that takes no arguments, has no
//! generic parameters, and has a body. On anything else (a plain `fn`, a
//! `struct`, an `async unsafe fn`, `async fn main(x: u32)`, ...) the macro
//! emits a `compile_error!` naming what it expected, spanned at the offending
//! tokens. An item that is not a function is passed through unchanged; a
//! function of the wrong shape is still expanded, keeping what is wrong, so
//! that the body is checked and any follow-up error from rustc agrees.
//! The macros never panic.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

mod pattern;

/// An implementation detail of `oneloop::select!` (see `pattern.rs`): the pattern it is
/// given, without `mut` and `ref`. Not for direct use.
#[doc(hidden)]
#[proc_macro]
pub fn __select_clean_pattern(input: TokenStream) -> TokenStream {
    pattern::clean(input)
}

/// Runs `async fn main` on a new oneloop event loop.
///
/// ```ignore
/// #[oneloop::main]
/// async fn main() -> std::io::Result<()> {
///     let n = async { 42 }.await;
///     println!("{n}");
///     Ok(())
/// }
/// ```
///
/// expands to
///
/// ```ignore
/// fn main() -> std::io::Result<()> {
///     ::oneloop::runtime::block_on(async move {
///         let n = async { 42 }.await;
///         println!("{n}");
///         Ok(())
///     })
/// }
/// ```
///
/// When `main` returns, tasks still running are dropped at once, as with
/// `#[tokio::main]`; with `#[oneloop::main(shutdown = "cancel")]` the call is
/// `::oneloop::run` instead, which cancels them and lets them clean up first
/// (asyncio's exit). Attributes, visibility and return type are kept; only
/// `async` goes. Other arguments, such as tokio's `flavor = "current_thread"`
/// or `worker_threads = 2`, are accepted and silently ignored.
///
/// It is a compile error to put it on anything but an `async fn` without
/// parameters or generics (`const`, `unsafe` and `extern` are refused too).
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Main, args, item)
}

/// Runs an `async fn` test on its own new oneloop event loop.
///
/// ```ignore
/// #[oneloop::test]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     let n = async { 1 }.await;
///     assert_eq!(n, 1);
///     panic!("boom");
/// }
/// ```
///
/// expands to
///
/// ```ignore
/// #[::core::prelude::v1::test]
/// #[should_panic(expected = "boom")]
/// fn panics() {
///     ::oneloop::run(async move {
///         let n = async { 1 }.await;
///         assert_eq!(n, 1);
///         panic!("boom");
///     })
/// }
/// ```
///
/// Other attributes (`#[should_panic]`, `#[ignore]`, ...) stay in place, and a
/// return type such as `Result<(), String>` is kept, so `?` works in the body.
/// Tasks left when the test returns are cancelled and may clean up
/// (`shutdown = "drop"` drops them instead). Other arguments, such as tokio's
/// `flavor = "current_thread"` or `start_paused = true`, are accepted and
/// silently ignored.
///
/// Do not add `#[test]` as well: this attribute already makes the function a
/// test. It is a compile error to put it on anything but an `async fn` without
/// parameters or generics (`const`, `unsafe` and `extern` are refused too).
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Test, args, item)
}

#[derive(Clone, Copy)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    fn attr(self) -> &'static str {
        match self {
            Kind::Main => "#[oneloop::main]",
            Kind::Test => "#[oneloop::test]",
        }
    }

    /// tokio's exit for `main`, asyncio's for a test (see "How the loop
    /// ends" in the crate docs).
    fn default_shutdown(self) -> Shutdown {
        match self {
            Kind::Main => Shutdown::Drop,
            Kind::Test => Shutdown::Cancel,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Kind::Main => "#[oneloop::main] goes on an `async fn main()`",
            Kind::Test => "#[oneloop::test] goes on an `async fn` test",
        }
    }
}

/// A compile error: a message and the first and last span it covers.
struct Error {
    message: String,
    start: Span,
    end: Span,
}

impl Error {
    fn at(tokens: &[TokenTree], message: String) -> Error {
        let start = tokens.first().map_or_else(Span::call_site, TokenTree::span);
        let end = tokens.last().map_or(start, TokenTree::span);
        Error {
            message,
            start,
            end,
        }
    }

    /// `::core::compile_error!("...");`. `Span::join` is unstable, so the
    /// error covers `start..end` by giving the first tokens the start span and
    /// the last ones the end span; rustc reports the whole invocation.
    fn into_tokens(self) -> TokenStream {
        let mut message = Literal::string(&self.message);
        message.set_span(self.end);
        let mut args = Group::new(
            Delimiter::Parenthesis,
            TokenStream::from(TokenTree::Literal(message)),
        );
        args.set_span(self.end);
        let mut tokens = path(&["core", "compile_error"], self.start);
        tokens.extend([
            punct('!', Spacing::Alone, self.start),
            TokenTree::Group(args),
            punct(';', Spacing::Alone, self.end),
        ]);
        tokens.into_iter().collect()
    }
}

/// How the loop ends when the function returns, from the `shutdown` argument.
#[derive(Clone, Copy)]
enum Shutdown {
    /// tokio's: the tasks still running are dropped at once
    /// (`::oneloop::runtime::block_on`).
    Drop,
    /// asyncio's: they are cancelled and may clean up (`::oneloop::run`).
    Cancel,
}

/// Finds `shutdown = "drop"` or `shutdown = "cancel"` among the arguments;
/// every other argument (tokio's `flavor`, `worker_threads`, ...) is ignored.
fn shutdown_arg(kind: Kind, args: TokenStream) -> Result<Shutdown, Error> {
    let tokens: Vec<TokenTree> = args.into_iter().collect();
    let default = kind.default_shutdown();
    let Some(at) = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "shutdown"))
    else {
        return Ok(default);
    };
    let value = match (tokens.get(at + 1), tokens.get(at + 2)) {
        (Some(TokenTree::Punct(eq)), Some(TokenTree::Literal(lit))) if eq.as_char() == '=' => {
            lit.to_string()
        }
        _ => String::new(),
    };
    match value.as_str() {
        "\"drop\"" => Ok(Shutdown::Drop),
        "\"cancel\"" => Ok(Shutdown::Cancel),
        _ => Err(Error::at(
            &tokens[at..(at + 3).min(tokens.len())],
            format!(
                "{}: expected `shutdown = \"drop\"` (tokio's exit) or `shutdown = \"cancel\"` (asyncio's)",
                kind.attr()
            ),
        )),
    }
}

fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    // Every argument but `shutdown` is ignored on purpose: see "Arguments" in
    // the crate docs. A bad `shutdown` is reported, and the function is still
    // expanded with the default, so that this error is the only one (rather
    // than, say, "`main` function is not allowed to be `async`" as well).
    let (shutdown, mut out) = match shutdown_arg(kind, args) {
        Ok(shutdown) => (shutdown, TokenStream::new()),
        Err(error) => (kind.default_shutdown(), error.into_tokens()),
    };
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let func = match parse(kind, &tokens) {
        Ok(func) => func,
        Err(error) => {
            // Not a function with a body at all: pass the item through as
            // written, so that this error is the one to read and not a cascade
            // of "cannot find" errors.
            out.extend(error.into_tokens());
            out.extend(tokens);
            return out;
        }
    };
    match check(kind, &func) {
        None => out.extend(build(kind, &func, true, shutdown)),
        Some(error) => {
            // A function of the wrong shape: expand it anyway, keeping what is
            // wrong (parameters, `unsafe`, ...) and leaving out the test
            // attribute. Then the body still type-checks as async code, and
            // any further error rustc reports agrees with this one instead of
            // saying, say, "`main` function is not allowed to be `async`".
            out.extend(error.into_tokens());
            out.extend(build(kind, &func, false, shutdown));
        }
    }
    out
}

/// The pieces of `#[attrs] vis async fn name<G>(params) -> R where .. { body }`.
struct Function<'a> {
    attrs: &'a [TokenTree],
    vis: &'a [TokenTree],
    /// `async`, `unsafe`, `const`, `extern "C"`, ... in the order written.
    qualifiers: &'a [TokenTree],
    fn_token: &'a TokenTree,
    name: &'a TokenTree,
    /// `<...>`, usually empty.
    generics: &'a [TokenTree],
    params: &'a Group,
    /// `-> R` and the `where` clause, as written (possibly empty).
    signature_rest: &'a [TokenTree],
    body: &'a Group,
}

/// Splits a function into its pieces; errors if the item is not a function
/// with a body.
fn parse(kind: Kind, tokens: &[TokenTree]) -> Result<Function<'_>, Error> {
    let mut pos = 0;

    // Outer attributes, doc comments included (they arrive as `#[doc = ".."]`).
    while let (Some(TokenTree::Punct(hash)), Some(TokenTree::Group(group))) =
        (tokens.get(pos), tokens.get(pos + 1))
    {
        if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
            break;
        }
        pos += 2;
    }
    let attrs_end = pos;

    // Visibility: `pub`, `pub(crate)`, `pub(in path)`.
    if is_ident(tokens.get(pos), "pub") {
        pos += 1;
        if let Some(TokenTree::Group(group)) = tokens.get(pos) {
            if group.delimiter() == Delimiter::Parenthesis {
                pos += 1;
            }
        }
    }
    let vis_end = pos;

    // Qualifiers.
    while let Some(TokenTree::Ident(ident)) = tokens.get(pos) {
        match ident.to_string().as_str() {
            "async" | "const" | "unsafe" | "default" | "safe" => pos += 1,
            "extern" => {
                pos += 1;
                if let Some(TokenTree::Literal(_)) = tokens.get(pos) {
                    pos += 1; // the ABI string
                }
            }
            _ => break,
        }
    }
    let fn_pos = pos;

    let Some(fn_token) = tokens.get(pos).filter(|t| is_ident(Some(t), "fn")) else {
        let (found, at) = match tokens.get(pos) {
            Some(TokenTree::Ident(ident)) => (format!("found `{ident}`"), &tokens[pos..=pos]),
            Some(_) => ("found something else".to_string(), &tokens[pos..=pos]),
            None => ("found nothing".to_string(), tokens),
        };
        return Err(Error::at(at, format!("{}, {found}", kind.expected())));
    };
    pos += 1;

    let Some(name @ TokenTree::Ident(_)) = tokens.get(pos) else {
        return Err(Error::at(
            std::slice::from_ref(fn_token),
            format!("{}; expected a function name after `fn`", kind.expected()),
        ));
    };
    pos += 1;

    let generics_start = pos;
    pos = skip_generics(tokens, pos);
    let generics = &tokens[generics_start..pos];

    let Some(TokenTree::Group(params)) = tokens.get(pos).filter(|t| is_paren_group(t)) else {
        return Err(Error::at(
            std::slice::from_ref(name),
            format!("{}; expected `()` after the name", kind.expected()),
        ));
    };
    pos += 1;

    // Return type and `where` clause, as written, then the body: the last
    // token, a `{ ... }` group. (A brace group can also appear inside the
    // return type, as in `Foo<{ N }>`, so the body is found from the end.)
    let body = match tokens.last() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace && tokens.len() > pos => g,
        _ => {
            let at = if tokens.len() > pos {
                &tokens[tokens.len() - 1..]
            } else {
                std::slice::from_ref(fn_token)
            };
            return Err(Error::at(
                at,
                format!("{}; this function has no body", kind.expected()),
            ));
        }
    };
    Ok(Function {
        attrs: &tokens[..attrs_end],
        vis: &tokens[attrs_end..vis_end],
        qualifiers: &tokens[vis_end..fn_pos],
        fn_token,
        name,
        generics,
        params,
        signature_rest: &tokens[pos..tokens.len() - 1],
        body,
    })
}

/// The first thing wrong with the function, if any.
fn check(kind: Kind, func: &Function<'_>) -> Option<Error> {
    if matches!(kind, Kind::Test) {
        for attr in func.attrs.chunks(2) {
            if matches!(&attr[1], TokenTree::Group(g) if is_test_attr(g)) {
                return Some(Error::at(
                    attr,
                    format!(
                        "{} already makes this function a test; remove this `#[test]`",
                        kind.attr()
                    ),
                ));
            }
        }
    }
    let mut is_async = false;
    let mut pos = 0;
    while let Some(word) = func.qualifiers.get(pos) {
        let start = pos;
        pos += 1;
        let word = word.to_string();
        if word == "async" {
            is_async = true;
            continue;
        }
        if word == "extern" && matches!(func.qualifiers.get(pos), Some(TokenTree::Literal(_))) {
            pos += 1;
        }
        let bad = &func.qualifiers[start..pos];
        let written: Vec<String> = bad.iter().map(ToString::to_string).collect();
        return Some(Error::at(
            bad,
            format!(
                "{}; it cannot be `{}`, remove that",
                kind.expected(),
                written.join(" ")
            ),
        ));
    }
    if !is_async {
        let mut at = func.vis.to_vec();
        at.push(func.fn_token.clone());
        return Some(Error::at(
            &at,
            format!("{}; this function is not `async`", kind.expected()),
        ));
    }
    if !func.generics.is_empty() {
        return Some(Error::at(
            func.generics,
            format!("{}; it cannot have generic parameters", kind.expected()),
        ));
    }
    let params: Vec<TokenTree> = func.params.stream().into_iter().collect();
    if !params.is_empty() {
        return Some(Error::at(
            &params,
            format!("{}; it cannot take arguments", kind.expected()),
        ));
    }
    None
}

/// `[#[::core::prelude::v1::test]] #[attrs] vis fn name() -> R where .. {
/// #![inner] ::oneloop::run(async move { body }) }`
///
/// `async` is dropped from the qualifiers, and so is `const` (a `const fn`
/// cannot hold an `async` block); on a valid function `async` is the only one.
fn build(kind: Kind, func: &Function<'_>, add_test_attr: bool, shutdown: Shutdown) -> TokenStream {
    let call_site = Span::call_site();
    let (inner_attrs, body) = split_inner_attrs(func.body);
    let run_args = [
        TokenTree::Ident(Ident::new("async", call_site)),
        TokenTree::Ident(Ident::new("move", call_site)),
        TokenTree::Group(body),
    ];
    let mut new_body = inner_attrs;
    new_body.extend(match shutdown {
        Shutdown::Drop => path(&["oneloop", "runtime", "block_on"], call_site),
        Shutdown::Cancel => path(&["oneloop", "run"], call_site),
    });
    new_body.push(TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        run_args.into_iter().collect(),
    )));
    let mut new_body = Group::new(Delimiter::Brace, new_body.into_iter().collect());
    new_body.set_span(call_site);

    let mut out: Vec<TokenTree> = Vec::new();
    if add_test_attr && matches!(kind, Kind::Test) {
        out.push(punct('#', Spacing::Alone, call_site));
        out.push(TokenTree::Group(Group::new(
            Delimiter::Bracket,
            path(&["core", "prelude", "v1", "test"], call_site)
                .into_iter()
                .collect(),
        )));
    }
    out.extend_from_slice(func.attrs);
    out.extend_from_slice(func.vis);
    out.extend(
        func.qualifiers
            .iter()
            .filter(|t| !is_ident(Some(t), "async") && !is_ident(Some(t), "const"))
            .cloned(),
    );
    out.push(func.fn_token.clone());
    out.push(func.name.clone());
    out.extend_from_slice(func.generics);
    out.push(TokenTree::Group(func.params.clone()));
    out.extend_from_slice(func.signature_rest);
    out.push(TokenTree::Group(new_body));
    out.into_iter().collect()
}

/// Skips `<...>` at `pos`, if there is one, and returns the position after
/// it. `->` inside (as in `F: Fn() -> u8`) is not a closing bracket; nested
/// `(...)` and `[...]` are single token trees already.
fn skip_generics(tokens: &[TokenTree], mut pos: usize) -> usize {
    if !matches!(tokens.get(pos), Some(TokenTree::Punct(p)) if p.as_char() == '<') {
        return pos;
    }
    let start = pos;
    let mut depth = 0usize;
    let mut after_dash = false;
    while let Some(token) = tokens.get(pos) {
        pos += 1;
        let TokenTree::Punct(p) = token else {
            after_dash = false;
            continue;
        };
        match p.as_char() {
            '<' => depth += 1,
            '>' if !after_dash => {
                depth -= 1;
                if depth == 0 {
                    return pos;
                }
            }
            _ => {}
        }
        after_dash = p.as_char() == '-' && p.spacing() == Spacing::Joint;
    }
    // Unbalanced: treat just the `<` as the generics; rustc reports the rest.
    start + 1
}

fn is_paren_group(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis)
}

/// Splits `#![...]` attributes off the start of the body. They are not
/// allowed at the top of an `async` block, so they go to the function body.
fn split_inner_attrs(body: &Group) -> (Vec<TokenTree>, Group) {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let mut pos = 0;
    while let (
        Some(TokenTree::Punct(hash)),
        Some(TokenTree::Punct(bang)),
        Some(TokenTree::Group(g)),
    ) = (tokens.get(pos), tokens.get(pos + 1), tokens.get(pos + 2))
    {
        if hash.as_char() != '#' || bang.as_char() != '!' || g.delimiter() != Delimiter::Bracket {
            break;
        }
        pos += 3;
    }
    if pos == 0 {
        return (Vec::new(), body.clone());
    }
    let mut rest = Group::new(Delimiter::Brace, tokens[pos..].iter().cloned().collect());
    rest.set_span(body.span());
    (tokens[..pos].to_vec(), rest)
}

/// Whether an attribute's `[...]` is the built-in test attribute: `test`, or
/// a path to it such as `::core::prelude::v1::test` or `std::prelude::rust_2021::test`.
fn is_test_attr(group: &Group) -> bool {
    let words: Vec<String> = group
        .stream()
        .into_iter()
        .filter_map(|t| match t {
            TokenTree::Punct(p) if p.as_char() == ':' => None,
            other => Some(other.to_string()),
        })
        .collect();
    match words.as_slice() {
        [only] => only == "test",
        [first, .., last] => (first == "core" || first == "std") && last == "test",
        [] => false,
    }
}

fn is_ident(token: Option<&TokenTree>, word: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(ident)) if ident.to_string() == word)
}

fn punct(ch: char, spacing: Spacing, span: Span) -> TokenTree {
    let mut p = Punct::new(ch, spacing);
    p.set_span(span);
    TokenTree::Punct(p)
}

/// `::a::b::c`, every token at `span`.
fn path(segments: &[&str], span: Span) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for segment in segments {
        out.push(punct(':', Spacing::Joint, span));
        out.push(punct(':', Spacing::Alone, span));
        out.push(TokenTree::Ident(Ident::new(segment, span)));
    }
    out
}
