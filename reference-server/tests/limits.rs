//! Every limit against hostile clients, hit on purpose: batch size (HTTP and stdio), sessions per
//! server, SSE streams per session, requests in flight per session and the dynamic-registration
//! rate. Each refusal must carry the right status and an error body naming the limit, and the
//! server must keep serving everyone else (and the same client once it is back under the limit).

mod common;

use common::http::{start, HttpClient};
use common::stdio::StdioClient;
use common::{init_params, notification, request, WAIT};
use mcp_reference_server::{
    AuthConfig, ClientSpec, Limits, ServerConfig, UserSpec, LIMIT_EXCEEDED,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

fn with_limits(limits: Limits) -> ServerConfig {
    ServerConfig {
        limits,
        ..ServerConfig::default()
    }
}

/// Asserts a JSON-RPC limit refusal: code, `data.limit`, `data.max`, the id, a message naming it.
fn assert_refusal(body: &Value, limit: &str, max: u64, id: Value) {
    assert_eq!(body["error"]["code"], json!(LIMIT_EXCEEDED), "{body}");
    assert_eq!(body["error"]["data"]["limit"], json!(limit), "{body}");
    assert_eq!(body["error"]["data"]["max"], json!(max), "{body}");
    assert_eq!(body["id"], id, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(limit),
        "the message names the limit: {body}"
    );
}

fn pings(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| request(json!(100 + i), "ping", json!({})))
            .collect(),
    )
}

async fn client(url: &str, version: &str) -> HttpClient {
    let mut c = HttpClient::new(url.to_string());
    c.initialize(version).await;
    c
}

async fn ping_ok(c: &HttpClient) {
    let ex = c.request(json!("p"), "ping", json!({})).await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    assert_eq!(ex.message()["result"], json!({}), "{}", ex.body);
}

