//! Streamable HTTP: sessions, status codes, header rules, the Origin/Host guard, batches.

mod common;

use common::http::{start, HttpClient};
use common::{error_code, init_params, request, result, tool_names};
use mcp_reference_server::{ServerConfig, MAX_BODY_BYTES};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn session(version: &str) -> (mcp_reference_server::RunningServer, HttpClient) {
    let server = start(ServerConfig::default()).await;
    let mut c = HttpClient::new(server.url());
    c.initialize(version).await;
    (server, c)
}

#[tokio::test]
async fn initialize_creates_a_session_and_requests_use_it() {
    let server = start(ServerConfig::default()).await;
    assert!(server.url().starts_with("http://127.0.0.1:") && server.url().ends_with("/mcp"));
    let mut c = HttpClient::new(server.url());
    let r = c.initialize("2025-11-25").await;
    assert_eq!(r["protocolVersion"], json!("2025-11-25"));
    assert_eq!(
        c.notify("notifications/initialized", json!({}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let sid = c.session.clone().unwrap();
    assert_eq!(sid.len(), 32);
    assert!(sid.chars().all(|ch| ch.is_ascii_hexdigit()));

    let mut other = HttpClient::new(server.url());
    other.initialize("2025-06-18").await;
    assert_ne!(
        other.session, c.session,
        "each initialize gets its own session"
    );

    let ping = c.request(json!("p"), "ping", json!({})).await;
    assert_eq!(ping.status, StatusCode::OK);
    assert_eq!(ping.content_type(), "application/json");
    assert_eq!(
        ping.json(),
        json!({"jsonrpc": "2.0", "id": "p", "result": {}})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn tools_list_pages_are_walked_over_http() {
    let (_server, c) = session("2025-06-18").await;
    let mut names = Vec::new();
    let mut params = json!({});
    for i in 0..10 {
        let r = c.call(i, "tools/list", params.clone()).await;
        names.extend(tool_names(&r));
        match r.get("nextCursor") {
            Some(n) => params = json!({"cursor": n}),
            None => break,
        }
    }
    // 15 demo tools plus ask_model, list_roots and ask_user (client requests, 2025-06-18).
    assert_eq!(names.len(), 18);
    let r = c
        .call(
            20,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
        )
        .await;
    assert_eq!(r["structuredContent"]["result"], json!(3));
}

#[tokio::test]
async fn notifications_and_responses_get_202_with_empty_body() {
    let (_server, c) = session("2025-11-25").await;
    let ex = c.notify("notifications/x-unknown", json!({})).await;
    assert_eq!((ex.status, ex.body.as_str()), (StatusCode::ACCEPTED, ""));
    let ex = c
        .post(&json!({"jsonrpc": "2.0", "id": 77, "result": {}}))
        .await;
    assert_eq!((ex.status, ex.body.as_str()), (StatusCode::ACCEPTED, ""));
}

#[tokio::test]
async fn delete_ends_the_session() {
    let (_server, mut c) = session("2025-11-25").await;
    let ex = c.send(c.builder(Method::DELETE)).await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(
        c.request(json!(1), "ping", json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.send(c.builder(Method::DELETE)).await.status,
        StatusCode::NOT_FOUND
    );
    c.session = None;
    assert_eq!(
        c.send(c.builder(Method::DELETE)).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn missing_and_unknown_sessions() {
    let (_server, mut c) = session("2025-11-25").await;
    let sid = c.session.take();
    let ex = c.request(json!(1), "ping", json!({})).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(ex.json()["id"], Value::Null);
    assert_eq!(error_code(&ex.json()), -32600);
    assert_eq!(
        c.notify("notifications/initialized", json!({}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    c.session = Some("0123456789abcdef0123456789abcdef".into());
    assert_eq!(
        c.request(json!(1), "ping", json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    c.session = sid;
    assert_eq!(
        c.request(json!(1), "ping", json!({})).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn failed_initialize_creates_no_session() {
    let server = start(ServerConfig::default()).await;
    let c = HttpClient::new(server.url());
    let ex = c
        .request(
            json!(1),
            "initialize",
            json!({"protocolVersion": "2025-06-18"}),
        )
        .await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(error_code(ex.message()), -32602);
    assert!(ex.headers.get("mcp-session-id").is_none());
}

#[tokio::test]
async fn origin_and_host_guard() {
    let (_server, c) = session("2025-11-25").await;
    for origin in ["http://evil.example", "null", "http://localhost.evil.com"] {
        let ex = c
            .send(
                c.post_builder()
                    .header("origin", origin)
                    .body(request(json!(1), "ping", json!({})).to_string()),
            )
            .await;
        assert_eq!(ex.status, StatusCode::FORBIDDEN, "{origin}");
        assert_eq!(ex.json()["id"], Value::Null);
    }
    for origin in [
        "http://localhost:3000",
        "http://127.0.0.1",
        "https://[::1]:8443",
    ] {
        let ex = c
            .send(
                c.post_builder()
                    .header("origin", origin)
                    .body(request(json!(1), "ping", json!({})).to_string()),
            )
            .await;
        assert_eq!(ex.status, StatusCode::OK, "{origin}");
    }
    let ex = c
        .send(
            c.post_builder()
                .header("host", "evil.example")
                .body(request(json!(1), "ping", json!({})).to_string()),
        )
        .await;
    assert_eq!(ex.status, StatusCode::FORBIDDEN);
    let ex = c
        .send(
            c.builder(Method::GET)
                .header("accept", "text/event-stream")
                .header("origin", "http://evil.example"),
        )
        .await;
    assert_eq!(ex.status, StatusCode::FORBIDDEN);
    let health = c
        .http
        .get(c.url.replace("/mcp", "/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn protocol_version_header_rules() {
    let (_server, mut c) = session("2025-06-18").await;
    for bad in ["1999-01-01", "garbage", "2025-11-25"] {
        c.protocol = Some(bad.into());
        let ex = c.request(json!(1), "ping", json!({})).await;
        assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    c.protocol = None;
    assert_eq!(
        c.request(json!(1), "ping", json!({})).await.status,
        StatusCode::OK,
        "absent header is accepted"
    );

    let (_server, mut old) = session("2025-03-26").await;
    old.protocol = Some("2025-06-18".into());
    assert_eq!(
        old.request(json!(1), "ping", json!({})).await.status,
        StatusCode::OK
    );
    old.protocol = Some("1999-01-01".into());
    assert_eq!(
        old.request(json!(1), "ping", json!({})).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn accept_content_type_and_size_rules() {
    let (_server, c) = session("2025-11-25").await;
    let body = request(json!(1), "ping", json!({})).to_string();
    let base = || {
        let mut b = c
            .http
            .post(&c.url)
            .header("mcp-session-id", c.session.clone().unwrap());
        b = b.body(body.clone());
        b
    };
    let ex = c
        .send(
            base()
                .header("accept", "application/json")
                .header("content-type", "application/json"),
        )
        .await;
    assert_eq!(ex.status, StatusCode::NOT_ACCEPTABLE);
    let ex = c
        .send(
            base()
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "text/plain"),
        )
        .await;
    assert_eq!(ex.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let ex = c
        .send(
            base()
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json; charset=utf-8"),
        )
        .await;
    assert_eq!(ex.status, StatusCode::OK);

    let big = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(MAX_BODY_BYTES)
    );
    let ex = c.send(c.post_builder().body(big)).await;
    assert_eq!(ex.status, StatusCode::PAYLOAD_TOO_LARGE);

    let ex = c.send(c.builder(Method::GET)).await;
    assert_eq!(
        ex.status,
        StatusCode::NOT_ACCEPTABLE,
        "GET without Accept: text/event-stream"
    );
    let ex = c.send(c.builder(Method::PUT)).await;
    assert_eq!(ex.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn malformed_bodies_get_errors() {
    let (_server, c) = session("2025-11-25").await;
    let ex = c.send(c.post_builder().body("{nope")).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (error_code(&ex.json()), &ex.json()["id"]),
        (-32700, &Value::Null)
    );
    let ex = c
        .post(&json!({"jsonrpc": "2.0", "id": 9, "method": 5}))
        .await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (error_code(&ex.json()), &ex.json()["id"]),
        (-32600, &json!(9))
    );
    let ex = c.request(json!(3), "no/such/method", json!({})).await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(error_code(&ex.json()), -32601);
}

#[tokio::test]
async fn batches_follow_the_negotiated_version() {
    let (_server, c) = session("2025-03-26").await;
    let ex = c
        .post(&json!([
            request(json!(1), "ping", json!({})),
            request(json!(2), "ping", json!({}))
        ]))
        .await;
    assert_eq!(ex.status, StatusCode::OK);
    let ids: Vec<Value> = ex
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!(1), json!(2)]);
    let ex = c
        .post(&json!([{"jsonrpc": "2.0", "method": "notifications/x"}]))
        .await;
    assert_eq!((ex.status, ex.body.as_str()), (StatusCode::ACCEPTED, ""));
    let ex = c
        .post(&json!([request(
            json!(1),
            "initialize",
            init_params("2025-03-26")
        )]))
        .await;
    assert_eq!(error_code(&ex.json()[0]), -32600);

    let (_server, c) = session("2025-11-25").await;
    let ex = c.post(&json!([request(json!(1), "ping", json!({}))])).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&ex.json()), -32600);
}

#[tokio::test]
async fn sse_responses_mode_answers_every_request_with_a_stream() {
    let server = start(ServerConfig {
        sse_responses: true,
        ..Default::default()
    })
    .await;
    let mut c = HttpClient::new(server.url());
    c.initialize("2025-11-25").await;
    let ex = c.request(json!(5), "ping", json!({})).await;
    assert_eq!(ex.content_type(), "text/event-stream");
    assert_eq!(
        ex.events[0].data, "",
        "2025-11-25 streams open with a priming event"
    );
    assert!(ex.events[0].id.is_some());
    assert_eq!(result(ex.message()), &json!({}));
    assert_eq!(ex.message()["id"], json!(5));
}
