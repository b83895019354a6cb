//! The Markdown report, for a CI step summary (`$GITHUB_STEP_SUMMARY`) or a pull-request comment.
//!
//! A heading with the verdict, the run's facts, a table of verdict counts per area, then one
//! section per failure and per warning with its findings (expected, actual, location), spec
//! links and the transcript in a collapsed block, the skipped checks with their reasons, and
//! every check in a collapsed table. Text from the target is made printable and escaped, so it
//! cannot inject Markdown or HTML; code spans and fences grow to outlast any backticks inside.
//! Transcripts are cut at [`MAX_TRANSCRIPT_LINES`] lines (step summaries are capped at 1 MiB;
//! the JSON and console reports keep everything).

use super::evidence::{by_area, seconds, server_label, transcript_lines};
use super::sanitize::one_line;
use super::spec_link::spec_url;
use crate::check::{CheckResult, Finding, RunReport, Verdict};
use std::fmt::Write as _;

/// Most transcript lines shown per check.
pub const MAX_TRANSCRIPT_LINES: usize = 200;

/// The report (already redacted) as GitHub-flavoured Markdown.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let headline = if s.fail > 0 {
        format!("❌ {} failed", s.fail)
    } else if s.warn > 0 {
        format!("⚠️ passed with {} warning{}", s.warn, plural(s.warn))
    } else {
        "✅ passed".to_string()
    };
    let _ = writeln!(out, "# mcpcheck: {headline}\n");
    facts(&mut out, report);
    let _ = writeln!(
        out,
        "**{} checks: {} passed, {} failed, {} warnings, {} skipped** in {}s\n",
        s.total,
        s.pass,
        s.fail,
        s.warn,
        s.skip,
        seconds(report.duration_ms)
    );
    areas(&mut out, &report.checks);
    for (verdict, title) in [(Verdict::Fail, "Failures"), (Verdict::Warn, "Warnings")] {
        let checks: Vec<&CheckResult> = report
            .checks
            .iter()
            .filter(|c| c.verdict == verdict)
            .collect();
        if checks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        for c in checks {
            problem(&mut out, c);
        }
    }
    skipped(&mut out, &report.checks);
    every_check(&mut out, &report.checks);
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn facts(out: &mut String, report: &RunReport) {
    let server = report
        .server_info
        .as_ref()
        .map_or_else(|| "(unknown)".to_string(), server_label);
    let protocol = report
        .protocol_version
        .as_deref()
        .unwrap_or("(not negotiated)");
    out.push_str("| | |\n|---|---|\n");
    for (label, value) in [
        ("Target", code(&report.target)),
        ("Transport", cell(&report.transport)),
        ("Protocol", cell(protocol)),
        ("Server", cell(&server)),
        ("Started", cell(&report.started_at)),
        ("Tool", cell(&report.tool)),
    ] {
        let _ = writeln!(out, "| {label} | {value} |");
    }
    out.push('\n');
}

fn areas(out: &mut String, checks: &[CheckResult]) {
    if checks.is_empty() {
        return;
    }
    out.push_str("## Areas\n\n");
    out.push_str("| Area | Checks | ✅ Pass | ❌ Fail | ⚠️ Warn | ⏭️ Skip |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    for (area, members) in by_area(checks) {
        let n = |v: Verdict| members.iter().filter(|c| c.verdict == v).count();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(area),
            members.len(),
            n(Verdict::Pass),
            n(Verdict::Fail),
            n(Verdict::Warn),
            n(Verdict::Skip)
        );
    }
    out.push('\n');
}

fn icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Warn => "⚠️",
        Verdict::Skip => "⏭️",
    }
}

