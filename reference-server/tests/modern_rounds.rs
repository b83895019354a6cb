//! The 2026-07-28 patterns beyond one request and one answer, on the clean server: multi
//! round-trip tool calls (input requests only for declared capabilities, -32021 otherwise,
//! sealed request state, retries) and `subscriptions/listen` (acknowledgement first,
//! subscription ids, only opted-in events, graceful close), over HTTP and stdio. Every message
//! is validated against the official 2026-07-28 schema.

mod common;

use common::http::{start, Exchange, HttpClient, SseReader};
use common::modern::{self as m};
use common::schema26::assert_valid;
use common::stdio::StdioClient;
use common::{error_code, first_text, result, QUIET, WAIT};
use mcp_reference_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};

const ITEMS: &str = "mcp://reference/items";

async fn post(c: &HttpClient, body: &Value) -> Exchange {
    let ex = m::post(c, body).await;
    let method = body["method"].as_str().unwrap_or_default();
    for msg in &ex.messages {
        assert_valid(method, msg);
    }
    ex
}

/// A tools/call of `tool` declaring `caps`, with `extra` params merged in.
fn call(id: i64, tool: &str, caps: Value, extra: Value) -> Value {
    let mut params = json!({"name": tool, "arguments": {}});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    params["_meta"] = json!({"io.modelcontextprotocol/clientCapabilities": caps});
    m::request(json!(id), "tools/call", params)
}

#[tokio::test]
async fn mrtr_round_trip_for_each_input_kind() {
    let server = start(ServerConfig::default()).await;
    let c = HttpClient::new(server.url());
    let cases = [
        (
            "ask_user",
            json!({"elicitation": {}}),
            "user_form",
            "elicitation/create",
            json!({"action": "accept", "content": {"name": "Ada", "age": 36}}),
            "name=Ada",
        ),
        (
            "ask_user_url",
            json!({"elicitation": {"url": {}}}),
            "user_url",
            "elicitation/create",
            json!({"action": "decline"}),
            "declined",
        ),
        (
            "ask_model",
            json!({"sampling": {}}),
            "model_answer",
            "sampling/createMessage",
            json!({"role": "assistant", "content": {"type": "text", "text": "hello"}, "model": "m-1"}),
            "m-1 answered: hello",
        ),
        (
            "list_roots",
            json!({"roots": {}}),
            "client_roots",
            "roots/list",
            json!({"roots": [{"uri": "file:///work"}]}),
            "file:///work",
        ),
    ];
    for (i, (tool, caps, key, method, answer, expect)) in cases.into_iter().enumerate() {
        let id = 10 * i as i64;
        let first = post(&c, &call(id, tool, caps.clone(), json!({}))).await;
        assert_eq!(first.status, StatusCode::OK, "{tool}: {}", first.body);
        let r = result(first.message());
        assert_eq!(r["resultType"], json!("input_required"), "{tool}");
        assert!(
            r.get("ttlMs").is_none(),
            "interim results are not cacheable"
        );
        assert_eq!(
            r["inputRequests"][key]["method"],
            json!(method),
            "{tool}: {r}"
        );
        let state = r["requestState"]
            .as_str()
            .expect("requestState")
            .to_string();
        let retry = call(
            id + 1,
            tool,
            caps,
            json!({"requestState": state, "inputResponses": {key: answer, "unasked": {}}}),
        );
        let done = post(&c, &retry).await;
        let r = result(done.message());
        assert_eq!(r["resultType"], json!("complete"), "{tool}: {r}");
        assert!(first_text(r).contains(expect), "{tool}: {r}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn mrtr_needs_the_declared_capability() {
    let server = start(ServerConfig::default()).await;
    let c = HttpClient::new(server.url());
    for (tool, caps) in [
        ("ask_user", json!({})),
        ("ask_model", json!({"roots": {}})),
        ("list_roots", json!({})),
        ("ask_user_url", json!({"elicitation": {}})),
    ] {
        let ex = post(&c, &call(1, tool, caps, json!({}))).await;
        assert_eq!(ex.status, StatusCode::BAD_REQUEST, "{tool}: {}", ex.body);
        let msg = ex.message();
        assert_eq!(error_code(msg), -32021, "{tool}");
        assert!(msg["error"]["data"]["requiredCapabilities"].is_object());
    }
    server.shutdown().await;
}

#[tokio::test]
async fn mrtr_rejects_bad_state_and_asks_again_for_missing_input() {
    let server = start(ServerConfig::default()).await;
    let c = HttpClient::new(server.url());
    let caps = json!({"roots": {}});
    let first = post(&c, &call(1, "list_roots", caps.clone(), json!({}))).await;
    let state = result(first.message())["requestState"]
        .as_str()
        .unwrap()
        .to_string();
    // Missing input: asked again, not an error.
    let again = post(
        &c,
        &call(
            2,
            "list_roots",
            caps.clone(),
            json!({"requestState": state, "inputResponses": {}}),
        ),
    )
    .await;
    assert_eq!(
        result(again.message())["resultType"],
        json!("input_required")
    );
    // A flipped byte, another call's arguments, and no state at all are refused.
    let mut bytes = state.clone().into_bytes();
    let i = bytes.len() - 3;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let answer = json!({"client_roots": {"roots": []}});
    for extra in [
        json!({"requestState": tampered, "inputResponses": answer}),
        json!({"requestState": state, "inputResponses": answer, "arguments": {"x": 1}}),
        json!({"inputResponses": answer}),
    ] {
        let ex = post(&c, &call(3, "list_roots", caps.clone(), extra.clone())).await;
        assert_eq!(error_code(ex.message()), -32602, "{extra}: {}", ex.body);
    }
    // The genuine state still works.
    let ok = post(
        &c,
        &call(
            4,
            "list_roots",
            caps,
            json!({"requestState": state, "inputResponses": answer}),
        ),
    )
    .await;
    assert_eq!(first_text(result(ok.message())), "the client has no roots");
    server.shutdown().await;
}

/// The next message of a listen stream, validated.
async fn next(reader: &mut SseReader) -> Value {
    let msg = reader
        .next_message(WAIT)
        .await
        .expect("no message on the stream");
    assert_valid("subscriptions/listen", &msg);
    msg
}

fn listen(id: Value, filter: Value) -> Value {
    m::request(id, "subscriptions/listen", json!({"notifications": filter}))
}

fn create_item(id: i64) -> Value {
    m::request(
        json!(id),
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "n", "value": "v"}}),
    )
}

