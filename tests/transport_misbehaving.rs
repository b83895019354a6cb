//! Transports and session against misbehaving targets: wrong ids, garbage, hangs, huge bodies,
//! SSE quirks, session headers, and stdio servers that print junk or exit at once. Every case
//! must end, quickly, with the misbehaviour visible as evidence. HTTP cases use wiremock here;
//! streaming and stdio cases are in `transport_misbehaving/`.

use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::session::Session;
use mcpcheck::transcript::{Entry, Transcript};
use mcpcheck::transport::{ClientOptions, Target, TransportError};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "transport_misbehaving/raw.rs"]
mod raw;
#[path = "transport_misbehaving/stdio.rs"]
mod stdio;
#[path = "transport_misbehaving/streaming.rs"]
mod streaming;

fn opts(timeout_ms: u64) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_millis(timeout_ms),
        ..ClientOptions::default()
    }
}

async fn http_session(server: &MockServer, o: ClientOptions) -> Session {
    let target = Target::Http {
        url: format!("{}/mcp", server.uri()),
    };
    Session::open(&target, o, Transcript::new()).await.unwrap()
}

fn json_reply(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn sse_reply(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/event-stream")
}

async fn mount_post(server: &MockServer, rpc_method: &str, reply: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/mcp"))
        .and(body_partial_json(json!({ "method": rpc_method })))
        .respond_with(reply)
        .mount(server)
        .await;
}

fn notes(t: &Transcript) -> Vec<String> {
    t.since(0)
        .into_iter()
        .filter_map(|e| match e {
            Entry::Note { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn wrong_id_returns_no_response_without_hanging() {
    let server = MockServer::start().await;
    mount_post(
        &server,
        "ping",
        json_reply(json!({"jsonrpc":"2.0","id":999,"result":{}})),
    )
    .await;
    let mut s = http_session(&server, opts(5_000)).await;
    let t0 = Instant::now();
    let ex = s.request("ping", None).await.unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t0.elapsed()
    );
    assert_eq!(ex.response, None);
    assert_eq!(ex.http.as_ref().map(|m| m.status), Some(200));
    // The unmatched response stays buffered as evidence.
    assert_eq!(
        s.received(),
        &[json!({"jsonrpc":"2.0","id":999,"result":{}})]
    );
}

#[tokio::test]
async fn string_id_does_not_answer_an_integer_id() {
    let server = MockServer::start().await;
    mount_post(
        &server,
        "ping",
        json_reply(json!({"jsonrpc":"2.0","id":"1","result":{}})),
    )
    .await;
    let mut s = http_session(&server, opts(5_000)).await;
    let ex = s.request("ping", None).await.unwrap();
    assert_eq!(ex.response, None);
    assert_eq!(ex.received.len(), 1);
}

#[tokio::test]
async fn garbage_bodies_are_recorded_as_garbage() {
    let server = MockServer::start().await;
    mount_post(
        &server,
        "ping",
        ResponseTemplate::new(200).set_body_raw(b"{oops".to_vec(), "application/json"),
    )
    .await;
    mount_post(
        &server,
        "tools/list",
        ResponseTemplate::new(400).set_body_raw(b"Bad Request".to_vec(), "text/plain"),
    )
    .await;
    let mut s = http_session(&server, opts(5_000)).await;
    let ex = s.request("ping", None).await.unwrap();
    assert_eq!(ex.response, None);
    let ex = s.request("tools/list", None).await.unwrap();
    assert_eq!(ex.http.as_ref().map(|m| m.status), Some(400));
    assert_eq!(
        ex.http.as_ref().and_then(|m| m.body.as_deref()),
        Some("Bad Request")
    );
    assert_eq!(
        s.garbage(),
        &["{oops".to_string(), "Bad Request".to_string()]
    );
}

#[tokio::test]
async fn hanging_response_times_out_quickly() {
    let server = MockServer::start().await;
    mount_post(
        &server,
        "ping",
        json_reply(json!({"jsonrpc":"2.0","id":1,"result":{}})).set_delay(Duration::from_secs(10)),
    )
    .await;
    let mut s = http_session(&server, opts(300)).await;
    let t0 = Instant::now();
    let err = s.request("ping", None).await.unwrap_err();
    assert!(matches!(err, TransportError::Timeout { .. }), "{err:?}");
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t0.elapsed()
    );
}

#[tokio::test]
async fn body_over_the_cap_is_refused() {
    let server = MockServer::start().await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"result":{{"pad":"{}"}}}}"#,
        "x".repeat(64 * 1024)
    );
    mount_post(
        &server,
        "ping",
        ResponseTemplate::new(200).set_body_raw(big.into_bytes(), "application/json"),
    )
    .await;
    let mut s = http_session(
        &server,
        ClientOptions {
            max_body_bytes: 16 * 1024,
            ..opts(5_000)
        },
    )
    .await;
    let err = s.request("ping", None).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 16384 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn sse_event_over_the_cap_is_refused() {
    let server = MockServer::start().await;
    let body = format!("data: {}\n\n", "y".repeat(8 * 1024));
    mount_post(&server, "ping", sse_reply(&body)).await;
    let mut s = http_session(
        &server,
        ClientOptions {
            max_body_bytes: 1024,
            ..opts(5_000)
        },
    )
    .await;
    let err = s.request("ping", None).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 1024 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn sse_response_with_comments_priming_and_progress() {
    let server = MockServer::start().await;
    let body = concat!(
        ": stream opened\n\n",
        "id: prime-1\nretry: 1000\ndata:\n\n",
        "event: message\nid: 2\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\n",
        "data: \"params\":{\"progressToken\":1,\"progress\":1}}\n\n",
        "id: 3\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}\r\n\r\n",
        "data: not json\n\n",
    );
    mount_post(&server, "tools/call", sse_reply(body)).await;
    let mut s = http_session(&server, opts(5_000)).await;
    let ex = s
        .request("tools/call", Some(json!({"name":"t"})))
        .await
        .unwrap();
    assert_eq!(
        ex.response,
        Some(json!({"jsonrpc":"2.0","id":1,"result":{"ok":true}}))
    );
    let meta = ex.http.unwrap();
    assert_eq!(meta.content_type.as_deref(), Some("text/event-stream"));
    let ids: Vec<Option<&str>> = meta.sse_events.iter().map(|e| e.id.as_deref()).collect();
    assert_eq!(ids, vec![Some("prime-1"), Some("2"), Some("3"), None]);
    assert_eq!(meta.sse_events[0].retry, Some(1000));
    assert_eq!(meta.sse_events[0].data, "");
    assert_eq!(ex.received.len(), 1);
    assert_eq!(ex.received[0]["method"], "notifications/progress");
    assert_eq!(s.garbage(), &["not json".to_string()]);
    let sse_entries = s
        .transcript()
        .since(0)
        .iter()
        .filter(|e| matches!(e, Entry::SseEvent { .. }))
        .count();
    assert_eq!(sse_entries, 4);
}

#[tokio::test]
async fn unterminated_sse_event_is_noted_not_delivered() {
    let server = MockServer::start().await;
    mount_post(
        &server,
        "ping",
        sse_reply("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"),
    )
    .await;
    let mut s = http_session(&server, opts(5_000)).await;
    let ex = s.request("ping", None).await.unwrap();
    assert_eq!(ex.response, None);
    assert!(notes(s.transcript())
        .iter()
        .any(|n| n.contains("not closed by a blank line")));
}

#[tokio::test]
async fn json_response_and_202_for_a_notification() {
    let server = MockServer::start().await;
    mount_post(
        &server,
        "tools/list",
        json_reply(json!({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})),
    )
    .await;
    mount_post(
        &server,
        "notifications/initialized",
        ResponseTemplate::new(202),
    )
    .await;
    let mut s = http_session(&server, opts(5_000)).await;
    let ex = s.request("tools/list", None).await.unwrap();
    assert_eq!(ex.response.unwrap()["result"]["tools"], json!([]));
    let ex = s
        .send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
        .await
        .unwrap();
    assert_eq!(ex.response, None);
    assert_eq!(ex.http.map(|m| m.status), Some(202));
    let entries = s.transcript().since(0);
    let req_headers = entries
        .iter()
        .find_map(|e| match e {
            Entry::HttpRequest { headers, .. } => Some(headers.clone()),
            _ => None,
        })
        .unwrap();
    assert!(req_headers.contains(&(
        "accept".into(),
        "application/json, text/event-stream".into()
    )));
    assert!(req_headers.contains(&("content-type".into(), "application/json".into())));
}

#[tokio::test]
async fn session_id_is_captured_and_sent_afterwards() {
    let server = MockServer::start().await;
    let init = json_reply(json!({"jsonrpc":"2.0","id":1,"result":{
        "protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"m","version":"1"}}}))
    .insert_header("MCP-Session-Id", "sess-42");
    mount_post(&server, "initialize", init).await;
    mount_post(
        &server,
        "notifications/initialized",
        ResponseTemplate::new(202),
    )
    .await;
    Mock::given(method("POST"))
        .and(header("mcp-session-id", "sess-42"))
        .and(header("mcp-protocol-version", "2025-06-18"))
        .and(body_partial_json(json!({"method":"ping"})))
        .respond_with(json_reply(json!({"jsonrpc":"2.0","id":2,"result":{}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(header("mcp-session-id", "sess-42"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut s = http_session(&server, opts(5_000)).await;
    let result = s.handshake(ProtocolVersion::V2025_06_18).await.unwrap();
    assert_eq!(result["serverInfo"]["name"], "m");
    assert_eq!(s.session_id().as_deref(), Some("sess-42"));
    assert_eq!(s.protocol_version(), Some(ProtocolVersion::V2025_06_18));
    let ex = s.request("ping", None).await.unwrap();
    assert!(ex.response.is_some());
    let reqs = server.received_requests().await.unwrap();
    // initialize went out without a session id; everything after carried it.
    assert!(reqs[0].headers.get("mcp-session-id").is_none());
    assert!(reqs[1..]
        .iter()
        .all(|r| r.headers.get("mcp-session-id").is_some()));
    let deleted = s.close().await.unwrap().unwrap();
    assert_eq!(deleted.status, 204);
    server.verify().await;
}

#[tokio::test]
async fn no_version_header_for_2025_03_26_and_no_session_without_header() {
    let server = MockServer::start().await;
    let init = json_reply(json!({"jsonrpc":"2.0","id":1,"result":{
        "protocolVersion":"2025-03-26","capabilities":{},"serverInfo":{"name":"m","version":"1"}}}));
    mount_post(&server, "initialize", init).await;
    mount_post(
        &server,
        "ping",
        json_reply(json!({"jsonrpc":"2.0","id":2,"result":{}})),
    )
    .await;
    let mut s = http_session(&server, opts(5_000)).await;
    let ex = s
        .initialize(Session::default_initialize_params(
            ProtocolVersion::V2025_03_26,
        ))
        .await
        .unwrap();
    assert!(ex.response.is_some());
    assert_eq!(s.protocol_version(), Some(ProtocolVersion::V2025_03_26));
    assert_eq!(s.init_result().unwrap()["serverInfo"]["name"], "m");
    assert_eq!(s.session_id(), None);
    s.request("ping", None).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        reqs.len(),
        2,
        "initialize does not send notifications/initialized"
    );
    assert!(reqs[1].headers.get("mcp-protocol-version").is_none());
    assert!(reqs[1].headers.get("mcp-session-id").is_none());
    assert_eq!(s.close().await.unwrap(), None, "no session, no DELETE");
}

#[tokio::test]
async fn started_requests_run_concurrently() {
    let server = MockServer::start().await;
    let slow = json_reply(json!({"jsonrpc":"2.0","id":"slow","result":{"n":1}}))
        .set_delay(Duration::from_millis(1500));
    mount_post(&server, "tools/call", slow).await;
    mount_post(
        &server,
        "ping",
        json_reply(json!({"jsonrpc":"2.0","id":1,"result":{}})),
    )
    .await;
    let mut s = http_session(&server, opts(5_000)).await;
    let t0 = Instant::now();
    s.start(json!({"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"x"}}))
        .await
        .unwrap();
    let ex = s.request("ping", None).await.unwrap();
    assert!(ex.response.is_some());
    assert!(
        t0.elapsed() < Duration::from_millis(1000),
        "ping waited for the slow call: {:?}",
        t0.elapsed()
    );
    let slow = s
        .wait_response(&json!("slow"), Duration::from_secs(3))
        .await
        .unwrap();
    assert_eq!(slow.unwrap()["result"]["n"], 1);
    assert_eq!(
        s.wait_response(&json!("never"), Duration::from_millis(100))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn server_requests_are_answered_over_http() {
    let server = MockServer::start().await;
    let body = concat!(
        "data: {\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"ping\"}\n\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":\"s2\",\"method\":\"roots/list\"}\n\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":\"s3\",\"method\":\"sampling/createMessage\"}\n\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n",
    );
    mount_post(&server, "tools/call", sse_reply(body)).await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"jsonrpc":"2.0"})))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let mut s = http_session(&server, opts(5_000)).await;
    s.set_reply("roots/list", json!({"roots":[]}));
    let ex = s.request("tools/call", None).await.unwrap();
    assert!(ex.response.is_some());
    assert_eq!(s.received().len(), 3, "server requests stay visible");
    // The replies are separate POSTs; give them a moment.
    let mut replies = Vec::new();
    for _ in 0..50 {
        let reqs = server.received_requests().await.unwrap();
        replies = reqs
            .iter()
            .filter_map(|r| r.body_json::<Value>().ok())
            .filter(|v| v.get("method").is_none())
            .collect();
        if replies.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let by_id = |id: &str| replies.iter().find(|r| r["id"] == id).cloned().unwrap();
    assert_eq!(by_id("s1")["result"], json!({}));
    assert_eq!(by_id("s2")["result"], json!({"roots":[]}));
    assert_eq!(by_id("s3")["error"]["code"], -32601);
}
