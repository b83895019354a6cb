//! The legacy HTTP+SSE transport (2024-11-05) at `/sse` + `/messages`, and its fault switches:
//! each probe runs against a clean server and one with the switch on. A small SSE reader that
//! keeps `event:` names lives here (the shared one ignores them).

mod common;

use common::http::start;
use common::{assert_covers, init_params, notification, request, result, WAIT};
use futures::StreamExt;
use mcp_reference_server::{Fault, RunningServer, ServerConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const COVERED: &[Fault] = &[
    Fault::LegacyNoEndpointEvent,
    Fault::LegacyResponseInPost,
    Fault::LegacyNoOriginCheck,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_legacy", COVERED);
}

/// One event: its type (`message` when unnamed) and data.
#[derive(Debug, Clone, PartialEq)]
struct Event {
    event: String,
    data: String,
}

/// An open `GET /sse` stream.
struct Stream {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

impl Stream {
    /// The next event (comments skipped) within `wait`, or `None` on timeout / end of stream.
    async fn next(&mut self, wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut ev = Event {
                    event: "message".into(),
                    data: String::new(),
                };
                let mut any = false;
                for line in block
                    .lines()
                    .filter(|l| !l.is_empty() && !l.starts_with(':'))
                {
                    any = true;
                    let (k, v) = line.split_once(':').unwrap_or((line, ""));
                    let v = v.strip_prefix(' ').unwrap_or(v);
                    match k {
                        "event" => ev.event = v.to_string(),
                        "data" => ev.data.push_str(v),
                        _ => {}
                    }
                }
                if any {
                    return Some(ev);
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// The next `message` event's JSON within `wait`.
    async fn message(&mut self, wait: Duration) -> Option<Value> {
        while let Some(ev) = self.next(wait).await {
            if ev.event == "message" {
                return Some(serde_json::from_str(&ev.data).expect("message data is JSON"));
            }
        }
        None
    }
}

/// Opens `GET /sse` with extra headers; returns the status and the stream.
async fn open(server: &RunningServer, headers: &[(&str, &str)]) -> (StatusCode, Stream) {
    let mut req = reqwest::Client::new()
        .get(format!("{}/sse", server.origin()))
        .header("accept", "text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = tokio::time::timeout(WAIT, req.send())
        .await
        .expect("head in time")
        .expect("GET /sse");
    let status = resp.status();
    (
        status,
        Stream {
            body: resp.bytes_stream().boxed(),
            buf: String::new(),
        },
    )
}

/// POSTs `body` to `url` (relative to the server) with extra headers: (status, body text).
async fn post(
    server: &RunningServer,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", server.origin()))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = tokio::time::timeout(WAIT, req.send())
        .await
        .expect("answer in time")
        .expect("POST");
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

/// A connected legacy client: the stream and the POST path from its endpoint event.
async fn connect(server: &RunningServer) -> (Stream, String) {
    let (status, mut stream) = open(server, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let first = stream.next(WAIT).await.expect("an event");
    assert_eq!(
        first.event, "endpoint",
        "the first event names the endpoint"
    );
    assert!(first.data.starts_with("/messages?sessionId="), "{first:?}");
    (stream, first.data)
}

/// Initializes at 2024-11-05 over a connected client.
async fn initialize(server: &RunningServer, stream: &mut Stream, path: &str) -> Value {
    let (status, _) = post(
        server,
        path,
        &request(json!(1), "initialize", init_params("2024-11-05")).to_string(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let resp = stream
        .message(WAIT)
        .await
        .expect("initialize response on the stream");
    let (status, _) = post(
        server,
        path,
        &notification("notifications/initialized", json!({})).to_string(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    resp
}

#[tokio::test]
async fn clean_server_speaks_2024_11_05_over_legacy_sse() {
    let server = start(ServerConfig::default()).await;
    let (mut stream, path) = connect(&server).await;
    let init = initialize(&server, &mut stream, &path).await;
    assert_eq!(init["id"], json!(1));
    let r = result(&init);
    assert_eq!(r["protocolVersion"], json!("2024-11-05"));
    assert!(
        r["serverInfo"].get("title").is_none(),
        "no titles at 2024-11-05"
    );
    let (status, body) = post(
        &server,
        &path,
        &request(json!("p"), "tools/list", json!({})).to_string(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(
        serde_json::from_str::<Value>(&body).is_err(),
        "no JSON-RPC in the POST body: {body}"
    );
    let tools = stream.message(WAIT).await.expect("tools/list response");
    assert_eq!(tools["id"], json!("p"));
    assert!(result(&tools)["tools"][0].get("title").is_none());
    // A batch is no part of 2024-11-05.
    let (status, _) = post(
        &server,
        &path,
        r#"[{"jsonrpc":"2.0","id":9,"method":"ping"}]"#,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn bad_json_unknown_and_missing_sessions_are_refused() {
    let server = start(ServerConfig::default()).await;
    let (_stream, path) = connect(&server).await;
    let (status, body) = post(&server, &path, "{not json", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_str(&body).expect("JSON error body");
    assert_eq!(v["error"]["code"], json!(-32700));
    let ping = request(json!(1), "ping", json!({})).to_string();
    let (status, _) = post(&server, "/messages?sessionId=nope", &ping, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post(&server, "/messages", &ping, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn a_stream_that_is_gone_ends_its_session() {
    let server = start(ServerConfig::default()).await;
    let (stream, path) = connect(&server).await;
    drop(stream);
    let ping = request(json!(1), "ping", json!({})).to_string();
    let mut status = StatusCode::ACCEPTED;
    for _ in 0..50 {
        status = post(&server, &path, &ping, &[]).await.0;
        if status == StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the session outlived its stream"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn streamable_http_negotiates_2024_11_05_too() {
    let server = start(ServerConfig::default()).await;
    let mut c = common::http::HttpClient::new(server.url());
    let init = c.initialize("2024-11-05").await;
    assert_eq!(init["protocolVersion"], json!("2024-11-05"));
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_no_endpoint_event_omits_the_endpoint_event() {
    for (fault, expect_endpoint) in [(None, true), (Some(Fault::LegacyNoEndpointEvent), false)] {
        let server = start(fault.map(ServerConfig::with_fault).unwrap_or_default()).await;
        let (status, mut stream) = open(&server, &[]).await;
        assert_eq!(status, StatusCode::OK);
        let first = stream.next(Duration::from_millis(700)).await;
        assert_eq!(
            first.as_ref().is_some_and(|e| e.event == "endpoint"),
            expect_endpoint,
            "{fault:?}: {first:?}"
        );
        server.shutdown().await;
    }
}

#[tokio::test]
async fn legacy_response_in_post_answers_in_the_post_body() {
    for (fault, in_body) in [(None, false), (Some(Fault::LegacyResponseInPost), true)] {
        let server = start(fault.map(ServerConfig::with_fault).unwrap_or_default()).await;
        let (mut stream, path) = connect(&server).await;
        let init = request(json!(1), "initialize", init_params("2024-11-05")).to_string();
        let (status, body) = post(&server, &path, &init, &[]).await;
        let body_json = serde_json::from_str::<Value>(&body).ok();
        let on_stream = stream.message(Duration::from_millis(700)).await;
        if in_body {
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body_json.expect("JSON body")["id"], json!(1));
            assert!(on_stream.is_none(), "{on_stream:?}");
        } else {
            assert_eq!(status, StatusCode::ACCEPTED);
            assert!(body_json.is_none());
            assert_eq!(on_stream.expect("response on the stream")["id"], json!(1));
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn legacy_no_origin_check_accepts_a_foreign_origin() {
    let foreign = [("origin", "http://evil.example")];
    for (fault, refused) in [(None, true), (Some(Fault::LegacyNoOriginCheck), false)] {
        let server = start(fault.map(ServerConfig::with_fault).unwrap_or_default()).await;
        let (status, _) = open(&server, &foreign).await;
        assert_eq!(
            status == StatusCode::FORBIDDEN,
            refused,
            "GET /sse: {status}"
        );
        let (_stream, path) = connect(&server).await;
        let ping = request(json!(1), "ping", json!({})).to_string();
        let (status, _) = post(&server, &path, &ping, &foreign).await;
        assert_eq!(status == StatusCode::FORBIDDEN, refused, "POST: {status}");
        // The server's own origin is always fine.
        let own = server.origin();
        let (status, _) = open(&server, &[("origin", own.as_str())]).await;
        assert_eq!(status, StatusCode::OK);
        server.shutdown().await;
    }
}
