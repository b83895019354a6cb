//! The Markdown and HTML reports: insta snapshots of a fixed run (the HTML's structure, with its
//! inline stylesheet and script left out), and the properties that matter whatever the layout:
//! failures come with findings, spec links and transcripts; text from the target cannot inject
//! markup; the HTML is self-contained; load plots appear only when given.

use mcpcheck::check::{CheckResult, Finding, Level, RunReport, Summary, Verdict};
use mcpcheck::report::html::{self, Chart, LoadPlots, Series};
use mcpcheck::report::markdown::{self, MAX_TRANSCRIPT_LINES};
use mcpcheck::report::{render, Format, RenderOptions};
use mcpcheck::transcript::Entry;
use serde_json::json;

fn check(id: &str, title: &str, level: Level, verdict: Verdict, ms: u64) -> CheckResult {
    let area = id.split('.').next().unwrap_or(id).to_string();
    CheckResult {
        id: id.into(),
        title: title.into(),
        level,
        spec: vec![format!("2025-11-25/basic/{area}#rules")],
        tags: vec![area],
        verdict,
        skip_reason: None,
        findings: vec![],
        duration_ms: ms,
        transcript: vec![],
    }
}

/// A PASS, a FAIL with an HTTP transcript, a WARN whose text is hostile, and a SKIP.
fn fixture() -> RunReport {
    let pass = check(
        "lifecycle.ping",
        "ping answers {}",
        Level::Must,
        Verdict::Pass,
        12,
    );
    let mut fail = check(
        "tools.call-each",
        "every tool call returns a result",
        Level::Must,
        Verdict::Fail,
        41,
    );
    fail.spec.push("JSON-RPC 2.0 §5.1".into());
    fail.findings = vec![Finding {
        verdict: Verdict::Fail,
        message: "echo: /response/result/content/0/type is missing".into(),
        expected: Some("a string".into()),
        actual: Some("(absent; the item is {\"text\":\"hi\"})".into()),
        location: Some("scenarios/tools/call-each.toml:9".into()),
    }];
    fail.transcript = vec![
        Entry::HttpRequest {
            t_ms: 0,
            method: "POST".into(),
            url: "http://127.0.0.1:8931/mcp".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(
                r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo"}}"#.into(),
            ),
        },
        Entry::HttpResponse {
            t_ms: 9,
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(r#"{"jsonrpc":"2.0","id":2,"result":{"content":[{"text":"hi"}]}}"#.into()),
        },
    ];
    let mut warn = check(
        "lifecycle.instructions",
        "instructions <b>short</b> | `tick` & *bold*",
        Level::Should,
        Verdict::Warn,
        3,
    );
    warn.findings = vec![Finding {
        verdict: Verdict::Warn,
        message: "<script>alert(1)</script> [link](javascript:x)".into(),
        expected: Some("<= 1024 bytes".into()),
        actual: Some("```\n4096 bytes\u{1b}[2J".into()),
        location: None,
    }];
    warn.transcript = vec![Entry::Stderr {
        t_ms: 2,
        line: "</pre><img src=x onerror=alert(1)> ```".into(),
    }];
    let mut skip = check(
        "resources.read-each",
        "every resource can be read",
        Level::Must,
        Verdict::Skip,
        0,
    );
    skip.skip_reason = Some("the server advertises no resources capability".into());
    let checks = vec![pass, fail, warn, skip];
    RunReport {
        schema_version: 1,
        tool: "mcpcheck 0.1.0".into(),
        target: "http://127.0.0.1:8931/mcp".into(),
        transport: "streamable-http".into(),
        protocol_version: Some("2025-11-25".into()),
        server_info: Some(json!({"name": "mcp-reference-server", "version": "0.1.0"})),
        started_at: "2025-06-01T12:00:00Z".into(),
        duration_ms: 1234,
        summary: Summary::of(&checks),
        checks,
    }
}

/// The HTML without the bodies of `<style>` and `<script>`: the page's structure.
fn structure(html: &str) -> String {
    let mut out = html.to_string();
    for tag in ["style", "script"] {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        if let (Some(a), Some(b)) = (out.find(&open), out.find(&close)) {
            out.replace_range(a + open.len()..b, "…");
        }
    }
    out
}

/// The `<li>` of a check in the HTML.
fn item<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<li class=\"check\" id=\"check-{id}\""))
        .unwrap_or_else(|| panic!("{id} missing"));
    let end = start + html[start..].find("</details>\n</li>").expect("closed");
    &html[start..end]
}

#[test]
fn markdown_snapshot() {
    let md = render(Format::Markdown, &fixture(), &RenderOptions::default());
    insta::assert_snapshot!("markdown", md);
}

#[test]
fn html_structure_snapshot() {
    let page = render(Format::Html, &fixture(), &RenderOptions::default());
    insta::assert_snapshot!("html_structure", structure(&page));
}

