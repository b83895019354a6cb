//! The stdio transport: lifecycle, id echo, errors, batches, cancellation, clean exit at EOF.

mod common;

use common::stdio::StdioClient;
use common::{error_code, init_params, request, result, QUIET};
use mcp_reference_server::ServerConfig;
use serde_json::{json, Value};

#[tokio::test]
async fn lifecycle_then_clean_exit_at_eof() {
    let mut c = StdioClient::start(ServerConfig::default());
    let r = c.initialize("2025-06-18").await;
    assert_eq!(r["protocolVersion"], json!("2025-06-18"));
    assert_eq!(r["serverInfo"]["name"], json!("mcp-reference-server"));
    assert_eq!(c.call("ping", json!({})).await, json!({}));
    assert!(
        c.recv_within(QUIET).await.is_none(),
        "initialized must not be answered"
    );
    c.finish().await.unwrap();
}

#[tokio::test]
async fn requests_before_initialize_are_rejected_but_ping_works() {
    let mut c = StdioClient::start(ServerConfig::default());
    assert_eq!(c.call("ping", json!({})).await, json!({}));
    let r = c.request("tools/list", json!({})).await;
    assert_eq!(error_code(&r), -32600);
    c.initialize("2025-11-25").await;
    assert!(c.call("tools/list", json!({})).await["tools"].is_array());
}

#[tokio::test]
async fn ids_are_echoed_with_their_type() {
    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize("2025-11-25").await;
    for id in [
        json!(0),
        json!(-5),
        json!(9007199254740991u64),
        json!("abc"),
        json!("1"),
    ] {
        c.send(&request(id.clone(), "ping", json!({}))).await;
        let r = c.recv().await;
        assert_eq!(r["id"], id, "{r}");
        assert_eq!(r["result"], json!({}));
    }
}

#[tokio::test]
async fn malformed_input_gets_jsonrpc_errors() {
    let mut c = StdioClient::start(ServerConfig::default());
    c.send_line(b"{not json").await;
    let r = c.recv().await;
    assert_eq!((error_code(&r), &r["id"]), (-32700, &Value::Null));
    c.send(&json!({"jsonrpc": "1.0", "id": 4, "method": "ping"}))
        .await;
    let r = c.recv().await;
    assert_eq!((error_code(&r), &r["id"]), (-32600, &json!(4)));
    c.send(&json!({"jsonrpc": "2.0", "id": null, "method": "ping"}))
        .await;
    assert_eq!(error_code(&c.recv().await), -32600);
    c.initialize("2025-11-25").await;
    assert_eq!(error_code(&c.request("x/unknown", json!({})).await), -32601);
    assert_eq!(
        error_code(&c.request("tools/call", json!({"arguments": {}})).await),
        -32602
    );
    assert_eq!(
        error_code(
            &c.request("tools/call", json!({"name": "echo", "arguments": [1]}))
                .await
        ),
        -32602
    );
    assert_eq!(
        error_code(&c.request("tools/list", json!([1])).await),
        -32602
    );
    c.notify("notifications/x-unknown", json!({})).await;
    c.notify("notifications/cancelled", json!({"requestId": 999}))
        .await;
    assert!(
        c.recv_within(QUIET).await.is_none(),
        "notifications must not be answered"
    );
    assert_eq!(c.call("ping", json!({})).await, json!({}));
}

#[tokio::test]
async fn initialize_twice_and_bad_initialize_params_are_errors() {
    let mut c = StdioClient::start(ServerConfig::default());
    let r = c
        .request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}}),
        )
        .await;
    assert_eq!(error_code(&r), -32602);
    c.initialize("2025-06-18").await;
    assert_eq!(
        error_code(&c.request("initialize", init_params("2025-06-18")).await),
        -32600
    );
}

