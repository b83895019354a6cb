//! JSON-RPC batches per protocol revision and JSON Schema 2020-12 tool schemas: each fault
//! switch of these rules is probed against a clean server and one with the switch on, over HTTP
//! and (where the rule holds there) stdio.

mod common;

use common::http::{start, HttpClient};
use common::stdio::StdioClient;
use common::{assert_covers, error_code, notification, request, result, QUIET};
use mcp_reference_server::{Fault, ServerConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

const COVERED: &[Fault] = &[
    Fault::BatchRefused,
    Fault::BatchAfterRemoval,
    Fault::BatchEmptyOk,
    Fault::ToolSchemaInvalid,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_batch", COVERED);
}

/// A batch of two pings (an integer and a string id) around a notification.
fn two_pings() -> Value {
    json!([
        request(json!(1), "ping", json!({})),
        notification("notifications/mcpcheck/probe", json!({})),
        request(json!("two"), "ping", json!({})),
    ])
}

fn config(fault: Option<Fault>) -> ServerConfig {
    fault.map(ServerConfig::with_fault).unwrap_or_default()
}

async fn http_session(
    fault: Option<Fault>,
    version: &str,
) -> (mcp_reference_server::RunningServer, HttpClient) {
    let server = start(config(fault)).await;
    let mut c = HttpClient::new(server.url());
    c.initialize(version).await;
    (server, c)
}

async fn stdio_session(fault: Option<Fault>, version: &str) -> StdioClient {
    let mut c = StdioClient::start(config(fault));
    c.initialize(version).await;
    c
}

/// The ids of the responses in a batch reply.
fn ids(reply: &Value) -> Vec<Value> {
    reply
        .as_array()
        .unwrap_or_else(|| panic!("not a batch reply: {reply}"))
        .iter()
        .map(|r| {
            result(r);
            r["id"].clone()
        })
        .collect()
}

#[tokio::test]
async fn batch_refused_refuses_2025_03_26_batches() {
    let (_s, c) = http_session(None, "2025-03-26").await;
    let ex = c.post(&two_pings()).await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ids(&ex.json()), [json!(1), json!("two")]);

    let (_s, c) = http_session(Some(Fault::BatchRefused), "2025-03-26").await;
    let ex = c.post(&two_pings()).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&ex.json()), -32600);

    let mut c = stdio_session(None, "2025-03-26").await;
    c.send(&two_pings()).await;
    assert_eq!(ids(&c.recv().await), [json!(1), json!("two")]);

    let mut c = stdio_session(Some(Fault::BatchRefused), "2025-03-26").await;
    c.send(&two_pings()).await;
    assert_eq!(error_code(&c.recv().await), -32600);
}

#[tokio::test]
async fn batch_after_removal_runs_batches_of_later_revisions() {
    for version in ["2025-06-18", "2025-11-25"] {
        let (_s, c) = http_session(None, version).await;
        let ex = c.post(&two_pings()).await;
        assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(error_code(&ex.json()), -32600);

        let (_s, c) = http_session(Some(Fault::BatchAfterRemoval), version).await;
        let ex = c.post(&two_pings()).await;
        assert_eq!(ex.status, StatusCode::OK, "{version}");
        assert_eq!(ids(&ex.json()), [json!(1), json!("two")]);

        let mut c = stdio_session(None, version).await;
        c.send(&two_pings()).await;
        assert_eq!(error_code(&c.recv().await), -32600);

        let mut c = stdio_session(Some(Fault::BatchAfterRemoval), version).await;
        c.send(&two_pings()).await;
        assert_eq!(ids(&c.recv().await), [json!(1), json!("two")]);
    }
    // 2025-03-26 batches are untouched by the switch.
    let (_s, c) = http_session(Some(Fault::BatchAfterRemoval), "2025-03-26").await;
    assert_eq!(
        ids(&c.post(&two_pings()).await.json()),
        [json!(1), json!("two")]
    );
}

#[tokio::test]
async fn batch_empty_ok_takes_an_empty_array_as_a_batch() {
    let (_s, c) = http_session(None, "2025-03-26").await;
    let ex = c.post(&json!([])).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    let reply = ex.json();
    assert!(reply.is_object(), "one error object, not an array: {reply}");
    assert_eq!(error_code(&reply), -32600);

    let (_s, c) = http_session(Some(Fault::BatchEmptyOk), "2025-03-26").await;
    let ex = c.post(&json!([])).await;
    assert_eq!((ex.status, ex.body.as_str()), (StatusCode::ACCEPTED, ""));

    let mut c = stdio_session(None, "2025-03-26").await;
    c.send(&json!([])).await;
    let reply = c.recv().await;
    assert!(reply["id"].is_null());
    assert_eq!(error_code(&reply), -32600);

    let mut c = stdio_session(Some(Fault::BatchEmptyOk), "2025-03-26").await;
    c.send(&json!([])).await;
    assert_eq!(c.recv_within(QUIET).await, None);
    // Later revisions still refuse it (their refusal is about batches as such).
    let mut c = stdio_session(Some(Fault::BatchEmptyOk), "2025-11-25").await;
    c.send(&json!([])).await;
    assert_eq!(error_code(&c.recv().await), -32600);
}

/// The `search` tool's inputSchema as listed to a session at `version`.
async fn search_schema(fault: Option<Fault>, version: &str) -> Value {
    let mut c = stdio_session(fault, version).await;
    let mut cursor = Value::Null;
    loop {
        let params = if cursor.is_null() {
            json!({})
        } else {
            json!({"cursor": cursor})
        };
        let page = c.call("tools/list", params).await;
        if let Some(t) = page["tools"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["name"] == "search"))
        {
            return t["inputSchema"].clone();
        }
        cursor = page["nextCursor"].clone();
        assert!(!cursor.is_null(), "search is not listed");
    }
}

#[tokio::test]
async fn tool_schema_invalid_breaks_search_input_schema_from_2025_11_25() {
    let clean = search_schema(None, "2025-11-25").await;
    assert!(jsonschema::meta::is_valid(&clean), "{clean}");
    assert_eq!(clean["properties"]["query"]["type"], "string");

    let broken = search_schema(Some(Fault::ToolSchemaInvalid), "2025-11-25").await;
    assert_eq!(broken["properties"]["query"]["type"], "text");
    assert!(!jsonschema::meta::is_valid(&broken), "{broken}");

    // Earlier revisions have no JSON Schema dialect rule; their schema stays as it was.
    let older = search_schema(Some(Fault::ToolSchemaInvalid), "2025-06-18").await;
    assert_eq!(older, search_schema(None, "2025-06-18").await);
}
