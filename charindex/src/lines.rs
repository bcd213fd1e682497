//! [`DescriptionLines`]: every indexed character's description line, made once at build
//! time and kept in one contiguous buffer, so an answer is copied, not formatted.
//!
//! A server answering `sign` sends 3,483 lines. Formatting each with [`describe_char`]
//! costs a name lookup in [`unicode_names2`]'s compressed tables, a `format!` and a fresh
//! `String`: most of the CPU a heavy query costs. Here every line, CRLF included, is
//! written once into one `String`, in code point order, with the offset where each
//! starts. Characters that are neighbours in code point order are neighbours in the
//! buffer, so the answer to `braille` (256 consecutive characters) is one copy of 11 KB,
//! and `sign` is a few hundred copies of runs instead of 3,483 formatted lines.
//!
//! The cost: the text of every line, about 6 MB for the full index, and two tables of
//! 4 bytes per character. The build writes the lines by hand (no `format!`), in the same
//! pass that reads the names for the postings.

use crate::describe::describe_char;

/// The description lines (`U+0041 \tA\tLATIN CAPITAL LETTER A\r\n`) of a set of characters,
/// each ending with CRLF, concatenated in code point order.
///
/// Built by [`UnicodeNameIndex`](crate::UnicodeNameIndex) for the characters it indexes;
/// reach it with [`UnicodeNameIndex::lines`](crate::UnicodeNameIndex::lines).
///
/// # Example
///
/// ```
/// use charindex::UnicodeNameIndex;
///
/// let index = UnicodeNameIndex::from_chars("$€".chars());
/// let lines = index.lines();
/// assert_eq!(lines.line('€'), Some("U+20AC \t€\tEURO SIGN"));
/// let mut out = Vec::new();
/// assert_eq!(lines.copy_lines(&['$', '€'], &mut out, usize::MAX), 2);
/// assert_eq!(out, "U+0024 \t$\tDOLLAR SIGN\r\nU+20AC \t€\tEURO SIGN\r\n".as_bytes());
/// ```
#[derive(Debug, Clone, Default)]
pub struct DescriptionLines {
    /// Every line with its CRLF, in code point order. A `String` so that one line can be
    /// lent as `&str`.
    text: String,
    /// Where line `i` starts in `text`, plus one final entry: `text.len()`. Line `i` is
    /// `text[starts[i]..starts[i + 1]]`. `u32`, as the text stays far below 4 GiB.
    starts: Vec<u32>,
    /// The character of line `i`, increasing: how a character finds its line (a search
    /// that resumes where the last one ended, as answers are in code point order).
    chars: Vec<char>,
}

impl DescriptionLines {
    /// An empty set of lines, to [`push`](Self::push) to.
    pub(crate) fn new() -> Self {
        DescriptionLines {
            text: String::new(),
            starts: vec![0],
            chars: Vec::new(),
        }
    }

    /// Appends the line of `c`, whose Unicode name is `name`. `c` must be greater than every
    /// character pushed before. Written by hand rather than with `format!`: this runs once
    /// per named character, 150,000 times per build.
    pub(crate) fn push(&mut self, c: char, name: &str) {
        debug_assert!(self.chars.last() < Some(&c), "pushed out of order");
        let code = u32::from(c);
        self.text.push_str("U+");
        let digits = match code {
            0..=0xFFFF => 4,
            0x10000..=0xFFFFF => 5,
            _ => 6,
        };
        for shift in (0..digits).rev() {
            let digit = (code >> (4 * shift)) & 0xF;
            self.text
                .push(char::from_digit(digit, 16).map_or('0', |d| d.to_ascii_uppercase()));
        }
        // `{:7}` pads `U+XXXX` (6 columns) with one space.
        if digits == 4 {
            self.text.push(' ');
        }
        self.text.push('\t');
        self.text.push(c);
        self.text.push('\t');
        self.text.push_str(name);
        self.text.push_str("\r\n");
        self.starts.push(self.len_u32());
        self.chars.push(c);
    }

    fn len_u32(&self) -> u32 {
        u32::try_from(self.text.len()).expect("the description lines stay below 4 GiB")
    }

