//! Multi round-trip requests and `subscriptions/listen` (2026-07-28): the `v26.mrtr-*` and
//! `v26.sub-*` checks PASS against the clean reference server over HTTP and stdio, and a mock
//! server that asks for input forever gets a bounded FAIL, with retries that echo the state
//! exactly and answer every input request under a new id.

mod common;

use common::{explain, http_server, pack, run, stdio_target};
use mcp_reference_server::ServerConfig;
use mcpcheck::check::Verdict;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::transport::Target;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MODERN: ProtocolVersion = ProtocolVersion::V2026_07_28;

fn mine(id: &str) -> bool {
    id.starts_with("v26.mrtr-") || id.starts_with("v26.sub-")
}

async fn assert_clean(target: Target) {
    let scenarios = pack();
    let ours: Vec<_> = scenarios.iter().filter(|s| mine(&s.file.id)).collect();
    assert_eq!(
        ours.len(),
        10,
        "the MRTR and listen checks (v26.sub-close included)"
    );
    let report = run(target, &ours, Some(MODERN)).await;
    let bad: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.verdict != Verdict::Pass)
        .collect();
    assert!(
        bad.is_empty(),
        "clean server over {}:\n{}",
        report.transport,
        explain(&bad)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_over_http_passes_mrtr_and_listen() {
    let server = http_server(ServerConfig::default()).await;
    assert_clean(Target::Http { url: server.url() }).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_over_stdio_passes_mrtr_and_listen() {
    assert_clean(stdio_target(&[])).await;
}

/// A modern server whose one tool answers `input_required` on every round.
struct Loops {
    calls: Arc<Mutex<Vec<Value>>>,
}

impl Respond for Loops {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let id = body["id"].clone();
        let result = match body["method"].as_str().unwrap_or("") {
            "server/discover" => json!({
                "resultType": "complete", "ttlMs": 0, "cacheScope": "public",
                "supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}},
                "serverInfo": {"name": "loops", "version": "0"},
            }),
            "tools/list" => json!({
                "resultType": "complete", "ttlMs": 0, "cacheScope": "public",
                "tools": [{"name": "ask_user", "inputSchema": {"type": "object"}}],
            }),
            "tools/call" => {
                self.calls
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(body.clone());
                json!({
                    "resultType": "input_required",
                    "requestState": "opaque-state-1",
                    "inputRequests": {"who": {"method": "elicitation/create", "params": {
                        "mode": "form", "message": "Who?",
                        "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
                    }}},
                })
            }
            _ => {
                return ResponseTemplate::new(200).set_body_json(
                    json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "no"}}),
                )
            }
        };
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": id, "result": result}))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_input_required_is_a_bounded_fail() {
    let server = MockServer::start().await;
    let calls = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .respond_with(Loops {
            calls: calls.clone(),
        })
        .mount(&server)
        .await;
    let scenarios = pack();
    let retry: Vec<_> = scenarios
        .iter()
        .filter(|s| s.file.id == "v26.mrtr-retry")
        .collect();
    let started = Instant::now();
    let report = run(Target::Http { url: server.uri() }, &retry, Some(MODERN)).await;
    assert!(started.elapsed() < Duration::from_secs(30), "took too long");
    let check = &report.checks[0];
    assert_eq!(check.verdict, Verdict::Fail, "{}", explain(&[check]));
    assert!(
        check
            .findings
            .iter()
            .any(|f| f.message.contains("still input_required after 8 rounds")),
        "{}",
        explain(&[check])
    );
    let calls = calls.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(calls.len(), 8, "one call per round, at most 8");
    let ids: std::collections::BTreeSet<String> =
        calls.iter().map(|c| c["id"].to_string()).collect();
    assert_eq!(ids.len(), calls.len(), "every round has a new id");
    assert!(calls[0]["params"].get("requestState").is_none());
    assert!(calls[0]["params"].get("inputResponses").is_none());
    for retry in &calls[1..] {
        assert_eq!(retry["params"]["requestState"], json!("opaque-state-1"));
        assert_eq!(
            retry["params"]["inputResponses"]["who"]["content"]["name"],
            json!("mcpcheck-user-7f3a")
        );
        assert_eq!(retry["params"]["name"], json!("ask_user"));
        assert_eq!(
            retry["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"],
            json!({"elicitation": {}})
        );
    }
}
