//! Tasks that need input, task status notices (2025-11-25) and sampling tool balance, end to
//! end: the clean reference server passes `tasks.input`, `tasks.status-notice`,
//! `tasks.lifecycle` and `client.sampling-tools` over HTTP and stdio; each fault of the area is
//! caught by the scenarios declaring it (over both wires); earlier revisions SKIP; a server
//! whose task stays `input_required` forever gives a bounded FAIL, not a hang; and a server
//! that asks for the input on the standalone GET stream instead of the `tasks/result` stream
//! passes (and is judged the same: a missing related-task `_meta` there still FAILs).

mod common;
#[path = "tasks_input/get_stream_server.rs"]
mod get_stream_server;

use common::{explain, http_server, pack, run, stdio_target};
use get_stream_server::{Behaviour, GetStreamServer};
use mcp_reference_server::{Fault, ServerConfig};
use mcpcheck::check::{CheckResult, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::{run_scenario, RunContext, Scenario, ToolCallPolicy};
use mcpcheck::transport::{ClientOptions, Target};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const IDS: [&str; 4] = [
    "tasks.input",
    "tasks.status-notice",
    "tasks.lifecycle",
    "client.sampling-tools",
];

const FAULTS: [Fault; 4] = [
    Fault::TaskInputNoRelatedMeta,
    Fault::TaskStatusAfterTerminal,
    Fault::TaskStatusNoticeRelatedMeta,
    Fault::SamplingUnbalancedToolUse,
];

fn scenarios(all: &[Scenario]) -> Vec<&Scenario> {
    all.iter()
        .filter(|s| IDS.contains(&s.file.id.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_server_passes_over_http_and_stdio() {
    let all = pack();
    let chosen = scenarios(&all);
    assert_eq!(chosen.len(), IDS.len());
    let server = http_server(ServerConfig::default()).await;
    let http = run(Target::Http { url: server.url() }, &chosen, None).await;
    server.shutdown().await;
    let stdio = run(stdio_target(&[]), &chosen, None).await;
    for (wire, report) in [("http", &http), ("stdio", &stdio)] {
        let checks: Vec<_> = report.checks.iter().collect();
        assert_eq!(checks.len(), IDS.len());
        assert!(
            checks.iter().all(|c| c.verdict == Verdict::Pass),
            "{wire}:\n{}",
            explain(&checks)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_revisions_skip() {
    let all = pack();
    let chosen = scenarios(&all);
    let server = http_server(ServerConfig::default()).await;
    let report = run(
        Target::Http { url: server.url() },
        &chosen,
        Some(ProtocolVersion::V2025_06_18),
    )
    .await;
    server.shutdown().await;
    assert!(
        report.checks.iter().all(|c| c.verdict == Verdict::Skip),
        "{}",
        explain(&report.checks.iter().collect::<Vec<_>>())
    );
}

/// The verdicts the scenarios declaring `fault` give against a server with it, over `target`.
async fn verdicts(fault: Fault, stdio: bool) -> Vec<(String, Verdict, String)> {
    let all = pack();
    let declaring: Vec<&Scenario> = all
        .iter()
        .filter(|s| s.file.detects.iter().any(|d| d == fault.name()))
        .collect();
    assert!(!declaring.is_empty(), "{fault} is declared by no scenario");
    let report = if stdio {
        run(
            stdio_target(&["--fault".into(), fault.name().into()]),
            &declaring,
            None,
        )
        .await
    } else {
        let server = http_server(ServerConfig::with_fault(fault)).await;
        let r = run(Target::Http { url: server.url() }, &declaring, None).await;
        server.shutdown().await;
        r
    };
    report
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.verdict, explain(&[c])))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_is_caught_over_http_and_stdio() {
    for fault in FAULTS {
        // A SHOULD rule is a WARN; the others FAIL.
        let want = if fault == Fault::TaskStatusNoticeRelatedMeta {
            Verdict::Warn
        } else {
            Verdict::Fail
        };
        for stdio in [false, true] {
            for (id, verdict, why) in verdicts(fault, stdio).await {
                assert_eq!(verdict, want, "{fault} × {id} (stdio: {stdio}):\n{why}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_input_check_reports_a_missing_related_meta_and_the_ignored_answer() {
    let all = pack();
    let input: Vec<&Scenario> = all.iter().filter(|s| s.file.id == "tasks.input").collect();
    for (fault, needle) in [
        (Fault::TaskInputNoRelatedMeta, "lacks _meta"),
        (
            Fault::ClientReplyIgnored,
            "does not carry the client's answer",
        ),
    ] {
        let server = http_server(ServerConfig::with_fault(fault)).await;
        let report = run(Target::Http { url: server.url() }, &input, None).await;
        server.shutdown().await;
        let c = &report.checks[0];
        assert!(
            c.findings.iter().any(|f| f.message.contains(needle)),
            "{fault}:\n{}",
            explain(&[c])
        );
    }
}

/// The JSON-RPC id of a request body (echoed by the mock).
fn id_of(req: &Request) -> Value {
    serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .unwrap_or(Value::Null)
}

/// A mock answering `method` with `result` (the request's id echoed), after `delay`.
async fn answer(s: &MockServer, method_name: &str, result: Value, delay: Duration) {
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": method_name})))
        .respond_with(move |req: &Request| {
            ResponseTemplate::new(200)
                .set_delay(delay)
                .set_body_json(json!({"jsonrpc": "2.0", "id": id_of(req), "result": result}))
        })
        .mount(s)
        .await;
}

#[tokio::test]
async fn a_task_stuck_in_input_required_fails_within_the_timeout() {
    let s = MockServer::start().await;
    let caps = json!({"tools": {}, "tasks": {"requests": {"tools": {"call": {}}}}});
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "initialize"})))
        .respond_with(move |req: &Request| {
            ResponseTemplate::new(200)
                .insert_header("mcp-session-id", "sess-1")
                .set_body_json(json!({"jsonrpc": "2.0", "id": id_of(req), "result": {
                    "protocolVersion": "2025-11-25", "capabilities": caps,
                    "serverInfo": {"name": "stuck", "version": "0"}}}))
        })
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"method": "notifications/initialized"}),
        ))
        .respond_with(ResponseTemplate::new(202))
        .mount(&s)
        .await;
    let task = |status: &str| {
        json!({"taskId": "t-1", "status": status, "createdAt": "2025-11-25T10:00:00Z",
            "lastUpdatedAt": "2025-11-25T10:00:00Z", "ttl": 60000, "pollInterval": 20})
    };
    let now = Duration::ZERO;
    answer(&s, "tools/call", json!({"task": task("working")}), now).await;
    answer(&s, "tasks/get", task("input_required"), now).await;
    // tasks/result never answers within the test, and no request for input ever comes.
    answer(
        &s,
        "tasks/result",
        json!({"content": []}),
        Duration::from_secs(60),
    )
    .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&s)
        .await;
    let ctx = mock_ctx(format!("{}/mcp", s.uri()));
    let all = pack();
    let input = all.iter().find(|x| x.file.id == "tasks.input").unwrap();
    let started = Instant::now();
    let r = run_scenario(input, &ctx).await;
    let took = started.elapsed();
    assert_eq!(r.verdict, Verdict::Fail, "{r:#?}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(
        r.findings
            .iter()
            .any(|f| f.message.contains("no request for input")),
        "{:#?}",
        r.findings
    );
}

/// A 2025-11-25 run against a mock at `url` serving the task-only tool `approval_job`, with a
/// 2 s client timeout.
fn mock_ctx(url: String) -> RunContext {
    RunContext {
        target: Target::Http { url },
        opts: ClientOptions {
            timeout: Duration::from_secs(2),
            ..ClientOptions::default()
        },
        version: ProtocolVersion::V2025_11_25,
        init_result: json!({"capabilities": {"tools": {},
            "tasks": {"requests": {"tools": {"call": {}}}}}}),
        tools: vec![
            json!({"name": "approval_job", "inputSchema": {"type": "object"},
            "execution": {"taskSupport": "required"}}),
        ],
        vars: Default::default(),
        call_tools: ToolCallPolicy::NonDestructive,
    }
}

/// Runs `tasks.input` against a server asking on the GET stream only.
async fn run_against_get_asker(related_meta: bool) -> (GetStreamServer, CheckResult) {
    let server = GetStreamServer::start(Behaviour { related_meta }).await;
    let all = pack();
    let input = all.iter().find(|x| x.file.id == "tasks.input").unwrap();
    let r = run_scenario(input, &mock_ctx(server.url())).await;
    (server, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_asked_on_the_get_stream_is_answered_and_passes() {
    let started = Instant::now();
    let (server, r) = run_against_get_asker(true).await;
    assert_eq!(r.verdict, Verdict::Pass, "{}", explain(&[&r]));
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(server.gets() >= 1, "the check opened no GET stream");
    // The answer came from [client.replies] (the scenario's marker name).
    let answer = server.answer().expect("the elicitation was not answered");
    assert_eq!(answer["content"]["name"], json!("mcpcheck-approver-51c2"));
    // The GET stream was closed when the check ended.
    let deadline = Instant::now() + Duration::from_secs(2);
    while server.get_stream_open() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!server.get_stream_open(), "the GET stream was left open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_asked_on_the_get_stream_is_judged_like_on_the_result_stream() {
    let (server, r) = run_against_get_asker(false).await;
    assert_eq!(r.verdict, Verdict::Fail, "{}", explain(&[&r]));
    assert!(server.answer().is_some());
    assert!(
        r.findings.iter().any(|f| f.message.contains("lacks _meta")),
        "{}",
        explain(&[&r])
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.message.contains("no request for input")),
        "{}",
        explain(&[&r])
    );
}
