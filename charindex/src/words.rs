//! The tokenizer: how names and queries are cut into words.
//!
//! The index and the queries must cut text the same way, or a query could never find the
//! words the index stored, so both use [`split_words`]. It is Python's `re.findall(r'\w+')`
//! on a `str`: a word is a maximal run of characters that are letters, digits or `_`.

/// Whether `c` belongs in a word, as Python's `\w` in `str` patterns.
///
/// Python's `\w` is "alphanumeric per `str.isalnum()`, or `_`"; this uses Rust's
/// [`char::is_alphanumeric`] (Unicode `Alphabetic` or `Numeric`). The two differ only on a
/// few combining marks that are `Alphabetic` but not letters (e.g. U+0345), which never
/// occur in character names (names are `[A-Z0-9 -]`), so the index is unaffected.
///
/// # Example
///
/// ```
/// use charindex::words::is_word_char;
///
/// assert!(is_word_char('a') && is_word_char('7') && is_word_char('_') && is_word_char('é'));
/// assert!(!is_word_char('-') && !is_word_char(' ') && !is_word_char('!'));
/// ```
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The words of `s`, as they appear (no case change), without allocating.
///
/// The index builder uses this directly: names are already upper-case ASCII.
///
/// # Example
///
/// ```
/// use charindex::words::split_words;
///
/// let words: Vec<&str> = split_words("EURO-CURRENCY SIGN").collect();
/// assert_eq!(words, ["EURO", "CURRENCY", "SIGN"]);
/// ```
pub fn split_words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !is_word_char(c))
        .filter(|word| !word.is_empty())
}

/// The words of `s`, upper-cased: how a query is read.
///
/// Upper-casing uses the full Unicode mapping, like Python's `str.upper()` (`ß` becomes
/// `SS`).
///
/// # Example
///
/// ```
/// use charindex::tokenize;
///
/// assert_eq!(tokenize("chess black"), ["CHESS", "BLACK"]);
/// assert_eq!(tokenize("  Euro-currency!! "), ["EURO", "CURRENCY"]);
/// assert!(tokenize("!!!").is_empty());
/// ```
pub fn tokenize(s: &str) -> Vec<String> {
    split_words(s).map(str::to_uppercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_non_word_chars_split_once() {
        assert_eq!(tokenize("a--b  c"), ["A", "B", "C"]);
        assert_eq!(tokenize("-a-"), ["A"]);
    }

    #[test]
    fn underscore_and_digits_are_word_chars() {
        assert_eq!(tokenize("snake_case 42x"), ["SNAKE_CASE", "42X"]);
    }

    #[test]
    fn non_ascii_letters_are_word_chars_and_upper_cased() {
        assert_eq!(tokenize("café straße"), ["CAFÉ", "STRASSE"]);
    }

    #[test]
    fn no_words_in_punctuation_or_empty_text() {
        assert!(tokenize("").is_empty());
        assert!(tokenize("!!! ... ---").is_empty());
    }
}
