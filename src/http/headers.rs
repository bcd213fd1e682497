//! Header lists: names compared without regard to case, kept in arrival order.
//!
//! A `Vec` of pairs rather than a map: messages carry a handful of headers, a linear scan
//! over them is faster than hashing, and order and repeats survive (as on the wire).

/// Headers in arrival order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Headers(pub(crate) Vec<(String, String)>);

impl Headers {
    /// Copies the headers `httparse` found; values that are not UTF-8 are kept lossily
    /// (a handler can still see that the header was there).
    pub(crate) fn from_parsed(parsed: &[httparse::Header<'_>]) -> Headers {
        Headers(
            parsed
                .iter()
                .map(|h| {
                    let value = String::from_utf8_lossy(h.value);
                    (h.name.to_string(), value.trim().to_string())
                })
                .collect(),
        )
    }

    /// The first value of `name`, compared case-insensitively.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub(crate) fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a comma-separated header such as `Connection` lists `token`.
    pub(crate) fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name)
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Whether `name` is a valid header name (an RFC 9110 token).
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `value` can be written on a header line (no CR, LF or other controls but tab).
pub(crate) fn is_valid_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case_and_see_repeats() {
        let h = Headers(vec![
            ("Connection".into(), "keep-alive, Upgrade".into()),
            ("X-A".into(), "1".into()),
            ("x-a".into(), "2".into()),
        ]);
        assert_eq!(h.get("x-A"), Some("1"));
        assert_eq!(h.get_all("X-a").collect::<Vec<_>>(), ["1", "2"]);
        assert!(h.has_token("connection", "upgrade"));
        assert!(!h.has_token("connection", "close"));
    }

    #[test]
    fn validity() {
        assert!(is_valid_name("X-Custom_1"));
        assert!(!is_valid_name("bad name"));
        assert!(!is_valid_name(""));
        assert!(is_valid_value("a\tb"));
        assert!(!is_valid_value("a\r\nInjected: 1"));
    }
}
