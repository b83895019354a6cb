//! Report output: console and JUnit snapshots of a fixed run, no secret in any format, JSON round
//! trip, JUnit parsed back as XML.

use mcpcheck::check::{CheckResult, Finding, Level, RunReport, Summary, Verdict};
use mcpcheck::report::{self, render, write_reports, Format, Redactor, RenderOptions};
use mcpcheck::transcript::Entry;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::json;

/// Secrets the built-in rules must hide.
const BUILTIN_SECRETS: &[&str] = &["secret-token-123", "at-secret-456", "rt-secret-654"];
/// A value only the caller knows is secret (a user-supplied header).
const USER_SECRET: &str = "tenant-secret-789";
/// What console report files use.
const VERBOSE: RenderOptions = RenderOptions {
    color: false,
    verbose: true,
};
/// Defaults: no colour, no transcripts.
const QUIET: RenderOptions = RenderOptions {
    color: false,
    verbose: false,
};

/// Asserts `out` contains `needle`, showing `out` when not.
fn has(out: &str, needle: &str) {
    assert!(out.contains(needle), "{needle:?} missing from:\n{out}");
}

fn h(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// A check in the area named by its id prefix, with no findings or transcript yet.
fn check(id: &str, title: &str, level: Level, verdict: Verdict, ms: u64) -> CheckResult {
    let area = id.split('.').next().unwrap_or(id).to_string();
    CheckResult {
        id: id.into(),
        title: title.into(),
        level,
        spec: vec![format!("2025-11-25/basic/{area}")],
        tags: vec![area],
        verdict,
        skip_reason: None,
        findings: vec![],
        duration_ms: ms,
        transcript: vec![],
    }
}

fn finding(verdict: Verdict, message: &str, expected: &str, actual: &str) -> Finding {
    Finding {
        verdict,
        message: message.into(),
        expected: Some(expected.into()),
        actual: Some(actual.into()),
        location: None,
    }
}

/// A PASS, a FAIL with an HTTP + SSE transcript holding secrets, a WARN and a SKIP.
fn fixture() -> RunReport {
    let mut pass = check(
        "lifecycle.ping",
        "ping answers {}",
        Level::Must,
        Verdict::Pass,
        12,
    );
    pass.transcript = vec![
        Entry::StdioSend {
            t_ms: 0,
            line: r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.into(),
        },
        Entry::StdioRecv {
            t_ms: 12,
            line: r#"{"jsonrpc":"2.0","id":1,"result":{}}"#.into(),
        },
    ];

    let title = "POST answers with the JSON-RPC response";
    let mut fail = check("transport.post-sse", title, Level::Must, Verdict::Fail, 41);
    let mut f = finding(
        Verdict::Fail,
        "the SSE stream ended without the response to id 2",
        "an SSE event whose data is the response to id 2",
        "1 event, none with id 2",
    );
    f.location = Some("scenarios/transport/post-sse.toml:14".into());
    fail.findings = vec![f];
    let sse_data = r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"hi"}}"#;
    fail.transcript = vec![
        Entry::HttpRequest {
            t_ms: 0,
            method: "POST".into(),
            url: "http://127.0.0.1:8931/token".into(),
            headers: vec![h("content-type", "application/x-www-form-urlencoded")],
            body: Some("grant_type=refresh_token&refresh_token=rt-secret-654".into()),
        },
        Entry::HttpResponse {
            t_ms: 9,
            status: 200,
            headers: vec![h("content-type", "application/json")],
            body: Some(r#"{"access_token":"at-secret-456","token_type":"Bearer"}"#.into()),
        },
        Entry::HttpRequest {
            t_ms: 10,
            method: "POST".into(),
            url: "http://127.0.0.1:8931/mcp".into(),
            headers: vec![
                h("Authorization", "Bearer secret-token-123"),
                h("X-Tenant-Key", USER_SECRET),
                h("accept", "application/json, text/event-stream"),
            ],
            body: Some(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.into()),
        },
        Entry::HttpResponse {
            t_ms: 30,
            status: 200,
            headers: vec![h("content-type", "text/event-stream")],
            body: None,
        },
        Entry::SseEvent {
            t_ms: 31,
            id: Some("ev-1".into()),
            event: Some("message".into()),
            data: sse_data.into(),
            retry: None,
        },
        Entry::Note {
            t_ms: 41,
            text: "stream closed by the server".into(),
        },
    ];

    let title = "instructions are <= 1 KiB & \"short\"";
    let mut warn = check(
        "lifecycle.instructions-size",
        title,
        Level::Should,
        Verdict::Warn,
        3,
    );
    let long = "instructions are 4096 bytes long";
    warn.findings = vec![finding(Verdict::Warn, long, "<= 1024 bytes", "4096 bytes")];
    let stderr = "warn: long <instructions> & more";
    warn.transcript = vec![Entry::Stderr {
        t_ms: 2,
        line: stderr.into(),
    }];

    let title = "a tool callable without arguments";
    let mut skip = check("tools.call-no-args", title, Level::Must, Verdict::Skip, 0);
    skip.skip_reason = Some("the server advertises no tools capability".into());

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

fn all_outputs(report: &RunReport) -> Vec<(String, String)> {
    let mut outs = Vec::new();
    for format in Format::ALL {
        for (color, verbose) in [(false, false), (false, true), (true, true)] {
            let text = render(*format, report, &RenderOptions { color, verbose });
            outs.push((format!("{format} color={color} verbose={verbose}"), text));
        }
    }
    outs
}

/// The fixture as the CLI renders it: redacted with the user-supplied header value first.
fn redacted_fixture() -> RunReport {
    Redactor::new([USER_SECRET]).redact_report(&fixture())
}

#[test]
fn console_verbose_snapshot() {
    let out = render(Format::Console, &redacted_fixture(), &VERBOSE);
    insta::assert_snapshot!("console_verbose", out);
}

#[test]
fn junit_snapshot() {
    let out = render(Format::Junit, &redacted_fixture(), &QUIET);
    insta::assert_snapshot!("junit", out);
}

#[test]
fn console_without_verbose_has_findings_but_no_transcript() {
    let out = render(Format::Console, &fixture(), &QUIET);
    has(
        &out,
        "FAIL: the SSE stream ended without the response to id 2",
    );
    has(&out, "skipped: the server advertises no tools capability");
    assert!(!out.contains("transcript:"), "{out}");
    assert!(
        out.ends_with("4 checks: 1 passed, 1 failed, 1 warnings, 1 skipped in 1.2s\n"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn builtin_secrets_appear_in_no_format() {
    for (name, out) in all_outputs(&fixture()) {
        for secret in BUILTIN_SECRETS {
            assert!(!out.contains(secret), "{secret} leaked in {name}:\n{out}");
        }
    }
    let console = render(Format::Console, &fixture(), &VERBOSE);
    has(&console, "Authorization: Bearer [REDACTED]");
    has(&console, r#""access_token":"[REDACTED]""#);
}

#[test]
fn user_secrets_appear_in_no_format_once_redacted() {
    let mut report = fixture();
    report.checks[1].findings[0].actual = Some(format!("header X-Tenant-Key was {USER_SECRET}"));
    let redacted = Redactor::new([USER_SECRET]).redact_report(&report);
    for (name, out) in all_outputs(&redacted) {
        for secret in BUILTIN_SECRETS.iter().chain([&USER_SECRET]) {
            assert!(!out.contains(secret), "{secret} leaked in {name}:\n{out}");
        }
    }
}

#[test]
fn written_files_are_redacted_and_dirs_created() {
    let dir = tempfile::tempdir().unwrap();
    let targets: Vec<_> = [
        "console:a/b/run.txt",
        "json:a/run.json",
        "junit:c/junit.xml",
    ]
    .iter()
    .map(|arg| {
        let (format, path) = report::parse_report_arg(arg).unwrap();
        (format, dir.path().join(path))
    })
    .collect();
    write_reports(&fixture(), &targets).unwrap();
    for (format, path) in &targets {
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(text, render(*format, &fixture(), &VERBOSE));
        for secret in BUILTIN_SECRETS {
            assert!(
                !text.contains(secret),
                "{secret} leaked in {}",
                path.display()
            );
        }
    }
}

#[test]
fn json_round_trips_to_the_redacted_report() {
    let report = fixture();
    let text = render(Format::Json, &report, &QUIET);
    let back: RunReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, Redactor::default().redact_report(&report));
    assert_eq!(back.summary, report.summary);
    assert_eq!(back.checks.len(), 4);
    assert_ne!(
        back, report,
        "the fixture holds secrets, so redaction must have changed it"
    );
}

#[test]
fn json_round_trip_is_lossless_without_secrets() {
    let mut report = fixture();
    report.checks[1].transcript.truncate(1);
    report.checks[1].transcript[0] = Entry::Note {
        t_ms: 0,
        text: "nothing secret".into(),
    };
    let text = render(Format::Json, &report, &QUIET);
    assert_eq!(serde_json::from_str::<RunReport>(&text).unwrap(), report);
}

/// A parsed XML element: enough structure to check the JUnit report.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

fn element(e: &quick_xml::events::BytesStart<'_>) -> Node {
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.unescape_value().unwrap().into_owned(),
            )
        })
        .collect();
    Node {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs,
        ..Node::default()
    }
}

/// Parses `xml` (failing on any well-formedness error quick-xml detects, including mismatched
/// end tags) and checks every character is legal in XML 1.0.
fn parse_xml(xml: &str) -> Node {
    for c in xml.chars() {
        let legal = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
        assert!(legal, "character {c:?} is not allowed in XML 1.0");
    }
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => {
                let node = element(&e);
                stack.last_mut().unwrap().children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(node);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().unwrap();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap()
                            .to_string()
                    }
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::Eof => break,
            Event::Decl(_)
            | Event::Comment(_)
            | Event::CData(_)
            | Event::PI(_)
            | Event::DocType(_) => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "exactly one root element");
    root.children.pop().unwrap()
}

