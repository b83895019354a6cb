//! Fault switches of the Streamable HTTP transport: each test probes a clean server and one
//! with the switch on.

mod common;

use common::http::{start, HttpClient, SseReader};
use common::{assert_covers, request};
use mcp_reference_server::{Fault, RunningServer, ServerConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;

const COVERED: &[Fault] = &[
    Fault::SessionIdInvalidChars,
    Fault::SessionOptional,
    Fault::DeleteIgnored,
    Fault::UnknownSessionOk,
    Fault::Notification200,
    Fault::GetReturnsJson,
    Fault::IgnoreProtocolHeader,
    Fault::NoOriginCheck,
    Fault::NoHostCheck,
    Fault::ConcurrentRequestsRejected,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_http", COVERED);
}

/// A server with `fault` (or none) and a client with an initialized 2025-11-25 session.
async fn ready(fault: Option<Fault>) -> (RunningServer, HttpClient) {
    let server = start(fault.map(ServerConfig::with_fault).unwrap_or_default()).await;
    let mut c = HttpClient::new(server.url());
    c.initialize("2025-11-25").await;
    (server, c)
}

/// Runs the probe on a clean server and on one with `fault`: (clean, faulty).
macro_rules! both {
    ($fault:expr, |$c:ident| $body:expr) => {{
        let clean = {
            #[allow(unused_mut)]
            let (_server, mut $c) = ready(None).await;
            $body
        };
        let faulty = {
            #[allow(unused_mut)]
            let (_server, mut $c) = ready(Some($fault)).await;
            $body
        };
        (clean, faulty)
    }};
}

async fn ping_status(c: &HttpClient) -> StatusCode {
    c.request(json!(1), "ping", json!({})).await.status
}

#[tokio::test]
async fn session_id_invalid_chars() {
    let visible = |s: &str| s.bytes().all(|b| (0x21..=0x7e).contains(&b));
    let (clean, faulty) = both!(Fault::SessionIdInvalidChars, |c| visible(
        c.session.as_deref().unwrap()
    ));
    assert_eq!((clean, faulty), (true, false));
}

#[tokio::test]
async fn session_optional() {
    // Before any session exists the switch changes nothing.
    let server = start(ServerConfig::with_fault(Fault::SessionOptional)).await;
    assert_eq!(
        ping_status(&HttpClient::new(server.url())).await,
        StatusCode::BAD_REQUEST
    );
    let (clean, faulty) = both!(Fault::SessionOptional, |c| {
        c.session = None;
        ping_status(&c).await
    });
    assert_eq!((clean, faulty), (StatusCode::BAD_REQUEST, StatusCode::OK));
}

#[tokio::test]
async fn delete_ignored() {
    let (clean, faulty) = both!(Fault::DeleteIgnored, |c| {
        assert_eq!(
            c.send(c.builder(Method::DELETE)).await.status,
            StatusCode::OK
        );
        ping_status(&c).await
    });
    assert_eq!((clean, faulty), (StatusCode::NOT_FOUND, StatusCode::OK));
}

#[tokio::test]
async fn unknown_session_ok() {
    let (clean, faulty) = both!(Fault::UnknownSessionOk, |c| {
        c.session = Some("ffffffffffffffffffffffffffffffff".into());
        ping_status(&c).await
    });
    assert_eq!((clean, faulty), (StatusCode::NOT_FOUND, StatusCode::OK));
}

#[tokio::test]
async fn notification_200() {
    let (clean, faulty) = both!(Fault::Notification200, |c| {
        let ex = c.notify("notifications/x-unknown", json!({})).await;
        assert!(ex.body.is_empty());
        ex.status
    });
    assert_eq!((clean, faulty), (StatusCode::ACCEPTED, StatusCode::OK));
}

#[tokio::test]
async fn get_returns_json() {
    let (clean, faulty) = both!(Fault::GetReturnsJson, |c| {
        let resp = c
            .builder(Method::GET)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
        (resp.status(), ct)
    });
    assert_eq!(clean, (StatusCode::OK, "text/event-stream".to_string()));
    assert_eq!(faulty, (StatusCode::OK, "application/json".to_string()));
}

#[tokio::test]
async fn ignore_protocol_header() {
    let (clean, faulty) = both!(Fault::IgnoreProtocolHeader, |c| {
        c.protocol = Some("1999-01-01".into());
        ping_status(&c).await
    });
    assert_eq!((clean, faulty), (StatusCode::BAD_REQUEST, StatusCode::OK));
}

async fn ping_with(c: &HttpClient, header: &str, value: &str) -> StatusCode {
    let body = request(json!(1), "ping", json!({})).to_string();
    c.send(c.post_builder().header(header, value).body(body))
        .await
        .status
}

#[tokio::test]
async fn no_origin_check() {
    let (clean, faulty) = both!(Fault::NoOriginCheck, |c| ping_with(
        &c,
        "origin",
        "http://evil.example"
    )
    .await);
    assert_eq!((clean, faulty), (StatusCode::FORBIDDEN, StatusCode::OK));
}

#[tokio::test]
async fn no_host_check() {
    let (clean, faulty) = both!(Fault::NoHostCheck, |c| ping_with(
        &c,
        "host",
        "evil.example:80"
    )
    .await);
    assert_eq!((clean, faulty), (StatusCode::FORBIDDEN, StatusCode::OK));
}

#[tokio::test]
async fn concurrent_requests_rejected() {
    let (clean, faulty) = both!(Fault::ConcurrentRequestsRejected, |c| {
        let params = json!({"name": "slow", "arguments": {"ms": 600, "steps": 6}, "_meta": {"progressToken": 1}});
        let resp = c
            .post_builder()
            .body(request(json!("slow"), "tools/call", params).to_string())
            .send()
            .await
            .unwrap();
        let mut stream = SseReader::new(resp);
        let first = stream.next_message(common::WAIT).await;
        assert!(first.is_some(), "the slow call is under way");
        ping_status(&c).await
    });
    assert_eq!((clean, faulty), (StatusCode::OK, StatusCode::CONFLICT));
}
