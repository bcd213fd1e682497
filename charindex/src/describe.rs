//! The description line: how one character is shown by every charfinder.
//!
//! The line is `U+XXXX`, padded to 7 columns, a tab, the character, a tab, its name. The
//! padding keeps the tabs aligned for the four- and five-digit code points that make up
//! nearly all results; six-digit ones (planes 15 and 16, all private use and unnamed)
//! never appear.

/// The Unicode name of `c` (e.g. `LATIN CAPITAL LETTER A`), or `None` if it has none.
///
/// Control characters, private-use characters, unassigned code points and Tangut
/// ideographs have no name in [`unicode_names2`], just as in Python's `unicodedata.name()`.
///
/// # Example
///
/// ```
/// use charindex::describe::char_name;
///
/// assert_eq!(char_name('☕').as_deref(), Some("HOT BEVERAGE"));
/// assert_eq!(char_name('\u{4E00}').as_deref(), Some("CJK UNIFIED IDEOGRAPH-4E00"));
/// assert_eq!(char_name('\n'), None);
/// ```
pub fn char_name(c: char) -> Option<String> {
    unicode_names2::name(c).map(|name| name.to_string())
}

/// The description line of `c`, or `None` if `c` has no name.
///
/// # Example
///
/// ```
/// use charindex::describe_char;
///
/// assert_eq!(describe_char('A').as_deref(), Some("U+0041 \tA\tLATIN CAPITAL LETTER A"));
/// assert_eq!(describe_char('🔥').as_deref(), Some("U+1F525\t🔥\tFIRE"));
/// assert_eq!(describe_char('\u{0378}'), None); // unassigned
/// ```
pub fn describe_char(c: char) -> Option<String> {
    let name = char_name(c)?;
    let code = format!("U+{:04X}", u32::from(c));
    Some(format!("{:7}\t{}\t{}", code, c, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_digit_code_is_padded_to_seven_columns() {
        assert_eq!(
            describe_char('A').unwrap(),
            "U+0041 \tA\tLATIN CAPITAL LETTER A"
        );
        assert_eq!(describe_char('$').unwrap(), "U+0024 \t$\tDOLLAR SIGN");
    }

    #[test]
    fn five_digit_code_fills_the_column() {
        assert_eq!(describe_char('🔥').unwrap(), "U+1F525\t🔥\tFIRE");
    }

    #[test]
    fn cjk_description_keeps_the_full_name() {
        assert_eq!(
            describe_char('\u{4E00}').unwrap(),
            "U+4E00 \t\u{4E00}\tCJK UNIFIED IDEOGRAPH-4E00"
        );
    }

    #[test]
    fn unnamed_characters_have_no_line() {
        assert_eq!(describe_char('\0'), None);
        assert_eq!(describe_char('\u{E000}'), None); // private use
        assert_eq!(describe_char('\u{0378}'), None); // unassigned
    }
}
