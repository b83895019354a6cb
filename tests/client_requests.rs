//! Server→client requests (sampling, elicitation, roots) end to end: the clean reference server
//! passes the `client.*` scenarios over HTTP and stdio at every stateful version they cover; a
//! client that declares nothing gets no request; a server sending a malformed sampling request
//! fails the check with the request as evidence.

mod common;

use common::{explain, http_server, pack, run, stdio_target};
use mcp_reference_server::ServerConfig;
use mcpcheck::check::{RunReport, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::{run_scenario, RunContext, Scenario, ToolCallPolicy};
use mcpcheck::session::Session;
use mcpcheck::transcript::Transcript;
use mcpcheck::transport::{ClientOptions, Target};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client_scenarios(all: &[Scenario]) -> Vec<&Scenario> {
    all.iter()
        .filter(|s| s.file.id.starts_with("client."))
        .collect()
}

/// Ids of the client scenarios that apply at `version` (the rest must SKIP).
fn applicable(version: ProtocolVersion) -> Vec<&'static str> {
    let mut ids = vec![
        "client.gate",
        "client.roots",
        "client.sampling",
        "client.sampling-replies",
    ];
    if version >= ProtocolVersion::V2025_06_18 {
        ids.extend(["client.elicitation-actions", "client.elicitation-form"]);
    }
    if version >= ProtocolVersion::V2025_11_25 {
        ids.extend([
            "client.elicitation-complete",
            "client.elicitation-url",
            "client.elicitation-url-gate",
            "client.sampling-tools",
        ]);
    }
    ids.sort_unstable();
    ids
}

fn assert_clean(report: &RunReport, version: ProtocolVersion, wire: &str) {
    let checks: Vec<_> = report.checks.iter().collect();
    let bad: Vec<_> = checks
        .iter()
        .copied()
        .filter(|c| c.verdict != Verdict::Pass && c.verdict != Verdict::Skip)
        .collect();
    assert!(
        bad.is_empty(),
        "{wire} {version}: not passing:\n{}",
        explain(&bad)
    );
    let mut passed: Vec<&str> = checks
        .iter()
        .filter(|c| c.verdict == Verdict::Pass)
        .map(|c| c.id.as_str())
        .collect();
    passed.sort_unstable();
    assert_eq!(
        passed,
        applicable(version),
        "{wire} {version}: every applicable scenario passes, the rest skip:\n{}",
        explain(&checks)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_server_passes_over_http_at_every_stateful_version() {
    let all = pack();
    let scenarios = client_scenarios(&all);
    assert_eq!(scenarios.len(), 10);
    let server = http_server(ServerConfig::default()).await;
    for version in ProtocolVersion::STATEFUL_HTTP {
        let report = run(
            Target::Http { url: server.url() },
            &scenarios,
            Some(version),
        )
        .await;
        assert_clean(&report, version, "http");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_server_passes_over_stdio() {
    let all = pack();
    let scenarios = client_scenarios(&all);
    for version in [ProtocolVersion::V2025_06_18, ProtocolVersion::V2025_11_25] {
        let report = run(stdio_target(&[]), &scenarios, Some(version)).await;
        assert_clean(&report, version, "stdio");
    }
}

/// Calls `tool` in a session declaring `caps`, answering server requests with `replies`.
async fn call_tool(
    target: &Target,
    caps: Value,
    replies: &[(&str, Value)],
    tool: &str,
) -> (Value, Vec<Value>) {
    let opts = ClientOptions {
        timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    };
    let mut s = Session::open(target, opts, Transcript::new())
        .await
        .expect("open");
    s.set_client_capabilities(caps);
    for (m, r) in replies {
        s.set_reply(m, r.clone());
    }
    s.handshake(ProtocolVersion::V2025_11_25)
        .await
        .expect("handshake");
    let ex = s
        .request("tools/call", Some(json!({"name": tool, "arguments": {}})))
        .await
        .expect("tools/call answered");
    let asked = s.server_requests().to_vec();
    let _ = s.close().await;
    (ex.response.expect("a response"), asked)
}

#[tokio::test]
async fn a_client_declaring_nothing_gets_no_request_and_each_tool_names_the_capability() {
    let server = http_server(ServerConfig::default()).await;
    let target = Target::Http { url: server.url() };
    for (tool, cap) in [
        ("ask_model", "sampling"),
        ("ask_user", "elicitation"),
        ("ask_user_url", "elicitation.url"),
        ("list_roots", "roots"),
    ] {
        let (resp, asked) = call_tool(&target, json!({}), &[], tool).await;
        assert!(asked.is_empty(), "{tool} asked {asked:?}");
        assert_eq!(resp["result"]["isError"], json!(true), "{tool}: {resp}");
        let text = resp["result"]["content"][0]["text"].as_str().unwrap_or("");
        assert!(text.contains(&format!("`{cap}`")), "{tool}: {text}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn each_answer_reaches_the_tool_result_over_stdio() {
    let target = stdio_target(&[]);
    let (resp, asked) = call_tool(
        &target,
        json!({"roots": {}}),
        &[(
            "roots/list",
            json!({"roots": [{"uri": "file:///a"}, {"uri": "file:///b"}]}),
        )],
        "list_roots",
    )
    .await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["method"], json!("roots/list"));
    assert_eq!(
        resp["result"]["content"][0]["text"],
        json!("roots: file:///a, file:///b")
    );
    let (resp, asked) = call_tool(
        &target,
        json!({"elicitation": {"form": {}, "url": {}}}),
        &[("elicitation/create", json!({"action": "decline"}))],
        "ask_user_url",
    )
    .await;
    assert_eq!(asked[0]["params"]["mode"], json!("url"));
    assert!(asked[0]["params"]["elicitationId"].is_string());
    assert_eq!(
        resp["result"]["content"][0]["text"],
        json!("the user declined to open the page")
    );
}

/// A server whose tool `ask_model` sends a sampling request without `maxTokens`.
async fn malformed_sampling_server() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "initialize"})))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("mcp-session-id", "sess-1")
                .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": {
                    "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                    "serverInfo": {"name": "mock", "version": "0"}}})),
        )
        .mount(&s)
        .await;
    let request = json!({"jsonrpc": "2.0", "id": "s-1", "method": "sampling/createMessage",
        "params": {"messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]}});
    let result = json!({"jsonrpc": "2.0", "id": 2, "result": {
        "content": [{"type": "text", "text": "mock answered: mcpcheck-sampled-7f3a"}]}});
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "tools/call"})))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!("event: message\ndata: {request}\n\nevent: message\ndata: {result}\n\n"),
            "text/event-stream",
        ))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&s)
        .await;
    s
}

