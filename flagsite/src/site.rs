//! The site's content: every file it serves, built once, looked up by path, and written
//! to a folder so that real web servers (nginx, `python3 -m http.server`) can serve the
//! very same bytes.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;

use crate::countries::COUNTRIES;
use crate::draw::flag_gif;

/// The content type of the flags.
///
/// ```
/// let site = flagsite::Site::new();
/// assert_eq!(site.get("/flags/br/br.gif").unwrap().content_type, flagsite::site::GIF);
/// ```
pub const GIF: &str = "image/gif";
/// The content type of the metadata files.
///
/// ```
/// let site = flagsite::Site::new();
/// let file = site.get("/flags/br/metadata.json").unwrap();
/// assert_eq!(file.content_type, flagsite::site::JSON);
/// ```
pub const JSON: &str = "application/json";

/// One file of the site.
///
/// ```
/// let site = flagsite::Site::new();
/// let file = site.get("/flags/fr/fr.gif").unwrap();
/// assert_eq!(file.content_type, "image/gif");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// What to send in the `Content-Type` header.
    pub content_type: &'static str,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Every file of the flag site, by path: `/flags/{cc}/{cc}.gif` and
/// `/flags/{cc}/metadata.json` for each of the 194 codes, `cc` in lower case.
///
/// ```
/// let site = flagsite::Site::new();
/// assert_eq!(site.len(), 2 * 194);
/// assert!(site.get("/flags/zz/zz.gif").is_none());
/// let metadata = site.get("/flags/ad/metadata.json").unwrap();
/// assert_eq!(
///     metadata.bytes,
///     br#"{"tld_cc": ".ad", "iso_cc": "AD", "country": "Andorra"}"#
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Site {
    /// Path (as requested, with its leading `/`) to file. Built once: about a megabyte in
    /// all, and a few tens of milliseconds of drawing and compressing in release mode.
    files: HashMap<String, File>,
}

impl Default for Site {
    fn default() -> Self {
        Site::new()
    }
}

impl Site {
    /// Draws every flag and writes every metadata file, in memory.
    ///
    /// ```
    /// let site = flagsite::Site::new();
    /// assert!(!site.is_empty());
    /// ```
    pub fn new() -> Site {
        let mut files = HashMap::with_capacity(2 * COUNTRIES.len());
        for (code, name) in COUNTRIES {
            let cc = code.to_ascii_lowercase();
            files.insert(
                format!("/flags/{cc}/{cc}.gif"),
                File {
                    content_type: GIF,
                    bytes: flag_gif(code),
                },
            );
            files.insert(
                format!("/flags/{cc}/metadata.json"),
                File {
                    content_type: JSON,
                    bytes: metadata_json(code, name).into_bytes(),
                },
            );
        }
        Site { files }
    }

    /// The file at `path` (the request path, query string removed), or `None` for a 404.
    ///
    /// ```
    /// let site = flagsite::Site::new();
    /// assert!(site.get("/flags/br/br.gif").is_some());
    /// assert!(site.get("/flags/BR/BR.gif").is_none()); // paths are lower case
    /// ```
    pub fn get(&self, path: &str) -> Option<&File> {
        self.files.get(path)
    }

    /// How many files the site has.
    ///
    /// ```
    /// assert_eq!(flagsite::Site::new().len(), 388);
    /// ```
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the site has no files (never, but clippy likes the pair).
    ///
    /// ```
    /// assert!(!flagsite::Site::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every path and file, in path order.
    ///
    /// ```
    /// let site = flagsite::Site::new();
    /// let (first, _) = site.files().next().unwrap();
    /// assert_eq!(first, "/flags/ad/ad.gif");
    /// ```
    pub fn files(&self) -> impl Iterator<Item = (&str, &File)> {
        let mut all: Vec<_> = self.files.iter().map(|(p, f)| (p.as_str(), f)).collect();
        all.sort_unstable_by_key(|(p, _)| *p);
        all.into_iter()
    }

    /// Writes the site under `dir`: `dir/flags/ad/ad.gif`, `dir/flags/ad/metadata.json`...
    /// so that a web server whose document root is `dir` serves what this site serves.
    /// Folders are created as needed; existing files are replaced.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("flagsite-doc-{}", std::process::id()));
    /// flagsite::Site::new().write_to(&dir)?;
    /// assert!(dir.join("flags/ad/ad.gif").is_file());
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write_to(&self, dir: &Path) -> io::Result<()> {
        for (path, file) in self.files() {
            let target = dir.join(path.trim_start_matches('/'));
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&target, &file.bytes)?;
        }
        Ok(())
    }
}

/// The metadata of a country, in the book site's format (Python's `json.dumps` spacing):
/// `{"tld_cc": ".ad", "iso_cc": "AD", "country": "Andorra"}`.
///
/// ```
/// assert_eq!(
///     flagsite::site::metadata_json("CI", "Cote d'Ivoire"),
///     r#"{"tld_cc": ".ci", "iso_cc": "CI", "country": "Cote d'Ivoire"}"#
/// );
/// ```
pub fn metadata_json(code: &str, name: &str) -> String {
    format!(
        r#"{{"tld_cc": ".{}", "iso_cc": "{}", "country": "{}"}}"#,
        json_escape(&code.to_ascii_lowercase()),
        json_escape(code),
        json_escape(name)
    )
}

/// Escapes `text` for use inside a JSON string.
fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Reads the `"country"` field of a metadata file written by [`metadata_json`] (or by any
/// JSON writer, as long as the value is a plain string): what `flags3` needs, without a
/// JSON library. `None` if the field is missing or not a string.
///
/// ```
/// let json = br#"{"tld_cc": ".br", "iso_cc": "BR", "country": "Brazil"}"#;
/// assert_eq!(flagsite::site::country_from_metadata(json).as_deref(), Some("Brazil"));
/// assert_eq!(flagsite::site::country_from_metadata(b"{}"), None);
/// ```
pub fn country_from_metadata(json: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(json).ok()?;
    let after_key = &text[text.find("\"country\"")? + "\"country\"".len()..];
    let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start();
    let mut chars = after_colon.strip_prefix('"')?.chars();
    let mut value = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                'b' => value.push('\u{8}'),
                'f' => value.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_every_name() {
        for (code, name) in COUNTRIES {
            let json = metadata_json(code, name);
            assert_eq!(
                country_from_metadata(json.as_bytes()).as_deref(),
                Some(name)
            );
        }
        let odd = metadata_json("XX", "A \"quoted\" \\ name");
        assert_eq!(
            country_from_metadata(odd.as_bytes()).as_deref(),
            Some("A \"quoted\" \\ name")
        );
    }

    #[test]
    fn only_the_two_files_of_each_code_exist() {
        let site = Site::new();
        assert_eq!(site.len(), 388);
        for path in [
            "/",
            "/flags",
            "/flags/",
            "/flags/ad",
            "/flags/ad/",
            "/flags/ad/ad.GIF",
            "/flags/do/do.gif",
            "/flags/ad/../ad/ad.gif",
        ] {
            assert!(site.get(path).is_none(), "{path}");
        }
    }
}
