//! [`UnicodeNameIndex`]: an inverted index from name words to characters.
//!
//! The shape is the book's (`word -> set of chars`), with the sets stored as sorted
//! `Vec<char>` postings lists. That choice carries the whole design:
//!
//! - building is one pass over the code points in increasing order, so every list comes
//!   out sorted by appending, with no sort and no set;
//! - a query is an intersection of sorted lists, done smallest-first (in `page.rs`): walk
//!   the shortest list and gallop through the others (searches that resume where the last
//!   one ended), so `cjk squared` costs the size of the rarest word, not of the 100,000
//!   characters under `CJK`;
//! - results are already in code point order, which is also the order of the
//!   description lines kept beside the postings ([`DescriptionLines`], `lines.rs`): an
//!   answer is copied from there in runs, never formatted line by line.
//!
//! The full index (153,626 characters, 27,399 words, 499,294 postings) builds in a few
//! tens of milliseconds in release mode and holds about 11 MB of heap
//! ([`UnicodeNameIndex::heap_bytes`]: 3.3 MB of postings, the rest the lines), so it is
//! built at start-up and never cached: a cache would save little and could go stale.

use std::collections::HashMap;

use crate::describe::describe_char;
use crate::lines::DescriptionLines;
use crate::pystr::repr;

use crate::words::split_words;

/// Names starting with one of these are indexed under the prefix's words only. Without
/// this rule every CJK ideograph would add a unique hex word (`4E00`) that nobody searches
/// for, nearly doubling the word table.
const CJK_PREFIXES: [&str; 2] = ["CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"];

/// An index of Unicode characters by the words of their names.
///
/// # Example
///
/// ```
/// use charindex::UnicodeNameIndex;
///
/// let index = UnicodeNameIndex::new();
/// let found = index.find("chess black");
/// assert!(found.contains(&'♚'));
/// assert!(found.windows(2).all(|pair| pair[0] < pair[1]));
/// ```
#[derive(Debug, Clone)]
pub struct UnicodeNameIndex {
    /// Word → the characters whose names contain it, sorted and distinct. `Box<str>` keys
    /// because words never grow (16 bytes instead of `String`'s 24); `char` rather than
    /// `u32` because every entry is a valid character.
    postings: HashMap<Box<str>, Vec<char>>,
    /// How many characters were indexed (those with a name), for [`Self::len`]. Not
    /// derivable from `postings` without a pass over every list.
    char_count: usize,
    /// The description line of every indexed character, ready to copy: what a server
    /// sends, without formatting anything per query.
    lines: DescriptionLines,
}

impl UnicodeNameIndex {
    /// Builds the index over every named character from U+0020 to U+10FFFF.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// assert!(index.len() > 150_000);
    /// assert_eq!(index.find("registered"), ['®']);
    /// ```
    pub fn new() -> Self {
        // A `char` range skips the surrogates, which are not characters.
        Self::from_sorted_chars('\u{20}'..=char::MAX)
    }

    /// Builds an index over the named characters among `chars` (any order, repeats
    /// allowed; characters without a name are skipped). Handy for small examples and tests.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::from_chars("$ A a ₠ €".chars());
    /// assert_eq!(index.len(), 6); // the space is named too: SPACE
    /// assert_eq!(index.find("sign dollar"), ['$']);
    /// ```
    pub fn from_chars<I: IntoIterator<Item = char>>(chars: I) -> Self {
        let mut chars: Vec<char> = chars.into_iter().collect();
        chars.sort_unstable();
        chars.dedup();
        Self::from_sorted_chars(chars)
    }

    /// The one build loop. `chars` must be in increasing order without repeats: that is
    /// what keeps every postings list sorted by plain appending.
    fn from_sorted_chars<I: IntoIterator<Item = char>>(chars: I) -> Self {
        let mut postings: HashMap<Box<str>, Vec<char>> = HashMap::new();
        let mut char_count = 0;
        let mut lines = DescriptionLines::new();
        // One buffer for every name: 150,000 names, one allocation.
        let mut name = String::new();
        for c in chars {
            let Some(parts) = unicode_names2::name(c) else {
                continue;
            };
            char_count += 1;
            name.clear();
            name.extend(parts);
            lines.push(c, &name);
            let indexed = CJK_PREFIXES
                .into_iter()
                .find(|prefix| name.starts_with(prefix))
                .unwrap_or(&name);
            for word in split_words(indexed) {
                match postings.get_mut(word) {
                    // A name may repeat a word ("ARABIC LIGATURE ... WITH ... WITH ...").
                    Some(list) if list.last() == Some(&c) => {}
                    Some(list) => list.push(c),
                    None => {
                        postings.insert(word.into(), vec![c]);
                    }
                }
            }
        }
        // Growth by doubling leaves up to half of each list unused; the index lives for
        // the whole program, so give it back once.
        for list in postings.values_mut() {
            list.shrink_to_fit();
        }
        postings.shrink_to_fit();
        lines.shrink_to_fit();
        UnicodeNameIndex {
            postings,
            char_count,
            lines,
        }
    }

