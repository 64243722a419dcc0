//! The one way user text (ids, column names, labels, model names, paths) is shown: quoted and
//! escaped in messages, escaped for Markdown in report.md and `gate --markdown`. HTML escaping
//! is minijinja's auto-escape, on for every `.html` template.

/// How many names a listing in a message shows before "and N more".
pub const LISTED: usize = 20;

/// User text in a message: in double quotes, with `"`, `\`, control characters (`\r`, `\n`,
/// `\t`, …) and other unprintable characters escaped as Rust escapes them, so that trailing
/// spaces are visible and no byte of the input reaches the terminal raw.
pub fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// Names joined for a message — `negative, neutral, positive` — each shown as is when it is
/// plain (letters, digits, `_-.+@/:`) and [`quoted`] otherwise, the first [`LISTED`] then
/// how many more.
pub fn listing<S: AsRef<str>>(names: &[S]) -> String {
    let mut s = names
        .iter()
        .take(LISTED)
        .map(|n| plain_or_quoted(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED {
        s.push_str(&format!(" and {} more", names.len() - LISTED));
    }
    s
}

/// `s` itself when it is plain (non-empty; letters, digits and `_-.+@/:` only), else [`quoted`].
pub fn plain_or_quoted(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "_-.+@/:".contains(c));
    if plain {
        s.to_owned()
    } else {
        quoted(s)
    }
}

/// User text inside a Markdown table cell: no pipes, no line breaks, no HTML.
pub fn markdown_cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// User text inside an inline code span of a Markdown table cell (HTML is not interpreted
/// there): no pipes, no line breaks, no backtick that would close the span.
pub fn markdown_code(s: &str) -> String {
    s.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_messages_and_markdown() {
        assert_eq!(quoted("a \r"), "\"a \\r\"");
        assert_eq!(quoted("x "), "\"x \"");
        assert_eq!(
            listing(&["negative", "neu tral", "p\"x"]),
            "negative, \"neu tral\", \"p\\\"x\""
        );
        let many: Vec<String> = (0..25).map(|i| format!("l{i}")).collect();
        assert!(listing(&many).ends_with("l19 and 5 more"));
        assert_eq!(
            markdown_cell("<script>a|b</script>\n"),
            "&lt;script&gt;a\\|b&lt;/script&gt; "
        );
        assert_eq!(markdown_code("a`b|c"), "a'b\\|c");
    }
}