#[test]
fn junit_parses_back_with_the_expected_structure() {
    let xml = render(Format::Junit, &fixture(), &QUIET);
    let root = parse_xml(&xml);
    assert_eq!(root.name, "testsuites");
    assert_eq!(
        (
            root.attr("tests"),
            root.attr("failures"),
            root.attr("skipped"),
            root.attr("time")
        ),
        (Some("4"), Some("1"), Some("1"), Some("1.234"))
    );
    let suites = root.all("testsuite");
    let names: Vec<_> = suites.iter().map(|s| s.attr("name").unwrap()).collect();
    assert_eq!(names, ["lifecycle", "transport", "tools"]);

    let lifecycle = suites[0];
    assert_eq!(lifecycle.attr("tests"), Some("2"));
    assert_eq!(lifecycle.attr("failures"), Some("0"));
    let props = lifecycle.child("properties").unwrap().all("property");
    assert!(props.iter().any(|p| p.attr("name") == Some("target")
        && p.attr("value") == Some("http://127.0.0.1:8931/mcp")));
    let cases = lifecycle.all("testcase");
    assert_eq!(cases[0].attr("classname"), Some("mcpcheck.lifecycle"));
    assert_eq!(
        cases[0].attr("name"),
        Some("lifecycle.ping: ping answers {}")
    );
    assert_eq!(cases[0].attr("time"), Some("0.012"));
    assert!(cases[0].children.is_empty());

    // WARN: passes, carries the verdict property and the warning text; special characters survive.
    let warn = cases[1];
    assert_eq!(
        warn.attr("name"),
        Some("lifecycle.instructions-size: instructions are <= 1 KiB & \"short\"")
    );
    assert!(warn.child("failure").is_none());
    let prop = &warn.child("properties").unwrap().all("property")[0];
    assert_eq!(
        (prop.attr("name"), prop.attr("value")),
        (Some("verdict"), Some("WARN"))
    );
    let out = &warn.child("system-out").unwrap().text;
    has(out, "WARN: instructions are 4096 bytes long");
    has(out, "expected: <= 1024 bytes");
    has(out, "! stderr warn: long <instructions> & more");

    let failing = suites[1].all("testcase")[0];
    let failure = failing.child("failure").unwrap();
    assert_eq!(failure.attr("type"), Some("MUST"));
    assert_eq!(
        failure.attr("message"),
        Some("the SSE stream ended without the response to id 2")
    );
    has(
        &failure.text,
        "at:       scenarios/transport/post-sse.toml:14",
    );
    has(&failure.text, "Authorization: Bearer [REDACTED]");
    has(&failure.text, "← sse id=ev-1 event=message");

    let skipped = suites[2].all("testcase")[0].child("skipped").unwrap();
    assert_eq!(
        skipped.attr("message"),
        Some("the server advertises no tools capability")
    );
}

