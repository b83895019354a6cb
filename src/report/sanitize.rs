//! Making untrusted text safe to print on a terminal and to put in XML.
//!
//! Transcripts carry whatever a target sent. Control characters could rewrite a terminal (ANSI
//! escapes, carriage returns) and most of them are not allowed in XML 1.0 even when escaped, so
//! both the console and the JUnit reports show them as visible `\u{…}` escapes instead.

use std::borrow::Cow;

/// `text` with every control character except tab and newline (and the XML non-characters
/// U+FFFE/U+FFFF) replaced by a visible escape such as `\u{1b}`; `\r` becomes `\r`.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` on one line: [`printable`], with line breaks shown as `\n` (for XML attributes and
/// single-line console output).
pub fn one_line(text: &str) -> String {
    printable(text).replace('\n', "\\n")
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || c == '\u{fffe}' || c == '\u{ffff}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(printable("a\tb\nc é"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_are_escaped() {
        assert_eq!(printable("\u{1b}[31mred\r\0"), "\\u{1b}[31mred\\r\\u{0}");
        assert_eq!(printable("x\u{9b}y\u{ffff}"), "x\\u{9b}y\\u{ffff}");
    }

    #[test]
    fn one_line_joins_lines() {
        assert_eq!(one_line("a\nb\u{7}"), "a\\nb\\u{7}");
    }
}
