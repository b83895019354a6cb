//! Idle session expiry: a session nobody uses for the idle timeout is removed by the sweeper
//! (later requests get 404, the spec's answer for a terminated session); one in use, with an
//! open stream or with a request in flight, is not; and every expired session gives its memory
//! back (the session count and the slots held fall to 0).

mod common;

use common::http::{start, HttpClient};
use common::WAIT;
use mcp_reference_server::{Limits, RunningServer, ServerConfig};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

const IDLE: Duration = Duration::from_millis(400);

fn config() -> ServerConfig {
    ServerConfig {
        limits: Limits {
            idle_timeout: IDLE,
            ..Limits::default()
        },
        keep_alive: Duration::from_millis(50),
        ..ServerConfig::default()
    }
}

async fn client(url: &str) -> HttpClient {
    let mut c = HttpClient::new(url.to_string());
    c.initialize("2025-11-25").await;
    c
}

async fn ping_status(c: &HttpClient) -> StatusCode {
    c.request(json!("p"), "ping", json!({})).await.status
}

/// Waits until the server holds no session at all (live or still referenced).
async fn drained(server: &RunningServer) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while server.session_count() > 0 || server.sessions_held() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "sessions left: {} live, {} held",
            server.session_count(),
            server.sessions_held()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_idle_session_expires_and_then_gets_404() {
    let server = start(config()).await;
    let c = client(&server.url()).await;
    assert_eq!(ping_status(&c).await, StatusCode::OK);
    assert_eq!(server.session_count(), 1);
    tokio::time::sleep(IDLE * 3).await;
    assert_eq!(server.session_count(), 0, "the sweeper removed it");
    let gone = c.request(json!(1), "ping", json!({})).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.body);
    let get = c
        .send(
            c.builder(reqwest::Method::GET)
                .header("accept", "text/event-stream"),
        )
        .await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    // The server goes on: a new session works.
    let fresh = client(&server.url()).await;
    assert_eq!(ping_status(&fresh).await, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn a_session_in_use_does_not_expire() {
    let server = start(config()).await;
    let c = client(&server.url()).await;
    // Requests every quarter timeout for three timeouts.
    for _ in 0..12 {
        tokio::time::sleep(IDLE / 4).await;
        assert_eq!(ping_status(&c).await, StatusCode::OK);
    }
    assert_eq!(server.session_count(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn an_open_stream_or_a_long_request_keeps_a_session_alive() {
    let server = start(config()).await;
    let listening = client(&server.url()).await;
    let mut stream = listening.open_stream().await;
    assert_eq!(stream.status, StatusCode::OK);
    let working = client(&server.url()).await;
    let slow = working
        .request(
            json!(5),
            "tools/call",
            json!({"name": "slow", "arguments": {"ms": IDLE.as_millis() as u64 * 3, "steps": 1}}),
        )
        .await;
    assert_eq!(slow.status, StatusCode::OK, "{}", slow.body);
    // The long request counted as activity until it ended.
    assert_eq!(ping_status(&working).await, StatusCode::OK);
    // The listener got keep-alives all along and its session is still there.
    assert!(stream.next_event(WAIT).await.is_some());
    assert_eq!(server.session_count(), 2);
    assert_eq!(ping_status(&listening).await, StatusCode::OK);

    // Once the stream is closed (the server notices at its next keep-alive) both expire.
    drop(stream);
    drained(&server).await;
    assert_eq!(ping_status(&listening).await, StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn many_abandoned_sessions_all_expire_and_free_their_places() {
    let server = start(ServerConfig {
        limits: Limits {
            idle_timeout: IDLE,
            max_sessions: 300,
            ..Limits::default()
        },
        ..ServerConfig::default()
    })
    .await;
    for round in 0..2 {
        let mut clients = Vec::new();
        for _ in 0..300 {
            clients.push(client(&server.url()).await);
        }
        assert_eq!(server.session_count(), 300, "round {round}");
        // Full: the limit counts them until they expire.
        let refused = HttpClient::new(server.url())
            .request(json!(0), "initialize", common::init_params("2025-11-25"))
            .await;
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        drop(clients);
        drained(&server).await;
    }
    server.shutdown().await;
}
