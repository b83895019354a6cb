//! Fault switches of the 2026-07-28 multi round-trip requests and `subscriptions/listen`: each
//! test runs the same modern exchange (over stdio, where nothing else can interfere) against a
//! clean server and against one with the switch on, and asserts the rule holds, then breaks.

mod common;

use common::modern::{self as m};
use common::stdio::StdioClient;
use common::{assert_covers, error_code, result, QUIET};
use mcp_reference_server::{Fault, ServerConfig};
use serde_json::{json, Value};

const COVERED: &[Fault] = &[
    Fault::V26MrtrStateUnchecked,
    Fault::V26MrtrMissingInputError,
    Fault::V26MrtrWithoutCapability,
    Fault::V26MrtrBadInputRequest,
    Fault::V26MrtrOnList,
    Fault::V26ListenNoAck,
    Fault::V26ListenWrongSubscriptionId,
    Fault::V26ListenUnfiltered,
];

const ITEMS: &str = "mcp://reference/items";
const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_mrtr", COVERED);
}

fn client(fault: Option<Fault>) -> StdioClient {
    StdioClient::start(fault.map(ServerConfig::with_fault).unwrap_or_default())
}

/// A modern `method` request declaring `caps`, with `params` merged in.
fn declaring(id: i64, method: &str, caps: Value, params: Value) -> Value {
    let mut params = params;
    params["_meta"] = json!({"io.modelcontextprotocol/clientCapabilities": caps});
    m::request(json!(id), method, params)
}

/// Calls `ask_user` declaring `elicitation`, then retries with `retry` (params merged into the
/// call, `$state` replaced by the state of the first answer, edited by `edit_state`).
async fn ask_then_retry(
    fault: Option<Fault>,
    inputs: Value,
    edit_state: impl FnOnce(String) -> String,
) -> (Value, Value) {
    let mut c = client(fault);
    let caps = json!({"elicitation": {}});
    let call = |id: i64, extra: Value| {
        let mut p = json!({"name": "ask_user", "arguments": {}});
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        declaring(id, "tools/call", caps.clone(), p)
    };
    c.send(&call(1, json!({}))).await;
    let first = c.response(&json!(1)).await;
    let state = result(&first)["requestState"]
        .as_str()
        .expect("a requestState")
        .to_string();
    let retry = call(
        2,
        json!({"requestState": edit_state(state), "inputResponses": inputs}),
    );
    c.send(&retry).await;
    let second = c.response(&json!(2)).await;
    c.finish().await.unwrap();
    (first, second)
}

