//! Batching per protocol version and JSON Schema 2020-12 tool schemas against the clean
//! reference server: over HTTP (JSON and SSE responses) and stdio at each stateful version, each
//! check PASSes where its version applies and SKIPs elsewhere; and each of their faults is caught
//! at the version and on the transport the matrix does not already cover. A mock server shows
//! that batch responses on an SSE stream are accepted as well as a JSON array body.

mod common;

use common::{explain, http_server, pack, run, stdio_target};
use mcp_reference_server::{Fault, ServerConfig};
use mcpcheck::check::{RunReport, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::Scenario;
use mcpcheck::transport::Target;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const IDS: [&str; 3] = ["base.batch", "base.batch-removed", "tools.schema-dialect"];

fn scenarios() -> Vec<Scenario> {
    let all: Vec<Scenario> = pack()
        .into_iter()
        .filter(|s| IDS.contains(&s.file.id.as_str()))
        .collect();
    assert_eq!(
        all.len(),
        IDS.len(),
        "a batch scenario is missing from the pack"
    );
    all
}

/// Whether check `id` applies at `version`.
fn applies(id: &str, version: ProtocolVersion) -> bool {
    match id {
        "base.batch" => version == ProtocolVersion::V2025_03_26,
        "base.batch-removed" => version >= ProtocolVersion::V2025_06_18,
        _ => version >= ProtocolVersion::V2025_11_25,
    }
}

fn assert_pass_or_skip(report: &RunReport, version: ProtocolVersion) {
    for c in &report.checks {
        let want = if applies(&c.id, version) {
            Verdict::Pass
        } else {
            Verdict::Skip
        };
        assert_eq!(
            c.verdict,
            want,
            "{} at {version} over {}:\n{}",
            c.id,
            report.transport,
            explain(&[c])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_over_http_at_each_version() {
    let all = scenarios();
    let refs: Vec<&Scenario> = all.iter().collect();
    for sse_responses in [false, true] {
        let server = http_server(ServerConfig {
            sse_responses,
            ..ServerConfig::default()
        })
        .await;
        for v in ProtocolVersion::STATEFUL_HTTP {
            let report = run(Target::Http { url: server.url() }, &refs, Some(v)).await;
            assert_pass_or_skip(&report, v);
        }
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_over_stdio_at_each_version() {
    let all = scenarios();
    let refs: Vec<&Scenario> = all.iter().collect();
    for v in ProtocolVersion::STATEFUL_HTTP {
        let report = run(stdio_target(&[]), &refs, Some(v)).await;
        assert_pass_or_skip(&report, v);
    }
}

/// The verdict of check `id` against a server with `fault` at `version`.
async fn verdict(fault: Fault, id: &str, version: ProtocolVersion, stdio: bool) -> Verdict {
    let all = scenarios();
    let chosen: Vec<&Scenario> = all.iter().filter(|s| s.file.id == id).collect();
    let report = if stdio {
        run(
            stdio_target(&["--fault".into(), fault.name().into()]),
            &chosen,
            Some(version),
        )
        .await
    } else {
        let server = http_server(ServerConfig::with_fault(fault)).await;
        let r = run(Target::Http { url: server.url() }, &chosen, Some(version)).await;
        server.shutdown().await;
        r
    };
    report.checks[0].verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_faults_are_caught_at_every_version_they_touch() {
    for stdio in [false, true] {
        // The fault matrix runs base.batch-removed at 2025-11-25 only.
        assert_eq!(
            verdict(
                Fault::BatchAfterRemoval,
                "base.batch-removed",
                ProtocolVersion::V2025_06_18,
                stdio
            )
            .await,
            Verdict::Warn,
            "stdio: {stdio}"
        );
        for fault in [Fault::BatchRefused, Fault::BatchEmptyOk] {
            assert_eq!(
                verdict(fault, "base.batch", ProtocolVersion::V2025_03_26, stdio).await,
                Verdict::Fail,
                "{fault}, stdio: {stdio}"
            );
        }
    }
    // A fault of one version leaves the check of another untouched.
    assert_eq!(
        verdict(
            Fault::BatchAfterRemoval,
            "base.batch",
            ProtocolVersion::V2025_03_26,
            false
        )
        .await,
        Verdict::Pass
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_tool_schema_fails_at_2026_07_28_too() {
    let v = verdict(
        Fault::ToolSchemaInvalid,
        "tools.schema-dialect",
        ProtocolVersion::V2026_07_28,
        false,
    )
    .await;
    assert_eq!(v, Verdict::Fail);
}

/// A 2025-03-26 server that answers a batch holding requests with an SSE stream, one event
/// per response (`stray`: plus a response to the batch's notification).
struct SseBatchServer {
    stray: bool,
}

impl SseBatchServer {
    fn answer(message: &Value) -> Option<Value> {
        let id = message.get("id")?.clone();
        let result = match message["method"].as_str() {
            Some("initialize") => json!({
                "protocolVersion": "2025-03-26",
                "capabilities": {},
                "serverInfo": {"name": "sse-batch-mock", "version": "0"}
            }),
            Some("ping") => json!({}),
            _ => {
                return Some(
                    json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "no"}}),
                )
            }
        };
        Some(json!({"jsonrpc": "2.0", "id": id, "result": result}))
    }
}

impl Respond for SseBatchServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        match &body {
            Value::Array(items) if items.is_empty() => ResponseTemplate::new(400).set_body_json(
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "empty batch"}}),
            ),
            Value::Array(items) => {
                let mut replies: Vec<Value> = items.iter().filter_map(Self::answer).collect();
                if replies.is_empty() {
                    return ResponseTemplate::new(202);
                }
                if self.stray {
                    replies.push(json!({"jsonrpc": "2.0", "id": null, "result": {}}));
                }
                let events: String = replies
                    .iter()
                    .map(|r| format!("event: message\ndata: {r}\n\n"))
                    .collect();
                ResponseTemplate::new(200).set_body_raw(events, "text/event-stream")
            }
            one => match Self::answer(one) {
                Some(r) => ResponseTemplate::new(200).set_body_json(r),
                None => ResponseTemplate::new(202),
            },
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_responses_on_an_sse_stream_are_accepted_and_judged() {
    let all = scenarios();
    let chosen: Vec<&Scenario> = all.iter().filter(|s| s.file.id == "base.batch").collect();
    for (stray, want) in [(false, Verdict::Pass), (true, Verdict::Fail)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(SseBatchServer { stray })
            .mount(&server)
            .await;
        let report = run(
            Target::Http {
                url: format!("{}/mcp", server.uri()),
            },
            &chosen,
            Some(ProtocolVersion::V2025_03_26),
        )
        .await;
        let c = &report.checks[0];
        assert_eq!(c.verdict, want, "stray: {stray}\n{}", explain(&[c]));
    }
}
