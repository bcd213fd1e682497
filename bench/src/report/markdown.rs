//! `--markdown-into FILE#NAME`: writes the table into a markdown file between the lines
//! `<!-- oneloop-bench NAME: begin -->` and `<!-- oneloop-bench NAME: end -->`, with the
//! command that made it: how README.md's tables are regenerated, never edited by hand.

/// `text` with what lies between the `NAME` markers replaced by the command and the table,
/// fenced; an error names the marker that is missing.
pub fn replace_block(text: &str, name: &str, command: &str, table: &str) -> Result<String, String> {
    let begin = format!("<!-- oneloop-bench {name}: begin -->\n");
    let end = format!("<!-- oneloop-bench {name}: end -->");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("no line {:?}", begin.trim()))?
        + begin.len();
    let stop = start
        + text[start..]
            .find(&end)
            .ok_or_else(|| format!("no line {end:?} after the begin line"))?;
    let block = format!("`{command}`:\n\n```text\n{}\n```\n", table.trim_end());
    Ok(format!("{}{block}{}", &text[..start], &text[stop..]))
}

/// Rewrites `target` (`FILE#NAME`) in place.
pub fn markdown_into(target: &str, command: &str, table: &str) -> Result<(), String> {
    let (path, name) = target
        .split_once('#')
        .ok_or("expected FILE#NAME, e.g. README.md#latest")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let updated = replace_block(&text, name, command, table).map_err(|e| format!("{path}: {e}"))?;
    std::fs::write(path, updated).map_err(|e| format!("{path}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Title\n\n<!-- oneloop-bench latest: begin -->\nold table\n\
                        <!-- oneloop-bench latest: end -->\n\nafter\n";

    #[test]
    fn the_block_between_the_markers_is_replaced_and_the_rest_kept() {
        let out = replace_block(FILE, "latest", "oneloop-bench --quick", "a table\n\n")
            .expect("markers present");
        assert_eq!(
            out,
            "# Title\n\n<!-- oneloop-bench latest: begin -->\n`oneloop-bench --quick`:\n\n\
             ```text\na table\n```\n<!-- oneloop-bench latest: end -->\n\nafter\n"
        );
        // Idempotent: running it again replaces its own output.
        let again = replace_block(&out, "latest", "oneloop-bench --quick", "a table")
            .expect("markers present");
        assert_eq!(again, out);
    }

    #[test]
    fn missing_markers_are_errors() {
        assert!(replace_block(FILE, "perf", "c", "t").is_err());
        let no_end = "<!-- oneloop-bench latest: begin -->\nx\n";
        assert!(replace_block(no_end, "latest", "c", "t").is_err());
        assert!(markdown_into("README.md", "c", "t").is_err());
    }

    #[test]
    fn a_file_on_disk_is_rewritten() {
        let path = std::env::temp_dir().join(format!("oneloop-bench-md-{}.md", std::process::id()));
        std::fs::write(&path, FILE).expect("write the temp file");
        let target = format!("{}#latest", path.display());
        markdown_into(&target, "cmd", "table").expect("rewritten");
        let text = std::fs::read_to_string(&path).expect("read back");
        let _ = std::fs::remove_file(&path);
        assert!(text.contains("`cmd`:\n\n```text\ntable\n```\n<!-- oneloop-bench latest: end -->"));
    }
}
