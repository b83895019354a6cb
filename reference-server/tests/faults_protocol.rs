//! Fault switches of the base protocol and lifecycle: each test runs the same probe against a
//! clean server and against one with the switch on, and asserts the rule holds, then breaks.

mod common;

use common::http::{start, HttpClient};
use common::stdio::StdioClient;
use common::{assert_covers, error_code, init_params, request, result, QUIET};
use mcp_reference_server::{Fault, ServerConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn config(fault: Option<Fault>) -> ServerConfig {
    fault.map(ServerConfig::with_fault).unwrap_or_default()
}

async fn ready(fault: Option<Fault>) -> StdioClient {
    let mut c = StdioClient::start(config(fault));
    c.initialize("2025-11-25").await;
    c
}

const COVERED: &[Fault] = &[
    Fault::WrongResponseId,
    Fault::UnknownMethodOk,
    Fault::InvalidParamsOk,
    Fault::ParseErrorOk,
    Fault::ReplyToNotifications,
    Fault::NoInitRequired,
    Fault::InitMissingServerInfo,
    Fault::VersionNotEchoed,
    Fault::VersionEchoUnknown,
    Fault::CapabilityUnadvertised,
    Fault::InitializedRejected,
    Fault::PingError,
    Fault::StdoutBanner,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_protocol", COVERED);
}

async fn ping_ids(fault: Option<Fault>) -> Vec<Value> {
    let mut c = ready(fault).await;
    let mut ids = Vec::new();
    for id in [json!(5), json!("s")] {
        c.send(&request(id, "ping", json!({}))).await;
        ids.push(c.recv().await["id"].clone());
    }
    ids
}

#[tokio::test]
async fn wrong_response_id() {
    assert_eq!(ping_ids(None).await, [json!(5), json!("s")]);
    assert_eq!(
        ping_ids(Some(Fault::WrongResponseId)).await,
        [json!(6), json!("s-x")]
    );
}

#[tokio::test]
async fn unknown_method_ok() {
    let r = ready(None).await.request("x/unknown", json!({})).await;
    assert_eq!(error_code(&r), -32601);
    let r = ready(Some(Fault::UnknownMethodOk))
        .await
        .request("x/unknown", json!({}))
        .await;
    assert_eq!(result(&r), &json!({}));
}

#[tokio::test]
async fn invalid_params_ok() {
    for params in [
        json!({"arguments": {}}),
        json!({"name": "echo", "arguments": "text"}),
    ] {
        let r = ready(None)
            .await
            .request("tools/call", params.clone())
            .await;
        assert_eq!(error_code(&r), -32602);
        let r = ready(Some(Fault::InvalidParamsOk))
            .await
            .request("tools/call", params)
            .await;
        assert_eq!(result(&r)["content"], json!([]));
    }
}

async fn garbage_reply(fault: Option<Fault>) -> (Value, StatusCode) {
    let mut c = ready(fault).await;
    c.send_line(b"{\"jsonrpc\": ").await;
    let line = c.recv().await;
    let server = start(config(fault)).await;
    let mut h = HttpClient::new(server.url());
    h.initialize("2025-11-25").await;
    let status = h.send(h.post_builder().body("][")).await.status;
    (line, status)
}

#[tokio::test]
async fn parse_error_ok() {
    let (line, status) = garbage_reply(None).await;
    assert_eq!(error_code(&line), -32700);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (line, status) = garbage_reply(Some(Fault::ParseErrorOk)).await;
    assert_eq!(line, json!({"jsonrpc": "2.0", "id": null, "result": {}}));
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn reply_to_notifications() {
    let mut c = ready(None).await;
    c.notify("notifications/x-unknown", json!({})).await;
    assert!(c.recv_within(QUIET).await.is_none());
    let mut c = ready(Some(Fault::ReplyToNotifications)).await;
    c.notify("notifications/x-unknown", json!({})).await;
    assert_eq!(
        c.recv().await,
        json!({"jsonrpc": "2.0", "id": null, "result": {}})
    );

    let server = start(config(Some(Fault::ReplyToNotifications))).await;
    let mut h = HttpClient::new(server.url());
    h.session = None;
    let ex = h
        .request(json!(0), "initialize", init_params("2025-11-25"))
        .await;
    h.session = ex
        .headers
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_string());
    let ex = h.notify("notifications/initialized", json!({})).await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(
        ex.json(),
        json!({"jsonrpc": "2.0", "id": null, "result": {}})
    );
}

#[tokio::test]
async fn no_init_required() {
    let mut c = StdioClient::start(config(None));
    assert_eq!(
        error_code(&c.request("tools/list", json!({})).await),
        -32600
    );
    let mut c = StdioClient::start(config(Some(Fault::NoInitRequired)));
    assert!(result(&c.request("tools/list", json!({})).await)["tools"].is_array());

    for (fault, want) in [
        (None, StatusCode::BAD_REQUEST),
        (Some(Fault::NoInitRequired), StatusCode::OK),
    ] {
        let server = start(config(fault)).await;
        let h = HttpClient::new(server.url());
        assert_eq!(
            h.request(json!(1), "tools/list", json!({})).await.status,
            want,
            "{fault:?}"
        );
    }
}

#[tokio::test]
async fn init_missing_server_info() {
    let mut c = StdioClient::start(config(None));
    assert!(c.initialize("2025-06-18").await.get("serverInfo").is_some());
    let mut c = StdioClient::start(config(Some(Fault::InitMissingServerInfo)));
    assert!(c.initialize("2025-06-18").await.get("serverInfo").is_none());
}

async fn negotiated(fault: Option<Fault>, asked: &str) -> Value {
    let mut c = StdioClient::start(config(fault));
    c.call("initialize", init_params(asked)).await["protocolVersion"].clone()
}

#[tokio::test]
async fn version_not_echoed() {
    assert_eq!(negotiated(None, "2025-03-26").await, json!("2025-03-26"));
    assert_eq!(negotiated(None, "2025-11-25").await, json!("2025-11-25"));
    let fault = Some(Fault::VersionNotEchoed);
    assert_eq!(negotiated(fault, "2025-03-26").await, json!("2025-11-25"));
    assert_eq!(negotiated(fault, "2025-11-25").await, json!("2025-03-26"));
    assert_eq!(negotiated(fault, "2025-06-18").await, json!("2025-06-18"));
}

#[tokio::test]
async fn version_echo_unknown() {
    assert_eq!(negotiated(None, "1999-01-01").await, json!("2025-11-25"));
    assert_eq!(
        negotiated(Some(Fault::VersionEchoUnknown), "1999-01-01").await,
        json!("1999-01-01")
    );
}

#[tokio::test]
async fn capability_unadvertised() {
    let params = json!({"ref": {"type": "ref/prompt", "name": "code_review"}, "argument": {"name": "language", "value": "p"}});
    for fault in [None, Some(Fault::CapabilityUnadvertised)] {
        let mut c = StdioClient::start(config(fault));
        let init = c.initialize("2025-11-25").await;
        assert_eq!(
            init["capabilities"].get("completions").is_some(),
            fault.is_none()
        );
        assert!(
            result(&c.request("completion/complete", params.clone()).await)["completion"]["values"]
                .is_array()
        );
    }
}

#[tokio::test]
async fn initialized_rejected() {
    for (fault, rejected) in [(None, false), (Some(Fault::InitializedRejected), true)] {
        let mut c = StdioClient::start(config(fault));
        c.call("initialize", init_params("2025-11-25")).await;
        c.notify("notifications/initialized", json!({})).await;
        let reply = c.recv_within(QUIET).await;
        assert_eq!(reply.is_some(), rejected, "{reply:?}");
        if let Some(r) = reply {
            assert!(r.get("error").is_some());
        }
        let server = start(config(fault)).await;
        let mut h = HttpClient::new(server.url());
        let ex = h
            .request(json!(0), "initialize", init_params("2025-11-25"))
            .await;
        h.session = ex
            .headers
            .get("mcp-session-id")
            .map(|v| v.to_str().unwrap().to_string());
        let want = if rejected {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::ACCEPTED
        };
        assert_eq!(
            h.notify("notifications/initialized", json!({}))
                .await
                .status,
            want
        );
    }
}

#[tokio::test]
async fn ping_error() {
    assert_eq!(ready(None).await.call("ping", json!({})).await, json!({}));
    let r = ready(Some(Fault::PingError))
        .await
        .request("ping", json!({}))
        .await;
    assert_eq!(error_code(&r), -32603);
}

#[tokio::test]
async fn stdout_banner() {
    let mut c = StdioClient::start(config(None));
    c.send(&request(json!(1), "ping", json!({}))).await;
    let first = c.line_within(common::WAIT).await.unwrap();
    assert!(serde_json::from_str::<Value>(&first).is_ok(), "{first}");

    let mut c = StdioClient::start(config(Some(Fault::StdoutBanner)));
    c.send(&request(json!(1), "ping", json!({}))).await;
    assert_eq!(
        c.line_within(common::WAIT).await.unwrap(),
        "reference server starting"
    );
    assert_eq!(c.recv().await["id"], json!(1));
}
