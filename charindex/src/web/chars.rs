//! The `/chars` JSON API: reading `start` and `stop`, and writing one page of results.
//!
//! `GET /chars?query=Q&start=S&stop=E` answers
//! `{"total":N,"start":S,"stop":E,"chars":[{"code":"U+0041","char":"A","name":"..."},...]}`
//! with at most [`PAGE_SIZE`] entries. `stop` may be omitted; in the answer it is one past
//! the last entry returned, `min(E, S + 200, N)`, and never less than `start` (a `start`
//! past the total gives an empty page with `stop == start`).

use std::fmt;
use std::ops::Range;

use crate::describe::char_name;
use crate::page::Page;
use crate::web::json::push_json_string;

/// The most rows one page holds, in the HTML page and in one `/chars` answer. Large enough
/// that a screen never runs dry between fetches, small enough that `cjk` (94,000 rows)
/// never travels in one answer: 200 rows are about 15 KB of JSON.
///
/// # Example
///
/// ```
/// use charindex::web::{parse_window, PAGE_SIZE};
///
/// assert_eq!(parse_window(Some("0"), None), Ok(0..PAGE_SIZE));
/// ```
pub const PAGE_SIZE: usize = 200;

/// Why a `/chars` request was refused (answered 400 with this text).
///
/// # Example
///
/// ```
/// use charindex::web::{parse_window, BadWindow};
///
/// assert_eq!(parse_window(None, None), Err(BadWindow::MissingStart));
/// assert_eq!(BadWindow::MissingStart.to_string(), "missing start");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadWindow {
    /// No `start` parameter.
    MissingStart,
    /// `start` is not a whole number (digits only: no sign, no space, not empty).
    StartNotANumber,
    /// `stop` is given but is not a whole number.
    StopNotANumber,
    /// `start` is greater than `stop`.
    StartAfterStop,
}

impl fmt::Display for BadWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Fixed texts: the request's own values are never echoed back.
        f.write_str(match self {
            BadWindow::MissingStart => "missing start",
            BadWindow::StartNotANumber => "start must be a whole number",
            BadWindow::StopNotANumber => "stop must be a whole number",
            BadWindow::StartAfterStop => "start must not be greater than stop",
        })
    }
}

impl std::error::Error for BadWindow {}

/// The window of ranks a `/chars` request asks for, from its `start` and `stop` parameters
/// (already percent-decoded), capped at [`PAGE_SIZE`] entries.
///
/// # Example
///
/// ```
/// use charindex::web::{parse_window, BadWindow};
///
/// assert_eq!(parse_window(Some("400"), None), Ok(400..600));
/// assert_eq!(parse_window(Some("0"), Some("10")), Ok(0..10));
/// assert_eq!(parse_window(Some("0"), Some("5000")), Ok(0..200));
/// assert_eq!(parse_window(Some("-1"), None), Err(BadWindow::StartNotANumber));
/// assert_eq!(parse_window(Some("9"), Some("3")), Err(BadWindow::StartAfterStop));
/// ```
pub fn parse_window(start: Option<&str>, stop: Option<&str>) -> Result<Range<usize>, BadWindow> {
    let start = start.ok_or(BadWindow::MissingStart)?;
    let start = parse_count(start).ok_or(BadWindow::StartNotANumber)?;
    let stop = match stop {
        None => usize::MAX,
        Some(stop) => parse_count(stop).ok_or(BadWindow::StopNotANumber)?,
    };
    if start > stop {
        return Err(BadWindow::StartAfterStop);
    }
    Ok(start..stop.min(start.saturating_add(PAGE_SIZE)))
}

/// Digits only. `usize::from_str` alone would also take `+5`; a number too large for
/// `usize` is refused like any other non-number.
fn parse_count(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The JSON answer for `page`: total, start, stop and one object per character.
///
/// # Example
///
/// ```
/// use charindex::web::chars_json;
/// use charindex::UnicodeNameIndex;
///
/// let index = UnicodeNameIndex::new();
/// assert_eq!(
///     chars_json(&index.find_page("registered", 0..200)),
///     r#"{"total":1,"start":0,"stop":1,"chars":[{"code":"U+00AE","char":"®","name":"REGISTERED SIGN"}]}"#
/// );
/// ```
pub fn chars_json(page: &Page) -> String {
    // About 75 bytes per entry for the usual four-digit code point and short name.
    let mut out = String::with_capacity(64 + 80 * page.chars.len());
    out.push_str(&format!(
        "{{\"total\":{},\"start\":{},\"stop\":{},\"chars\":[",
        page.total,
        page.start,
        page.stop()
    ));
    for (i, &c) in page.chars.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("{{\"code\":\"U+{:04X}\",\"char\":", u32::from(c)));
        push_json_string(&mut out, c.encode_utf8(&mut [0; 4]));
        out.push_str(",\"name\":");
        push_json_string(&mut out, &char_name(c).unwrap_or_default());
        out.push('}');
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_may_be_omitted_and_is_capped() {
        assert_eq!(parse_window(Some("0"), None), Ok(0..200));
        assert_eq!(parse_window(Some("7"), Some("7")), Ok(7..7));
        assert_eq!(parse_window(Some("0"), Some("201")), Ok(0..200));
        let huge = usize::MAX.to_string();
        assert_eq!(parse_window(Some(&huge), None), Ok(usize::MAX..usize::MAX));
    }

    #[test]
    fn only_digits_are_numbers() {
        for bad in [
            "",
            "-1",
            "+5",
            " 5",
            "5 ",
            "1e3",
            "0x10",
            "abc",
            "99999999999999999999999",
        ] {
            assert_eq!(
                parse_window(Some(bad), None),
                Err(BadWindow::StartNotANumber),
                "{bad:?}"
            );
            assert_eq!(
                parse_window(Some("0"), Some(bad)),
                Err(BadWindow::StopNotANumber),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn missing_start_is_refused_even_with_a_stop() {
        assert_eq!(parse_window(None, Some("10")), Err(BadWindow::MissingStart));
    }

    #[test]
    fn empty_page_has_an_empty_list() {
        let page = Page {
            total: 0,
            start: 0,
            chars: vec![],
        };
        assert_eq!(
            chars_json(&page),
            r#"{"total":0,"start":0,"stop":0,"chars":[]}"#
        );
    }

    #[test]
    fn characters_that_need_json_escapes_are_escaped() {
        let page = Page {
            total: 3,
            start: 1,
            chars: vec!['"', '\\'],
        };
        assert_eq!(
            chars_json(&page),
            concat!(
                r#"{"total":3,"start":1,"stop":3,"chars":["#,
                r#"{"code":"U+0022","char":"\"","name":"QUOTATION MARK"},"#,
                r#"{"code":"U+005C","char":"\\","name":"REVERSE SOLIDUS"}]}"#
            )
        );
    }
}
