//! Resumable SSE and polling: the clean server's event store (resume by GET + Last-Event-ID,
//! polling closes with `retry`, disconnection is not cancellation, unknown ids refused), and the
//! fault switches that break it, each probed on a clean server and one with the switch on.

mod common;

use common::http::{start, HttpClient, SseReader};
use common::sse::SseEvent;
use common::{assert_covers, request, WAIT};
use mcp_reference_server::{Fault, RunningServer, ServerConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

const COVERED: &[Fault] = &[
    Fault::SseResumeLost,
    Fault::SseResumeOtherStream,
    Fault::SseEventIdReused,
    Fault::SseNoRetry,
    Fault::SseNoPriming,
];

/// The polling interval of the servers started with polling on.
const POLL: Duration = Duration::from_millis(100);

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_resume", COVERED);
}

/// A server with `faults` (polling on when `poll`) and a client initialized at `version`.
async fn ready(faults: &[Fault], poll: bool, version: &str) -> (RunningServer, HttpClient) {
    let server = start(ServerConfig {
        faults: faults.iter().copied().collect(),
        sse_poll: poll.then_some(POLL),
        ..ServerConfig::default()
    })
    .await;
    let mut c = HttpClient::new(server.url());
    c.initialize(version).await;
    (server, c)
}

/// A `slow` tools/call with id `id` (and a progress token, so every step sends an event).
fn slow(id: &str, ms: u64, steps: u64) -> Value {
    request(
        json!(id),
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": ms, "steps": steps}, "_meta": {"progressToken": id}}),
    )
}

/// POSTs `body` and returns the response stream unread.
async fn post_stream(c: &HttpClient, body: &Value) -> SseReader {
    let resp = c
        .post_builder()
        .body(body.to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::OK);
    SseReader::new(resp)
}

/// GET with `Last-Event-ID`, read to its end.
async fn resume(c: &HttpClient, last: &str) -> common::http::Exchange {
    c.send(
        c.builder(Method::GET)
            .header("accept", "text/event-stream")
            .header("last-event-id", last),
    )
    .await
}

/// Every event of a stream until it ends.
async fn all_events(mut s: SseReader) -> Vec<SseEvent> {
    let mut out = Vec::new();
    while let Some(ev) = s.next_event(WAIT).await {
        out.push(ev);
    }
    assert!(s.ended, "the stream ends");
    out
}

/// The response with `id` among `messages`.
fn response<'a>(messages: &'a [Value], id: &str) -> Option<&'a Value> {
    messages
        .iter()
        .find(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
}

/// Drops a slow call's stream after its first event, waits for the call to finish, then resumes
/// from that event: the resumed exchange.
async fn drop_then_resume(c: &HttpClient, id: &str, ms: u64) -> common::http::Exchange {
    let mut s = post_stream(c, &slow(id, ms, 2)).await;
    let first = s.next_event(WAIT).await.expect("first event");
    drop(s);
    tokio::time::sleep(Duration::from_millis(ms + 150)).await;
    resume(c, first.id.as_deref().expect("event id")).await
}

#[tokio::test]
async fn disconnection_is_not_cancellation_and_resume_delivers_the_response() {
    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        let (_server, c) = ready(&[], false, version).await;
        let ex = drop_then_resume(&c, "a", 200).await;
        assert_eq!(ex.status, StatusCode::OK, "{version}: {}", ex.body);
        assert!(
            response(&ex.messages, "a").is_some(),
            "{version}: resumed stream lacks the response: {}",
            ex.body
        );
    }
}

#[tokio::test]
async fn unknown_last_event_id_is_refused_with_400() {
    let (_server, c) = ready(&[], false, "2025-11-25").await;
    for bad in ["99-0", "junk", ""] {
        let ex = resume(&c, bad).await;
        assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", ex.body);
    }
}

#[tokio::test]
async fn polling_closes_with_retry_and_resumes_until_the_response() {
    let (_server, c) = ready(&[], true, "2025-11-25").await;
    let first = all_events(post_stream(&c, &slow("p", 500, 5)).await).await;
    assert!(first[0].data.is_empty() && first[0].id.is_some(), "priming");
    assert!(
        first
            .iter()
            .all(|e| e.message().map_or(true, |m| m.get("id").is_none())),
        "closed before the response: {first:?}"
    );
    let mut last = first.iter().rev().find_map(|e| e.id.clone()).unwrap();
    let mut got = None;
    for _ in 0..40 {
        tokio::time::sleep(POLL).await;
        let ex = resume(&c, &last).await;
        assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
        if let Some(r) = response(&ex.messages, "p") {
            got = Some(r.clone());
            break;
        }
        assert!(ex.body.contains("retry: 100"), "polling close: {}", ex.body);
        if let Some(id) = ex.events.iter().rev().find_map(|e| e.id.clone()) {
            last = id;
        }
    }
    assert!(got.is_some(), "the response came by polling");
}

