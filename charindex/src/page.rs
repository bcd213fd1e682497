//! [`Page`]: one window `start..stop` of a query's results, and the total, without
//! materialising every result.
//!
//! `http_charfinder` shows at most 200 rows at a time, and `cjk` finds about 94,000
//! characters, so a request for rows 90,000..90,200 must not build a 94,000-entry vector
//! and throw most of it away. How each kind of query avoids that:
//!
//! - **one word** (`cjk`, `cat`): the answer *is* that word's postings list, already sorted.
//!   The total is its length and the page is a sub-slice copied out: O(page) whatever
//!   `start` is. This is the case of every large result.
//! - **several words** (`cat face`): the total is only known by walking the shortest list
//!   and probing the others, so every request walks it once, counting matches and keeping
//!   only those whose rank falls in the window. The walk costs the same for `start = 0` and
//!   for `start = 90000` (the walk is there for the total either way), and memory is
//!   O(page). A production server would cache the totals of popular queries; this one does
//!   not, as the shortest list of a multi-word query is small in practice (`cjk
//!   compatibility` walks 1,000-odd entries).
//! - **`U+XXXX` and characters to describe**: at most as many results as the query has
//!   characters, which the request already holds.

use std::ops::Range;

use crate::index::UnicodeNameIndex;
use crate::query::Query;

/// The results of a query from rank `start` on, at most as many as asked for, and how many
/// results the query has in all.
///
/// # Example
///
/// ```
/// use charindex::UnicodeNameIndex;
///
/// let index = UnicodeNameIndex::new();
/// let page = index.find_page("chess black", 2..4);
/// assert_eq!(page.total, 35);
/// assert_eq!(page.chars, ['♜', '♝']);
/// assert_eq!((page.start, page.stop()), (2, 4));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// How many characters the query finds in all.
    pub total: usize,
    /// The rank of `chars[0]` among all the results (the `start` that was asked for).
    pub start: usize,
    /// The results of rank `start..stop()`, in code point order.
    pub chars: Vec<char>,
}

impl Page {
    /// One past the rank of the last character of this page: `start + chars.len()`. When
    /// `start` is at or past the total, the page is empty and `stop() == start`.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// let page = index.find_page("registered", 0..200);
    /// assert_eq!((page.total, page.stop()), (1, 1));
    /// assert_eq!(index.find_page("registered", 5..9).stop(), 5);
    /// ```
    pub fn stop(&self) -> usize {
        self.start + self.chars.len()
    }

    /// The page `range` of an already sorted list of results.
    fn of_sorted(list: &[char], range: Range<usize>) -> Page {
        let start = range.start.min(list.len());
        let stop = range.end.clamp(start, list.len());
        Page {
            total: list.len(),
            start: range.start,
            chars: list[start..stop].to_vec(),
        }
    }
}

impl UnicodeNameIndex {
    /// The results of `query` of rank `range` (as [`find`](Self::find) would order them)
    /// and their total, at a cost that does not grow with `range.start` (see the
    /// [module docs](crate::page)). An empty or backwards range gives an empty page that
    /// still carries the total.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// let all = index.find("cjk");
    /// let page = index.find_page("cjk", 90_000..90_200);
    /// assert_eq!(page.total, all.len());
    /// assert_eq!(page.chars, all[90_000..90_200]);
    /// ```
    pub fn find_page(&self, query: &str, range: Range<usize>) -> Page {
        let named = |c: &char| unicode_names2::name(*c).is_some();
        let words = match Query::parse(query) {
            Query::CodePoint(cp) => {
                let found: Vec<char> = char::from_u32(cp).filter(named).into_iter().collect();
                return Page::of_sorted(&found, range);
            }
            Query::Chars(chars) => {
                let found: Vec<char> = chars.into_iter().filter(named).collect();
                return Page::of_sorted(&found, range);
            }
            Query::Words(words) => words,
        };
        // Every word's postings; one unknown word (or none at all) means no match.
        let lists: Option<Vec<&[char]>> = words.iter().map(|word| self.postings(word)).collect();
        let mut lists = match lists {
            Some(lists) if !lists.is_empty() => lists,
            _ => return Page::of_sorted(&[], range),
        };
        if let [list] = lists[..] {
            return Page::of_sorted(list, range);
        }
        // The shortest list bounds the answer: walk it, look each character up in the
        // others, count every match and keep those whose rank is in the window. The walk
        // goes up, so each lookup can start where the previous one in that list ended
        // (`gallop`): `cjk unified ideograph`, three lists of ~94,000, costs one linear
        // pass instead of 2 x 94,000 binary searches from scratch.
        lists.sort_unstable_by_key(|list| list.len());
        let (shortest, others) = lists.split_first().expect("checked non-empty above");
        let mut cursors = vec![0; others.len()];
        let mut total = 0;
        let mut chars = Vec::new();
        for &c in shortest.iter() {
            let in_all = others
                .iter()
                .zip(&mut cursors)
                .all(|(list, cursor)| gallop(list, cursor, c));
            if in_all {
                if range.contains(&total) {
                    chars.push(c);
                }
                total += 1;
            }
        }
        Page {
            total,
            start: range.start,
            chars,
        }
    }
}