/// One FAIL or WARN check: heading, level and spec links, findings, transcript.
fn problem(out: &mut String, c: &CheckResult) {
    let _ = writeln!(
        out,
        "### {} {}: {}\n",
        icon(c.verdict),
        code(&c.id),
        inline(&c.title)
    );
    let mut meta = format!("**{}**", c.level.as_str());
    let links: Vec<String> = c.spec.iter().map(|r| spec_ref(r)).collect();
    if !links.is_empty() {
        let _ = write!(meta, " · spec: {}", links.join(", "));
    }
    let _ = writeln!(out, "{meta} · {}ms\n", c.duration_ms);
    for f in &c.findings {
        finding(out, f);
    }
    if !c.findings.is_empty() {
        out.push('\n');
    }
    if !c.transcript.is_empty() {
        let mut lines = transcript_lines(&c.transcript);
        let total = lines.len();
        if total > MAX_TRANSCRIPT_LINES {
            lines.truncate(MAX_TRANSCRIPT_LINES);
            lines.push(format!(
                "… {} more lines (the JSON and console reports have them all)",
                total - MAX_TRANSCRIPT_LINES
            ));
        }
        let _ = writeln!(
            out,
            "<details><summary>Transcript ({} entr{})</summary>\n",
            c.transcript.len(),
            if c.transcript.len() == 1 { "y" } else { "ies" }
        );
        out.push_str(&fenced(&lines.join("\n")));
        out.push_str("\n</details>\n\n");
    }
}

fn finding(out: &mut String, f: &Finding) {
    let _ = writeln!(out, "- **{}** {}", f.verdict.as_str(), inline(&f.message));
    for (label, value) in [
        ("expected", &f.expected),
        ("actual", &f.actual),
        ("at", &f.location),
    ] {
        if let Some(v) = value {
            let _ = writeln!(out, "  - {label}: {}", code(v));
        }
    }
}

fn spec_ref(r: &str) -> String {
    match spec_url(r) {
        Some(url) => format!("[{}]({url})", inline(r)),
        None => inline(r),
    }
}

fn skipped(out: &mut String, checks: &[CheckResult]) {
    let skips: Vec<&CheckResult> = checks
        .iter()
        .filter(|c| c.verdict == Verdict::Skip)
        .collect();
    if skips.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Skipped\n\n<details><summary>{} skipped check{}</summary>\n",
        skips.len(),
        plural(skips.len())
    );
    out.push_str("| Check | Reason |\n|---|---|\n");
    for c in skips {
        let reason = c.skip_reason.as_deref().unwrap_or("(no reason given)");
        let _ = writeln!(out, "| {} | {} |", code(&c.id), cell(reason));
    }
    out.push_str("\n</details>\n\n");
}

fn every_check(out: &mut String, checks: &[CheckResult]) {
    if checks.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## All checks\n\n<details><summary>{} check{}</summary>\n",
        checks.len(),
        plural(checks.len())
    );
    out.push_str("| Verdict | Check | Title | Level | Time |\n|---|---|---|---|---:|\n");
    for c in checks {
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {}ms |",
            icon(c.verdict),
            c.verdict.as_str(),
            code(&c.id),
            cell(&c.title),
            c.level.as_str(),
            c.duration_ms
        );
    }
    out.push_str("\n</details>\n");
}

/// Text on one line with every character Markdown or HTML would interpret backslash-escaped.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in one_line(text).chars() {
        if "\\`*_[]<>|#~&!".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// [`inline`] for a table cell (the same escapes; `|` is among them).
fn cell(text: &str) -> String {
    inline(text)
}

/// A code span that no backtick inside can end; `|` escaped so it also works in table cells.
pub fn code(text: &str) -> String {
    let text = one_line(text).replace('|', "\\|");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A fenced `text` block whose fence is longer than any backtick run inside.
fn fenced(body: &str) -> String {
    let fence = "`".repeat((longest_run(body, '`') + 1).max(3));
    format!("{fence}text\n{body}\n{fence}\n")
}

fn longest_run(text: &str, ch: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == ch { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_cannot_inject_markup() {
        assert_eq!(
            inline("<b>x</b> | *y*\nz"),
            "\\<b\\>x\\</b\\> \\| \\*y\\*\\\\nz"
        );
    }

    #[test]
    fn code_spans_outlast_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }

    #[test]
    fn fences_outlast_backticks() {
        assert_eq!(fenced("x"), "```text\nx\n```\n");
        assert_eq!(fenced("````"), "`````text\n````\n`````\n");
    }
}
