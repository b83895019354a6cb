//! Fault switches of the 2026-07-28 (stateless) wire: each test runs the same modern probe
//! against a clean server and against one with the switch on, and asserts the rule holds, then
//! breaks.

mod common;

use common::http::{start, Exchange, HttpClient};
use common::modern::{self as m, set};
use common::{assert_covers, error_code, result};
use mcp_reference_server::{Fault, ServerConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

const COVERED: &[Fault] = &[
    Fault::V26NoDiscover,
    Fault::V26UnsupportedVersionServed,
    Fault::V26HeaderMismatchOk,
    Fault::V26MethodHeaderIgnored,
    Fault::V26NameHeaderIgnored,
    Fault::V26RemovedMethodServed,
    Fault::V26NoResultType,
    Fault::V26NoCacheHints,
    Fault::V26NotFound32002,
    Fault::V26SessionMinted,
    Fault::V26LogUnrequested,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_modern", COVERED);
}

fn config(fault: Option<Fault>) -> ServerConfig {
    fault.map(ServerConfig::with_fault).unwrap_or_default()
}

/// Runs one modern request (headers edited by `edit`) against a server with `fault`.
async fn probe(
    fault: Option<Fault>,
    method: &str,
    params: Value,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> Exchange {
    let server = start(config(fault)).await;
    let c = HttpClient::new(server.url());
    let body = m::request(json!(1), method, params);
    let ex = m::post_edited(&c, &body, edit).await;
    server.shutdown().await;
    ex
}

async fn plain(fault: Option<Fault>, method: &str, params: Value) -> Exchange {
    probe(fault, method, params, |_| {}).await
}

fn unsupported_version(params: &mut Value) {
    params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": "1900-01-01"});
}

#[tokio::test]
async fn v26_no_discover() {
    let ex = plain(None, "server/discover", json!({})).await;
    assert_eq!(result(ex.message())["resultType"], json!("complete"));
    let ex = plain(Some(Fault::V26NoDiscover), "server/discover", json!({})).await;
    assert_eq!(ex.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(ex.message()), -32601);
}

#[tokio::test]
async fn v26_unsupported_version_served() {
    let mut params = json!({});
    unsupported_version(&mut params);
    let old = |h: &mut Vec<(String, String)>| set(h, "MCP-Protocol-Version", Some("1900-01-01"));
    let ex = probe(None, "tools/list", params.clone(), old).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(ex.message()), -32022);
    let ex = probe(
        Some(Fault::V26UnsupportedVersionServed),
        "tools/list",
        params,
        old,
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    assert!(result(ex.message())["tools"].is_array());
}

#[tokio::test]
async fn v26_header_mismatch_ok() {
    let other = |h: &mut Vec<(String, String)>| set(h, "MCP-Protocol-Version", Some("2025-11-25"));
    let ex = probe(None, "tools/list", json!({}), other).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(ex.message()), -32020);
    let ex = probe(
        Some(Fault::V26HeaderMismatchOk),
        "tools/list",
        json!({}),
        other,
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
}

#[tokio::test]
async fn v26_method_header_ignored() {
    let other = |h: &mut Vec<(String, String)>| set(h, "Mcp-Method", Some("prompts/list"));
    let ex = probe(None, "tools/list", json!({}), other).await;
    assert_eq!(error_code(ex.message()), -32020);
    let ex = probe(
        Some(Fault::V26MethodHeaderIgnored),
        "tools/list",
        json!({}),
        other,
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    assert!(result(ex.message())["tools"].is_array());
}

#[tokio::test]
async fn v26_name_header_ignored() {
    let params = json!({"name": "echo", "arguments": {"text": "hi"}});
    let missing = |h: &mut Vec<(String, String)>| set(h, "Mcp-Name", None);
    let ex = probe(None, "tools/call", params.clone(), missing).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(ex.message()), -32020);
    let ex = probe(
        Some(Fault::V26NameHeaderIgnored),
        "tools/call",
        params,
        missing,
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    assert!(result(ex.message())["content"].is_array());
}

#[tokio::test]
async fn v26_removed_method_served() {
    let ex = plain(None, "ping", json!({})).await;
    assert_eq!(ex.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(ex.message()), -32601);
    let ex = plain(Some(Fault::V26RemovedMethodServed), "ping", json!({})).await;
    assert_eq!(ex.status, StatusCode::OK);
    assert!(result(ex.message()).is_object());
}

#[tokio::test]
async fn v26_no_result_type() {
    let ex = plain(None, "tools/list", json!({})).await;
    assert_eq!(result(ex.message())["resultType"], json!("complete"));
    let ex = plain(Some(Fault::V26NoResultType), "tools/list", json!({})).await;
    assert!(result(ex.message()).get("resultType").is_none());
}

#[tokio::test]
async fn v26_no_cache_hints() {
    for method in ["server/discover", "tools/list"] {
        let ex = plain(None, method, json!({})).await;
        let r = result(ex.message());
        assert!(r["ttlMs"].is_u64() && r["cacheScope"].is_string(), "{r}");
        let ex = plain(Some(Fault::V26NoCacheHints), method, json!({})).await;
        let r = result(ex.message());
        assert!(
            r.get("ttlMs").is_none() && r.get("cacheScope").is_none(),
            "{r}"
        );
    }
}

#[tokio::test]
async fn v26_not_found_32002() {
    let params = json!({"uri": "mcp://reference/nope"});
    let ex = plain(None, "resources/read", params.clone()).await;
    assert_eq!(error_code(ex.message()), -32602);
    let ex = plain(Some(Fault::V26NotFound32002), "resources/read", params).await;
    assert_eq!(error_code(ex.message()), -32002);
}

#[tokio::test]
async fn v26_session_minted() {
    let ex = plain(None, "tools/list", json!({})).await;
    assert!(ex.headers.get("mcp-session-id").is_none());
    let ex = plain(Some(Fault::V26SessionMinted), "tools/list", json!({})).await;
    assert!(ex.headers.get("mcp-session-id").is_some());
}

#[tokio::test]
async fn v26_log_unrequested() {
    let params = json!({"name": "echo", "arguments": {"text": "hi"}});
    let count = |ex: &Exchange| {
        ex.messages
            .iter()
            .filter(|m| m["method"] == json!("notifications/message"))
            .count()
    };
    let ex = plain(None, "tools/call", params.clone()).await;
    assert_eq!(count(&ex), 0, "{}", ex.body);
    let ex = plain(Some(Fault::V26LogUnrequested), "tools/call", params).await;
    assert!(count(&ex) > 0, "{}", ex.body);
}
