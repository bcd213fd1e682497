//! URLs as the client understands them: `http://host[:port]/path?query`, and the percent
//! decoding the server applies to query strings.
//!
//! Only what HTTP/1.1 over TCP needs: a scheme check, an authority (a name, IPv4 or
//! `[IPv6]`, an optional port) and the request target sent on the request line. A full
//! WHATWG parser (IDNA, user info, normalising `..`) is out of scope; what it would accept
//! and this one refuses is an [`ErrorKind::InvalidUrl`](super::ErrorKind::InvalidUrl).

use super::error::{Error, ErrorKind};

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// The host without brackets: a name, an IPv4 or an IPv6 literal. Lowercased, so the
    /// pool keys of `Example.com` and `example.com` match.
    pub(crate) host: String,
    /// The port, 80 when the URL gives none.
    pub(crate) port: u16,
    /// What goes on the request line: the path (at least `/`) and `?query`, never the
    /// fragment, with bytes not allowed there percent-encoded.
    pub(crate) target: String,
}

impl Url {
    /// Parses an absolute URL.
    pub(crate) fn parse(text: &str) -> Result<Url, Error> {
        let invalid = |why: &str| Error::new(ErrorKind::InvalidUrl, format!("invalid URL: {why}"));
        let text = text.trim();
        let Some(colon) = text.find("://") else {
            return Err(invalid("no scheme (expected http://)"));
        };
        let scheme = &text[..colon];
        if !scheme.eq_ignore_ascii_case("http") {
            if scheme.is_empty()
                || !scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
            {
                return Err(invalid("bad scheme"));
            }
            let detail = format!("{} is not supported", scheme.to_ascii_lowercase());
            return Err(Error::new(ErrorKind::UnsupportedScheme, detail));
        }
        let rest = &text[colon + 3..];
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(end);
        if authority.contains('@') {
            return Err(invalid("user info is not supported"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| invalid("bad host or port"))?;
        Ok(Url {
            host: host.to_ascii_lowercase(),
            port,
            target: encode_target(target),
        })
    }

    /// Resolves a redirect's `Location` against this URL: absolute, scheme-relative
    /// (`//host/path`), absolute-path (`/path`) or relative (`page`, `?q`).
    pub(crate) fn join(&self, location: &str) -> Result<Url, Error> {
        let location = location.trim();
        if location.contains("://") {
            return Url::parse(location);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("http://{rest}"));
        }
        let target = if location.starts_with('/') {
            location.to_string()
        } else if location.starts_with('?') {
            let path = self.target.split('?').next().unwrap_or("/");
            format!("{path}{location}")
        } else {
            let path = self.target.split('?').next().unwrap_or("/");
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{location}")
        };
        let target = target.split('#').next().unwrap_or("/");
        Ok(Url {
            host: self.host.clone(),
            port: self.port,
            target: encode_target(target),
        })
    }

    /// The `Host` header: the port only when it is not 80, brackets around IPv6.
    pub(crate) fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `host:port` as the resolver and the error messages want it.
    pub(crate) fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL written back out.
    pub(crate) fn to_text(&self) -> String {
        let host = self.host_header();
        format!("http://{host}{}", self.target)
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; `None` if malformed.
fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let close = rest.find(']')?;
        let host = &rest[..close];
        host.parse::<std::net::Ipv6Addr>().ok()?;
        let after = &rest[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return None,
        };
        (host, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let bracketed = authority.starts_with('[');
    let valid_name = bracketed
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)));
    if !valid_name {
        return None;
    }
    let port = match port {
        None => 80,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
        Some(_) => return None,
    };
    Some((host, port))
}

/// The request target: `/` when empty, the fragment dropped, and every byte that may not
/// appear on a request line (spaces, controls, non-ASCII) percent-encoded, as a browser does.
fn encode_target(target: &str) -> String {
    let target = target.split('#').next().unwrap_or("");
    let mut out = String::with_capacity(target.len() + 1);
    if !target.starts_with('/') {
        out.push('/');
    }
    for &b in target.as_bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decodes one component of a query string (`+` is a space there). `None` if an
/// escape is malformed or the result is not UTF-8.
pub(crate) fn decode_query_component(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_host_forms() {
        let u = Url::parse("http://Example.COM/a/b?x=1#frag").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("example.com", 80, "/a/b?x=1")
        );
        let u = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("127.0.0.1", 8080, "/")
        );
        let u = Url::parse("http://[::1]:9/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 9));
        assert_eq!(u.host_header(), "[::1]:9");
        assert_eq!(u.authority(), "[::1]:9");
        let u = Url::parse("http://h?q").unwrap();
        assert_eq!(u.target, "/?q");
    }

    #[test]
    fn refuses_what_it_cannot_send() {
        for bad in [
            "",
            "http://",
            "http://:80/",
            "http://h:x/",
            "http://h:99999/",
            "http://[::1/",
            "http://[zz]/",
            "http://a b/",
            "http://u@h/",
            "example.com",
            "http://h:/",
        ] {
            let err = Url::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{bad}");
        }
        assert_eq!(
            Url::parse("HTTPS://h/").unwrap_err().kind(),
            ErrorKind::UnsupportedScheme
        );
        assert_eq!(
            Url::parse("https://h/").unwrap_err().to_string(),
            "https is not supported"
        );
    }

    #[test]
    fn encodes_what_a_request_line_cannot_carry() {
        assert_eq!(
            Url::parse("http://h/a b/é").unwrap().target,
            "/a%20b/%C3%A9"
        );
    }

    #[test]
    fn joins_redirect_locations() {
        let base = Url::parse("http://h:81/dir/page?x").unwrap();
        assert_eq!(base.join("/top").unwrap().to_text(), "http://h:81/top");
        assert_eq!(
            base.join("other").unwrap().to_text(),
            "http://h:81/dir/other"
        );
        assert_eq!(base.join("?y").unwrap().to_text(), "http://h:81/dir/page?y");
        assert_eq!(base.join("//g/p").unwrap().to_text(), "http://g/p");
        assert_eq!(base.join("http://k:82/").unwrap().to_text(), "http://k:82/");
        assert!(base.join("https://k/").is_err());
    }

    #[test]
    fn decodes_query_components() {
        assert_eq!(
            decode_query_component("a+b%20c%C3%A9").as_deref(),
            Some("a b cé")
        );
        assert_eq!(decode_query_component("%"), None);
        assert_eq!(decode_query_component("%4"), None);
        assert_eq!(decode_query_component("%zz"), None);
        assert_eq!(decode_query_component("%FF"), None);
        assert_eq!(decode_query_component("%+1"), None);
        assert_eq!(decode_query_component("é%").as_deref(), None);
    }
}
