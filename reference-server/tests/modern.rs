//! The 2026-07-28 (stateless) wire of the clean server over HTTP (stdio: `modern_stdio.rs`):
//! discover without initialize, per-request `_meta`, the version/method/name headers, the
//! era's error codes and statuses, `resultType` and caching hints, log opt-in, and legacy
//! sessions working beside it.
//! Every modern message the server sends is validated against the official 2026-07-28 schema.

mod common;

use common::http::{start, Exchange, HttpClient};
use common::modern::{self as m, set, V26};
use common::schema26::{assert_valid, violations};
use common::{error_code, first_text, result, tool_names};
use mcp_reference_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// POSTs a modern request and validates every message of the answer.
async fn post(c: &HttpClient, body: &Value) -> Exchange {
    checked(body, m::post(c, body).await)
}

/// POSTs with edited headers and validates the answer.
async fn post_edited(
    c: &HttpClient,
    body: &Value,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> Exchange {
    checked(body, m::post_edited(c, body, edit).await)
}

fn checked(body: &Value, ex: Exchange) -> Exchange {
    let method = body["method"].as_str().unwrap_or_default();
    for msg in &ex.messages {
        assert_valid(method, msg);
    }
    assert!(
        ex.headers.get("mcp-session-id").is_none(),
        "a modern response carries a session id"
    );
    ex
}

fn req(id: i64, method: &str, params: Value) -> Value {
    m::request(json!(id), method, params)
}

async fn client(config: ServerConfig) -> (mcp_reference_server::RunningServer, HttpClient) {
    let server = start(config).await;
    let c = HttpClient::new(server.url());
    (server, c)
}

fn assert_cache_hints(r: &Value) {
    let ttl = r["ttlMs"].as_u64();
    assert!(ttl.is_some(), "no integer ttlMs ≥ 0 in {r}");
    let scope = r["cacheScope"].as_str().unwrap_or_default();
    assert!(scope == "public" || scope == "private", "cacheScope in {r}");
}

#[test]
fn the_schema_check_can_fail() {
    // A pre-2026 list result (no resultType, no cache hints) must not pass.
    let old = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": []}});
    if let Some(errs) = violations("tools/list", &old) {
        assert!(!errs.is_empty());
    }
}

#[tokio::test]
async fn discover_needs_no_initialize_and_lists_both_eras() {
    let (_s, c) = client(ServerConfig::default()).await;
    let ex = post(&c, &req(1, "server/discover", json!({}))).await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    assert_eq!(ex.content_type(), "application/json");
    let r = result(ex.message());
    assert_eq!(r["resultType"], json!("complete"));
    let versions = r["supportedVersions"].as_array().unwrap();
    for v in [V26, "2025-11-25", "2025-06-18", "2025-03-26"] {
        assert!(
            versions.contains(&json!(v)),
            "{v} missing from {versions:?}"
        );
    }
    for cap in ["tools", "resources", "prompts", "completions", "logging"] {
        assert!(r["capabilities"].get(cap).is_some(), "{cap}");
    }
    assert_cache_hints(r);
    assert!(r["instructions"].is_string());
    assert_eq!(
        r["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        json!("mcp-reference-server")
    );
}

#[tokio::test]
async fn lists_carry_result_type_and_cache_hints_on_every_page() {
    let (_s, c) = client(ServerConfig::default()).await;
    for (method, key) in [
        ("tools/list", "tools"),
        ("prompts/list", "prompts"),
        ("resources/list", "resources"),
        ("resources/templates/list", "resourceTemplates"),
    ] {
        let mut cursor: Option<Value> = None;
        let mut scopes = Vec::new();
        let mut pages = 0;
        loop {
            let params = cursor
                .as_ref()
                .map_or(json!({}), |cur| json!({"cursor": cur}));
            let ex = post(&c, &req(pages + 1, method, params)).await;
            assert_eq!(ex.status, StatusCode::OK, "{method}: {}", ex.body);
            let r = result(ex.message()).clone();
            assert_eq!(r["resultType"], json!("complete"), "{method}");
            assert_cache_hints(&r);
            assert!(r[key].is_array(), "{method}: {r}");
            scopes.push(r["cacheScope"].clone());
            pages += 1;
            cursor = r.get("nextCursor").cloned();
            if cursor.is_none() || pages > 20 {
                break;
            }
        }
        assert!(
            scopes.windows(2).all(|w| w[0] == w[1]),
            "{method}: {scopes:?}"
        );
        if method == "tools/list" {
            assert!(pages > 1, "the tool list should span pages");
        }
    }
}

#[tokio::test]
async fn tools_list_order_is_deterministic_and_calls_work() {
    let (_s, c) = client(ServerConfig::default()).await;
    let first = post(&c, &req(1, "tools/list", json!({}))).await;
    let again = post(&c, &req(2, "tools/list", json!({}))).await;
    assert_eq!(
        tool_names(result(first.message())),
        tool_names(result(again.message()))
    );
    let ex = post(
        &c,
        &req(
            3,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
        ),
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    let r = result(ex.message());
    assert_eq!(r["resultType"], json!("complete"));
    assert!(r.get("ttlMs").is_none(), "tools/call is not cacheable: {r}");
    assert!(first_text(r).contains('5'), "{r}");
}

#[tokio::test]
async fn prompts_and_resources_are_served() {
    let (_s, c) = client(ServerConfig::default()).await;
    let ex = post(
        &c,
        &req(
            1,
            "resources/read",
            json!({"uri": "mcp://reference/readme"}),
        ),
    )
    .await;
    let r = result(ex.message());
    assert_eq!(r["resultType"], json!("complete"));
    assert_cache_hints(r);
    let prompts = post(&c, &req(2, "prompts/list", json!({}))).await;
    let name = result(prompts.message())["prompts"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = post(&c, &req(3, "prompts/list", json!({}))).await;
    let args = result(listed.message())["prompts"][0]["arguments"].clone();
    let mut arguments = serde_json::Map::new();
    for a in args.as_array().into_iter().flatten() {
        arguments.insert(a["name"].as_str().unwrap().to_string(), json!("x"));
    }
    let ex = post(
        &c,
        &req(
            4,
            "prompts/get",
            json!({"name": name, "arguments": arguments}),
        ),
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    assert_eq!(result(ex.message())["resultType"], json!("complete"));
    let complete = json!({
        "ref": {"type": "ref/prompt", "name": "code_review"},
        "argument": {"name": "language", "value": "ru"},
    });
    let ex = post(&c, &req(5, "completion/complete", complete)).await;
    let r = result(ex.message());
    assert_eq!(r["resultType"], json!("complete"));
    assert!(r["completion"]["values"].is_array(), "{r}");
}

#[tokio::test]
async fn unknown_resource_is_invalid_params() {
    let (_s, c) = client(ServerConfig::default()).await;
    let ex = post(
        &c,
        &req(1, "resources/read", json!({"uri": "mcp://reference/nope"})),
    )
    .await;
    assert_eq!(error_code(ex.message()), -32602, "{}", ex.body);
}

#[tokio::test]
async fn unsupported_version_is_rejected_on_every_method() {
    let (_s, c) = client(ServerConfig::default()).await;
    for method in ["server/discover", "tools/list"] {
        let mut body = req(1, method, json!({}));
        body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("1900-01-01");
        let ex = post(&c, &body).await;
        assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{method}");
        let msg = ex.message();
        assert_eq!(error_code(msg), -32022, "{method}");
        assert_eq!(msg["id"], json!(1));
        assert_eq!(msg["error"]["data"]["requested"], json!("1900-01-01"));
        let supported = msg["error"]["data"]["supported"].as_array().unwrap();
        assert!(supported.contains(&json!(V26)), "{supported:?}");
    }
}

#[tokio::test]
async fn version_header_must_match_meta() {
    let (_s, c) = client(ServerConfig::default()).await;
    let body = req(1, "tools/list", json!({}));
    for value in [Some("2025-11-25"), None] {
        let ex = post_edited(&c, &body, |h| set(h, "MCP-Protocol-Version", value)).await;
        assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{value:?}: {}", ex.body);
        assert_eq!(error_code(ex.message()), -32020);
    }
}

#[tokio::test]
async fn method_header_must_match_the_body_case_sensitively() {
    let (_s, c) = client(ServerConfig::default()).await;
    let body = req(1, "tools/list", json!({}));
    for value in [Some("TOOLS/LIST"), Some("prompts/list"), None] {
        let ex = post_edited(&c, &body, |h| set(h, "Mcp-Method", value)).await;
        assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{value:?}");
        assert_eq!(error_code(ex.message()), -32020);
    }
    // Header names are case-insensitive.
    let ex = post_edited(&c, &body, |h| set(h, "MCP-METHOD", Some("tools/list"))).await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
}

#[tokio::test]
async fn name_header_must_match_name_or_uri() {
    let (_s, c) = client(ServerConfig::default()).await;
    let cases = [
        req(
            1,
            "tools/call",
            json!({"name": "echo", "arguments": {"text": "hi"}}),
        ),
        req(
            2,
            "resources/read",
            json!({"uri": "mcp://reference/readme"}),
        ),
        req(3, "prompts/get", json!({"name": "nope"})),
    ];
    for body in &cases {
        for value in [Some("something-else"), None] {
            let ex = post_edited(&c, body, |h| set(h, "Mcp-Name", value)).await;
            assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{body}: {value:?}");
            assert_eq!(error_code(ex.message()), -32020);
        }
    }
}

#[tokio::test]
async fn base64_name_headers_are_decoded_before_comparing() {
    let (_s, c) = client(ServerConfig::default()).await;
    let body = req(
        1,
        "resources/read",
        json!({"uri": "mcp://reference/readme"}),
    );
    // base64("mcp://reference/readme")
    let good = "=?base64?bWNwOi8vcmVmZXJlbmNlL3JlYWRtZQ==?=";
    let ex = post_edited(&c, &body, |h| set(h, "Mcp-Name", Some(good))).await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    // base64("mcp://reference/logo")
    let wrong = "=?base64?bWNwOi8vcmVmZXJlbmNlL2xvZ28=?=";
    let ex = post_edited(&c, &body, |h| set(h, "Mcp-Name", Some(wrong))).await;
    assert_eq!(error_code(ex.message()), -32020);
    // A tool name outside the safe set arrives encoded: "héllo" is no tool, so the header
    // matches and the call fails in the handler, not in header validation.
    let body = req(2, "tools/call", json!({"name": "héllo"}));
    let ex = post_edited(&c, &body, |h| {
        set(h, "Mcp-Name", Some("=?base64?aMOpbGxv?="))
    })
    .await;
    assert_eq!(error_code(ex.message()), -32602, "{}", ex.body);
}

#[tokio::test]
async fn removed_and_unknown_methods_are_404() {
    let (_s, c) = client(ServerConfig::default()).await;
    let init = json!({"protocolVersion": V26, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}});
    for (method, params) in [
        ("initialize", init),
        ("ping", json!({})),
        ("logging/setLevel", json!({"level": "info"})),
        (
            "resources/subscribe",
            json!({"uri": "mcp://reference/readme"}),
        ),
        (
            "resources/unsubscribe",
            json!({"uri": "mcp://reference/readme"}),
        ),
        ("tasks/list", json!({})),
        ("x/unknown", json!({})),
    ] {
        let ex = post(&c, &req(1, method, params)).await;
        assert_eq!(ex.status, StatusCode::NOT_FOUND, "{method}: {}", ex.body);
        assert_eq!(error_code(ex.message()), -32601, "{method}");
    }
}

#[tokio::test]
async fn meta_without_capabilities_or_version_is_malformed() {
    let (_s, c) = client(ServerConfig::default()).await;
    let mut body = req(1, "tools/list", json!({}));
    body["params"]["_meta"]
        .as_object_mut()
        .unwrap()
        .remove("io.modelcontextprotocol/clientCapabilities");
    let ex = post(&c, &body).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(ex.message()), -32602);
    // No `_meta` at all, but the headers of a modern client.
    let bare = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}});
    let ex = post_edited(&c, &bare, |h| set(h, "MCP-Protocol-Version", Some(V26))).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{}", ex.body);
    assert_eq!(error_code(ex.message()), -32602);
}

