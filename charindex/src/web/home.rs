//! The HTML page of `GET /?query=Q`: the search form holding Q, a message, the sample-word
//! links, the first [`PAGE_SIZE`](super::PAGE_SIZE) rows, and the script that fetches the
//! rest.
//!
//! The layout is the book's `http_charfinder.html`. Every piece of text goes through
//! [`push_html`] and every link's query through [`percent_encode`]; the query is handed to
//! the script in an escaped `data-` attribute, never inside the script itself (text in a
//! `<script>` element is not HTML-decoded, so escaping could not protect it there).

use std::fmt::Write;

use crate::describe::char_name;
use crate::index::UnicodeNameIndex;
use crate::page::Page;
use crate::web::escape::{percent_encode, push_html};

/// The sample words linked from every page, in the book's order (sorted ignoring case).
///
/// # Example
///
/// ```
/// use charindex::web::SAMPLE_WORDS;
///
/// let mut sorted = SAMPLE_WORDS;
/// sorted.sort_by_key(|word| word.to_uppercase());
/// assert_eq!(sorted, SAMPLE_WORDS);
/// ```
pub const SAMPLE_WORDS: [&str; 16] = [
    "bismillah",
    "black",
    "Braille",
    "cat",
    "chess",
    "circled",
    "digit",
    "dot",
    "Ethiopic",
    "face",
    "hexagram",
    "Malayalam",
    "mark",
    "operator",
    "Roman",
    "symbol",
];

/// The message shown for an empty query.
///
/// # Example
///
/// ```
/// use charindex::web::{home_page, PROMPT};
/// use charindex::Page;
///
/// let empty = Page { total: 0, start: 0, chars: vec![] };
/// assert!(home_page("", &empty).contains(PROMPT));
/// ```
pub const PROMPT: &str = "Enter words describing characters.";

/// The page's script: static, with no data of the request in it.
const SCRIPT: &str = include_str!("home.js");

const HEAD: &str = r#"<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: sans-serif; margin: 1em 2em; }
form { margin: 1em 0; }
table { border-collapse: collapse; }
td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
th { font-size: 150%; font-weight: normal; }
td:first-child { font-family: monospace; }
#more { color: #555; }
</style>
"#;

/// One table row: `<tr><td>U+XXXX</td><th>c</th><td>NAME</td></tr>`, escaped.
///
/// # Example
///
/// ```
/// use charindex::web::push_row;
///
/// let mut out = String::new();
/// push_row(&mut out, '<');
/// assert_eq!(out, "<tr><td>U+003C</td><th>&lt;</th><td>LESS-THAN SIGN</td></tr>");
/// ```
pub fn push_row(out: &mut String, c: char) {
    // Writing to a String cannot fail.
    let _ = write!(out, "<tr><td>U+{:04X}</td><th>", u32::from(c));
    push_html(out, c.encode_utf8(&mut [0; 4]));
    out.push_str("</th><td>");
    push_html(out, &char_name(c).unwrap_or_default());
    out.push_str("</td></tr>");
}

