//! Tasks (2025-11-25) and their fault switches: capability and tool-level negotiation, create →
//! poll → result with the related-task `_meta`, cancellation, listing, unknown ids; each fault
//! probed against a clean server.

mod common;

use common::stdio::StdioClient;
use common::{assert_covers, error_code, result};
use mcp_reference_server::{Fault, ServerConfig};
use serde_json::{json, Value};
use std::time::Duration;

const COVERED: &[Fault] = &[
    Fault::TaskRequiredPlainOk,
    Fault::TaskResultNoRelatedMeta,
    Fault::TaskUnknownIdWrongCode,
    Fault::TaskCancelTerminalOk,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_tasks", COVERED);
}

async fn client(fault: Option<Fault>, version: &str) -> (StdioClient, Value) {
    let config = fault.map_or_else(ServerConfig::default, ServerConfig::with_fault);
    let mut c = StdioClient::start(config);
    let init = c.initialize(version).await;
    (c, init)
}

async fn create(c: &mut StdioClient, tool: &str, args: Value) -> String {
    let r = c
        .call(
            "tools/call",
            json!({"name": tool, "arguments": args, "task": {"ttl": 30000}}),
        )
        .await;
    assert_eq!(r["task"]["status"], json!("working"), "{r}");
    r["task"]["taskId"].as_str().unwrap().to_string()
}

async fn wait_terminal(c: &mut StdioClient, id: &str) -> Value {
    for _ in 0..100 {
        let t = c.call("tasks/get", json!({"taskId": id})).await;
        if t["status"] != json!("working") {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {id} never ended");
}

#[tokio::test]
async fn capability_and_tool_level_support_follow_the_revision() {
    let (mut c, init) = client(None, "2025-11-25").await;
    assert_eq!(
        init["capabilities"]["tasks"]["requests"]["tools"]["call"],
        json!({})
    );
    let tools = c.call("tools/list", json!({"cursor": null})).await;
    let mut all = tools["tools"].as_array().unwrap().clone();
    let mut next = tools.get("nextCursor").cloned();
    while let Some(cur) = next.filter(|n| n.is_string()) {
        let page = c.call("tools/list", json!({"cursor": cur})).await;
        all.extend(page["tools"].as_array().unwrap().iter().cloned());
        next = page.get("nextCursor").cloned();
    }
    let support = |n: &str| {
        all.iter()
            .find(|t| t["name"] == json!(n))
            .map(|t| t["execution"]["taskSupport"].clone())
    };
    assert_eq!(support("batch_job"), Some(json!("required")));
    assert_eq!(support("slow"), Some(json!("optional")));
    assert_eq!(support("add"), Some(Value::Null));
    // A task call to a tool without task support: -32601.
    let r = c
        .request(
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 2}, "task": {}}),
        )
        .await;
    assert_eq!(error_code(&r), -32601);
    let (mut old, init) = client(None, "2025-06-18").await;
    assert!(init["capabilities"].get("tasks").is_none());
    // Without the capability `task` is ignored: a plain result.
    let r = old
        .call(
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 2}, "task": {}}),
        )
        .await;
    assert!(r.get("content").is_some() && r.get("task").is_none(), "{r}");
    assert_eq!(
        error_code(&old.request("tasks/list", json!({})).await),
        -32601
    );
}

#[tokio::test]
async fn task_required_plain_ok() {
    let plain = json!({"name": "batch_job", "arguments": {"ms": 1}});
    let (mut clean, _) = client(None, "2025-11-25").await;
    assert_eq!(
        error_code(&clean.request("tools/call", plain.clone()).await),
        -32601
    );
    let (mut faulty, _) = client(Some(Fault::TaskRequiredPlainOk), "2025-11-25").await;
    let r = faulty.call("tools/call", plain).await;
    assert_eq!(r["content"][0]["text"], json!("job done after 1 ms"));
}

#[tokio::test]
async fn task_result_no_related_meta() {
    let (mut clean, _) = client(None, "2025-11-25").await;
    let id = create(&mut clean, "batch_job", json!({"ms": 100})).await;
    // tasks/result blocks until the task ends.
    let r = clean.call("tasks/result", json!({"taskId": id})).await;
    assert_eq!(r["content"][0]["text"], json!("job done after 100 ms"));
    assert_eq!(
        r["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        json!(id)
    );
    let t = clean.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(t["status"], json!("completed"));
    for k in ["createdAt", "lastUpdatedAt", "ttl"] {
        assert!(t.get(k).is_some(), "{k} in {t}");
    }
    let failing = create(&mut clean, "batch_job", json!({"ms": 1, "fail": true})).await;
    let t = wait_terminal(&mut clean, &failing).await;
    assert_eq!(t["status"], json!("failed"));
    assert!(t["statusMessage"].is_string());
    let (mut faulty, _) = client(Some(Fault::TaskResultNoRelatedMeta), "2025-11-25").await;
    let id = create(&mut faulty, "batch_job", json!({"ms": 1})).await;
    let r = faulty.call("tasks/result", json!({"taskId": id})).await;
    assert!(r.get("_meta").is_none(), "{r}");
}

#[tokio::test]
async fn task_unknown_id_wrong_code() {
    let (mut clean, _) = client(None, "2025-11-25").await;
    for m in ["tasks/get", "tasks/result", "tasks/cancel"] {
        assert_eq!(
            error_code(&clean.request(m, json!({"taskId": "nope"})).await),
            -32602,
            "{m}"
        );
    }
    assert_eq!(
        error_code(
            &clean
                .request("tasks/list", json!({"cursor": "bogus"}))
                .await
        ),
        -32602
    );
    let (mut faulty, _) = client(Some(Fault::TaskUnknownIdWrongCode), "2025-11-25").await;
    assert_eq!(
        error_code(&faulty.request("tasks/get", json!({"taskId": "nope"})).await),
        -32603
    );
}

#[tokio::test]
async fn task_cancel_terminal_ok() {
    let (mut clean, _) = client(None, "2025-11-25").await;
    let id = create(&mut clean, "slow", json!({"ms": 5000, "steps": 5})).await;
    let listed = clean.call("tasks/list", json!({})).await;
    assert!(listed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["taskId"] == json!(id)));
    let t = clean.call("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(t["status"], json!("cancelled"));
    let again = clean.request("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(error_code(&again), -32602);
    let r = clean.request("tasks/result", json!({"taskId": id})).await;
    assert!(
        r.get("error").is_some(),
        "a cancelled task's result is an error: {r}"
    );
    let (mut faulty, _) = client(Some(Fault::TaskCancelTerminalOk), "2025-11-25").await;
    let id = create(&mut faulty, "batch_job", json!({"ms": 1})).await;
    wait_terminal(&mut faulty, &id).await;
    let t = result(&faulty.request("tasks/cancel", json!({"taskId": id})).await).clone();
    assert_eq!(t["status"], json!("completed"), "returned as is");
}
