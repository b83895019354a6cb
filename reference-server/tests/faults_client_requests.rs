//! Requests the server sends its client (sampling, elicitation, roots) and their fault
//! switches: each probe runs a clean server and one with the switch on. Also the clean
//! behaviour: gating on declared capabilities, answers reflected in results, decline/cancel and
//! errors handled, cancellation while waiting, and the HTTP path (request on the POST's SSE
//! stream, answer POSTed back).

mod common;

use common::http::{start, HttpClient};
use common::stdio::StdioClient;
use common::{assert_covers, request, QUIET, WAIT};
use mcp_reference_server::{Fault, ServerConfig};
use serde_json::{json, Value};

const COVERED: &[Fault] = &[
    Fault::SamplingWithoutCapability,
    Fault::ElicitationNestedSchema,
    Fault::ElicitationUrlUndeclared,
    Fault::SamplingMissingMaxTokens,
    Fault::ClientReplyIgnored,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_client_requests", COVERED);
}

/// A stdio server with `fault` (or none), initialized at `version` declaring `caps`.
async fn client(fault: Option<Fault>, version: &str, caps: Value) -> StdioClient {
    let config = fault.map_or_else(ServerConfig::default, ServerConfig::with_fault);
    let mut c = StdioClient::start(config);
    let init = c
        .request(
            "initialize",
            json!({"protocolVersion": version, "capabilities": caps,
                   "clientInfo": {"name": "probe", "version": "0"}}),
        )
        .await;
    assert!(init.get("result").is_some(), "{init}");
    c.notify("notifications/initialized", json!({})).await;
    c
}

/// Calls `tool`; answers each server request with `answer(request)`. Returns the requests
/// the server sent and the tool's result.
async fn call(
    c: &mut StdioClient,
    id: i64,
    tool: &str,
    args: Value,
    answer: impl Fn(&Value) -> Value,
) -> (Vec<Value>, Value) {
    c.send(&request(
        json!(id),
        "tools/call",
        json!({"name": tool, "arguments": args}),
    ))
    .await;
    let mut asked = Vec::new();
    loop {
        let msg = c.recv().await;
        if msg.get("method").is_some() && msg.get("id").is_some() {
            let reply = answer(&msg);
            c.send(&json!({"jsonrpc": "2.0", "id": msg["id"], "result": reply}))
                .await;
            asked.push(msg);
            continue;
        }
        if msg.get("method").is_some() {
            c.notifications.push(msg);
            continue;
        }
        assert_eq!(msg["id"], json!(id), "{msg}");
        return (asked, msg["result"].clone());
    }
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or("")
}

fn model_reply(_: &Value) -> Value {
    json!({"role": "assistant", "model": "probe-model", "content": {"type": "text", "text": "probe-answer"}})
}

#[tokio::test]
async fn sampling_without_capability() {
    let mut clean = client(None, "2025-11-25", json!({})).await;
    let (asked, r) = call(&mut clean, 1, "ask_model", json!({}), model_reply).await;
    assert!(asked.is_empty());
    assert_eq!(r["isError"], json!(true));
    assert!(text(&r).contains("`sampling`"), "{r}");
    let mut faulty = client(
        Some(Fault::SamplingWithoutCapability),
        "2025-11-25",
        json!({}),
    )
    .await;
    let (asked, r) = call(&mut faulty, 1, "ask_model", json!({}), model_reply).await;
    assert_eq!(asked.len(), 1, "the request goes out anyway");
    assert_eq!(asked[0]["method"], json!("sampling/createMessage"));
    assert_eq!(text(&r), "probe-model answered: probe-answer");
}