    /// Gives back the unused capacity of the build (the index lives as long as the program).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.starts.shrink_to_fit();
        self.chars.shrink_to_fit();
    }

    /// The description line of `c` (without its CRLF), as [`describe_char`] writes it, or
    /// `None` if `c` is not among these lines.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::from_chars("A🔥".chars());
    /// assert_eq!(index.lines().line('🔥'), Some("U+1F525\t🔥\tFIRE"));
    /// assert_eq!(index.lines().line('B'), None);
    /// ```
    pub fn line(&self, c: char) -> Option<&str> {
        let i = self.chars.binary_search(&c).ok()?;
        let line = &self.text[self.starts[i] as usize..self.starts[i + 1] as usize];
        line.strip_suffix("\r\n")
    }

    /// Appends to `out` the line of each character of `chars` (which must be in increasing
    /// order, as every answer is), each followed by CRLF, and returns how many characters it
    /// wrote. It stops early, after the line that makes `out` reach `max_len` bytes (one line
    /// at least is always written), so a caller can send a huge answer in chunks of about
    /// `max_len`: call again with the characters not yet written.
    ///
    /// Runs of characters that are neighbours in these lines are copied in one piece. A
    /// character that is not among these lines (an index built from a few characters still
    /// answers `U+XXXX` for any named one) is formatted with [`describe_char`]; one without a
    /// name is skipped, and counted as written.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// let braille = index.find("braille");
    /// let mut out = Vec::new();
    /// let written = index.lines().copy_lines(&braille, &mut out, 4096);
    /// assert!(written < braille.len() && out.len() >= 4096);
    /// assert!(out.starts_with("U+2800 \t⠀\tBRAILLE PATTERN BLANK\r\n".as_bytes()));
    /// index.lines().copy_lines(&braille[written..], &mut out, usize::MAX);
    /// assert_eq!(out.split(|&b| b == b'\n').count(), braille.len() + 1);
    /// ```
    pub fn copy_lines(&self, chars: &[char], out: &mut Vec<u8>, max_len: usize) -> usize {
        let mut done = 0;
        // The line of the last character found: where the next search starts.
        let mut cursor = 0;
        while done < chars.len() && (done == 0 || out.len() < max_len) {
            let c = chars[done];
            let Some(first) = self.find_from(&mut cursor, c) else {
                if let Some(line) = describe_char(c) {
                    out.extend_from_slice(line.as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
                done += 1;
                continue;
            };
            // Extend the run while the next character is the next line, and the run still
            // fits in what is left of `max_len` (a run of 20,000 CJK ideographs must not be
            // copied whole into a 64 KiB chunk).
            let room = max_len.saturating_sub(out.len());
            let run_start = self.starts[first] as usize;
            let mut last = first;
            while done + (last - first) + 1 < chars.len()
                && self.chars.get(last + 1) == Some(&chars[done + (last - first) + 1])
                && (self.starts[last + 2] as usize - run_start) <= room
            {
                last += 1;
            }
            out.extend_from_slice(&self.text.as_bytes()[run_start..self.starts[last + 1] as usize]);
            done += last - first + 1;
            cursor = last + 1;
        }
        done
    }

    /// The line number of `c`, searching from `*cursor` on and leaving the cursor there:
    /// steps of 1, 2, 4, ... then a binary search inside the last step, so a walk over
    /// increasing characters costs little more than the walk.
    fn find_from(&self, cursor: &mut usize, c: char) -> Option<usize> {
        let rest = self.chars.get(*cursor..).unwrap_or(&[]);
        let mut bound = 1;
        while bound < rest.len() && rest[bound] < c {
            bound *= 2;
        }
        let low = bound / 2;
        let high = (bound + 1).min(rest.len());
        let at = *cursor + low.min(high) + rest[low.min(high)..high].partition_point(|&x| x < c);
        *cursor = at;
        (self.chars.get(at) == Some(&c)).then_some(at)
    }

    /// How many lines there are.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// assert_eq!(index.lines().len(), index.len());
    /// ```
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether there are no lines.
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// assert!(UnicodeNameIndex::from_chars(['\0']).lines().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The heap memory held, in bytes (capacities).
    ///
    /// # Example
    ///
    /// ```
    /// use charindex::UnicodeNameIndex;
    ///
    /// let index = UnicodeNameIndex::new();
    /// assert!(index.lines().heap_bytes() > index.lines().len() * 20);
    /// ```
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.starts.capacity() * std::mem::size_of::<u32>()
            + self.chars.capacity() * std::mem::size_of::<char>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DescriptionLines {
        let mut lines = DescriptionLines::new();
        for c in ['$', 'A', 'B', 'C', '€', '🔥'] {
            let name = unicode_names2::name(c).map(|n| n.to_string());
            lines.push(c, name.as_deref().unwrap_or(""));
        }
        lines
    }

    fn copied(lines: &DescriptionLines, chars: &[char], max_len: usize) -> (usize, String) {
        let mut out = Vec::new();
        let n = lines.copy_lines(chars, &mut out, max_len);
        (n, String::from_utf8(out).expect("lines are UTF-8"))
    }

    #[test]
    fn pushed_lines_are_what_describe_char_writes() {
        let lines = sample();
        for c in ['$', 'A', 'B', 'C', '€', '🔥'] {
            assert_eq!(lines.line(c), describe_char(c).as_deref(), "{c}");
        }
    }

    #[test]
    fn runs_and_gaps_give_every_line_in_order() {
        let lines = sample();
        let chars = ['$', 'B', 'C', '🔥'];
        let expected: String = chars
            .iter()
            .map(|&c| describe_char(c).unwrap() + "\r\n")
            .collect();
        assert_eq!(copied(&lines, &chars, usize::MAX), (4, expected));
    }

    #[test]
    fn chunks_stop_after_the_line_that_reaches_the_limit() {
        let lines = sample();
        let chars = ['A', 'B', 'C'];
        // Each of these lines is 34 bytes with its CRLF: the second one passes 40.
        let (n, text) = copied(&lines, &chars, 40);
        assert_eq!((n, text.len()), (2, 68));
        // At least one line, even with no room at all.
        assert_eq!(copied(&lines, &chars, 0).0, 1);
        assert_eq!(copied(&lines, &[], 0), (0, String::new()));
    }

    #[test]
    fn characters_not_in_the_lines_are_described_or_skipped() {
        let lines = sample();
        let (n, text) = copied(&lines, &['A', 'a', '\u{378}', '€'], usize::MAX);
        assert_eq!(n, 4);
        assert_eq!(
            text,
            "U+0041 \tA\tLATIN CAPITAL LETTER A\r\nU+0061 \ta\tLATIN SMALL LETTER A\r\n\
             U+20AC \t€\tEURO SIGN\r\n"
        );
    }
}
