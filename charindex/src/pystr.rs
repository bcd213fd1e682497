//! The parts of Python's `str` that the charfinder protocols are defined by.
//!
//! The book's servers print `{!r}` of the query and strip lines with `str.strip()`;
//! the ports keep both, byte for byte. They live here so no example re-derives them.
//!
//! [`is_printable`] is exact for Unicode 17.0, the version of the names: its table,
//! `unprintable_table.rs`, is generated from the same `UnicodeData.txt` by
//! `tools/gen_unprintable.py`. Python itself uses its own Unicode version (3.11: 14.0,
//! 3.13: 15.1), so for characters assigned after that, Python prints `\U...` where this
//! prints the character.

use crate::unprintable_table::UNPRINTABLE;

/// Python's `str.isspace()` for one character.
///
/// That is Unicode `White_Space` ([`char::is_whitespace`]) plus the four information
/// separators U+001C..U+001F, which Python counts as whitespace (bidirectional class `B`
/// or `S`). U+200B ZERO WIDTH SPACE and U+FEFF are not whitespace.
///
/// # Example
///
/// ```
/// use charindex::py_isspace;
///
/// assert!(py_isspace(' ') && py_isspace('\x1c') && py_isspace('\u{3000}'));
/// assert!(!py_isspace('\u{200B}') && !py_isspace('\u{FEFF}'));
/// ```
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()` with no arguments: `s` without leading and trailing
/// [`py_isspace`] characters.
///
/// # Example
///
/// ```
/// use charindex::py_strip;
///
/// assert_eq!(py_strip("\x1c hi \u{3000}"), "hi");
/// assert_eq!(py_strip("\u{200B}x"), "\u{200B}x");
/// ```
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// Python's `str.isprintable()` for one character.
///
/// A character is unprintable when its general category is Cc, Cf, Cs, Co, Cn
/// (unassigned), Zl, Zp or Zs, except U+0020 SPACE. Exact for Unicode 17.0 (see the
/// [module docs](self)).
///
/// # Example
///
/// ```
/// use charindex::is_printable;
///
/// assert!(is_printable('a') && is_printable(' ') && is_printable('☕'));
/// assert!(!is_printable('\n') && !is_printable('\u{A0}') && !is_printable('\u{AD}'));
/// assert!(!is_printable('\u{0378}')); // unassigned
/// ```
pub fn is_printable(c: char) -> bool {
    let cp = u32::from(c);
    // The table is sorted and disjoint: find the last range starting at or before `cp`.
    let after = UNPRINTABLE.partition_point(|&(first, _)| first <= cp);
    match after.checked_sub(1) {
        Some(i) => cp > UNPRINTABLE[i].1,
        None => true,
    }
}