#[tokio::test]
async fn batches_only_in_2025_03_26() {
    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize("2025-03-26").await;
    let batch = json!([
        request(json!(10), "ping", json!({})),
        {"jsonrpc": "2.0", "method": "notifications/x"},
        request(json!("b"), "tools/list", json!({})),
    ]);
    c.send(&batch).await;
    let r = c.recv().await;
    let items = r.as_array().expect("array reply");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], json!(10));
    assert_eq!(items[1]["id"], json!("b"));
    c.send(&json!([{"jsonrpc": "2.0", "method": "notifications/x"}]))
        .await;
    assert!(c.recv_within(QUIET).await.is_none());
    c.send(&json!([])).await;
    assert_eq!(error_code(&c.recv().await), -32600);

    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize("2025-06-18").await;
    c.send(&json!([request(json!(1), "ping", json!({}))])).await;
    assert_eq!(error_code(&c.recv().await), -32600);
}

#[tokio::test]
async fn slow_tool_reports_progress_and_honours_cancellation() {
    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize("2025-11-25").await;
    c.send(&request(
        json!("slow-1"),
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 100, "steps": 4}, "_meta": {"progressToken": 7}}),
    ))
    .await;
    let done = c.response(&json!("slow-1")).await;
    assert_eq!(result(&done)["content"][0]["type"], json!("text"));
    let progress: Vec<u64> = c
        .take_notifications("notifications/progress")
        .iter()
        .map(|n| {
            assert_eq!(n["params"]["progressToken"], json!(7));
            n["params"]["progress"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(progress, vec![1, 2, 3, 4]);

    c.send(&request(json!(2), "tools/call", json!({"name": "slow", "arguments": {"ms": 3000, "steps": 30}, "_meta": {"progressToken": "t"}}))).await;
    // Wait for the first progress so the call is surely in flight, then cancel it.
    loop {
        let m = c.recv().await;
        if m["method"] == json!("notifications/progress") {
            break;
        }
    }
    c.notify(
        "notifications/cancelled",
        json!({"requestId": 2, "reason": "test"}),
    )
    .await;
    // Other requests are still served while the slow one was running.
    c.send(&request(json!(3), "ping", json!({}))).await;
    let mut got_ping = false;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(1500);
    while let Some(m) = c
        .recv_within(deadline.saturating_duration_since(tokio::time::Instant::now()))
        .await
    {
        assert_ne!(m["id"], json!(2), "cancelled request answered: {m}");
        got_ping |= m["id"] == json!(3);
    }
    assert!(got_ping);
}

#[tokio::test]
async fn logs_respect_the_level_threshold() {
    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize("2025-11-25").await;
    c.call(
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "x"}}),
    )
    .await;
    let logs = c.take_notifications("notifications/message");
    assert!(logs
        .iter()
        .any(|l| l["params"]["level"] == json!("info") && l["params"]["logger"].is_string()));
    assert!(
        logs.iter().all(|l| l["params"]["level"] != json!("debug")),
        "default threshold is info"
    );
    assert_eq!(
        c.call("logging/setLevel", json!({"level": "error"})).await,
        json!({})
    );
    c.call(
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "y"}}),
    )
    .await;
    assert!(c.take_notifications("notifications/message").is_empty());
    c.call("logging/setLevel", json!({"level": "debug"})).await;
    c.call(
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "t"}}),
    )
    .await;
    assert!(c
        .take_notifications("notifications/message")
        .iter()
        .any(|l| l["params"]["level"] == json!("debug")));
    assert_eq!(
        error_code(
            &c.request("logging/setLevel", json!({"level": "verbose"}))
                .await
        ),
        -32602
    );
}

#[tokio::test]
async fn without_capability_hides_it_and_its_methods() {
    let config = ServerConfig {
        without: vec!["completions".into(), "logging".into()],
        ..Default::default()
    };
    let mut c = StdioClient::start(config);
    let r = c.initialize("2025-11-25").await;
    assert!(r["capabilities"].get("completions").is_none());
    assert!(r["capabilities"].get("logging").is_none());
    let params = json!({"ref": {"type": "ref/prompt", "name": "code_review"}, "argument": {"name": "language", "value": "r"}});
    assert_eq!(
        error_code(&c.request("completion/complete", params).await),
        -32601
    );
    assert_eq!(
        error_code(
            &c.request("logging/setLevel", json!({"level": "info"}))
                .await
        ),
        -32601
    );
    c.call(
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "x"}}),
    )
    .await;
    assert!(c.take_notifications("notifications/message").is_empty());
}