/// `state` with its middle byte changed (to another base64url character).
fn flip(state: String) -> String {
    let mut bytes = state.into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn accept() -> Value {
    json!({"user_form": {"action": "accept", "content": {"name": "Ada"}}})
}

#[tokio::test]
async fn v26_mrtr_state_unchecked() {
    let (_, clean) = ask_then_retry(None, accept(), flip).await;
    assert_eq!(error_code(&clean), -32602);
    let (_, faulty) = ask_then_retry(Some(Fault::V26MrtrStateUnchecked), accept(), flip).await;
    assert_eq!(result(&faulty)["resultType"], json!("complete"));
}

#[tokio::test]
async fn v26_mrtr_missing_input_error() {
    let (_, clean) = ask_then_retry(None, json!({}), |s| s).await;
    assert_eq!(result(&clean)["resultType"], json!("input_required"));
    let (_, faulty) = ask_then_retry(Some(Fault::V26MrtrMissingInputError), json!({}), |s| s).await;
    assert_eq!(error_code(&faulty), -32602);
}

async fn call_once(fault: Option<Fault>, tool: &str, caps: Value) -> Value {
    let mut c = client(fault);
    let body = declaring(
        1,
        "tools/call",
        caps,
        json!({"name": tool, "arguments": {}}),
    );
    c.send(&body).await;
    let r = c.response(&json!(1)).await;
    c.finish().await.unwrap();
    r
}

#[tokio::test]
async fn v26_mrtr_without_capability() {
    let clean = call_once(None, "ask_model", json!({})).await;
    assert_eq!(error_code(&clean), -32021);
    let faulty = call_once(
        Some(Fault::V26MrtrWithoutCapability),
        "ask_model",
        json!({}),
    )
    .await;
    let r = result(&faulty);
    assert_eq!(r["resultType"], json!("input_required"));
    assert_eq!(
        r["inputRequests"]["model_answer"]["method"],
        json!("sampling/createMessage")
    );
}

#[tokio::test]
async fn v26_mrtr_bad_input_request() {
    let caps = json!({"roots": {}});
    let clean = call_once(None, "list_roots", caps.clone()).await;
    let req = &result(&clean)["inputRequests"]["client_roots"];
    assert_eq!(req["method"], json!("roots/list"));
    assert!(req["params"].is_object());
    let faulty = call_once(Some(Fault::V26MrtrBadInputRequest), "list_roots", caps).await;
    let req = &result(&faulty)["inputRequests"]["client_roots"];
    assert_eq!(req["method"], json!("user/ask"));
    assert!(req.get("params").is_none());
}

async fn list_tools(fault: Option<Fault>) -> Value {
    let mut c = client(fault);
    c.send(&declaring(1, "tools/list", json!({"roots": {}}), json!({})))
        .await;
    let r = c.response(&json!(1)).await;
    c.finish().await.unwrap();
    r
}

#[tokio::test]
async fn v26_mrtr_on_list() {
    let clean = list_tools(None).await;
    assert!(result(&clean)["tools"].is_array());
    assert_ne!(result(&clean)["resultType"], json!("input_required"));
    let faulty = list_tools(Some(Fault::V26MrtrOnList)).await;
    assert_eq!(result(&faulty)["resultType"], json!("input_required"));
}

fn listen(id: Value, filter: Value) -> Value {
    m::request(id, "subscriptions/listen", json!({"notifications": filter}))
}

/// Opens listen `id` with `filter` and returns its first message.
async fn first_listen_message(fault: Option<Fault>, id: Value, filter: Value) -> Option<Value> {
    let mut c = client(fault);
    c.send(&listen(id.clone(), filter)).await;
    let first = c.recv_within(QUIET).await;
    c.notify("notifications/cancelled", json!({"requestId": id}))
        .await;
    c.finish().await.unwrap();
    first
}

#[tokio::test]
async fn v26_listen_no_ack() {
    let filter = json!({"toolsListChanged": true});
    let clean = first_listen_message(None, json!(1), filter.clone()).await;
    assert_eq!(
        clean.unwrap()["method"],
        json!("notifications/subscriptions/acknowledged")
    );
    let faulty = first_listen_message(Some(Fault::V26ListenNoAck), json!(1), filter).await;
    assert!(faulty.is_none(), "{faulty:?}");
}

#[tokio::test]
async fn v26_listen_wrong_subscription_id() {
    let filter = json!({"toolsListChanged": true});
    let clean = first_listen_message(None, json!(7), filter.clone()).await;
    assert_eq!(clean.unwrap()["params"]["_meta"][SUBSCRIPTION_ID], json!(7));
    let faulty =
        first_listen_message(Some(Fault::V26ListenWrongSubscriptionId), json!(7), filter).await;
    assert_eq!(
        faulty.unwrap()["params"]["_meta"][SUBSCRIPTION_ID],
        json!("7")
    );
}

/// Opens a listen for tool-list changes only, then changes the item store: the resource
/// updates that reached that subscription.
async fn updates_outside_the_filter(fault: Option<Fault>) -> Vec<Value> {
    let mut c = client(fault);
    c.send(&listen(json!(7), json!({"toolsListChanged": true})))
        .await;
    let ack = c.recv().await;
    assert_eq!(
        ack["method"],
        json!("notifications/subscriptions/acknowledged")
    );
    let create = m::request(
        json!(2),
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "n", "value": "v"}}),
    );
    c.send(&create).await;
    let r = c.response(&json!(2)).await;
    assert_eq!(result(&r)["resultType"], json!("complete"));
    let mut updates = c.take_notifications("notifications/resources/updated");
    while let Some(msg) = c.recv_within(QUIET).await {
        if msg["method"] == json!("notifications/resources/updated") {
            updates.push(msg);
        }
    }
    c.notify("notifications/cancelled", json!({"requestId": 7}))
        .await;
    c.finish().await.unwrap();
    updates
}

#[tokio::test]
async fn v26_listen_unfiltered() {
    assert!(updates_outside_the_filter(None).await.is_empty());
    let faulty = updates_outside_the_filter(Some(Fault::V26ListenUnfiltered)).await;
    assert!(!faulty.is_empty());
    assert_eq!(faulty[0]["params"]["uri"], json!(ITEMS));
    assert_eq!(faulty[0]["params"]["_meta"][SUBSCRIPTION_ID], json!(7));
}
