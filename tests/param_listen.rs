//! 2026-07-28 `Mcp-Param-*` headers and the server ending a subscription, end to end against
//! the reference server: the param-header checks pass on the clean server and fail on its
//! faults; mcpcheck's own tool calls carry correct `Mcp-Param-*` headers and never call the
//! tool with an invalid `x-mcp-header` (`v26.http-bad-tool`), which the server counts; with
//! `--listen-max-ms` the server ends each listen, `v26.sub-close` sees the close in its evidence
//! and passes, and a wrong id in the closing result is reported — over HTTP and stdio.

mod common;

use common::{explain, http_server, pack, run, stdio_target};
use mcp_reference_server::{Fault, ServerConfig};
use mcpcheck::check::{CheckResult, RunReport, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::Scenario;
use mcpcheck::transcript::Entry;
use mcpcheck::transport::Target;
use serde_json::Value;
use std::time::Duration;

const MODERN: ProtocolVersion = ProtocolVersion::V2026_07_28;

/// How long the reference server keeps a listen open in these tests.
const LISTEN_MAX_MS: u64 = 300;

/// The scenarios of the pack with these ids, in that order (panics on a missing one).
fn scenarios(ids: &[&str]) -> Vec<Scenario> {
    let all = pack();
    ids.iter()
        .map(|id| {
            all.iter()
                .find(|s| s.file.id == *id)
                .unwrap_or_else(|| panic!("no scenario {id}"))
                .clone()
        })
        .collect()
}

async fn run_ids(target: Target, ids: &[&str]) -> RunReport {
    let chosen = scenarios(ids);
    let refs: Vec<&Scenario> = chosen.iter().collect();
    run(target, &refs, Some(MODERN)).await
}

fn check<'a>(report: &'a RunReport, id: &str) -> &'a CheckResult {
    report
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} did not run"))
}