#[tokio::test]
async fn batch_over_the_limit_gets_413_naming_it_and_smaller_batches_still_work() {
    let server = start(with_limits(Limits {
        max_batch: 3,
        ..Limits::default()
    }))
    .await;
    let c = client(&server.url(), "2025-03-26").await;
    let ok = c.post(&pings(3)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json().as_array().map(Vec::len), Some(3));

    let refused = c.post(&pings(4)).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.body
    );
    assert_refusal(&refused.json(), "max-batch", 3, Value::Null);

    // The same session and another one go on.
    ping_ok(&c).await;
    let other = client(&server.url(), "2025-03-26").await;
    assert_eq!(other.post(&pings(2)).await.status, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn batch_limit_holds_over_stdio_too() {
    let mut c = StdioClient::start(with_limits(Limits {
        max_batch: 2,
        ..Limits::default()
    }));
    c.initialize("2025-03-26").await;
    c.send(&pings(3)).await;
    let refused = c.recv().await;
    assert_refusal(&refused, "max-batch", 2, Value::Null);
    c.send(&pings(2)).await;
    let ok = c.recv().await;
    assert_eq!(ok.as_array().map(Vec::len), Some(2), "{ok}");
    let r = c.call("ping", json!({})).await;
    assert_eq!(r, json!({}));
}

#[tokio::test]
async fn a_full_server_refuses_new_sessions_with_503_and_keeps_the_live_ones() {
    let server = start(with_limits(Limits {
        max_sessions: 3,
        ..Limits::default()
    }))
    .await;
    let mut live = Vec::new();
    for _ in 0..3 {
        live.push(client(&server.url(), "2025-11-25").await);
    }
    assert_eq!(server.session_count(), 3);

    let newcomer = HttpClient::new(server.url());
    let refused = newcomer
        .request(json!("init-4"), "initialize", init_params("2025-11-25"))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert!(refused.headers.contains_key("retry-after"));
    assert!(!refused.headers.contains_key("mcp-session-id"));
    assert_refusal(&refused.json(), "max-sessions", 3, json!("init-4"));

    // No live session was evicted to make room.
    for c in &live {
        ping_ok(c).await;
    }
    assert_eq!(server.session_count(), 3);

    // Ending one frees a place.
    let del = live[0].send(live[0].builder(reqwest::Method::DELETE)).await;
    assert_eq!(del.status, StatusCode::OK);
    let mut again = HttpClient::new(server.url());
    again.initialize("2025-11-25").await;
    ping_ok(&again).await;
    assert_eq!(server.session_count(), 3);
    server.shutdown().await;
}

#[tokio::test]
async fn concurrent_initializes_never_overshoot_the_session_limit() {
    let server = start(with_limits(Limits {
        max_sessions: 5,
        ..Limits::default()
    }))
    .await;
    let url = server.url();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let c = HttpClient::new(url.clone());
            tokio::spawn(async move {
                c.request(json!(i), "initialize", init_params("2025-11-25"))
                    .await
                    .status
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(ok, 5);
    assert_eq!(server.session_count(), 5);
    server.shutdown().await;
}

/// Starts `slow` (streamed) calls in the background; they hold a stream and a request slot.
fn spawn_slow(c: &HttpClient, id: i64, ms: u64) -> tokio::task::JoinHandle<StatusCode> {
    let c = c.clone();
    tokio::spawn(async move {
        let ex = c
            .request(
                json!(id),
                "tools/call",
                json!({"name": "slow", "arguments": {"ms": ms, "steps": 1}}),
            )
            .await;
        ex.status
    })
}

/// Waits until `cond` holds (polling), failing after `WAIT`.
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn requests_in_flight_per_session_are_capped_with_429() {
    let server = start(with_limits(Limits {
        max_pending_per_session: 2,
        ..Limits::default()
    }))
    .await;
    let c = client(&server.url(), "2025-11-25").await;
    let slow: Vec<_> = (0..2).map(|i| spawn_slow(&c, 10 + i, 1500)).collect();
    // Both are in flight once the server answers them with a stream; a third request is refused.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = c.request(json!(77), "ping", json!({})).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert!(refused.headers.contains_key("retry-after"));
    assert_refusal(&refused.json(), "max-pending", 2, json!(77));
    // Notifications are not requests in flight; another session is not affected.
    let note = c
        .post(&notification(
            "notifications/cancelled",
            json!({"requestId": 999}),
        ))
        .await;
    assert_eq!(note.status, StatusCode::ACCEPTED, "{}", note.body);
    let other = client(&server.url(), "2025-11-25").await;
    ping_ok(&other).await;
    for t in slow {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    // Back under the limit.
    ping_ok(&c).await;
    server.shutdown().await;
}

#[tokio::test]
async fn sse_streams_per_session_are_capped_with_429_and_a_refused_get_leaves_the_open_one() {
    let server = start(with_limits(Limits {
        max_streams_per_session: 2,
        ..Limits::default()
    }))
    .await;
    let c = client(&server.url(), "2025-11-25").await;
    let mut listener = c.open_stream().await;
    assert_eq!(listener.status, StatusCode::OK);
    let slow = spawn_slow(&c, 20, 1500);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A third stream, as a streamed POST or as another GET, is refused.
    let refused = c
        .request(
            json!(21),
            "tools/call",
            json!({"name": "slow", "arguments": {"ms": 10, "steps": 1}}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_refusal(&refused.json(), "max-streams", 2, json!(21));
    let get = c
        .send(
            c.builder(reqwest::Method::GET)
                .header("accept", "text/event-stream"),
        )
        .await;
    assert_eq!(get.status, StatusCode::TOO_MANY_REQUESTS, "{}", get.body);
    assert_refusal(&get.json(), "max-streams", 2, Value::Null);

    // Plain JSON requests still work, and the open GET stream still delivers.
    let toggled = c
        .request(
            json!(22),
            "tools/call",
            json!({"name": "toggle_beta_tool", "arguments": {}}),
        )
        .await;
    assert_eq!(toggled.status, StatusCode::OK, "{}", toggled.body);
    let pushed = listener.next_message(WAIT).await.expect("list_changed");
    assert_eq!(pushed["method"], json!("notifications/tools/list_changed"));

    // Another session has streams of its own.
    let other = client(&server.url(), "2025-11-25").await;
    assert_eq!(other.open_stream().await.status, StatusCode::OK);

    assert_eq!(slow.await.unwrap(), StatusCode::OK);
    // The finished stream gave its place back.
    let mut done = false;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done && tokio::time::Instant::now() < deadline {
        let ex = c
            .request(
                json!(23),
                "tools/call",
                json!({"name": "slow", "arguments": {"ms": 10, "steps": 1}}),
            )
            .await;
        done = ex.status == StatusCode::OK;
        if !done {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert!(done, "the stream slot was never given back");
    server.shutdown().await;
}

#[tokio::test]
async fn registration_over_the_rate_gets_429_with_an_oauth_error_and_others_are_served() {
    const SVC: &str = "svc";
    const SVC_SECRET: &str = "limits-test-secret";
    let auth = AuthConfig::oauth_same_origin(
        vec![UserSpec::new("alice", "limits-test-pw")],
        vec![ClientSpec::new(SVC, SVC_SECRET)],
    )
    .with_auto_approve();
    let server = start(ServerConfig {
        auth,
        limits: Limits {
            registration_burst: 3,
            registration_rate: 4.0,
            ..Limits::default()
        },
        ..ServerConfig::default()
    })
    .await;
    let o = server.origin();
    let http = reqwest::Client::new();
    let register = || async {
        let r = http
            .post(format!("{o}/register"))
            .json(&json!({"redirect_uris": ["http://127.0.0.1:5599/cb"],
                "token_endpoint_auth_method": "none", "client_name": "limits"}))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let retry = r.headers().get("retry-after").cloned();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        (status, retry, body)
    };
    for _ in 0..3 {
        assert_eq!(register().await.0, StatusCode::CREATED);
    }
    let (status, retry, body) = register().await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.is_some());
    assert_eq!(body["error"], json!("temporarily_unavailable"), "{body}");
    let why = body["error_description"].as_str().unwrap_or_default();
    assert!(why.contains("registration-rate"), "{body}");

    // The token endpoint and /mcp keep serving a registered client meanwhile.
    let t = http
        .post(format!("{o}/token"))
        .basic_auth(SVC, Some(SVC_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(t.status(), StatusCode::OK);
    let token: Value = t.json().await.unwrap();
    let init = http
        .post(server.url())
        .bearer_auth(token["access_token"].as_str().unwrap())
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(request(json!(0), "initialize", init_params("2025-11-25")).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(init.status(), StatusCode::OK);

    // The bucket refills (4 per second).
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(register().await.0, StatusCode::CREATED);
    server.shutdown().await;
}

#[tokio::test]
async fn refused_requests_leave_the_counters_clean() {
    // Many refusals in a row must not leak slots: afterwards the full limit is usable again.
    let server = start(with_limits(Limits {
        max_sessions: 2,
        ..Limits::default()
    }))
    .await;
    let a = client(&server.url(), "2025-11-25").await;
    let b = client(&server.url(), "2025-11-25").await;
    for i in 0..50 {
        let ex = HttpClient::new(server.url())
            .request(json!(i), "initialize", init_params("2025-11-25"))
            .await;
        assert_eq!(ex.status, StatusCode::SERVICE_UNAVAILABLE);
    }
    for c in [&a, &b] {
        c.send(c.builder(reqwest::Method::DELETE)).await;
    }
    eventually("both places free", || server.sessions_held() == 0).await;
    let _c = client(&server.url(), "2025-11-25").await;
    let _d = client(&server.url(), "2025-11-25").await;
    assert_eq!(server.session_count(), 2);
    server.shutdown().await;
}