#[tokio::test]
async fn sampling_missing_max_tokens() {
    let caps = json!({"sampling": {}});
    let mut clean = client(None, "2025-03-26", caps.clone()).await;
    let (asked, r) = call(
        &mut clean,
        1,
        "ask_model",
        json!({"prompt": "p"}),
        model_reply,
    )
    .await;
    let params = &asked[0]["params"];
    assert!(params["maxTokens"].is_u64(), "{params}");
    assert_eq!(params["messages"][0]["role"], json!("user"));
    assert_eq!(params["messages"][0]["content"]["text"], json!("p"));
    assert_eq!(text(&r), "probe-model answered: probe-answer");
    let mut faulty = client(Some(Fault::SamplingMissingMaxTokens), "2025-03-26", caps).await;
    let (asked, _) = call(&mut faulty, 1, "ask_model", json!({}), model_reply).await;
    assert!(asked[0]["params"].get("maxTokens").is_none());
}

fn accept(_: &Value) -> Value {
    json!({"action": "accept", "content": {"name": "probe-user", "age": 7}})
}

#[tokio::test]
async fn elicitation_nested_schema() {
    let caps = json!({"elicitation": {}});
    let flat = |props: &Value| {
        props
            .as_object()
            .unwrap()
            .values()
            .all(|p| p["type"] != json!("object"))
    };
    let mut clean = client(None, "2025-06-18", caps.clone()).await;
    let (asked, r) = call(&mut clean, 1, "ask_user", json!({}), accept).await;
    let params = &asked[0]["params"];
    assert!(params.get("mode").is_none(), "2025-06-18 has no modes");
    assert_eq!(params["requestedSchema"]["type"], json!("object"));
    assert!(flat(&params["requestedSchema"]["properties"]));
    assert_eq!(text(&r), "the user accepted: name=probe-user, age=7");
    let mut faulty = client(Some(Fault::ElicitationNestedSchema), "2025-06-18", caps).await;
    let (asked, _) = call(&mut faulty, 1, "ask_user", json!({}), accept).await;
    assert!(!flat(&asked[0]["params"]["requestedSchema"]["properties"]));
}

#[tokio::test]
async fn elicitation_url_undeclared() {
    let form_only = json!({"elicitation": {}});
    let mut clean = client(None, "2025-11-25", form_only.clone()).await;
    let (asked, r) = call(&mut clean, 1, "ask_user_url", json!({}), accept).await;
    assert!(asked.is_empty());
    assert!(text(&r).contains("`elicitation.url`"), "{r}");
    let mut faulty = client(
        Some(Fault::ElicitationUrlUndeclared),
        "2025-11-25",
        form_only,
    )
    .await;
    let (asked, _) = call(&mut faulty, 1, "ask_user_url", json!({}), accept).await;
    assert_eq!(asked[0]["params"]["mode"], json!("url"));
}

#[tokio::test]
async fn client_reply_ignored() {
    let caps = json!({"roots": {}, "sampling": {}});
    let roots = |_: &Value| json!({"roots": [{"uri": "file:///probe"}]});
    let mut clean = client(None, "2025-11-25", caps.clone()).await;
    let (_, r) = call(&mut clean, 1, "list_roots", json!({}), roots).await;
    assert_eq!(text(&r), "roots: file:///probe");
    let mut faulty = client(Some(Fault::ClientReplyIgnored), "2025-11-25", caps).await;
    let (asked, r) = call(&mut faulty, 1, "list_roots", json!({}), roots).await;
    assert_eq!(asked.len(), 1, "still asks");
    assert!(!text(&r).contains("file:///probe"), "{r}");
    let (_, r) = call(&mut faulty, 2, "ask_model", json!({}), model_reply).await;
    assert!(!text(&r).contains("probe-answer"), "{r}");
}

