//! The human report: a header, one line per check grouped by area, findings under failures and
//! warnings, skip reasons under skips, and a summary line. With `verbose`, the transcript of each
//! FAIL and WARN check follows its findings.
//!
//! [`check_line`] is also the live line printed as each check finishes, so the streamed output
//! and the final report read the same.

use super::evidence::{by_area, finding_lines, server_label, transcript_lines};
use super::sanitize::one_line;
use super::RenderOptions;
use crate::check::{CheckResult, RunReport, Verdict};
use anstyle::{AnsiColor, Style};
use std::fmt::Write as _;

/// Indentation of check lines under their area heading.
const CHECK_INDENT: &str = "  ";
/// Indentation of findings, skip reasons and transcripts (under the check id).
const DETAIL_INDENT: &str = "        ";

/// One line for a finished check: `PASS  lifecycle.ping  ping answers {}  [MUST]  12ms`.
/// With `color`, the verdict is green (PASS), red (FAIL), yellow (WARN) or dim (SKIP).
pub fn check_line(c: &CheckResult, color: bool) -> String {
    format!(
        "{}  {}  {}  [{}]  {}",
        verdict_label(c.verdict, color),
        one_line(&c.id),
        one_line(&c.title),
        c.level.as_str(),
        duration(c.duration_ms)
    )
}

/// The whole report as text (the caller has already redacted it).
pub fn render(report: &RunReport, opts: &RenderOptions) -> String {
    let mut out = String::new();
    header(&mut out, report, opts.color);
    for (area, checks) in by_area(&report.checks) {
        out.push('\n');
        out.push_str(&paint(&one_line(area), Style::new().bold(), opts.color));
        out.push('\n');
        for c in checks {
            out.push_str(CHECK_INDENT);
            out.push_str(&check_line(c, opts.color));
            out.push('\n');
            details(&mut out, c, opts.verbose);
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n{} checks: {} passed, {} failed, {} warnings, {} skipped in {}.{}s",
        s.total,
        s.pass,
        s.fail,
        s.warn,
        s.skip,
        report.duration_ms / 1000,
        report.duration_ms % 1000 / 100
    );
    out
}

fn header(out: &mut String, report: &RunReport, color: bool) {
    out.push_str(&paint(&one_line(&report.tool), Style::new().bold(), color));
    out.push('\n');
    let protocol = report
        .protocol_version
        .as_deref()
        .unwrap_or("(not negotiated)");
    let server = report
        .server_info
        .as_ref()
        .map_or_else(|| "(unknown)".to_string(), server_label);
    for (label, value) in [
        ("target", report.target.as_str()),
        ("transport", report.transport.as_str()),
        ("protocol", protocol),
        ("server", server.as_str()),
        ("started", report.started_at.as_str()),
    ] {
        let _ = writeln!(out, "{:<11}{}", format!("{label}:"), one_line(value));
    }
}

fn details(out: &mut String, c: &CheckResult, verbose: bool) {
    let mut lines = Vec::new();
    match c.verdict {
        Verdict::Pass => {}
        Verdict::Skip => {
            let reason = c.skip_reason.as_deref().unwrap_or("(no reason given)");
            lines.push(format!("skipped: {}", one_line(reason)));
        }
        Verdict::Fail | Verdict::Warn => {
            for f in &c.findings {
                lines.extend(finding_lines(f));
            }
            if verbose && !c.transcript.is_empty() {
                lines.push("transcript:".to_string());
                lines.extend(
                    transcript_lines(&c.transcript)
                        .into_iter()
                        .map(|l| format!("  {l}")),
                );
            }
        }
    }
    for line in lines {
        out.push_str(DETAIL_INDENT);
        out.push_str(&line);
        out.push('\n');
    }
}

fn verdict_label(v: Verdict, color: bool) -> String {
    let style = match v {
        Verdict::Pass => Style::new().fg_color(Some(AnsiColor::Green.into())),
        Verdict::Fail => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Verdict::Warn => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Verdict::Skip => Style::new().dimmed(),
    };
    paint(v.as_str(), style, color)
}

fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

/// `12ms` under a second, `1.234s` from one second up.
fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{}s", super::evidence::seconds(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Finding, Level};

    fn check(verdict: Verdict) -> CheckResult {
        CheckResult {
            id: "lifecycle.ping".into(),
            title: "ping answers {}".into(),
            level: Level::Must,
            spec: vec![],
            tags: vec!["lifecycle".into()],
            verdict,
            skip_reason: None,
            findings: vec![],
            duration_ms: 12,
            transcript: vec![],
        }
    }

    #[test]
    fn plain_check_line() {
        assert_eq!(
            check_line(&check(Verdict::Pass), false),
            "PASS  lifecycle.ping  ping answers {}  [MUST]  12ms"
        );
    }

    #[test]
    fn coloured_verdicts() {
        let green = check_line(&check(Verdict::Pass), true);
        assert!(green.starts_with("\u{1b}[32mPASS\u{1b}[0m  "), "{green:?}");
        assert!(check_line(&check(Verdict::Fail), true).contains("\u{1b}[31m"));
        assert!(check_line(&check(Verdict::Warn), true).contains("\u{1b}[33mWARN"));
        assert!(check_line(&check(Verdict::Skip), true).contains("\u{1b}[2mSKIP"));
        assert!(!check_line(&check(Verdict::Fail), false).contains('\u{1b}'));
    }

    #[test]
    fn hostile_title_cannot_break_the_line() {
        let mut c = check(Verdict::Pass);
        c.title = "a\nb\u{1b}[2J".into();
        assert_eq!(
            check_line(&c, false),
            "PASS  lifecycle.ping  a\\nb\\u{1b}[2J  [MUST]  12ms"
        );
    }

    #[test]
    fn transcript_only_when_verbose_and_failed() {
        let mut c = check(Verdict::Fail);
        c.findings.push(Finding {
            verdict: Verdict::Fail,
            message: "no result".into(),
            expected: None,
            actual: None,
            location: None,
        });
        c.transcript.push(crate::transcript::Entry::Note {
            t_ms: 1,
            text: "timeout".into(),
        });
        let mut quiet = String::new();
        details(&mut quiet, &c, false);
        assert_eq!(quiet, "        FAIL: no result\n");
        let mut loud = String::new();
        details(&mut loud, &c, true);
        assert!(
            loud.contains("transcript:\n") && loud.contains("# timeout"),
            "{loud}"
        );
        let mut passed = String::new();
        c.verdict = Verdict::Pass;
        details(&mut passed, &c, true);
        assert_eq!(passed, "");
    }

    #[test]
    fn long_durations_in_seconds() {
        assert_eq!(duration(999), "999ms");
        assert_eq!(duration(1500), "1.500s");
    }
}