    /// The characters `query` finds, in code point order (see [`Query`](crate::Query) for how a query
    /// is read). Word queries are an AND: every word must be in the name. A query with no
    /// words, or with a word no name holds, finds nothing.
    ///
    /// `U+XXXX` and "describe these characters" queries answer for any named character,
    /// whichever characters this index was built from.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// assert_eq!(index.find("u+00e9"), ['é']);
    /// assert_eq!(index.find("€é"), ['é', '€']);
    /// assert!(index.find("!!!").is_empty());
    /// assert!(index.find("jabberwocky").is_empty());
    /// ```
    pub fn find(&self, query: &str) -> Vec<char> {
        // One code path for whole answers and pages: the whole answer is the widest page.
        self.find_page(query, 0..usize::MAX).chars
    }

    /// The description lines ([`describe_char`]) of what `query` finds, in order.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// assert_eq!(
    ///     index.describe("é€"),
    ///     ["U+00E9 \té\tLATIN SMALL LETTER E WITH ACUTE", "U+20AC \t€\tEURO SIGN"]
    /// );
    /// ```
    pub fn describe(&self, query: &str) -> Vec<String> {
        self.find(query)
            .into_iter()
            .filter_map(describe_char)
            .collect()
    }

    /// The description lines of every indexed character, to copy answers from
    /// ([`DescriptionLines::copy_lines`]) instead of formatting them.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// let mut answer = Vec::new();
    /// let found = index.find("registered");
    /// index.lines().copy_lines(&found, &mut answer, usize::MAX);
    /// assert_eq!(answer, "U+00AE \t®\tREGISTERED SIGN\r\n".as_bytes());
    /// ```
    pub fn lines(&self) -> &DescriptionLines {
        &self.lines
    }

    /// The status line for `count` results of `query`: `No match for Q`,
    /// `1 match for Q` or `N matches for Q`, with Q the Python [`repr`] of `query`.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// assert_eq!(UnicodeNameIndex::status("chess black", 6), "6 matches for 'chess black'");
    /// assert_eq!(UnicodeNameIndex::status("it's", 0), "No match for \"it's\"");
    /// ```
    pub fn status(query: &str, count: usize) -> String {
        let found = match count {
            0 => "No match".to_string(),
            1 => "1 match".to_string(),
            n => format!("{n} matches"),
        };
        format!("{found} for {}", repr(query))
    }

    /// The characters indexed under `word` (upper-case), sorted; `None` for an unknown word.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::from_chars("$ A a ₠ €".chars());
    /// assert_eq!(index.postings("EURO"), Some(&['₠', '€'][..]));
    /// assert_eq!(index.postings("euro"), None);
    /// ```
    pub fn postings(&self, word: &str) -> Option<&[char]> {
        self.postings.get(word).map(Vec::as_slice)
    }

    /// Every word with the number of characters indexed under it, most frequent first,
    /// then alphabetically.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::from_chars("$€".chars());
    /// assert_eq!(index.word_counts(), [("SIGN", 2), ("DOLLAR", 1), ("EURO", 1)]);
    /// ```
    pub fn word_counts(&self) -> Vec<(&str, usize)> {
        let mut counts: Vec<(&str, usize)> = self
            .postings
            .iter()
            .map(|(word, list)| (&**word, list.len()))
            .collect();
        counts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
    }