/// The notifications/message of an exchange.
fn logs(ex: &Exchange) -> Vec<&Value> {
    ex.messages
        .iter()
        .filter(|m| m["method"] == json!("notifications/message"))
        .collect()
}

#[tokio::test]
async fn log_messages_only_with_the_opt_in_and_at_or_above_it() {
    // Every request answered as a stream, so unrequested messages would be visible.
    let config = ServerConfig {
        sse_responses: true,
        ..ServerConfig::default()
    };
    let (_s, c) = client(config).await;
    let call = |id: i64, level: Option<&str>| {
        let mut params = json!({"name": "echo", "arguments": {"text": "hi"}});
        if let Some(l) = level {
            params["_meta"] = json!({"io.modelcontextprotocol/logLevel": l});
        }
        req(id, "tools/call", params)
    };
    let ex = post(&c, &call(1, None)).await;
    assert_eq!(ex.content_type(), "text/event-stream");
    assert!(logs(&ex).is_empty(), "{}", ex.body);
    let debug = post(&c, &call(2, Some("debug"))).await;
    let levels: Vec<&Value> = logs(&debug).iter().map(|m| &m["params"]["level"]).collect();
    assert!(levels.contains(&&json!("debug")), "{}", debug.body);
    assert!(levels.contains(&&json!("info")), "{}", debug.body);
    let info = post(&c, &call(3, Some("info"))).await;
    let levels: Vec<&Value> = logs(&info).iter().map(|m| &m["params"]["level"]).collect();
    assert!(
        !levels.is_empty() && !levels.contains(&&json!("debug")),
        "{}",
        info.body
    );
    let bad = post(&c, &call(4, Some("verbose"))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(bad.message()), -32602);
}

