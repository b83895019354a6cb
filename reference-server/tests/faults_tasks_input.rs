//! Tasks that need input and task status notices (2025-11-25), the sampling tool loop, and
//! their fault switches: `approval_job` goes working → input_required → working → completed,
//! its elicitation (with the related-task `_meta`) and the status notices ride the
//! `tasks/result` stream (stdio and HTTP); `ask_model_tools` answers every tool use with a
//! matching tool result. Each fault probed against a clean server.

mod common;

use common::http::{start, HttpClient, SseReader};
use common::stdio::StdioClient;
use common::{assert_covers, request, WAIT};
use mcp_reference_server::{Fault, ServerConfig};
use serde_json::{json, Value};
use std::time::Duration;

const COVERED: &[Fault] = &[
    Fault::TaskInputNoRelatedMeta,
    Fault::TaskStatusAfterTerminal,
    Fault::TaskStatusNoticeRelatedMeta,
    Fault::SamplingUnbalancedToolUse,
];

const RELATED: &str = "io.modelcontextprotocol/related-task";

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_tasks_input", COVERED);
}

/// A stdio server with `fault` (or none), initialized at 2025-11-25 declaring `caps`.
async fn client(fault: Option<Fault>, caps: Value) -> StdioClient {
    let config = fault.map_or_else(ServerConfig::default, ServerConfig::with_fault);
    let mut c = StdioClient::start(config);
    let init = c
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": caps,
                   "clientInfo": {"name": "probe", "version": "0"}}),
        )
        .await;
    assert!(init.get("result").is_some(), "{init}");
    c.notify("notifications/initialized", json!({})).await;
    c
}

/// What a request's run delivered: server requests, status notices, the response.
struct Run {
    asked: Vec<Value>,
    notices: Vec<Value>,
    response: Value,
}

/// Sends request `id` and answers each server request with `answer(request)` until the
/// response arrives.
async fn drive(
    c: &mut StdioClient,
    id: i64,
    method: &str,
    params: Value,
    answer: impl Fn(&Value) -> Value,
) -> Run {
    c.send(&request(json!(id), method, params)).await;
    let (mut asked, mut notices) = (Vec::new(), Vec::new());
    loop {
        let msg = c.recv().await;
        match (msg.get("method"), msg.get("id")) {
            (Some(_), Some(rid)) => {
                let reply = json!({"jsonrpc": "2.0", "id": rid, "result": answer(&msg)});
                c.send(&reply).await;
                asked.push(msg);
            }
            (Some(m), None) if m == "notifications/tasks/status" => notices.push(msg),
            (Some(_), None) => {}
            _ => {
                assert_eq!(msg["id"], json!(id), "{msg}");
                return Run {
                    asked,
                    notices,
                    response: msg,
                };
            }
        }
    }
}

fn approve(_: &Value) -> Value {
    json!({"action": "accept", "content": {"approve": true, "name": "ann"}})
}

