//! Escaping for the two places user text lands in a page: HTML text and attribute values
//! ([`escape_html`]), and the query string of a link ([`percent_encode`]).
//!
//! The book's `http_charfinder.py` put the query into the page with `str.format` and no
//! escaping, so `/?query="><script>...` ran script in the visitor's browser. Here every
//! piece of text goes through one of these two functions on its way into the page.

use std::fmt::Write;

/// Appends `text` to `out` with the five characters that can end a text node or a quoted
/// attribute value replaced by character references: `&` `<` `>` `"` `'`.
///
/// The result is safe as element content and inside a `"` or `'` quoted attribute value
/// (not as an unquoted attribute, a URL, or inside `<script>`/`<style>`, where no text of a
/// user is ever placed here).
///
/// # Example
///
/// ```
/// use charindex::web::push_html;
///
/// let mut out = String::from("<p>");
/// push_html(&mut out, r#"<b> & "it's""#);
/// assert_eq!(out, "<p>&lt;b&gt; &amp; &quot;it&#39;s&quot;");
/// ```
pub fn push_html(out: &mut String, text: &str) {
    // Copy runs of safe text in one go; most text has nothing to escape.
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// `text` HTML-escaped, as [`push_html`] does it.
///
/// # Example
///
/// ```
/// use charindex::web::escape_html;
///
/// assert_eq!(escape_html("<script>"), "&lt;script&gt;");
/// assert_eq!(escape_html("cat face"), "cat face");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_html(&mut out, text);
    out
}

/// `text` encoded for a URL query value: its UTF-8 bytes, each written `%XX` (upper-case
/// hex) unless it is an RFC 3986 unreserved character (`A-Z a-z 0-9 - . _ ~`). A space
/// becomes `%20`, which every decoder reads as a space (`+` only means a space in form
/// encoding). The output is plain ASCII with no `&`, `"`, `'`, `<` or `>`, so it is also
/// safe inside an HTML attribute.
///
/// # Example
///
/// ```
/// use charindex::web::percent_encode;
///
/// assert_eq!(percent_encode("cat face"), "cat%20face");
/// assert_eq!(percent_encode("a&b=c+d"), "a%26b%3Dc%2Bd");
/// assert_eq!(percent_encode("é"), "%C3%A9");
/// ```
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_is_replaced() {
        assert_eq!(escape_html(r#"&<>"'"#), "&amp;&lt;&gt;&quot;&#39;");
        assert_eq!(escape_html("&amp;"), "&amp;amp;");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn injection_attempts_keep_no_markup() {
        for attack in [
            "<script>alert(1)</script>",
            r#""><img src=x onerror=alert(1)>"#,
            "'><svg onload=alert(1)>",
            "</textarea></title><!--",
        ] {
            let escaped = escape_html(attack);
            assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped}");
        }
    }

    #[test]
    fn non_ascii_text_is_kept_as_is() {
        assert_eq!(escape_html("é 🔥 <"), "é 🔥 &lt;");
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_bytes() {
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(
            percent_encode(" !\"#%&'+/<=>?"),
            "%20%21%22%23%25%26%27%2B%2F%3C%3D%3E%3F"
        );
        assert_eq!(percent_encode("🔥"), "%F0%9F%94%A5");
        let all: String = (0u8..128).map(char::from).collect();
        let encoded = percent_encode(&all);
        assert!(encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    }
}