#[tokio::test]
async fn streams_carry_own_progress_and_no_event_ids() {
    let (_s, c) = client(ServerConfig::default()).await;
    let body = req(
        1,
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 50, "steps": 2}, "_meta": {"progressToken": "p-1"}}),
    );
    let ex = post(&c, &body).await;
    assert_eq!(ex.content_type(), "text/event-stream");
    assert_eq!(
        ex.headers.get("x-accel-buffering").map(|v| v.as_bytes()),
        Some(&b"no"[..])
    );
    assert!(ex.events.iter().all(|e| e.id.is_none()), "{}", ex.body);
    let progress: Vec<&Value> = ex
        .messages
        .iter()
        .filter(|m| m["method"] == json!("notifications/progress"))
        .collect();
    assert_eq!(progress.len(), 2, "{}", ex.body);
    assert!(progress
        .iter()
        .all(|p| p["params"]["progressToken"] == json!("p-1")));
    assert_eq!(result(ex.message())["resultType"], json!("complete"));
    // Without the opt-in the stream has the response only.
    let quiet = req(
        2,
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 20, "steps": 2}}),
    );
    let ex = post(&c, &quiet).await;
    assert_eq!(ex.messages.len(), 1, "{}", ex.body);
}

#[tokio::test]
async fn no_state_carries_over_between_requests() {
    let (_s, c) = client(ServerConfig::default()).await;
    let echo = req(
        1,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "remember me"}}),
    );
    post(&c, &echo).await;
    let history = post(
        &c,
        &req(
            2,
            "tools/call",
            json!({"name": "echo_history", "arguments": {}}),
        ),
    )
    .await;
    assert!(
        !history.body.contains("remember me"),
        "a modern request saw an earlier one: {}",
        history.body
    );
}