#[tokio::test]
async fn decline_cancel_and_error_answers_are_results_not_failures() {
    let caps = json!({"elicitation": {"form": {}, "url": {}}, "sampling": {}});
    let mut c = client(None, "2025-11-25", caps).await;
    let (asked, r) = call(
        &mut c,
        1,
        "ask_user",
        json!({}),
        |_| json!({"action": "decline"}),
    )
    .await;
    assert_eq!(asked[0]["params"]["mode"], json!("form"));
    assert_eq!(text(&r), "the user declined to answer");
    let (_, r) = call(
        &mut c,
        2,
        "ask_user",
        json!({}),
        |_| json!({"action": "cancel"}),
    )
    .await;
    assert_eq!(text(&r), "the user cancelled the request");
    let (_, r) = call(
        &mut c,
        3,
        "ask_user",
        json!({}),
        |_| json!({"action": "accept", "content": {}}),
    )
    .await;
    assert_eq!(
        r["isError"],
        json!(true),
        "accept without the required name"
    );
    let (asked, r) = call(
        &mut c,
        4,
        "ask_user_url",
        json!({}),
        |_| json!({"action": "accept"}),
    )
    .await;
    let eid = asked[0]["params"]["elicitationId"].clone();
    assert!(asked[0]["params"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert!(text(&r).contains(eid.as_str().unwrap()));
    let done = c.take_notifications("notifications/elicitation/complete");
    assert_eq!(done.len(), 1, "the completion is announced");
    assert_eq!(done[0]["params"]["elicitationId"], eid);
    // An error answer to sampling (the user rejected it) is a tool error, not a hang.
    c.send(&request(
        json!(5),
        "tools/call",
        json!({"name": "ask_model", "arguments": {}}),
    ))
    .await;
    let ask = c.recv().await;
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "error": {"code": -1, "message": "User rejected"}}))
        .await;
    let r = c.response(&json!(5)).await;
    assert_eq!(r["result"]["isError"], json!(true));
    assert!(text(&r["result"]).contains("-1"), "{r}");
}

#[tokio::test]
async fn a_cancelled_call_stops_waiting_for_the_client() {
    let mut c = client(None, "2025-11-25", json!({"roots": {}})).await;
    c.send(&request(
        json!(1),
        "tools/call",
        json!({"name": "list_roots", "arguments": {}}),
    ))
    .await;
    let ask = c.recv().await;
    assert_eq!(ask["method"], json!("roots/list"));
    c.notify(
        "notifications/cancelled",
        json!({"requestId": 1, "reason": "probe"}),
    )
    .await;
    assert!(
        c.recv_within(QUIET).await.is_none(),
        "no response to a cancelled call"
    );
    // A late answer is ignored, and the session still works.
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": {"roots": []}}))
        .await;
    let pong = c.request("ping", json!({})).await;
    assert_eq!(pong["result"], json!({}));
}

#[tokio::test]
async fn over_http_the_request_rides_the_post_stream_and_the_answer_is_posted_back() {
    let server = start(ServerConfig::default()).await;
    let mut h = HttpClient::new(server.url());
    let init = h
        .request(
            json!(0),
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {"roots": {}},
                   "clientInfo": {"name": "probe", "version": "0"}}),
        )
        .await;
    h.session = init
        .headers
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    h.protocol = Some("2025-11-25".into());
    h.notify("notifications/initialized", json!({})).await;
    let resp = h
        .post_builder()
        .body(
            request(
                json!(1),
                "tools/call",
                json!({"name": "list_roots", "arguments": {}}),
            )
            .to_string(),
        )
        .send()
        .await
        .expect("POST");
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream")));
    let mut stream = common::http::SseReader::new(resp);
    let ask = stream
        .next_message(WAIT)
        .await
        .expect("the roots/list request");
    assert_eq!(ask["method"], json!("roots/list"));
    let ack = h
        .post(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": {"roots": [{"uri": "file:///h"}]}}))
        .await;
    assert_eq!(ack.status.as_u16(), 202);
    let done = loop {
        let m = stream.next_message(WAIT).await.expect("the tool result");
        if m.get("method").is_none() {
            break m;
        }
    };
    assert_eq!(done["id"], json!(1));
    assert_eq!(
        done["result"]["content"][0]["text"],
        json!("roots: file:///h")
    );
    server.shutdown().await;
}