/// Python's `repr()` of a `str`.
///
/// Single quotes, unless the text holds `'` and no `"`. Backslash and the chosen quote
/// are escaped; `\t`, `\n`, `\r` have their short escapes; other unprintable characters
/// (see [`is_printable`]) become `\xNN`, `\uNNNN` or `\UNNNNNNNN` with lower-case hex,
/// as in CPython's `unicode_repr`.
///
/// # Example
///
/// ```
/// use charindex::repr;
///
/// assert_eq!(repr("chess black"), "'chess black'");
/// assert_eq!(repr("jabberwocky's vest"), "\"jabberwocky's vest\"");
/// assert_eq!(repr("a'b\"c"), "'a\\'b\"c'");
/// assert_eq!(repr("tab\there"), "'tab\\there'");
/// assert_eq!(repr("café ☕"), "'café ☕'");
/// ```
pub fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let cp = u32::from(c);
                let escape = match cp {
                    0..=0xFF => format!("\\x{cp:02x}"),
                    0x100..=0xFFFF => format!("\\u{cp:04x}"),
                    _ => format!("\\U{cp:08x}"),
                };
                out.push_str(&escape);
            }
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unprintable_table::NAMED_UNPRINTABLE;

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(repr(""), "''");
        assert_eq!(repr("jabberwocky's vest"), "\"jabberwocky's vest\"");
        assert_eq!(repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(repr("say \"hi\""), "'say \"hi\"'");
    }

    #[test]
    fn repr_escapes_backslash_and_whitespace_controls() {
        assert_eq!(repr("a\\b"), "'a\\\\b'");
        assert_eq!(repr("tab\there"), "'tab\\there'");
        assert_eq!(repr("one\ntwo\r"), "'one\\ntwo\\r'");
    }

    #[test]
    fn repr_escapes_unprintable_chars_by_width() {
        assert_eq!(repr("\0"), "'\\x00'");
        assert_eq!(repr("\x7f"), "'\\x7f'");
        assert_eq!(repr("\x0b\x1c"), "'\\x0b\\x1c'");
        assert_eq!(repr("\u{85}\u{A0}\u{AD}"), "'\\x85\\xa0\\xad'");
        assert_eq!(repr("\u{200B}\u{2028}\u{FEFF}"), "'\\u200b\\u2028\\ufeff'");
        assert_eq!(repr("\u{3000}\u{0378}"), "'\\u3000\\u0378'");
        assert_eq!(repr("\u{E000}"), "'\\ue000'");
        assert_eq!(repr("\u{E0001}\u{10FFFF}"), "'\\U000e0001\\U0010ffff'");
    }

    #[test]
    fn repr_keeps_printable_non_ascii() {
        assert_eq!(repr("café ☕"), "'café ☕'");
        assert_eq!(repr("🔥\u{4E00}é"), "'🔥\u{4E00}é'");
        // A combining mark is printable on its own, as in Python.
        assert_eq!(repr("e\u{301}"), "'e\u{301}'");
    }

    #[test]
    fn strip_removes_python_whitespace_only() {
        assert_eq!(py_strip("\x1c hi \u{3000}"), "hi");
        assert_eq!(
            py_strip("\t\n\x0b\x0c\r x \u{85}\u{A0}\u{1680}\u{2000}\u{200A}"),
            "x"
        );
        assert_eq!(
            py_strip("\u{2028}\u{2029}\u{202F}\u{205F}\x1d\x1e\x1fy"),
            "y"
        );
        assert_eq!(py_strip("\u{200B}x"), "\u{200B}x");
        assert_eq!(py_strip("\u{FEFF}x\u{FEFF}"), "\u{FEFF}x\u{FEFF}");
        assert_eq!(py_strip(" a b "), "a b");
        assert_eq!(py_strip(" \u{3000} "), "");
    }

    #[test]
    fn unprintable_table_is_sorted_and_disjoint() {
        for pair in UNPRINTABLE.windows(2) {
            let ((a, b), (c, _)) = (pair[0], pair[1]);
            assert!(a <= b && b + 1 < c, "{pair:x?}");
        }
    }

    /// Guards against the generated table and `unicode_names2` drifting to different
    /// Unicode versions: a newly assigned character would be named but "unassigned" in an
    /// old table (the count below changes), and a table newer than the names would make
    /// printable characters without names.
    #[test]
    fn table_agrees_with_the_name_data() {
        // Assigned letters whose names are derived by a rule that unicode_names2, like
        // Python's unicodedata, does not implement.
        let tangut = |c: char| matches!(u32::from(c), 0x17000..=0x187FF | 0x18D00..=0x18D7F);
        let mut named_unprintable = 0;
        for c in '\0'..=char::MAX {
            let named = unicode_names2::name(c).is_some();
            if named && !is_printable(c) {
                named_unprintable += 1;
            }
            if !named && is_printable(c) {
                assert!(tangut(c), "{c:?} is printable but has no name");
            }
        }
        assert_eq!(named_unprintable, NAMED_UNPRINTABLE);
    }
}