#[tokio::test]
async fn a_malformed_sampling_request_fails_with_the_request_as_evidence() {
    let s = malformed_sampling_server().await;
    let ctx = RunContext {
        target: Target::Http {
            url: format!("{}/mcp", s.uri()),
        },
        opts: ClientOptions {
            timeout: Duration::from_secs(3),
            ..ClientOptions::default()
        },
        version: ProtocolVersion::V2025_11_25,
        init_result: json!({"capabilities": {"tools": {}}}),
        tools: vec![json!({"name": "ask_model", "inputSchema": {"type": "object"}})],
        vars: Default::default(),
        call_tools: ToolCallPolicy::NonDestructive,
    };
    let all = pack();
    let sampling = all
        .iter()
        .find(|x| x.file.id == "client.sampling")
        .expect("client.sampling exists");
    let r = run_scenario(sampling, &ctx).await;
    assert_eq!(r.verdict, Verdict::Fail, "{r:#?}");
    let finding = r
        .findings
        .iter()
        .find(|f| f.message.contains("maxTokens"))
        .unwrap_or_else(|| panic!("a finding names maxTokens: {:#?}", r.findings));
    assert!(finding.message.contains("sampling/createMessage"));
    assert!(finding
        .actual
        .as_deref()
        .is_some_and(|a| a.contains("\"s-1\"")));
    let recorded = serde_json::to_string(&r.transcript).unwrap_or_default();
    assert!(
        recorded.contains("sampling/createMessage"),
        "the request is in the transcript"
    );
    assert!(
        recorded.contains("mcpcheck-model"),
        "the harness's reply is in the transcript: {recorded}"
    );
}

/// The faults of this area, each caught by every scenario declaring it (over HTTP and stdio);
/// the full matrix is `fault_matrix.rs`, this is the focused view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_client_request_fault_is_caught_by_its_scenarios_on_both_wires() {
    use mcp_reference_server::Fault;
    let all = pack();
    for fault in [
        Fault::SamplingWithoutCapability,
        Fault::ElicitationNestedSchema,
        Fault::ElicitationUrlUndeclared,
        Fault::SamplingMissingMaxTokens,
        Fault::ClientReplyIgnored,
    ] {
        let declaring: Vec<&Scenario> = all
            .iter()
            .filter(|s| s.file.detects.iter().any(|d| d == fault.name()))
            .collect();
        assert!(!declaring.is_empty(), "{fault} is declared by no scenario");
        let server = http_server(ServerConfig::with_fault(fault)).await;
        let http = run(
            Target::Http { url: server.url() },
            &declaring,
            Some(ProtocolVersion::V2025_11_25),
        )
        .await;
        server.shutdown().await;
        let stdio = run(
            stdio_target(&["--fault".into(), fault.name().into()]),
            &declaring,
            Some(ProtocolVersion::V2025_11_25),
        )
        .await;
        for (wire, report) in [("http", &http), ("stdio", &stdio)] {
            for c in &report.checks {
                assert!(
                    matches!(c.verdict, Verdict::Fail | Verdict::Warn),
                    "{fault} not caught by {} over {wire}:\n{}",
                    c.id,
                    explain(&[c])
                );
            }
        }
    }
}
