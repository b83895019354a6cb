//! Streamable HTTP streams: the GET stream (resource updates, list changes, keep-alive),
//! SSE responses with progress, cancellation, priming events and event ids.

mod common;

use common::http::{start, HttpClient, SseReader};
use common::{request, result, QUIET, WAIT};
use mcp_reference_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

async fn session(
    config: ServerConfig,
    version: &str,
) -> (mcp_reference_server::RunningServer, HttpClient) {
    let server = start(config).await;
    let mut c = HttpClient::new(server.url());
    c.initialize(version).await;
    (server, c)
}

/// Reads messages until one with `method` arrives (other notifications are skipped).
async fn wait_for(stream: &mut SseReader, method: &str) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let msg = stream.next_message(left).await?;
        assert!(
            msg.get("method").is_some(),
            "GET streams carry no responses: {msg}"
        );
        if msg["method"] == json!(method) {
            return Some(msg);
        }
    }
}

/// Whether a message with `method` arrives within `QUIET`.
async fn arrives(stream: &mut SseReader, method: &str) -> bool {
    let deadline = tokio::time::Instant::now() + QUIET;
    while let Some(m) = stream
        .next_message(deadline.saturating_duration_since(tokio::time::Instant::now()))
        .await
    {
        if m["method"] == json!(method) {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn get_stream_receives_resource_updates_after_a_write() {
    let (_server, c) = session(ServerConfig::default(), "2025-11-25").await;
    c.call(
        1,
        "resources/subscribe",
        json!({"uri": "mcp://reference/items"}),
    )
    .await;
    let mut stream = c.open_stream().await;
    assert_eq!(stream.status, StatusCode::OK);
    assert!(stream.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let priming = stream.next_event(WAIT).await.unwrap();
    assert!(
        priming.id.is_some() && priming.data.is_empty(),
        "{priming:?}"
    );

    c.call(
        2,
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "fig"}}),
    )
    .await;
    let upd = wait_for(&mut stream, "notifications/resources/updated")
        .await
        .expect("no update on the GET stream");
    assert_eq!(upd["params"]["uri"], json!("mcp://reference/items"));

    c.call(
        3,
        "resources/unsubscribe",
        json!({"uri": "mcp://reference/items"}),
    )
    .await;
    c.call(
        4,
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "grape"}}),
    )
    .await;
    assert!(
        !arrives(&mut stream, "notifications/resources/updated").await,
        "update after unsubscribe"
    );
}

#[tokio::test]
async fn updates_reach_only_subscribed_sessions() {
    let (server, a) = session(ServerConfig::default(), "2025-06-18").await;
    let mut b = HttpClient::new(server.url());
    b.initialize("2025-06-18").await;
    a.call(
        1,
        "resources/subscribe",
        json!({"uri": "mcp://reference/items"}),
    )
    .await;
    let mut sa = a.open_stream().await;
    let mut sb = b.open_stream().await;
    b.call(
        2,
        "tools/call",
        json!({"name": "delete_item", "arguments": {"id": "1"}}),
    )
    .await;
    assert!(wait_for(&mut sa, "notifications/resources/updated")
        .await
        .is_some());
    assert!(!arrives(&mut sb, "notifications/resources/updated").await);
}

#[tokio::test]
async fn list_changed_goes_to_the_get_stream() {
    let (_server, c) = session(ServerConfig::default(), "2025-11-25").await;
    let mut stream = c.open_stream().await;
    c.call(
        1,
        "tools/call",
        json!({"name": "toggle_beta_tool", "arguments": {}}),
    )
    .await;
    assert!(wait_for(&mut stream, "notifications/tools/list_changed")
        .await
        .is_some());
}

#[tokio::test]
async fn messages_sent_before_the_get_stream_opens_are_delivered_later() {
    let (_server, c) = session(ServerConfig::default(), "2025-11-25").await;
    c.call(
        1,
        "tools/call",
        json!({"name": "toggle_beta_tool", "arguments": {}}),
    )
    .await;
    let mut stream = c.open_stream().await;
    assert!(wait_for(&mut stream, "notifications/tools/list_changed")
        .await
        .is_some());
}

#[tokio::test]
async fn get_stream_sends_keep_alives_and_ends_on_delete() {
    let config = ServerConfig {
        keep_alive: Duration::from_millis(100),
        ..Default::default()
    };
    let (_server, c) = session(config, "2025-06-18").await;
    let mut stream = c.open_stream().await;
    let ev = stream.next_event(WAIT).await.unwrap();
    assert!(
        ev.comment_only,
        "2025-06-18: no priming event, first a keep-alive: {ev:?}"
    );
    let ex = c.send(c.builder(reqwest::Method::DELETE)).await;
    assert_eq!(ex.status, StatusCode::OK);
    let deadline = tokio::time::Instant::now() + WAIT;
    while stream
        .next_event(deadline.saturating_duration_since(tokio::time::Instant::now()))
        .await
        .is_some()
    {}
    assert!(stream.ended, "the GET stream ends with its session");
}