/// Creates an `approval_job` task and waits (polling) until it is input_required.
async fn input_required_task(c: &mut StdioClient) -> String {
    let r = c
        .call(
            "tools/call",
            json!({"name": "approval_job", "arguments": {"ms": 10}, "task": {"ttl": 30000}}),
        )
        .await;
    let id = r["task"]["taskId"].as_str().unwrap().to_string();
    for _ in 0..100 {
        let t = c.call("tasks/get", json!({"taskId": id})).await;
        if t["status"] == json!("input_required") {
            assert!(t["statusMessage"].is_string(), "{t}");
            return id;
        }
        assert_eq!(t["status"], json!("working"), "{t}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("task {id} never needed input");
}

fn statuses(notices: &[Value]) -> Vec<&str> {
    notices
        .iter()
        .map(|n| n["params"]["status"].as_str().unwrap_or(""))
        .collect()
}

#[tokio::test]
async fn task_input_no_related_meta() {
    let caps = json!({"elicitation": {"form": {}}});
    let mut clean = client(None, caps.clone()).await;
    let id = input_required_task(&mut clean).await;
    let run = drive(
        &mut clean,
        90,
        "tasks/result",
        json!({"taskId": id}),
        approve,
    )
    .await;
    assert_eq!(run.asked.len(), 1);
    let ask = &run.asked[0];
    assert_eq!(ask["method"], json!("elicitation/create"));
    assert_eq!(ask["params"]["_meta"][RELATED]["taskId"], json!(id));
    assert_eq!(
        run.response["result"]["content"][0]["text"],
        json!("the job was approved by ann and is done")
    );
    assert_eq!(
        run.response["result"]["_meta"][RELATED]["taskId"],
        json!(id)
    );
    assert_eq!(
        statuses(&run.notices),
        ["input_required", "working", "completed"]
    );
    let done = clean.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(done["status"], json!("completed"));

    let mut faulty = client(Some(Fault::TaskInputNoRelatedMeta), caps).await;
    let id = input_required_task(&mut faulty).await;
    let run = drive(
        &mut faulty,
        90,
        "tasks/result",
        json!({"taskId": id}),
        approve,
    )
    .await;
    assert!(
        run.asked[0]["params"].get("_meta").is_none(),
        "{}",
        run.asked[0]
    );
    assert!(run.response.get("result").is_some());
}

#[tokio::test]
async fn without_elicitation_the_task_fails_without_asking() {
    let mut c = client(None, json!({})).await;
    let r = c
        .call(
            "tools/call",
            json!({"name": "approval_job", "arguments": {"ms": 1}, "task": {}}),
        )
        .await;
    let id = r["task"]["taskId"].as_str().unwrap().to_string();
    let run = drive(&mut c, 90, "tasks/result", json!({"taskId": id}), approve).await;
    assert!(run.asked.is_empty());
    assert_eq!(run.response["result"]["isError"], json!(true));
    assert_eq!(statuses(&run.notices), ["failed"]);
}

#[tokio::test]
async fn a_cancelled_task_stops_waiting_for_its_input() {
    let mut c = client(None, json!({"elicitation": {}})).await;
    let id = input_required_task(&mut c).await;
    let t = c.call("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(t["status"], json!("cancelled"));
    let run = drive(&mut c, 90, "tasks/result", json!({"taskId": id}), approve).await;
    assert!(run.response.get("error").is_some(), "{}", run.response);
    // The request queued before the cancel may still be delivered; the status stays final.
    assert_eq!(statuses(&run.notices).last(), Some(&"cancelled"));
    let after = c.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(after["status"], json!("cancelled"));
}

#[tokio::test]
async fn task_status_after_terminal() {
    let job = json!({"name": "batch_job", "arguments": {"ms": 1}, "task": {}});
    for (fault, want) in [
        (None, vec!["completed"]),
        (
            Some(Fault::TaskStatusAfterTerminal),
            vec!["completed", "working"],
        ),
    ] {
        let mut c = client(fault, json!({})).await;
        let id = c.call("tools/call", job.clone()).await["task"]["taskId"]
            .as_str()
            .unwrap()
            .to_string();
        let run = drive(&mut c, 90, "tasks/result", json!({"taskId": id}), approve).await;
        assert_eq!(statuses(&run.notices), want, "{fault:?}");
        for n in &run.notices {
            assert_eq!(n["params"]["taskId"], json!(id));
            assert!(n["params"]["createdAt"].is_string() && n["params"]["ttl"].is_u64());
        }
    }
}

#[tokio::test]
async fn task_status_notice_related_meta() {
    let job = json!({"name": "batch_job", "arguments": {"ms": 1}, "task": {}});
    for fault in [None, Some(Fault::TaskStatusNoticeRelatedMeta)] {
        let mut c = client(fault, json!({})).await;
        let id = c.call("tools/call", job.clone()).await["task"]["taskId"]
            .as_str()
            .unwrap()
            .to_string();
        let run = drive(&mut c, 90, "tasks/result", json!({"taskId": id}), approve).await;
        let meta = run.notices[0]["params"].get("_meta").cloned();
        match fault {
            None => assert!(meta.is_none(), "{meta:?}"),
            Some(_) => assert_eq!(meta.unwrap()[RELATED]["taskId"], json!(id)),
        }
    }
}

fn tool_use(_: &Value) -> Value {
    json!({"role": "assistant", "model": "m", "stopReason": "toolUse", "content": [
        {"type": "tool_use", "id": "c1", "name": "get_weather", "input": {"city": "Oslo"}},
        {"type": "tool_use", "id": "c2", "name": "get_weather", "input": {"city": "Rome"}},
    ]})
}

#[tokio::test]
async fn sampling_unbalanced_tool_use() {
    let caps = json!({"sampling": {"tools": {}}});
    let call = json!({"name": "ask_model_tools", "arguments": {}});
    let mut clean = client(None, caps.clone()).await;
    let run = drive(&mut clean, 9, "tools/call", call.clone(), tool_use).await;
    assert_eq!(run.asked.len(), 2, "two rounds");
    assert!(run.asked[0]["params"]["tools"].is_array());
    let msgs = run.asked[1]["params"]["messages"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[1]["role"], json!("assistant"));
    let ids: Vec<&Value> = msgs[2]["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert_eq!(b["type"], json!("tool_result"));
            &b["toolUseId"]
        })
        .collect();
    assert_eq!(ids, [&json!("c1"), &json!("c2")]);
    assert!(run.response["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("2 tool call(s)"));

    let mut faulty = client(Some(Fault::SamplingUnbalancedToolUse), caps).await;
    let run = drive(&mut faulty, 9, "tools/call", call, tool_use).await;
    let results = run.asked[1]["params"]["messages"][2]["content"].clone();
    assert!(results
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["toolUseId"] != json!("c1") && b["toolUseId"] != json!("c2")));
}

#[tokio::test]
async fn sampling_tools_need_the_sub_capability() {
    let mut c = client(None, json!({"sampling": {}})).await;
    let run = drive(
        &mut c,
        9,
        "tools/call",
        json!({"name": "ask_model_tools", "arguments": {}}),
        tool_use,
    )
    .await;
    assert!(run.asked.is_empty());
    assert_eq!(run.response["result"]["isError"], json!(true));
}

#[tokio::test]
async fn over_http_the_input_request_rides_the_tasks_result_stream() {
    let server = start(ServerConfig::default()).await;
    let mut h = HttpClient::new(server.url());
    let init = h
        .request(
            json!(0),
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
                   "clientInfo": {"name": "probe", "version": "0"}}),
        )
        .await;
    h.session = init
        .headers
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    h.protocol = Some("2025-11-25".into());
    h.notify("notifications/initialized", json!({})).await;
    let created = h
        .call(
            1,
            "tools/call",
            json!({"name": "approval_job", "arguments": {"ms": 1}, "task": {}}),
        )
        .await;
    let id = created["task"]["taskId"].as_str().unwrap().to_string();
    let mut status = String::new();
    for n in 0..100 {
        let t = h.call(10 + n, "tasks/get", json!({"taskId": id})).await;
        status = t["status"].as_str().unwrap_or("").to_string();
        if status != "working" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, "input_required");
    let resp = h
        .post_builder()
        .body(request(json!(200), "tasks/result", json!({"taskId": id})).to_string())
        .send()
        .await
        .expect("POST");
    let mut stream = SseReader::new(resp);
    let mut seen = Vec::new();
    let done = loop {
        let m = stream.next_message(WAIT).await.expect("a message");
        if m.get("method").is_some() && m.get("id").is_some() {
            assert_eq!(m["params"]["_meta"][RELATED]["taskId"], json!(id));
            let ack = h
                .post(&json!({"jsonrpc": "2.0", "id": m["id"], "result": approve(&m)}))
                .await;
            assert_eq!(ack.status.as_u16(), 202);
        } else if m.get("method").is_some() {
            seen.push(m["params"]["status"].as_str().unwrap_or("").to_string());
        } else {
            break m;
        }
    };
    assert_eq!(seen, ["input_required", "working", "completed"]);
    assert_eq!(done["id"], json!(200));
    assert!(done["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("approved by ann"));
    server.shutdown().await;
}
