//! The harness against a misbehaving Streamable HTTP server (wiremock): a wrong response id, a
//! garbage body and a hanging response each turn the check into a FAIL with evidence, quickly,
//! without a panic or a hang.

mod common;

use common::pack;
use mcpcheck::check::Verdict;
use mcpcheck::scenario::{run_scenario, RunContext, ToolCallPolicy};
use mcpcheck::transport::{ClientOptions, Target};
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server that initializes correctly and answers `ping` with `ping_reply`.
async fn server(ping_reply: ResponseTemplate) -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "initialize"})))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("mcp-session-id", "sess-1")
                .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": {
                    "protocolVersion": "2025-11-25", "capabilities": {},
                    "serverInfo": {"name": "mock", "version": "0"}}})),
        )
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"method": "notifications/initialized"}),
        ))
        .respond_with(ResponseTemplate::new(202))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "ping"})))
        .respond_with(ping_reply)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&s)
        .await;
    s
}

fn context(url: String) -> RunContext {
    RunContext {
        target: Target::Http { url },
        opts: ClientOptions {
            timeout: Duration::from_secs(2),
            ..ClientOptions::default()
        },
        version: mcpcheck::protocol::ProtocolVersion::V2025_11_25,
        init_result: json!({"capabilities": {}}),
        tools: Vec::new(),
        vars: Default::default(),
        call_tools: ToolCallPolicy::NonDestructive,
    }
}

async fn ping_check(reply: ResponseTemplate) -> (mcpcheck::check::CheckResult, Duration) {
    let s = server(reply).await;
    let scenarios = pack();
    let ping = scenarios
        .iter()
        .find(|x| x.file.id == "lifecycle.ping")
        .expect("lifecycle.ping exists");
    let started = Instant::now();
    let result = run_scenario(ping, &context(format!("{}/mcp", s.uri()))).await;
    (result, started.elapsed())
}

#[tokio::test]
async fn wrong_response_id_fails_with_evidence() {
    let (r, took) = ping_check(
        ResponseTemplate::new(200).set_body_json(json!({"jsonrpc":"2.0","id":"other","result":{}})),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Fail, "{r:#?}");
    assert!(!r.transcript.is_empty(), "a failure carries its transcript");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test]
async fn garbage_body_fails_with_evidence() {
    let (r, _) = ping_check(
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string("<html>oops"),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Fail, "{r:#?}");
    let recorded = serde_json::to_string(&r.transcript).unwrap_or_default();
    assert!(
        recorded.contains("oops"),
        "the garbage is in the evidence: {recorded}"
    );
}

#[tokio::test]
async fn hanging_response_fails_within_the_timeout() {
    let (r, took) = ping_check(
        ResponseTemplate::new(200)
            .set_delay(Duration::from_secs(30))
            .set_body_json(json!({"jsonrpc":"2.0","id":1,"result":{}})),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Fail, "{r:#?}");
    assert!(
        took < Duration::from_secs(12),
        "a hanging server must cost about the timeout, took {took:?}"
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.message.contains("ms") || f.message.contains("time")),
        "{:#?}",
        r.findings
    );
}