/// The whole page for `query` (already stripped) and the first page of its results.
///
/// # Example
///
/// ```
/// use charindex::web::home_page;
/// use charindex::UnicodeNameIndex;
///
/// let index = UnicodeNameIndex::new();
/// let html = home_page("<b>", &index.find_page("<b>", 0..200));
/// assert!(html.starts_with("<!doctype html>"));
/// assert!(html.contains(r#"value="&lt;b&gt;""#));
/// assert!(html.contains(" matches for &#39;&lt;b&gt;&#39;</span>"));
/// assert!(!html.contains("<b>"));
/// ```
pub fn home_page(query: &str, page: &Page) -> String {
    let mut out = String::with_capacity(8 * 1024 + 120 * page.chars.len());
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<title>");
    if !query.is_empty() {
        push_html(&mut out, query);
        out.push_str(" \u{2014} ");
    }
    out.push_str("Charfinder</title>\n");
    out.push_str(HEAD);
    out.push_str("</head>\n<body>\n<p>Examples: ");
    for (i, word) in SAMPLE_WORDS.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(
            out,
            "<a href=\"/?query={}\" title=\"find &quot;",
            percent_encode(word)
        );
        push_html(&mut out, word);
        out.push_str("&quot;\">");
        push_html(&mut out, word);
        out.push_str("</a>");
    }
    out.push_str("</p>\n<form action=\"/\" method=\"get\">\n");
    out.push_str("<input type=\"search\" name=\"query\" value=\"");
    push_html(&mut out, query);
    out.push_str("\" aria-label=\"words, U+XXXX or characters\">\n");
    out.push_str("<input type=\"submit\" value=\"find\">\n<span id=\"message\">");
    if query.is_empty() {
        out.push_str(PROMPT);
    } else {
        push_html(&mut out, &UnicodeNameIndex::status(query, page.total));
    }
    out.push_str("</span>\n</form>\n<table id=\"chars\" data-query=\"");
    push_html(&mut out, query);
    let _ = write!(out, "\" data-total=\"{}\">\n<tbody>\n", page.total);
    for &c in &page.chars {
        push_row(&mut out, c);
        out.push('\n');
    }
    out.push_str("</tbody>\n</table>\n<p id=\"more\" aria-live=\"polite\"></p>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn full() -> &'static UnicodeNameIndex {
        static INDEX: OnceLock<UnicodeNameIndex> = OnceLock::new();
        INDEX.get_or_init(UnicodeNameIndex::new)
    }

    fn page_for(query: &str) -> String {
        home_page(query, &full().find_page(query, 0..crate::web::PAGE_SIZE))
    }

    /// The markup outside the user's text: what a page would be for an empty query, minus
    /// the parts that change with the query.
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .map(|t| t.split(['>', ' ']).next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn empty_query_prompts_and_has_no_rows() {
        let html = page_for("");
        assert!(html.contains(r#"<span id="message">Enter words describing characters.</span>"#));
        assert!(html.contains(r#"value="""#));
        assert!(html.contains(r#"data-total="0""#));
        assert!(!html.contains("<tr>"));
    }

    #[test]
    fn rows_have_the_reference_shape() {
        let html = page_for("U+1F525");
        assert!(html.contains("<tr><td>U+1F525</td><th>🔥</th><td>FIRE</td></tr>\n"));
        assert!(html.contains("<span id=\"message\">1 match for &#39;U+1F525&#39;</span>"));
    }

    #[test]
    fn at_most_one_page_of_rows() {
        let html = page_for("cjk");
        assert_eq!(html.matches("<tr>").count(), 200);
        let total = full().find("cjk").len();
        assert!(html.contains(&format!("{total} matches for &#39;cjk&#39;")));
        assert!(html.contains(&format!("data-total=\"{total}\"")));
    }

    #[test]
    fn sample_links_are_encoded_and_titled() {
        let html = page_for("");
        assert!(html.contains(
            r#"<a href="/?query=bismillah" title="find &quot;bismillah&quot;">bismillah</a>, <a href="/?query=black""#
        ));
        assert_eq!(html.matches("<a href=").count(), SAMPLE_WORDS.len());
    }

    /// Whatever the query, the page has exactly the tags of a page without one (plus its
    /// rows), and the query never appears raw.
    #[test]
    fn no_query_can_add_markup() {
        let plain = page_for("jabberwocky");
        let baseline = tags(&plain);
        for attack in [
            "<script>alert(1)</script>",
            r#""><img src=x onerror=alert(1)>"#,
            "'",
            "&amp;",
            "</title><script>alert(1)</script>",
            "\" autofocus onfocus=\"alert(1)",
            "</script><script>alert(1)</script>",
        ] {
            let html = page_for(attack);
            let rows = html.matches("<tr>").count();
            let mut expected = baseline.clone();
            let at = expected.iter().position(|t| *t == "/tbody").unwrap();
            for _ in 0..rows {
                expected.splice(at..at, ["tr", "td", "/td", "th", "/th", "td", "/td", "/tr"]);
            }
            assert_eq!(tags(&html), expected, "{attack}");
            let escaped = crate::web::escape_html(attack);
            assert!(html.contains(&format!("value=\"{escaped}\"")), "{attack}");
            assert!(
                html.contains(&format!("data-query=\"{escaped}\"")),
                "{attack}"
            );
            if attack.contains('<') {
                assert!(!html.contains(attack), "{attack}");
            }
        }
    }

    #[test]
    fn the_script_holds_no_data() {
        let html = page_for("zzzqqq");
        let script = &html[html.find("<script>").unwrap()..];
        assert!(!script.contains("zzzqqq"));
        for sink in [
            ".innerHTML",
            ".outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!SCRIPT.contains(sink), "{sink}");
        }
    }
}
