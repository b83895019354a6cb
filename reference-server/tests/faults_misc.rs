//! The fault switches of three rules that have no other home: one stream per message
//! (`broadcast-notifications`), elicitation completion ids (`elicitation-complete-unknown-id`)
//! and 2026-07-28 cancellation ids (`v26-cancel-wrong-id`), each probed on a clean server and
//! one with the switch on.

mod common;

use common::http::{start, HttpClient};
use common::modern as m;
use common::stdio::StdioClient;
use common::{assert_covers, request, QUIET};
use mcp_reference_server::{Fault, RunningServer, ServerConfig};
use serde_json::{json, Value};
use std::time::Duration;

const COVERED: &[Fault] = &[
    Fault::BroadcastNotifications,
    Fault::ElicitationCompleteUnknownId,
    Fault::V26CancelWrongId,
];

/// How long a probe waits for a message that should (or should not) come.
const SHORT: Duration = Duration::from_millis(400);

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_misc", COVERED);
}

/// A server with `faults` and a client initialized at `version`.
async fn ready(faults: &[Fault], version: &str) -> (RunningServer, HttpClient) {
    let server = start(ServerConfig {
        faults: faults.iter().copied().collect(),
        ..ServerConfig::default()
    })
    .await;
    let mut c = HttpClient::new(server.url());
    c.initialize(version).await;
    (server, c)
}

/// The first message with `method` on the stream within the wait, if any.
async fn find(s: &mut common::http::SseReader, method: &str) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + SHORT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let m = s.next_message(left).await?;
        if m["method"] == json!(method) {
            return Some(m);
        }
    }
}

#[tokio::test]
async fn broadcast_notifications() {
    let mut on_first = Vec::new();
    for faults in [&[][..], &[Fault::BroadcastNotifications]] {
        let (_server, c) = ready(faults, "2025-11-25").await;
        let mut first = c.open_stream().await;
        let mut second = c.open_stream().await;
        assert_eq!(second.status, 200);
        let ex = c
            .post(&request(
                json!(1),
                "tools/call",
                json!({"name": "toggle_beta_tool", "arguments": {}}),
            ))
            .await;
        assert!(ex.body.contains("beta tool"), "{}", ex.body);
        let changed = "notifications/tools/list_changed";
        assert!(
            find(&mut second, changed).await.is_some(),
            "the newest stream"
        );
        on_first.push(find(&mut first, changed).await.is_some());
    }
    assert_eq!(on_first, [false, true]);
}

/// Over stdio at 2025-11-25 with URL-mode elicitation declared: calls `ask_user_url`, accepts,
/// and returns the issued elicitationId and the completion notification's.
async fn url_elicitation(faults: &[Fault]) -> (Value, Value) {
    let mut c = StdioClient::start(ServerConfig {
        faults: faults.iter().copied().collect(),
        ..ServerConfig::default()
    });
    let init = c
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25",
                   "capabilities": {"elicitation": {"form": {}, "url": {}}},
                   "clientInfo": {"name": "probe", "version": "0"}}),
        )
        .await;
    assert!(init.get("result").is_some(), "{init}");
    c.notify("notifications/initialized", json!({})).await;
    c.send(&request(
        json!(9),
        "tools/call",
        json!({"name": "ask_user_url", "arguments": {}}),
    ))
    .await;
    let (mut issued, mut completed) = (Value::Null, Value::Null);
    loop {
        let msg = c.recv().await;
        match (msg.get("method").and_then(Value::as_str), msg.get("id")) {
            (Some("elicitation/create"), Some(id)) => {
                issued = msg["params"]["elicitationId"].clone();
                let reply = json!({"jsonrpc": "2.0", "id": id, "result": {"action": "accept"}});
                c.send(&reply).await;
            }
            (Some("notifications/elicitation/complete"), None) => {
                completed = msg["params"]["elicitationId"].clone();
            }
            (None, Some(id)) if *id == json!(9) => return (issued, completed),
            _ => {}
        }
    }
}

#[tokio::test]
async fn elicitation_complete_unknown_id() {
    let (issued, completed) = url_elicitation(&[]).await;
    assert!(issued.is_string(), "{issued}");
    assert_eq!(completed, issued);
    let (issued, completed) = url_elicitation(&[Fault::ElicitationCompleteUnknownId]).await;
    assert!(
        issued.is_string() && completed.is_string(),
        "{issued} {completed}"
    );
    assert_ne!(completed, issued);
}

/// Over stdio at 2026-07-28: opens listen `"L"`, reads what comes within the quiet time, and
/// returns every `notifications/cancelled` the server sent.
async fn listen_cancellations(faults: &[Fault]) -> Vec<Value> {
    let mut c = StdioClient::start(ServerConfig {
        faults: faults.iter().copied().collect(),
        ..ServerConfig::default()
    });
    let listen = m::request(
        json!("L"),
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}}),
    );
    c.send(&listen).await;
    let mut got = Vec::new();
    while let Some(msg) = c.recv_within(QUIET).await {
        got.push(msg);
    }
    c.notify("notifications/cancelled", json!({"requestId": "L"}))
        .await;
    c.finish().await.unwrap();
    assert!(
        got.iter()
            .any(|m| m["method"] == json!("notifications/subscriptions/acknowledged")),
        "{got:?}"
    );
    got.into_iter()
        .filter(|m| m["method"] == json!("notifications/cancelled"))
        .collect()
}

#[tokio::test]
async fn v26_cancel_wrong_id() {
    assert!(listen_cancellations(&[]).await.is_empty());
    let faulty = listen_cancellations(&[Fault::V26CancelWrongId]).await;
    assert_eq!(faulty.len(), 1, "{faulty:?}");
    assert_ne!(faulty[0]["params"]["requestId"], json!("L"));
}