#[test]
fn junit_stays_valid_with_hostile_text() {
    let mut report = fixture();
    report.checks[1].title = "bad\u{0}title\u{1b}[31m ]]> <!-- --> \u{fffe}".into();
    report.checks[1].findings[0].message = "line1\nline2\r\u{7}".into();
    report.checks[1].transcript.push(Entry::Stderr {
        t_ms: 50,
        line: "\u{1b}[2J\u{8}</failure>&amp;".into(),
    });
    report.checks[3].skip_reason = Some("quote \" apostrophe ' <tag>".into());
    let root = parse_xml(&render(Format::Junit, &report, &QUIET));
    let failing = root.all("testsuite")[1].all("testcase")[0];
    assert_eq!(
        failing.attr("name"),
        Some("transport.post-sse: bad\\u{0}title\\u{1b}[31m ]]> <!-- --> \\u{fffe}")
    );
    let failure = failing.child("failure").unwrap();
    assert_eq!(failure.attr("message"), Some("line1\\nline2\\r\\u{7}"));
    has(&failure.text, "\\u{1b}[2J\\u{8}</failure>&amp;");
    let skipped = root.all("testsuite")[2].all("testcase")[0]
        .child("skipped")
        .unwrap();
    assert_eq!(skipped.attr("message"), Some("quote \" apostrophe ' <tag>"));
}