/// The `tools/call` requests the check sent over HTTP: (tool name, headers).
fn http_tool_calls(c: &CheckResult) -> Vec<(String, Vec<(String, String)>)> {
    c.transcript
        .iter()
        .filter_map(|e| match e {
            Entry::HttpRequest {
                headers,
                body: Some(b),
                ..
            } => {
                let v: Value = serde_json::from_str(b).ok()?;
                let name = v["params"]["name"].as_str()?;
                (v["method"] == "tools/call").then(|| (name.to_string(), headers.clone()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn mcpcheck_sends_param_headers_and_never_calls_the_invalid_tool() {
    let server = http_server(ServerConfig::default()).await;
    let target = Target::Http { url: server.url() };
    let report = run_ids(target.clone(), &["tools.call-each", "tools.output-schema"]).await;
    for c in &report.checks {
        assert_eq!(c.verdict, Verdict::Pass, "{}", explain(&[c]));
    }
    let calls = http_tool_calls(check(&report, "tools.call-each"));
    assert!(
        calls.iter().all(|(name, _)| name != "header_ratio"),
        "tools.call-each called the tool with an invalid x-mcp-header"
    );
    let (_, headers) = calls
        .iter()
        .find(|(name, _)| name == "header_echo")
        .expect("tools.call-each calls header_echo");
    for h in [
        "mcp-param-region",
        "mcp-param-priority",
        "mcp-param-dry-run",
    ] {
        assert!(
            headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(h)),
            "{h} missing from {headers:?}"
        );
    }
    let stats = server.param_header_stats();
    assert_eq!(stats.bad_tool_calls, 0);
    assert_eq!(stats.rejected, 0, "mcpcheck's own calls were refused");
    assert!(stats.accepted >= 2, "{stats:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn param_header_checks_pass_on_the_clean_server() {
    let server = http_server(ServerConfig::default()).await;
    let ids = ["v26.http-param-header", "v26.http-param-header-encoded"];
    let report = run_ids(Target::Http { url: server.url() }, &ids).await;
    for c in &report.checks {
        assert_eq!(c.verdict, Verdict::Pass, "{}", explain(&[c]));
    }
    // The refusals are the scenarios' deliberate mismatches (5 + 1), nothing else.
    let stats = server.param_header_stats();
    assert_eq!((stats.rejected, stats.bad_tool_calls), (6, 0), "{stats:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn param_header_faults_fail_their_checks() {
    for (fault, id) in [
        (Fault::V26ParamHeaderUnchecked, "v26.http-param-header"),
        (
            Fault::V26ParamHeaderUnchecked,
            "v26.http-param-header-encoded",
        ),
        (
            Fault::V26ParamHeaderNotDecoded,
            "v26.http-param-header-encoded",
        ),
    ] {
        let server = http_server(ServerConfig::with_fault(fault)).await;
        let report = run_ids(Target::Http { url: server.url() }, &[id]).await;
        let c = check(&report, id);
        assert_eq!(
            c.verdict,
            Verdict::Fail,
            "{fault} × {id}: {}",
            explain(&[c])
        );
        server.shutdown().await;
    }
}

/// Every JSON-RPC message the check received (SSE data and stdio lines).
fn received(c: &CheckResult) -> Vec<Value> {
    c.transcript
        .iter()
        .filter_map(|e| match e {
            Entry::SseEvent { data, .. } => serde_json::from_str(data).ok(),
            Entry::StdioRecv { line, .. } => serde_json::from_str(line).ok(),
            _ => None,
        })
        .collect()
}

/// The result that ended the check's listen, from its evidence.
fn closing_result(c: &CheckResult) -> Option<Value> {
    received(c).into_iter().find(|m| {
        m["result"].is_object()
            && m["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("mcpcheck-close-"))
    })
}

async fn sub_close(target: Target) -> CheckResult {
    let report = run_ids(target, &["v26.sub-close"]).await;
    report.checks[0].clone()
}

fn closing_config(fault: Option<Fault>) -> ServerConfig {
    ServerConfig {
        listen_max: Some(Duration::from_millis(LISTEN_MAX_MS)),
        ..fault.map(ServerConfig::with_fault).unwrap_or_default()
    }
}

fn closing_stdio(fault: Option<Fault>) -> Target {
    let mut args = vec!["--listen-max-ms".to_string(), LISTEN_MAX_MS.to_string()];
    if let Some(f) = fault {
        args.extend(["--fault".to_string(), f.name().to_string()]);
    }
    stdio_target(&args)
}

/// The clean close passes with the closing result in evidence, carrying the listen id.
fn assert_clean_close(c: &CheckResult) {
    assert_eq!(c.verdict, Verdict::Pass, "{}", explain(&[c]));
    let end = closing_result(c).expect("the closing result is in the evidence");
    assert_eq!(
        end["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        end["id"]
    );
}

/// The wrong id is reported (a SHOULD: WARN) and named in the finding.
fn assert_wrong_close(c: &CheckResult) {
    assert_eq!(c.verdict, Verdict::Warn, "{}", explain(&[c]));
    assert!(
        c.findings.iter().any(|f| f.message.contains("-other")),
        "{}",
        explain(&[c])
    );
}

#[tokio::test]
async fn the_server_ends_a_listen_over_http() {
    let server = http_server(closing_config(None)).await;
    assert_clean_close(&sub_close(Target::Http { url: server.url() }).await);
    server.shutdown().await;
    let server = http_server(closing_config(Some(Fault::V26ListenCloseWrongId))).await;
    assert_wrong_close(&sub_close(Target::Http { url: server.url() }).await);
    server.shutdown().await;
}

#[tokio::test]
async fn the_server_ends_a_listen_over_stdio() {
    assert_clean_close(&sub_close(closing_stdio(None)).await);
    assert_wrong_close(&sub_close(closing_stdio(Some(Fault::V26ListenCloseWrongId))).await);
}

#[tokio::test]
async fn without_listen_max_the_close_is_not_observed() {
    let server = http_server(ServerConfig::default()).await;
    let c = sub_close(Target::Http { url: server.url() }).await;
    assert_eq!(c.verdict, Verdict::Pass, "{}", explain(&[&c]));
    assert!(closing_result(&c).is_none());
    server.shutdown().await;
}