#[test]
fn markdown_has_a_table_per_area_and_failures_with_evidence() {
    let md = markdown::render(&fixture());
    assert!(md.starts_with("# mcpcheck: ❌ 1 failed\n"), "{md}");
    assert!(md.contains("| lifecycle | 2 | 1 | 0 | 1 | 0 |"), "{md}");
    assert!(md.contains("| tools | 1 | 0 | 1 | 0 | 0 |"), "{md}");
    let failures = &md[md.find("## Failures").expect("failures")..];
    assert!(failures.contains("### ❌ `tools.call-each`"), "{md}");
    assert!(failures.contains("- **FAIL** echo: /response/result/content/0/type is missing"));
    assert!(failures.contains("  - at: `scenarios/tools/call-each.toml:9`"));
    assert!(failures.contains(
        "[2025-11-25/basic/tools\\#rules](https://modelcontextprotocol.io/specification/2025-11-25/basic/tools#rules)"
    ));
    assert!(failures.contains("[JSON-RPC 2.0 §5.1](https://www.jsonrpc.org/specification)"));
    assert!(failures.contains("<details><summary>Transcript (2 entries)</summary>"));
    assert!(failures.contains("[    9ms] ← HTTP 200"), "{md}");
    assert!(
        md.contains("| `resources.read-each` | the server advertises no resources capability |")
    );
}

#[test]
fn markdown_escapes_what_the_target_sent() {
    let md = markdown::render(&fixture());
    assert!(!md.contains("<script>") && !md.contains("<b>"), "{md}");
    // Raw text only inside the transcript's code fence, where Markdown shows it as text.
    let raw: Vec<&str> = md.lines().filter(|l| l.contains("<img")).collect();
    assert_eq!(
        raw,
        ["[    2ms] ! stderr </pre><img src=x onerror=alert(1)> ```"]
    );
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
    assert!(!md.contains('\u{1b}'));
    // The stderr line holds ``` so the transcript fence must be longer.
    assert!(md.contains("````text\n[    2ms] ! stderr"), "{md}");
}

#[test]
fn markdown_cuts_long_transcripts() {
    let mut r = fixture();
    r.checks[1].transcript = (0..500)
        .map(|i| Entry::Note {
            t_ms: i,
            text: format!("note {i}"),
        })
        .collect();
    let md = markdown::render(&r);
    assert!(md.contains(&format!("note {}", MAX_TRANSCRIPT_LINES - 1)));
    assert!(!md.contains(&format!("note {MAX_TRANSCRIPT_LINES}\n")));
    assert!(md.contains("… 300 more lines"), "{md}");
}

#[test]
fn html_shows_failures_open_with_transcript_and_filters() {
    let page = html::render(&fixture());
    let fail = item(&page, "tools.call-each");
    assert!(fail.contains("data-verdict=\"FAIL\""));
    assert!(
        fail.contains("<details open>"),
        "failures are expanded: {fail}"
    );
    assert!(fail.contains("<pre class=\"transcript\">"), "{fail}");
    assert!(fail.contains("[    9ms] ← HTTP 200"), "{fail}");
    assert!(fail.contains(
        "<a href=\"https://modelcontextprotocol.io/specification/2025-11-25/basic/tools#rules\""
    ));
    let pass = item(&page, "lifecycle.ping");
    assert!(!pass.contains("<details open>") && !pass.contains("transcript"));
    assert!(item(&page, "resources.read-each")
        .contains("skipped: the server advertises no resources capability"));
    for v in ["FAIL", "WARN", "PASS", "SKIP"] {
        assert!(page.contains(&format!("name=\"verdict\" value=\"{v}\" checked")));
    }
    assert!(page.contains("<option value=\"tools\">tools</option>"));
    assert!(page.contains("<input type=\"search\" id=\"q\""));
}

#[test]
fn html_escapes_what_the_target_sent_and_is_self_contained() {
    let page = html::render(&fixture());
    let warn = item(&page, "lifecycle.instructions");
    assert!(!warn.contains("<script>") && !warn.contains("<img") && !warn.contains("<b>short"));
    assert!(
        warn.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{warn}"
    );
    assert!(
        warn.contains("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "{warn}"
    );
    assert!(!page.contains('\u{1b}'));
    assert_eq!(page.matches("<script").count(), 1, "one inline script");
    for external in ["<script src", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(
            !page.contains(external),
            "{external} in a self-contained page"
        );
    }
    assert!(!page.contains("javascript:x\""), "no link from target text");
}

#[test]
fn html_load_section_only_when_given() {
    let page = html::render(&fixture());
    assert!(!page.contains("id=\"load\""));
    let plots = LoadPlots {
        title: "Load: smoke <20 users>".into(),
        summary: vec![("p99".into(), "12.5 ms".into())],
        charts: vec![Chart {
            title: "Latency".into(),
            x_label: "seconds".into(),
            y_label: "ms".into(),
            series: vec![Series {
                name: "p99".into(),
                points: vec![(1.0, 10.0), (2.0, 12.5)],
            }],
        }],
    };
    let page = html::render_with_load(&fixture(), Some(&plots));
    let load = &page[page.find("<section id=\"load\">").expect("load section")..];
    let load = &load[..load.find("</section>").expect("closed")];
    assert!(
        load.contains("<h2>Load: smoke &lt;20 users&gt;</h2>"),
        "{load}"
    );
    assert!(load.contains("<dt>p99</dt><dd>12.5 ms</dd>"), "{load}");
    assert_eq!(load.matches("<svg").count(), 1);
    assert_eq!(load.matches("<polyline").count(), 1);
}
