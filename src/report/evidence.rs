//! Plain-text pieces shared by the human-facing formats (console, JUnit failure text): findings,
//! compact transcripts, grouping by area, and durations.
//!
//! Every string that came from the target passes through [`printable`], so a hostile server
//! cannot inject terminal escapes or characters XML forbids.

use super::sanitize::printable;
use crate::check::{CheckResult, Finding};
use crate::transcript::Entry;

/// Width of the `[   12ms] ` time column of transcript lines; continuation lines align to it.
const TIME_COLUMN: usize = 10;

/// The lines describing one finding: `FAIL: message`, then `expected:`, `actual:` and `at:`
/// indented by two spaces (multi-line values continue aligned under their first line).
pub fn finding_lines(f: &Finding) -> Vec<String> {
    let mut lines = Vec::new();
    push_multiline(&mut lines, &format!("{}: ", f.verdict.as_str()), &f.message);
    for (label, value) in [
        ("expected", &f.expected),
        ("actual", &f.actual),
        ("at", &f.location),
    ] {
        if let Some(value) = value {
            push_multiline(&mut lines, &format!("  {:<10}", format!("{label}:")), value);
        }
    }
    lines
}

/// `head` then the first line of `value`; later lines are indented to line up under it.
fn push_multiline(lines: &mut Vec<String>, head: &str, value: &str) {
    let value = printable(value);
    let pad = " ".repeat(head.chars().count());
    let mut it = value.split('\n');
    lines.push(
        format!("{head}{}", it.next().unwrap_or_default())
            .trim_end()
            .to_string(),
    );
    lines.extend(it.map(|l| format!("{pad}{l}").trim_end().to_string()));
}

/// One compact block per entry: a `[   12ms] → POST url` head line, then headers and body lines
/// indented under it. Arrows: `→` sent by the harness, `←` received, `!` stderr, `#` a note.
pub fn transcript_lines(entries: &[Entry]) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in entries {
        let (head, headers, body): (String, &[(String, String)], Option<&str>) = match entry {
            Entry::HttpRequest {
                method,
                url,
                headers,
                body,
                ..
            } => (
                format!("→ {} {}", printable(method), printable(url)),
                headers,
                body.as_deref(),
            ),
            Entry::HttpResponse {
                status,
                headers,
                body,
                ..
            } => (format!("← HTTP {status}"), headers, body.as_deref()),
            Entry::SseEvent {
                id,
                event,
                data,
                retry,
                ..
            } => {
                let mut head = String::from("← sse");
                if let Some(id) = id {
                    head.push_str(&format!(" id={}", printable(id)));
                }
                if let Some(event) = event {
                    head.push_str(&format!(" event={}", printable(event)));
                }
                if let Some(retry) = retry {
                    head.push_str(&format!(" retry={retry}"));
                }
                let data = if data.is_empty() {
                    "(empty data)"
                } else {
                    data.as_str()
                };
                (head, &[], Some(data))
            }
            Entry::StdioSend { line, .. } => (format!("→ stdin  {}", printable(line)), &[], None),
            Entry::StdioRecv { line, .. } => (format!("← stdout {}", printable(line)), &[], None),
            Entry::Stderr { line, .. } => (format!("! stderr {}", printable(line)), &[], None),
            Entry::Note { text, .. } => (format!("# {}", printable(text)), &[], None),
        };
        let mut head_lines = head.split('\n');
        let first = head_lines.next().unwrap_or_default();
        let time = format!("[{:>5}ms] ", entry.t_ms());
        lines.push(format!("{time:<width$}{first}", width = TIME_COLUMN));
        let pad = " ".repeat(TIME_COLUMN + 2);
        lines.extend(head_lines.map(|l| format!("{pad}{l}")));
        for (name, value) in headers {
            lines.push(format!("{pad}{}: {}", printable(name), printable(value)));
        }
        if let Some(body) = body.filter(|b| !b.is_empty()) {
            lines.extend(
                printable(body)
                    .split('\n')
                    .map(|l| format!("{pad}{l}").trim_end().to_string()),
            );
        }
    }
    lines
}

/// The checks grouped by area (first tag), areas in order of first appearance, checks in run
/// order within each area.
pub fn by_area(checks: &[CheckResult]) -> Vec<(&str, Vec<&CheckResult>)> {
    let mut groups: Vec<(&str, Vec<&CheckResult>)> = Vec::new();
    for check in checks {
        match groups.iter_mut().find(|(area, _)| *area == check.area()) {
            Some((_, members)) => members.push(check),
            None => groups.push((check.area(), vec![check])),
        }
    }
    groups
}

/// `name version` from a `serverInfo` object, or its compact JSON when it has no name.
pub fn server_label(info: &serde_json::Value) -> String {
    let field = |k: &str| info.get(k).and_then(serde_json::Value::as_str);
    match (field("name"), field("version")) {
        (Some(name), Some(version)) => format!("{name} {version}"),
        (Some(name), None) => name.to_string(),
        _ => info.to_string(),
    }
}

/// Milliseconds as seconds with three decimals (`1234` → `1.234`), exact (no float rounding).
pub fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Verdict;

    #[test]
    fn finding_with_multiline_actual() {
        let f = Finding {
            verdict: Verdict::Warn,
            message: "slow".into(),
            expected: Some("< 1s".into()),
            actual: Some("line1\nline2".into()),
            location: Some("s.toml:3".into()),
        };
        assert_eq!(
            finding_lines(&f),
            [
                "WARN: slow",
                "  expected: < 1s",
                "  actual:   line1",
                "            line2",
                "  at:       s.toml:3"
            ]
        );
    }

    #[test]
    fn transcript_entries_are_compact() {
        let entries = vec![
            Entry::HttpRequest {
                t_ms: 3,
                method: "GET".into(),
                url: "http://127.0.0.1/mcp".into(),
                headers: vec![("accept".into(), "text/event-stream".into())],
                body: None,
            },
            Entry::SseEvent {
                t_ms: 12,
                id: Some("7".into()),
                event: None,
                data: String::new(),
                retry: Some(5),
            },
            Entry::Stderr {
                t_ms: 1234567,
                line: "boom\u{1b}[2J".into(),
            },
        ];
        assert_eq!(
            transcript_lines(&entries),
            [
                "[    3ms] → GET http://127.0.0.1/mcp",
                "            accept: text/event-stream",
                "[   12ms] ← sse id=7 retry=5",
                "            (empty data)",
                "[1234567ms] ! stderr boom\\u{1b}[2J",
            ]
        );
    }

    #[test]
    fn seconds_are_exact() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(1234), "1.234");
        assert_eq!(seconds(60_005), "60.005");
    }
}