/// Moves `cursor` to the first entry of the sorted `list` at or after it that is not less
/// than `c`, and says whether that entry is `c`. Steps of 1, 2, 4, ... find a bound, then a
/// binary search inside the last step: O(log d) for a move of d entries, so a walk over
/// `n` increasing characters costs O(n log(m / n)) in a list of `m`, never more than
/// binary-searching each one.
fn gallop(list: &[char], cursor: &mut usize, c: char) -> bool {
    let rest = &list[(*cursor).min(list.len())..];
    let mut bound = 1;
    while bound < rest.len() && rest[bound] < c {
        bound *= 2;
    }
    // Now rest[bound / 2] < c (when bound > 1), and rest[bound] >= c or bound is past the end.
    let low = bound / 2;
    let high = (bound + 1).min(rest.len());
    *cursor += low + rest[low.min(high)..high].partition_point(|&x| x < c);
    list.get(*cursor) == Some(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn full() -> &'static UnicodeNameIndex {
        static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
        INDEX.get_or_init(UnicodeNameIndex::new)
    }

    /// `find_page` must agree with slicing `find`'s answer, for every kind of query and
    /// for windows before, across and past the end.
    #[test]
    fn pages_are_slices_of_the_full_answer() {
        let queries = [
            "cjk",
            "cat face",
            "chess black",
            "cjk compatibility",
            "U+1F525",
            "é€é",
            "jabberwocky",
            "",
            "!!!",
        ];
        for query in queries {
            let all = full().find(query);
            let n = all.len();
            for (start, stop) in [
                (0, 200),
                (0, 0),
                (1, 3),
                (n.saturating_sub(1), n + 5),
                (n, n + 200),
                (n + 7, n + 9),
                (5, 2),
            ] {
                let page = full().find_page(query, start..stop);
                let lo = start.min(n);
                let hi = stop.clamp(lo, n);
                assert_eq!(page.total, n, "{query:?} {start}..{stop}");
                assert_eq!(page.start, start);
                assert_eq!(page.chars, all[lo..hi], "{query:?} {start}..{stop}");
            }
        }
    }

    /// Galloping finds exactly what a binary search finds, for every walk over a list.
    #[test]
    fn gallop_agrees_with_binary_search() {
        let list: Vec<char> = "bdfhjlnprtvxz".chars().collect();
        for step in 1..4 {
            let probes: Vec<char> = ('a'..='~').step_by(step).collect();
            let mut cursor = 0;
            for &c in &probes {
                assert_eq!(
                    gallop(&list, &mut cursor, c),
                    list.binary_search(&c).is_ok(),
                    "{c}"
                );
                assert_eq!(cursor, list.partition_point(|&x| x < c), "{c}");
            }
        }
        assert!(!gallop(&[], &mut 0, 'a'));
    }

    /// Multi-word answers are exactly the characters whose names hold every word.
    #[test]
    fn intersections_match_the_names() {
        for query in [
            "cat face",
            "cjk unified ideograph",
            "black chess",
            "latin small letter a",
        ] {
            let words = crate::tokenize(query);
            let expected: Vec<char> = full()
                .postings(&words[0])
                .unwrap()
                .iter()
                .copied()
                .filter(|c| {
                    words
                        .iter()
                        .all(|w| full().postings(w).unwrap().binary_search(c).is_ok())
                })
                .collect();
            assert_eq!(full().find(query), expected, "{query}");
        }
    }

    #[test]
    fn cjk_late_page_is_a_window_of_the_postings() {
        let page = full().find_page("cjk", 90_000..90_200);
        assert!(page.total > 90_200, "{}", page.total);
        assert_eq!(page.chars.len(), 200);
        assert_eq!(
            page.chars[..],
            full().postings("CJK").unwrap()[90_000..90_200]
        );
    }

    #[test]
    fn empty_window_still_counts_the_total() {
        let page = full().find_page("chess black", 0..0);
        assert_eq!(page.total, full().find("chess black").len());
        assert!(page.chars.is_empty());
        assert_eq!(page.stop(), 0);
    }
}
