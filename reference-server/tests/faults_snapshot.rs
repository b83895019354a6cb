//! The snapshot fault switches, which change the server's protocol surface rather than break a
//! rule: `snap-tool-renamed` lists (and serves) `weather` as `get_weather`,
//! `snap-required-arg-added` gives `search` a required `language` argument, and
//! `snap-capability-dropped` neither advertises nor serves `logging`. Each probe compares a
//! clean server with one that has the switch on. (mcpcheck's `tests/snapshot_*.rs` show that
//! `snapshot check` calls each a breaking change.)

mod common;

use common::http::{start, HttpClient};
use common::{assert_covers, error_code, tool_names};
use mcp_reference_server::{Fault, RunningServer, ServerConfig};
use serde_json::{json, Value};

const COVERED: &[Fault] = &[
    Fault::SnapToolRenamed,
    Fault::SnapRequiredArgAdded,
    Fault::SnapCapabilityDropped,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_snapshot", COVERED);
}

/// A session on a fresh server, with the initialize result. The page size is large enough for
/// every tool to be on the first page.
async fn session(fault: Option<Fault>) -> (RunningServer, HttpClient, Value) {
    let mut config = fault.map_or_else(ServerConfig::default, ServerConfig::with_fault);
    config.page_size = 100;
    let server = start(config).await;
    let mut c = HttpClient::new(server.url());
    let init = c.initialize("2025-11-25").await;
    (server, c, init)
}

fn tool<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list["tools"].as_array()?.iter().find(|t| t["name"] == name)
}

#[tokio::test]
async fn snap_tool_renamed() {
    let (server, c, _) = session(None).await;
    let names = tool_names(&c.call(1, "tools/list", json!({})).await);
    assert!(names.iter().any(|n| n == "weather") && !names.iter().any(|n| n == "get_weather"));
    server.shutdown().await;

    let (server, c, _) = session(Some(Fault::SnapToolRenamed)).await;
    let names = tool_names(&c.call(1, "tools/list", json!({})).await);
    assert!(names.iter().any(|n| n == "get_weather"), "{names:?}");
    assert!(!names.iter().any(|n| n == "weather"), "{names:?}");
    let r = c
        .call(
            2,
            "tools/call",
            json!({"name": "get_weather", "arguments": {"city": "Paris"}}),
        )
        .await;
    assert_eq!(r["structuredContent"]["city"], "Paris");
    let old = c
        .request(
            json!(3),
            "tools/call",
            json!({"name": "weather", "arguments": {"city": "Paris"}}),
        )
        .await;
    assert_eq!(error_code(old.message()), -32602);
    server.shutdown().await;
}

#[tokio::test]
async fn snap_required_arg_added() {
    let required = |list: &Value| list_required(tool(list, "search"));
    let (server, c, _) = session(None).await;
    assert_eq!(
        required(&c.call(1, "tools/list", json!({})).await),
        ["query"]
    );
    server.shutdown().await;

    let (server, c, _) = session(Some(Fault::SnapRequiredArgAdded)).await;
    let list = c.call(1, "tools/list", json!({})).await;
    assert_eq!(required(&list), ["query", "language"]);
    let search = tool(&list, "search").expect("search listed");
    assert_eq!(
        search.pointer("/inputSchema/properties/language/type"),
        Some(&json!("string"))
    );
    server.shutdown().await;
}

fn list_required(tool: Option<&Value>) -> Vec<String> {
    tool.and_then(|t| t.pointer("/inputSchema/required"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn snap_capability_dropped() {
    let (server, c, init) = session(None).await;
    assert!(init.pointer("/capabilities/logging").is_some());
    c.call(1, "logging/setLevel", json!({"level": "info"}))
        .await;
    server.shutdown().await;

    let (server, c, init) = session(Some(Fault::SnapCapabilityDropped)).await;
    assert!(init.pointer("/capabilities/logging").is_none(), "{init}");
    assert!(
        init.pointer("/capabilities/tools").is_some(),
        "only logging is dropped"
    );
    let ex = c
        .request(json!(1), "logging/setLevel", json!({"level": "info"}))
        .await;
    assert!(error_code(ex.message()) < 0, "{}", ex.message());
    server.shutdown().await;
}
