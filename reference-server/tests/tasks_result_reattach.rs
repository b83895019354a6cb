//! A client MAY drop the stream of a `tasks/result` at any time (2025-11-25 tasks, "Retrieving
//! Task Results") and call `tasks/result` again later: over HTTP the newest `tasks/result`
//! takes the task's outbox over, so the request for input reaches the client on the new
//! stream. A request already sent on the dropped stream is withdrawn there
//! (`notifications/cancelled`, on the new stream) and asked again with a new id; answering it
//! completes the task.

mod common;

use common::http::{start, HttpClient, SseReader};
use common::{request, WAIT};
use mcp_reference_server::ServerConfig;
use serde_json::{json, Value};
use std::time::Duration;

const RELATED: &str = "io.modelcontextprotocol/related-task";

/// An initialized 2025-11-25 HTTP session declaring form elicitation.
async fn session(url: String) -> HttpClient {
    let mut h = HttpClient::new(url);
    let init = h
        .request(
            json!(0),
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {"elicitation": {"form": {}}},
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
    h
}

/// Opens the SSE stream of `tasks/result` request `rid` for task `id`.
async fn tasks_result(h: &HttpClient, rid: i64, id: &str) -> SseReader {
    let resp = h
        .post_builder()
        .body(request(json!(rid), "tasks/result", json!({"taskId": id})).to_string())
        .send()
        .await
        .expect("POST");
    let stream = SseReader::new(resp);
    assert_eq!(stream.status.as_u16(), 200);
    stream
}

/// Polls `tasks/get` until the task leaves `working`; its status.
async fn poll(h: &HttpClient, id: &str) -> String {
    for n in 0..200 {
        let t = h.call(10 + n, "tasks/get", json!({"taskId": id})).await;
        let status = t["status"].as_str().unwrap_or("").to_string();
        if status != "working" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("task {id} stayed working");
}

/// Reads `stream` to its response, answering every request (approve, as "ann"); returns the
/// requests and notifications seen, and the response.
async fn drive(h: &HttpClient, stream: &mut SseReader) -> (Vec<Value>, Vec<Value>, Value) {
    let (mut asked, mut notes) = (Vec::new(), Vec::new());
    loop {
        let m = stream.next_message(WAIT).await.expect("a message");
        match (m.get("method"), m.get("id")) {
            (Some(_), Some(rid)) => {
                let answer =
                    json!({"action": "accept", "content": {"approve": true, "name": "ann"}});
                let ack = h
                    .post(&json!({"jsonrpc": "2.0", "id": rid, "result": answer}))
                    .await;
                assert_eq!(ack.status.as_u16(), 202);
                asked.push(m);
            }
            (Some(_), None) => notes.push(m),
            _ => return (asked, notes, m),
        }
    }
}

/// Creates an `approval_job` task that works `ms` before asking; its id.
async fn create(h: &HttpClient, ms: u64) -> String {
    let created = h
        .call(
            1,
            "tools/call",
            json!({"name": "approval_job", "arguments": {"ms": ms}, "task": {"ttl": 30000}}),
        )
        .await;
    created["task"]["taskId"].as_str().unwrap().to_string()
}

fn approved(done: &Value) -> bool {
    done["result"]["content"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("approved by ann"))
}

#[tokio::test]
async fn a_request_sent_on_a_dropped_stream_is_asked_again_on_the_new_one() {
    let server = start(ServerConfig::default()).await;
    let h = session(server.url()).await;
    let id = create(&h, 200).await;
    // Called early (before any input is needed), then dropped.
    let first = tasks_result(&h, 100, &id).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(first);
    // The request for input goes out on the dropped stream (its forwarder was the newest).
    assert_eq!(poll(&h, &id).await, "input_required");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut second = tasks_result(&h, 101, &id).await;
    let (asked, notes, done) = tokio::time::timeout(WAIT, drive(&h, &mut second))
        .await
        .expect("the second tasks/result never answered");
    assert_eq!(asked.len(), 1, "{asked:?}");
    let ask = &asked[0];
    assert_eq!(ask["method"], json!("elicitation/create"));
    assert_eq!(ask["params"]["_meta"][RELATED]["taskId"], json!(id));
    let cancelled: Vec<&Value> = notes
        .iter()
        .filter(|n| n["method"] == json!("notifications/cancelled"))
        .collect();
    assert_eq!(cancelled.len(), 1, "{notes:?}");
    let withdrawn = &cancelled[0]["params"]["requestId"];
    assert!(
        withdrawn.is_string() && withdrawn != &ask["id"],
        "{notes:?}"
    );
    assert_eq!(done["id"], json!(101));
    assert!(approved(&done), "{done}");
    server.shutdown().await;
}

#[tokio::test]
async fn input_queued_after_a_dropped_stream_goes_to_the_newest_tasks_result() {
    let server = start(ServerConfig::default()).await;
    let h = session(server.url()).await;
    let id = create(&h, 600).await;
    let first = tasks_result(&h, 100, &id).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(first);
    // Called again while the task still works: the request, queued later, comes here.
    let mut second = tasks_result(&h, 101, &id).await;
    let (asked, notes, done) = tokio::time::timeout(WAIT, drive(&h, &mut second))
        .await
        .expect("the second tasks/result never answered");
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["params"]["_meta"][RELATED]["taskId"], json!(id));
    assert!(
        !notes
            .iter()
            .any(|n| n["method"] == json!("notifications/cancelled")),
        "nothing to withdraw: {notes:?}"
    );
    let statuses: Vec<&str> = notes
        .iter()
        .filter_map(|n| n["params"]["status"].as_str())
        .collect();
    assert_eq!(statuses, ["input_required", "working", "completed"]);
    assert!(approved(&done), "{done}");
    server.shutdown().await;
}