    /// The number of characters indexed (those with a name).
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// assert_eq!(UnicodeNameIndex::from_chars("aa\0".chars()).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.char_count
    }

    /// Whether no character was indexed.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// assert!(UnicodeNameIndex::from_chars("\0\u{E000}".chars()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.char_count == 0
    }

    /// The number of distinct words.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// assert_eq!(UnicodeNameIndex::from_chars("Aa".chars()).word_count(), 5);
    /// ```
    pub fn word_count(&self) -> usize {
        self.postings.len()
    }

    /// An estimate of the heap memory the index holds, in bytes: the postings lists'
    /// capacity, the words, the hash table's buckets (key, value and one control byte
    /// each, as `hashbrown` lays them out), and the description lines.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// assert!(index.heap_bytes() < 24 * 1024 * 1024);
    /// ```
    pub fn heap_bytes(&self) -> usize {
        let bucket = std::mem::size_of::<(Box<str>, Vec<char>)>() + 1;
        let table = self.postings.capacity() * bucket;
        let entries: usize = self
            .postings
            .iter()
            .map(|(word, list)| word.len() + list.capacity() * std::mem::size_of::<char>())
            .sum();
        table + entries + self.lines.heap_bytes()
    }
}

impl Default for UnicodeNameIndex {
    /// The full index, as [`UnicodeNameIndex::new`].
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// The full index, built once for all tests (a debug build takes a while).
    fn full() -> &'static UnicodeNameIndex {
        static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
        INDEX.get_or_init(UnicodeNameIndex::new)
    }

    /// The book's sample.
    fn sample() -> UnicodeNameIndex {
        UnicodeNameIndex::from_chars("$Aa₠€".chars())
    }

    #[test]
    fn sample_word_counts_match_the_names() {
        let expected = [
            ("SIGN", 3),
            ("A", 2),
            ("EURO", 2),
            ("LATIN", 2),
            ("LETTER", 2),
            ("CAPITAL", 1),
            ("CURRENCY", 1),
            ("DOLLAR", 1),
            ("SMALL", 1),
        ];
        assert_eq!(sample().word_counts(), expected);
        assert_eq!(sample().len(), 5);
        assert_eq!(sample().word_count(), 9);
    }

    #[test]
    fn sample_sign_dollar_finds_exactly_the_dollar() {
        assert_eq!(sample().find("sign dollar"), ['$']);
        assert_eq!(sample().find("SIGN"), ['$', '₠', '€']);
    }

    #[test]
    fn registered_finds_only_the_registered_sign() {
        assert_eq!(full().find("registered"), ['\u{AE}']);
    }

    #[test]
    fn query_without_words_finds_nothing() {
        assert!(full().find("!!!").is_empty());
        assert!(full().find("").is_empty());
        assert!(full().find("   ").is_empty());
    }

    #[test]
    fn unknown_word_empties_the_whole_query() {
        assert!(full().find("jabberwocky").is_empty());
        assert!(full().find("chess jabberwocky").is_empty());
    }

    #[test]
    fn chess_black_results_hold_both_words_in_order() {
        let found = full().find("chess black");
        assert!(found.len() >= 6, "{found:?}");
        for c in &found {
            let words: Vec<String> =
                crate::tokenize(&unicode_names2::name(*c).unwrap().to_string());
            assert!(words.iter().any(|w| w == "CHESS"), "{c}");
            assert!(words.iter().any(|w| w == "BLACK"), "{c}");
        }
        assert!(found.windows(2).all(|pair| pair[0] < pair[1]));
        for king in ['♚', '♛', '♜', '♝', '♞', '♟'] {
            assert!(found.contains(&king), "{king}");
        }
        assert_eq!(full().find("BLACK   chess"), found);
    }

    #[test]
    fn repeated_word_in_a_name_is_posted_once() {
        let index = UnicodeNameIndex::from_chars(['\u{FDFA}']);
        // ARABIC LIGATURE SALLALLAHOU ALAYHE WASALLAM
        assert_eq!(index.postings("ARABIC"), Some(&['\u{FDFA}'][..]));
        for (_, count) in full().word_counts() {
            assert!(count > 0);
        }
        let with = full().postings("WITH").unwrap();
        assert!(with.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn code_point_query_finds_that_named_char() {
        assert_eq!(full().find("u+00e9"), ['é']);
        assert_eq!(full().find("  U+1F525 "), ['🔥']);
        assert!(full().find("U+0378").is_empty()); // unassigned
        assert!(full().find("U+110000").is_empty()); // past the last code point
        assert!(full().find("U+D800").is_empty()); // a surrogate, not a char
        assert!(full().find("U+0000").is_empty()); // a control: no name
    }

    #[test]
    fn describing_chars_gives_one_line_each_in_code_point_order() {
        assert_eq!(
            full().describe("é€"),
            [
                "U+00E9 \té\tLATIN SMALL LETTER E WITH ACUTE",
                "U+20AC \t€\tEURO SIGN"
            ]
        );
        assert_eq!(full().find("€é€é"), ['é', '€']);
        // Unnamed characters are left out: U+0378 is unassigned.
        assert_eq!(full().find("\u{378}€"), ['€']);
    }

    #[test]
    fn cjk_ideographs_are_indexed_by_prefix_words_only() {
        assert_eq!(
            unicode_names2::name('\u{4E00}').unwrap().to_string(),
            "CJK UNIFIED IDEOGRAPH-4E00"
        );
        let unified = full().find("cjk unified ideograph");
        assert!(unified.len() > 90_000, "{}", unified.len());
        assert!(unified.contains(&'\u{4E00}'));
        // No hex word for the ideograph itself. The one hit is U+1F229 SQUARED CJK UNIFIED
        // IDEOGRAPH-4E00: its name only contains the prefix, so it keeps all its words.
        assert_eq!(full().find("4E00"), ['\u{1F229}']);
        assert!(!full().find("4E00").contains(&'\u{4E00}'));
        let compatibility = full().find("cjk compatibility ideograph");
        assert!(compatibility.contains(&'\u{F900}'));
        assert!(full().find("F900").is_empty());
        assert_eq!(
            full().describe("U+4E00"),
            ["U+4E00 \t\u{4E00}\tCJK UNIFIED IDEOGRAPH-4E00"]
        );
    }

    #[test]
    fn description_lines_have_the_reference_format() {
        assert_eq!(
            full().describe("U+0041"),
            ["U+0041 \tA\tLATIN CAPITAL LETTER A"]
        );
        assert_eq!(full().describe("🔥"), ["U+1F525\t🔥\tFIRE"]);
    }

    #[test]
    fn status_counts_and_quotes_the_query() {
        assert_eq!(
            UnicodeNameIndex::status("jabberwocky", 0),
            "No match for 'jabberwocky'"
        );
        assert_eq!(
            UnicodeNameIndex::status("registered", 1),
            "1 match for 'registered'"
        );
        assert_eq!(
            UnicodeNameIndex::status("chess black", 12),
            "12 matches for 'chess black'"
        );
        assert_eq!(
            UnicodeNameIndex::status("jabberwocky's vest", 0),
            "No match for \"jabberwocky's vest\""
        );
    }

    /// The contiguous lines hold, for every indexed character, exactly the line
    /// `describe_char` formats, and copying them all gives every line in order.
    #[test]
    fn every_kept_line_is_what_describe_char_writes() {
        let index = full();
        let mut named = Vec::new();
        let mut expected = String::new();
        for c in '\u{20}'..=char::MAX {
            let line = describe_char(c);
            assert_eq!(index.lines().line(c), line.as_deref(), "{c:?}");
            if let Some(line) = line {
                named.push(c);
                expected.push_str(&line);
                expected.push_str("\r\n");
            }
        }
        assert_eq!(named.len(), index.lines().len());
        let mut out = Vec::new();
        assert_eq!(
            index.lines().copy_lines(&named, &mut out, usize::MAX),
            named.len()
        );
        assert!(out == expected.as_bytes(), "the copied lines differ");
    }

    /// Answers copied in chunks of any size are the described lines, each with CRLF.
    #[test]
    fn copied_answers_equal_the_described_lines() {
        for query in [
            "sign",
            "braille",
            "cjk compatibility",
            "é€",
            "U+1F525",
            "jabberwocky",
        ] {
            let found = full().find(query);
            let expected: String = full()
                .describe(query)
                .into_iter()
                .map(|line| line + "\r\n")
                .collect();
            for max_len in [0, 100, 4096, 65_536, usize::MAX] {
                let mut out = Vec::new();
                let mut rest = &found[..];
                while !rest.is_empty() {
                    let before = out.len();
                    let n = full().lines().copy_lines(rest, &mut out, before + max_len);
                    assert!(n > 0, "{query} {max_len}");
                    rest = &rest[n..];
                }
                assert!(out == expected.as_bytes(), "{query} {max_len}");
            }
        }
    }

    #[test]
    fn full_index_covers_the_named_range() {
        let index = full();
        let named = ('\u{20}'..=char::MAX)
            .filter(|c| unicode_names2::name(*c).is_some())
            .count();
        assert_eq!(index.len(), named);
        assert!(index.postings("LATIN").unwrap().contains(&'A'));
        assert!(index.postings("SPACE").unwrap().contains(&' '));
        // Hangul syllables have derived names too, and are searchable.
        assert!(index.find("hangul syllable ga").contains(&'\u{AC00}'));
    }
}
