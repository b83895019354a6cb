//! The 2026-07-28 (stateless) wire of the clean server over stdio: modern requests on the same
//! process as a legacy session, without `initialize`; the era's errors; log opt-in; cancelling a
//! modern request with `notifications/cancelled`. Every message is validated against the
//! official 2026-07-28 schema.

mod common;

use common::modern::{self as m};
use common::schema26::assert_valid;
use common::stdio::StdioClient;
use common::{error_code, result, QUIET};
use mcp_reference_server::ServerConfig;
use serde_json::{json, Value};

fn assert_cache_hints(r: &Value) {
    assert!(r["ttlMs"].as_u64().is_some(), "no integer ttlMs ≥ 0 in {r}");
    let scope = r["cacheScope"].as_str().unwrap_or_default();
    assert!(scope == "public" || scope == "private", "cacheScope in {r}");
}

async fn stdio_call(c: &mut StdioClient, id: i64, method: &str, params: Value) -> Value {
    let msg = m::stdio_request(c, json!(id), method, params).await;
    assert_valid(method, &msg);
    for n in &c.notifications {
        assert_valid(method, n);
    }
    msg
}

#[tokio::test]
async fn stdio_serves_modern_requests_without_initialize() {
    let mut c = StdioClient::start(ServerConfig::default());
    let d = stdio_call(&mut c, 1, "server/discover", json!({})).await;
    assert_eq!(result(&d)["resultType"], json!("complete"));
    assert_cache_hints(result(&d));
    let t = stdio_call(&mut c, 2, "tools/list", json!({})).await;
    assert_cache_hints(result(&t));
    let mut old = m::request(json!(3), "tools/list", json!({}));
    old["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("1900-01-01");
    c.send(&old).await;
    let e = c.response(&json!(3)).await;
    assert_valid("tools/list", &e);
    assert_eq!(error_code(&e), -32022);
    let p = stdio_call(&mut c, 4, "ping", json!({})).await;
    assert_eq!(error_code(&p), -32601);
    let r = stdio_call(
        &mut c,
        5,
        "resources/read",
        json!({"uri": "mcp://reference/nope"}),
    )
    .await;
    assert_eq!(error_code(&r), -32602);
    assert!(c.notifications.is_empty(), "{:?}", c.notifications);
    c.finish().await.unwrap();
}

#[tokio::test]
async fn stdio_logs_only_with_the_opt_in() {
    let mut c = StdioClient::start(ServerConfig::default());
    let params = json!({"name": "echo", "arguments": {"text": "x"}});
    stdio_call(&mut c, 1, "tools/call", params.clone()).await;
    assert!(c.take_notifications("notifications/message").is_empty());
    let mut with = params;
    with["_meta"] = json!({"io.modelcontextprotocol/logLevel": "debug"});
    stdio_call(&mut c, 2, "tools/call", with).await;
    assert!(!c.take_notifications("notifications/message").is_empty());
    c.finish().await.unwrap();
}

#[tokio::test]
async fn stdio_cancel_stops_a_modern_request() {
    let mut c = StdioClient::start(ServerConfig::default());
    let slow = m::request(
        json!("slow-1"),
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 3000, "steps": 3}}),
    );
    c.send(&slow).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    c.notify("notifications/cancelled", json!({"requestId": "slow-1"}))
        .await;
    // The next request is answered; the cancelled one never is.
    let d = stdio_call(&mut c, 2, "server/discover", json!({})).await;
    assert_eq!(result(&d)["resultType"], json!("complete"));
    assert!(c
        .recv_within(std::time::Duration::from_millis(1500))
        .await
        .is_none());
    c.finish().await.unwrap();
}

#[tokio::test]
async fn stdio_legacy_session_and_modern_requests_share_the_process() {
    let mut c = StdioClient::start(ServerConfig::default());
    let d = stdio_call(&mut c, 1, "server/discover", json!({})).await;
    assert!(result(&d)["supportedVersions"].is_array());
    c.initialize("2025-11-25").await;
    let legacy = c.call("tools/list", json!({})).await;
    assert!(legacy.get("resultType").is_none());
    let modern = stdio_call(&mut c, 90, "tools/list", json!({})).await;
    assert_eq!(result(&modern)["resultType"], json!("complete"));
    assert!(c.recv_within(QUIET).await.is_none());
    c.finish().await.unwrap();
}
