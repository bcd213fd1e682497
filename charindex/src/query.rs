//! How a query string is read.
//!
//! A charfinder query is one of three things, tried in this order on the query with
//! surrounding whitespace stripped ([`py_strip`]):
//!
//! 1. `U+XXXX` with 4 to 6 hex digits, either case (`u+00e9`): one code point.
//! 2. Only non-ASCII, non-space characters (`é€`, `☕`): "describe these characters". The book
//!    planned this and never wired it up; ASCII is left out because `a` or `42` must stay
//!    word queries.
//! 3. Anything else: words ([`tokenize`]), all of which a name must contain.

use crate::pystr::{py_isspace, py_strip};
use crate::words::tokenize;

/// A parsed query: what [`UnicodeNameIndex::find`](crate::UnicodeNameIndex::find) looks for.
///
/// # Example
///
/// ```
/// use charindex::Query;
///
/// assert_eq!(Query::parse(" u+00E9 "), Query::CodePoint(0xE9));
/// assert_eq!(Query::parse("€é€"), Query::Chars(vec!['é', '€']));
/// assert_eq!(
///     Query::parse("chess black chess"),
///     Query::Words(vec!["BLACK".to_string(), "CHESS".to_string()])
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `U+XXXX`: this code point. A `u32`, not a `char`, because `U+110000` and `U+D800`
    /// parse but are not characters; they simply find nothing.
    CodePoint(u32),
    /// Characters to describe: distinct, in code point order.
    Chars(Vec<char>),
    /// Upper-cased words, sorted and without duplicates (the search is an AND, so neither
    /// order nor repetition matters). Empty when the query has no words.
    Words(Vec<String>),
}

impl Query {
    /// Reads `query` as described in the [module docs](self).
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::Query;
    ///
    /// assert_eq!(Query::parse("U+1F525"), Query::CodePoint(0x1F525));
    /// assert_eq!(Query::parse("!!!"), Query::Words(vec![]));
    /// ```
    pub fn parse(query: &str) -> Query {
        let query = py_strip(query);
        if let Some(code_point) = parse_code_point(query) {
            return Query::CodePoint(code_point);
        }
        if !query.is_empty() && query.chars().all(|c| !c.is_ascii() && !py_isspace(c)) {
            let mut chars: Vec<char> = query.chars().collect();
            chars.sort_unstable();
            chars.dedup();
            return Query::Chars(chars);
        }
        let mut words = tokenize(query);
        words.sort_unstable();
        words.dedup();
        Query::Words(words)
    }
}

/// `U+` or `u+` and then 4 to 6 hex digits, and nothing else.
fn parse_code_point(query: &str) -> Option<u32> {
    let hex = query
        .strip_prefix("U+")
        .or_else(|| query.strip_prefix("u+"))?;
    let well_formed = (4..=6).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_point_needs_four_to_six_hex_digits() {
        assert_eq!(parse_code_point("U+0041"), Some(0x41));
        assert_eq!(parse_code_point("u+10ffff"), Some(0x10FFFF));
        assert_eq!(parse_code_point("U+041"), None);
        assert_eq!(parse_code_point("U+1234567"), None);
        assert_eq!(parse_code_point("U+00G1"), None);
        assert_eq!(parse_code_point("U+ 0041"), None);
        assert_eq!(parse_code_point("U+0041 A"), None);
    }

    #[test]
    fn code_point_may_be_out_of_range() {
        assert_eq!(Query::parse("U+110000"), Query::CodePoint(0x110000));
    }

    #[test]
    fn a_sign_alone_is_not_a_code_point() {
        // "+" is not a word char, so "U+" reads as the word "U".
        assert_eq!(Query::parse("U+"), Query::Words(vec!["U".to_string()]));
    }

    #[test]
    fn non_ascii_only_query_describes_its_chars() {
        assert_eq!(
            Query::parse("\u{3000}€é\u{3000}"),
            Query::Chars(vec!['é', '€'])
        );
    }

    #[test]
    fn mixed_ascii_query_is_words() {
        assert_eq!(
            Query::parse("é a"),
            Query::Words(vec!["A".into(), "É".into()])
        );
        assert_eq!(Query::parse("é\u{3000}€"), Query::Words(vec!["É".into()]));
    }

    #[test]
    fn empty_query_has_no_words() {
        assert_eq!(Query::parse(""), Query::Words(vec![]));
        assert_eq!(Query::parse(" \t "), Query::Words(vec![]));
    }
}