#[tokio::test]
async fn no_polling_before_2025_11_25() {
    let (_server, c) = ready(&[], true, "2025-06-18").await;
    let ex = c.post(&slow("q", 300, 3)).await;
    assert!(response(&ex.messages, "q").is_some(), "{}", ex.body);
    assert!(!ex.body.contains("retry:"));
}

#[tokio::test]
async fn a_resumed_get_stream_continues_that_stream() {
    let (_server, c) = ready(&[], false, "2025-11-25").await;
    let mut get = c.open_stream().await;
    let priming = get.next_event(WAIT).await.expect("priming");
    let id = priming.id.clone().expect("id");
    drop(get);
    let resp = c
        .builder(Method::GET)
        .header("accept", "text/event-stream")
        .header("last-event-id", &id)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::OK);
    // Something for the GET stream: the tool list changes.
    c.call(
        5,
        "tools/call",
        json!({"name": "toggle_beta_tool", "arguments": {}}),
    )
    .await;
    let mut resumed = SseReader::new(resp);
    let ev = resumed.next_event(WAIT).await.expect("an event");
    let stream_of = |id: &str| id.split('-').next().unwrap().to_string();
    assert_eq!(stream_of(ev.id.as_deref().unwrap()), stream_of(&id));
    assert!(ev.message().is_some(), "{ev:?}");
}

#[tokio::test]
async fn sse_no_priming() {
    let mut firsts = Vec::new();
    for faults in [&[][..], &[Fault::SseNoPriming]] {
        let (_server, c) = ready(faults, false, "2025-11-25").await;
        let mut s = post_stream(&c, &slow("n", 50, 1)).await;
        let ev = s.next_event(WAIT).await.expect("event");
        firsts.push(ev.data.is_empty() && ev.id.is_some());
    }
    assert_eq!(firsts, [true, false]);
}

#[tokio::test]
async fn sse_event_id_reused() {
    let mut unique = Vec::new();
    for faults in [&[][..], &[Fault::SseEventIdReused]] {
        let (_server, c) = ready(faults, false, "2025-11-25").await;
        let mut seen = HashSet::new();
        let mut dup = false;
        for id in ["x", "y"] {
            let ex = c.post(&slow(id, 20, 2)).await;
            for ev in &ex.events {
                dup |= !seen.insert(ev.id.clone().expect("id"));
            }
        }
        unique.push(!dup);
    }
    assert_eq!(unique, [true, false]);
}

#[tokio::test]
async fn sse_no_retry() {
    let mut retried = Vec::new();
    for faults in [&[][..], &[Fault::SseNoRetry]] {
        let (_server, c) = ready(faults, true, "2025-11-25").await;
        let ex = c.post(&slow("r", 600, 2)).await;
        assert!(response(&ex.messages, "r").is_none(), "closed for polling");
        retried.push(ex.body.contains("retry: 100"));
    }
    assert_eq!(retried, [true, false]);
}

#[tokio::test]
async fn sse_resume_lost() {
    let mut delivered = Vec::new();
    for faults in [&[][..], &[Fault::SseResumeLost]] {
        let (_server, c) = ready(faults, false, "2025-11-25").await;
        let ex = drop_then_resume(&c, "l", 200).await;
        assert_eq!(ex.status, StatusCode::OK);
        delivered.push(response(&ex.messages, "l").is_some());
    }
    assert_eq!(delivered, [true, false]);
}

#[tokio::test]
async fn sse_resume_other_stream() {
    let mut foreign = Vec::new();
    for faults in [&[][..], &[Fault::SseResumeOtherStream]] {
        let (_server, c) = ready(faults, false, "2025-11-25").await;
        let mut a = post_stream(&c, &slow("a", 300, 2)).await;
        let first = a.next_event(WAIT).await.expect("first event");
        drop(a);
        let b = c.post(&slow("b", 20, 1)).await;
        assert!(response(&b.messages, "b").is_some());
        tokio::time::sleep(Duration::from_millis(450)).await;
        let ex = resume(&c, first.id.as_deref().unwrap()).await;
        assert!(response(&ex.messages, "a").is_some(), "{}", ex.body);
        foreign.push(response(&ex.messages, "b").is_some());
    }
    assert_eq!(foreign, [false, true]);
}