#[tokio::test]
async fn a_second_get_stream_replaces_the_first() {
    let (_server, c) = session(ServerConfig::default(), "2025-11-25").await;
    let mut first = c.open_stream().await;
    let mut second = c.open_stream().await;
    c.call(
        1,
        "tools/call",
        json!({"name": "toggle_beta_tool", "arguments": {}}),
    )
    .await;
    assert!(wait_for(&mut second, "notifications/tools/list_changed")
        .await
        .is_some());
    assert!(
        !arrives(&mut first, "notifications/tools/list_changed").await,
        "no message on two streams"
    );
}

#[tokio::test]
async fn progress_request_gets_an_sse_response_that_ends_with_the_result() {
    let (_server, c) = session(ServerConfig::default(), "2025-11-25").await;
    let params = json!({"name": "slow", "arguments": {"ms": 60, "steps": 3}, "_meta": {"progressToken": "tok"}});
    let ex = c.request(json!(11), "tools/call", params).await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.content_type(), "text/event-stream");
    assert!(
        ex.events[0].data.is_empty() && ex.events[0].id.is_some(),
        "priming event first"
    );
    let progress: Vec<f64> = ex
        .messages
        .iter()
        .filter(|m| m["method"] == json!("notifications/progress"))
        .map(|m| m["params"]["progress"].as_f64().unwrap())
        .collect();
    assert_eq!(progress, [1.0, 2.0, 3.0]);
    let last = ex.messages.last().unwrap();
    assert_eq!(
        last["id"],
        json!(11),
        "the response comes last and closes the stream"
    );
    assert!(result(last)["content"].is_array());
    let ids: Vec<&String> = ex.events.iter().filter_map(|e| e.id.as_ref()).collect();
    assert_eq!(ids.len(), ex.events.len(), "every event has an id");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
}

#[tokio::test]
async fn event_ids_are_unique_across_the_sessions_streams() {
    let (_server, c) = session(
        ServerConfig {
            sse_responses: true,
            ..Default::default()
        },
        "2025-11-25",
    )
    .await;
    let mut ids = HashSet::new();
    for i in 0..4 {
        let ex = c.request(json!(i), "ping", json!({})).await;
        for ev in ex.events {
            assert!(ids.insert(ev.id.expect("event id")), "duplicate event id");
        }
    }
    let mut stream = c.open_stream().await;
    let ev = stream.next_event(WAIT).await.unwrap();
    assert!(ids.insert(ev.id.unwrap()));
}

#[tokio::test]
async fn no_priming_event_before_2025_11_25() {
    let (_server, c) = session(
        ServerConfig {
            sse_responses: true,
            ..Default::default()
        },
        "2025-06-18",
    )
    .await;
    let ex = c.request(json!(1), "ping", json!({})).await;
    assert_eq!(ex.content_type(), "text/event-stream");
    assert_eq!(ex.events.len(), 1);
    assert_eq!(ex.messages[0]["id"], json!(1));
}

#[tokio::test]
async fn cancellation_stops_the_response() {
    let (_server, c) = session(ServerConfig::default(), "2025-11-25").await;
    let params = json!({"name": "slow", "arguments": {"ms": 5000, "steps": 50}, "_meta": {"progressToken": 1}});
    let resp = c
        .post_builder()
        .body(request(json!("long"), "tools/call", params).to_string())
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(resp);
    wait_for(&mut stream, "notifications/progress")
        .await
        .expect("progress before cancelling");
    let ack = c
        .notify(
            "notifications/cancelled",
            json!({"requestId": "long", "reason": "test"}),
        )
        .await;
    assert_eq!(ack.status, StatusCode::ACCEPTED);
    let started = tokio::time::Instant::now();
    while let Some(m) = stream.next_message(WAIT).await {
        assert!(
            m.get("id").is_none(),
            "cancelled request got a response: {m}"
        );
    }
    assert!(stream.ended, "the stream closes without a response");
    assert!(started.elapsed() < Duration::from_secs(4), "stopped early");
    // The session is still usable.
    assert_eq!(c.call(2, "ping", json!({})).await, json!({}));
}

#[tokio::test]
async fn slow_tool_streams_even_without_a_progress_token() {
    let (_server, c) = session(ServerConfig::default(), "2025-06-18").await;
    let ex = c
        .request(
            json!(1),
            "tools/call",
            json!({"name": "slow", "arguments": {"ms": 10, "steps": 1}}),
        )
        .await;
    assert_eq!(ex.content_type(), "text/event-stream");
    assert!(ex
        .messages
        .iter()
        .all(|m| m["method"] != json!("notifications/progress")));
    assert_eq!(ex.messages.last().unwrap()["id"], json!(1));
}

#[tokio::test]
async fn shutdown_ends_open_streams_promptly() {
    let server = start(ServerConfig::default()).await;
    let mut c = HttpClient::new(server.url());
    c.initialize("2025-11-25").await;
    let mut stream = c.open_stream().await;
    let started = tokio::time::Instant::now();
    server.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "shutdown waited for the open stream"
    );
    while stream.next_event(WAIT).await.is_some() {}
    assert!(stream.ended);
    assert!(
        c.http.post(&c.url).send().await.is_err(),
        "no longer listening"
    );
}