#[tokio::test]
async fn legacy_sessions_keep_working_beside_modern_requests() {
    let (_s, c) = client(ServerConfig::default()).await;
    let mut legacy = HttpClient::new(c.url.clone());
    let init = legacy.initialize("2025-11-25").await;
    assert_eq!(init["protocolVersion"], json!("2025-11-25"));
    let tools = legacy.call(1, "tools/list", json!({})).await;
    assert!(
        tools.get("resultType").is_none(),
        "legacy results are unchanged"
    );
    let ex = post(&c, &req(2, "tools/list", json!({}))).await;
    let r = result(ex.message());
    assert_eq!(r["resultType"], json!("complete"));
    assert_cache_hints(r);
    let tools = legacy.call(3, "tools/list", json!({})).await;
    assert!(tools["tools"].is_array());
    // A legacy session id on a modern request is ignored, not an error.
    let body = req(4, "tools/list", json!({}));
    let sid = legacy.session.clone().unwrap();
    let ex = post_edited(&c, &body, |h| set(h, "Mcp-Session-Id", Some(&sid))).await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    assert_eq!(result(ex.message())["resultType"], json!("complete"));
    // Legacy GET and DELETE still work for the legacy session.
    let get = legacy.open_stream().await;
    assert_eq!(get.status, StatusCode::OK);
    let del = legacy.send(legacy.builder(reqwest::Method::DELETE)).await;
    assert_eq!(del.status, StatusCode::OK);
}
