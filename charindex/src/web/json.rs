//! A small JSON writer, just what the `/chars` answer needs: strings escaped per RFC 8259
//! and numbers written as numbers.
//!
//! RFC 8259 (section 7) requires escaping `"`, `\` and the control characters U+0000 to
//! U+001F inside a string; everything else may appear as is, in UTF-8. Lone surrogates,
//! the one thing a JSON writer in other languages must watch for, cannot occur in a Rust
//! `str`. U+2028 and U+2029 are escaped too, although JSON allows them raw, because older
//! JavaScript treats them as line ends inside string literals; it costs nothing.

use std::fmt::Write;

/// Appends `text` to `out` as a JSON string, quotes included.
///
/// `\b \f \n \r \t` get their short escapes, the other control characters (and U+2028,
/// U+2029) `\u00XX`/`\u20XX`, `"` and `\` a backslash; the rest is copied.
///
/// # Example
///
/// ```
/// use charindex::web::push_json_string;
///
/// let mut out = String::new();
/// push_json_string(&mut out, "say \"hi\"\n\\ é\u{1}");
/// assert_eq!(out, r#""say \"hi\"\n\\ é\u0001""#);
/// ```
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let needs_escape = |c: char| c < ' ' || matches!(c, '"' | '\\' | '\u{2028}' | '\u{2029}');
    let mut rest = text;
    while let Some(i) = rest.find(needs_escape) {
        out.push_str(&rest[..i]);
        let c = rest[i..]
            .chars()
            .next()
            .expect("find returned a char boundary");
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // Writing to a String cannot fail.
            _ => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
    out.push('"');
}

/// `text` as a JSON string, as [`push_json_string`] writes it.
///
/// # Example
///
/// ```
/// use charindex::web::json_string;
///
/// assert_eq!(json_string("tab\there"), r#""tab\there""#);
/// ```
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_json_string(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_backslashes_and_short_escapes() {
        assert_eq!(json_string(""), r#""""#);
        assert_eq!(json_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(json_string("\u{8}\u{c}\n\r\t"), r#""\b\f\n\r\t""#);
    }

    #[test]
    fn other_control_characters_use_unicode_escapes() {
        assert_eq!(json_string("\0\u{1f}"), r#""\u0000\u001f""#);
        assert_eq!(json_string("\u{7f}"), "\"\u{7f}\""); // DEL is not a JSON control
        assert_eq!(json_string("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
    }

    #[test]
    fn non_ascii_is_copied() {
        assert_eq!(json_string("é🔥/<"), "\"é🔥/<\"");
    }

    /// Every character round-trips through a real JSON parser, alone and between others.
    #[test]
    fn every_char_round_trips_through_serde_json() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let text = format!("a{c}b{c}");
            let json = json_string(&text);
            let back: String = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("U+{:04X}: {json:?}: {e}", u32::from(c)));
            assert_eq!(back, text);
        }
    }
}