#[tokio::test]
async fn listen_over_http_acknowledges_tags_filters_and_closes() {
    let server = start(ServerConfig::default()).await;
    let c = HttpClient::new(server.url());
    let mut items = m::open_stream(
        &c,
        &listen(json!("s-1"), json!({"resourceSubscriptions": [ITEMS]})),
    )
    .await;
    assert_eq!(items.status, StatusCode::OK);
    assert_eq!(
        items.headers.get("x-accel-buffering").map(|v| v.as_bytes()),
        Some(&b"no"[..])
    );
    assert!(items.headers.get("mcp-session-id").is_none());
    let ack = next(&mut items).await;
    assert_eq!(
        ack["method"],
        json!("notifications/subscriptions/acknowledged")
    );
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        json!("s-1")
    );
    assert_eq!(
        ack["params"]["notifications"],
        json!({"resourceSubscriptions": [ITEMS]})
    );
    let mut tools = m::open_stream(&c, &listen(json!(7), json!({"toolsListChanged": true}))).await;
    let ack = next(&mut tools).await;
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        json!(7)
    );
    // A change to the item store reaches the subscriber of its URI only.
    let ex = post(&c, &create_item(1)).await;
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
    let ev = next(&mut items).await;
    assert_eq!(ev["method"], json!("notifications/resources/updated"));
    assert_eq!(ev["params"]["uri"], json!(ITEMS));
    assert_eq!(
        ev["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        json!("s-1")
    );
    assert!(
        tools.next_message(QUIET).await.is_none(),
        "an event outside the filter"
    );
    // Shutting down answers the listen request, tagged, and ends the stream.
    let stop = tokio::spawn(server.shutdown());
    let last = next(&mut items).await;
    assert_eq!(last["id"], json!("s-1"));
    assert_eq!(last["result"]["resultType"], json!("complete"));
    assert_eq!(
        last["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        json!("s-1")
    );
    stop.await.unwrap();
}

#[tokio::test]
async fn listen_needs_a_filter() {
    let server = start(ServerConfig::default()).await;
    let c = HttpClient::new(server.url());
    let body = m::request(json!(1), "subscriptions/listen", json!({}));
    let ex = post(&c, &body).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(ex.message()), -32602);
    server.shutdown().await;
}

#[tokio::test]
async fn listen_over_stdio_until_cancelled() {
    let mut c = StdioClient::start(ServerConfig::default());
    c.send(&listen(
        json!(7),
        json!({"resourceSubscriptions": [ITEMS], "promptsListChanged": true}),
    ))
    .await;
    let ack = c.recv().await;
    assert_valid("subscriptions/listen", &ack);
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        json!(7)
    );
    assert_eq!(
        ack["params"]["notifications"]["promptsListChanged"],
        json!(true)
    );
    c.send(&create_item(2)).await;
    let r = c.response(&json!(2)).await;
    assert_eq!(result(&r)["resultType"], json!("complete"));
    let events = c.take_notifications("notifications/resources/updated");
    let mut events: Vec<Value> = events;
    while events.is_empty() {
        let msg = c.recv().await;
        if msg["method"] == json!("notifications/resources/updated") {
            events.push(msg);
        }
    }
    for ev in &events {
        assert_valid("subscriptions/listen", ev);
        assert_eq!(
            ev["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
            json!(7)
        );
    }
    c.notify("notifications/cancelled", json!({"requestId": 7}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    c.send(&create_item(3)).await;
    let r = c.response(&json!(3)).await;
    assert_eq!(result(&r)["resultType"], json!("complete"));
    assert!(
        c.recv_within(QUIET).await.is_none(),
        "events after the cancel"
    );
    c.finish().await.unwrap();
}

#[tokio::test]
async fn mrtr_over_stdio() {
    let mut c = StdioClient::start(ServerConfig::default());
    let caps = json!({"elicitation": {"form": {}}});
    c.send(&call(1, "ask_user", caps.clone(), json!({}))).await;
    let first = c.response(&json!(1)).await;
    assert_valid("tools/call", &first);
    let r = result(&first);
    assert_eq!(r["resultType"], json!("input_required"));
    let retry = call(
        2,
        "ask_user",
        caps,
        json!({"requestState": r["requestState"], "inputResponses": {"user_form": {"action": "cancel"}}}),
    );
    c.send(&retry).await;
    let done = c.response(&json!(2)).await;
    assert_valid("tools/call", &done);
    assert_eq!(first_text(result(&done)), "the user cancelled the request");
    assert!(c.notifications.is_empty(), "{:?}", c.notifications);
    c.finish().await.unwrap();
}
