//! The JUnit XML report for CI systems, written with quick-xml (which escapes text and attributes).
//!
//! `<testsuites>` holds one `<testsuite>` per area (first tag) with the run's target, transport,
//! protocol and server as `<properties>`, and one `<testcase classname="mcpcheck.<area>"
//! name="<id>: <title>">` per check. FAIL → `<failure message type="<LEVEL>">` whose text is
//! the findings and the transcript; WARN → a passing case with a `verdict=WARN` property and the
//! same text in `<system-out>`; SKIP → `<skipped message="<reason>"/>`. Characters XML 1.0 forbids
//! are shown as visible escapes (see [`super::sanitize`]).

use super::evidence::{by_area, finding_lines, seconds, server_label, transcript_lines};
use super::sanitize::{one_line, printable};
use crate::check::{CheckResult, RunReport, Verdict};
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use std::io;

type XmlWriter = Writer<Vec<u8>>;

/// The report (already redacted) as JUnit XML.
pub fn render(report: &RunReport) -> String {
    match write(report) {
        Ok(text) => text,
        // Writing to a Vec cannot fail and the input is UTF-8; keep a valid document regardless.
        Err(e) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mcpcheck\"><!-- {} --></testsuites>\n",
            one_line(&e.to_string()).replace("--", "- -")
        ),
    }
}

fn write(report: &RunReport) -> io::Result<String> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let s = &report.summary;
    let (tests, failures, skipped) = (s.total.to_string(), s.fail.to_string(), s.skip.to_string());
    let (time, timestamp) = (seconds(report.duration_ms), one_line(&report.started_at));
    w.create_element("testsuites")
        .with_attributes([
            ("name", "mcpcheck"),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", "0"),
            ("skipped", skipped.as_str()),
            ("time", time.as_str()),
            ("timestamp", timestamp.as_str()),
        ])
        .write_inner_content(|w| {
            for (area, checks) in by_area(&report.checks) {
                suite(w, report, area, &checks)?;
            }
            Ok(())
        })?;
    let mut text = String::from_utf8(w.into_inner())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    text.push('\n');
    Ok(text)
}

fn suite(
    w: &mut XmlWriter,
    report: &RunReport,
    area: &str,
    checks: &[&CheckResult],
) -> io::Result<()> {
    let count = |v: Verdict| checks.iter().filter(|c| c.verdict == v).count().to_string();
    let (tests, failures, skipped) = (
        checks.len().to_string(),
        count(Verdict::Fail),
        count(Verdict::Skip),
    );
    let time = seconds(checks.iter().map(|c| c.duration_ms).sum());
    let (name, timestamp) = (one_line(area), one_line(&report.started_at));
    let mut props = vec![
        ("target", one_line(&report.target)),
        ("transport", one_line(&report.transport)),
    ];
    if let Some(version) = &report.protocol_version {
        props.push(("protocol_version", one_line(version)));
    }
    if let Some(info) = &report.server_info {
        props.push(("server", one_line(&server_label(info))));
    }
    w.create_element("testsuite")
        .with_attributes([
            ("name", name.as_str()),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", "0"),
            ("skipped", skipped.as_str()),
            ("time", time.as_str()),
            ("timestamp", timestamp.as_str()),
        ])
        .write_inner_content(|w| {
            properties(w, &props)?;
            for c in checks {
                case(w, c)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn properties(w: &mut XmlWriter, props: &[(&str, String)]) -> io::Result<()> {
    w.create_element("properties").write_inner_content(|w| {
        for (name, value) in props {
            w.create_element("property")
                .with_attributes([("name", *name), ("value", value.as_str())])
                .write_empty()?;
        }
        Ok(())
    })?;
    Ok(())
}

fn case(w: &mut XmlWriter, c: &CheckResult) -> io::Result<()> {
    let classname = format!("mcpcheck.{}", one_line(c.area()));
    let name = format!("{}: {}", one_line(&c.id), one_line(&c.title));
    let time = seconds(c.duration_ms);
    let el = w.create_element("testcase").with_attributes([
        ("classname", classname.as_str()),
        ("name", name.as_str()),
        ("time", time.as_str()),
    ]);
    match c.verdict {
        Verdict::Pass => {
            el.write_empty()?;
        }
        Verdict::Skip => {
            let reason = one_line(c.skip_reason.as_deref().unwrap_or("skipped"));
            el.write_inner_content(|w| {
                w.create_element("skipped")
                    .with_attribute(("message", reason.as_str()))
                    .write_empty()?;
                Ok(())
            })?;
        }
        Verdict::Fail => {
            let message = headline(c);
            let text = evidence_text(c);
            el.write_inner_content(|w| {
                w.create_element("failure")
                    .with_attributes([("message", message.as_str()), ("type", c.level.as_str())])
                    .write_text_content(text_node(&text))?;
                Ok(())
            })?;
        }
        Verdict::Warn => {
            let text = evidence_text(c);
            el.write_inner_content(|w| {
                properties(w, &[("verdict", Verdict::Warn.as_str().to_string())])?;
                w.create_element("system-out")
                    .write_text_content(text_node(&text))?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Text content escaping only `<`, `>` and `&` (quotes need no escaping in text, and JSON bodies
/// stay readable).
fn text_node(text: &str) -> BytesText<'_> {
    BytesText::from_escaped(partial_escape(text))
}

/// The first finding's message (and how many more), for the `message` attribute.
fn headline(c: &CheckResult) -> String {
    match c.findings.as_slice() {
        [] => format!("{} check failed", c.level.as_str()),
        [only] => one_line(&only.message),
        [first, rest @ ..] => format!("{} (and {} more)", one_line(&first.message), rest.len()),
    }
}

/// Findings, then the transcript: the evidence a CI reader needs without re-running.
fn evidence_text(c: &CheckResult) -> String {
    let mut lines: Vec<String> = c.findings.iter().flat_map(finding_lines).collect();
    if !c.transcript.is_empty() {
        lines.push(String::new());
        lines.push("transcript:".to_string());
        lines.extend(transcript_lines(&c.transcript));
    }
    // The pieces are already printable; this is a cheap guard for anything added later.
    format!("\n{}\n", printable(&lines.join("\n")))
}
