//! Fault switches of tools, resources, prompts, completion, logging, progress and
//! cancellation: each test probes a clean server and one with the switch on.

mod common;

use base64::Engine;
use common::stdio::StdioClient;
use common::{assert_covers, error_code, request, result, QUIET};
use mcp_reference_server::{Fault, ServerConfig};
use serde_json::{json, Value};
use std::time::Duration;

const COVERED: &[Fault] = &[
    Fault::ToolMissingInputSchema,
    Fault::BadToolName,
    Fault::PaginationLoop,
    Fault::ToolResultBadContent,
    Fault::UnknownToolSuccess,
    Fault::StructuredOutputInvalid,
    Fault::ToolErrorAsJsonrpc,
    Fault::ResourceMissingUri,
    Fault::TemplateMissingUriTemplate,
    Fault::BlobNotBase64,
    Fault::UnknownResourceOk,
    Fault::SubscribeError,
    Fault::PromptMissingName,
    Fault::PromptBadRole,
    Fault::PromptMissingArgOk,
    Fault::CompletionTooMany,
    Fault::SetlevelError,
    Fault::ProgressDecreasing,
    Fault::IgnoreCancel,
];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_features", COVERED);
}

/// A server with `fault` (or none), initialized at 2025-11-25.
async fn ready(fault: Option<Fault>) -> StdioClient {
    let mut c = StdioClient::start(fault.map(ServerConfig::with_fault).unwrap_or_default());
    c.initialize("2025-11-25").await;
    c
}

/// Runs `probe` on a clean server and on one with `fault`: (clean, faulty).
macro_rules! both {
    ($fault:expr, |$c:ident| $body:expr) => {{
        let clean = {
            let mut $c = ready(None).await;
            $body
        };
        let faulty = {
            let mut $c = ready(Some($fault)).await;
            $body
        };
        (clean, faulty)
    }};
}

/// Every page of tools/list, following cursors at most `max_pages` times.
async fn tool_pages(c: &mut StdioClient, max_pages: usize) -> (Vec<Value>, bool) {
    let mut tools = Vec::new();
    let mut params = json!({});
    for _ in 0..max_pages {
        let r = c.call("tools/list", params).await;
        tools.extend(r["tools"].as_array().unwrap().iter().cloned());
        match r.get("nextCursor") {
            Some(cur) => params = json!({"cursor": cur}),
            None => return (tools, true),
        }
    }
    (tools, false)
}

async fn call_tool(c: &mut StdioClient, name: &str, args: Value) -> Value {
    c.request("tools/call", json!({"name": name, "arguments": args}))
        .await
}

#[tokio::test]
async fn tool_missing_input_schema() {
    let (clean, faulty) = both!(Fault::ToolMissingInputSchema, |c| {
        let (tools, _) = tool_pages(&mut c, 10).await;
        tools
            .iter()
            .filter(|t| t.get("inputSchema").is_none())
            .count()
    });
    assert_eq!((clean, faulty), (0, 1));
}

#[tokio::test]
async fn bad_tool_name() {
    let (clean, faulty) = both!(Fault::BadToolName, |c| {
        let (tools, _) = tool_pages(&mut c, 10).await;
        tools.iter().any(|t| t["name"] == json!("bad tool!"))
    });
    assert_eq!((clean, faulty), (false, true));
}

#[tokio::test]
async fn pagination_loop() {
    let (clean, faulty) = both!(Fault::PaginationLoop, |c| tool_pages(&mut c, 10).await.1);
    assert!(clean, "clean listing ends");
    assert!(!faulty, "faulty listing never ends");
}

#[tokio::test]
async fn tool_result_bad_content() {
    let (clean, faulty) = both!(Fault::ToolResultBadContent, |c| {
        let r = call_tool(&mut c, "echo", json!({"text": "hi"})).await;
        result(&r)["content"][0].get("type").cloned()
    });
    assert_eq!(clean, Some(json!("text")));
    assert_eq!(faulty, None);
}

#[tokio::test]
async fn unknown_tool_success() {
    let (clean, faulty) = both!(Fault::UnknownToolSuccess, |c| call_tool(
        &mut c,
        "no_such_tool",
        json!({})
    )
    .await);
    assert_eq!(error_code(&clean), -32602);
    assert!(result(&faulty)["content"].is_array());
    assert!(faulty["result"].get("isError").is_none());
}

#[tokio::test]
async fn structured_output_invalid() {
    let (clean, faulty) = both!(Fault::StructuredOutputInvalid, |c| {
        let r = call_tool(&mut c, "weather", json!({"city": "London"})).await;
        result(&r)["structuredContent"]
            .get("temperature_c")
            .is_some()
    });
    assert_eq!((clean, faulty), (true, false));
}

#[tokio::test]
async fn tool_error_as_jsonrpc() {
    let (clean, faulty) = both!(Fault::ToolErrorAsJsonrpc, |c| call_tool(
        &mut c,
        "divide",
        json!({"a": 1, "b": 0})
    )
    .await);
    assert_eq!(result(&clean)["isError"], json!(true));
    assert_eq!(error_code(&faulty), -32603);
}

#[tokio::test]
async fn resource_missing_uri() {
    let (clean, faulty) = both!(Fault::ResourceMissingUri, |c| {
        let r = c.call("resources/list", json!({})).await;
        r["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("uri").is_none())
            .count()
    });
    assert_eq!((clean, faulty), (0, 1));
}

#[tokio::test]
async fn template_missing_uri_template() {
    let (clean, faulty) = both!(Fault::TemplateMissingUriTemplate, |c| {
        let r = c.call("resources/templates/list", json!({})).await;
        r["resourceTemplates"][0].get("uriTemplate").is_some()
    });
    assert_eq!((clean, faulty), (true, false));
}

#[tokio::test]
async fn blob_not_base64() {
    let (clean, faulty) = both!(Fault::BlobNotBase64, |c| {
        let r = c
            .call("resources/read", json!({"uri": "mcp://reference/logo.png"}))
            .await;
        let blob = r["contents"][0]["blob"].as_str().unwrap().to_string();
        base64::engine::general_purpose::STANDARD
            .decode(blob)
            .is_ok()
    });
    assert_eq!((clean, faulty), (true, false));
}

#[tokio::test]
async fn unknown_resource_ok() {
    let (clean, faulty) = both!(Fault::UnknownResourceOk, |c| c
        .request("resources/read", json!({"uri": "mcp://nope"}))
        .await);
    assert_eq!(error_code(&clean), -32002);
    assert_eq!(result(&faulty)["contents"], json!([]));
}

#[tokio::test]
async fn subscribe_error() {
    let (clean, faulty) = both!(Fault::SubscribeError, |c| {
        c.request(
            "resources/subscribe",
            json!({"uri": "mcp://reference/items"}),
        )
        .await
    });
    assert_eq!(result(&clean), &json!({}));
    assert_eq!(error_code(&faulty), -32603);
}

#[tokio::test]
async fn prompt_missing_name() {
    let (clean, faulty) = both!(Fault::PromptMissingName, |c| {
        let r = c.call("prompts/list", json!({})).await;
        r["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p.get("name").is_none())
            .count()
    });
    assert_eq!((clean, faulty), (0, 1));
}

#[tokio::test]
async fn prompt_bad_role() {
    let (clean, faulty) = both!(Fault::PromptBadRole, |c| {
        let r = c
            .call(
                "prompts/get",
                json!({"name": "greeting", "arguments": {"name": "Ada"}}),
            )
            .await;
        r["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    });
    assert_eq!(clean, ["user", "assistant"]);
    assert!(faulty.iter().all(|r| r == "system"));
}

#[tokio::test]
async fn prompt_missing_arg_ok() {
    let (clean, faulty) = both!(Fault::PromptMissingArgOk, |c| c
        .request("prompts/get", json!({"name": "greeting"}))
        .await);
    assert_eq!(error_code(&clean), -32602);
    assert!(result(&faulty)["messages"].is_array());
}

#[tokio::test]
async fn completion_too_many() {
    let params = json!({"ref": {"type": "ref/prompt", "name": "code_review"}, "argument": {"name": "language", "value": ""}});
    let (clean, faulty) = both!(Fault::CompletionTooMany, |c| {
        c.call("completion/complete", params.clone()).await["completion"]["values"]
            .as_array()
            .unwrap()
            .len()
    });
    assert!(clean <= 100, "{clean}");
    assert_eq!(faulty, 150);
}

#[tokio::test]
async fn setlevel_error() {
    let (clean, faulty) = both!(Fault::SetlevelError, |c| c
        .request("logging/setLevel", json!({"level": "warning"}))
        .await);
    assert_eq!(result(&clean), &json!({}));
    assert_eq!(error_code(&faulty), -32603);
}

#[tokio::test]
async fn progress_decreasing() {
    let (clean, faulty) = both!(Fault::ProgressDecreasing, |c| {
        c.call("tools/call", json!({"name": "slow", "arguments": {"ms": 30, "steps": 3}, "_meta": {"progressToken": "p"}})).await;
        c.take_notifications("notifications/progress")
            .iter()
            .map(|n| n["params"]["progress"].as_u64().unwrap())
            .collect::<Vec<_>>()
    });
    assert_eq!(clean, [1, 2, 3]);
    assert_eq!(faulty, [3, 2, 1]);
}

#[tokio::test]
async fn ignore_cancel() {
    let (clean, faulty) = both!(Fault::IgnoreCancel, |c| {
        let params = json!({"name": "slow", "arguments": {"ms": 400, "steps": 4}, "_meta": {"progressToken": "p"}});
        c.send(&request(json!("x"), "tools/call", params)).await;
        loop {
            if c.recv().await["method"] == json!("notifications/progress") {
                break;
            }
        }
        c.notify("notifications/cancelled", json!({"requestId": "x"}))
            .await;
        let mut answered = false;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(800) + QUIET;
        while let Some(m) = c
            .recv_within(deadline.saturating_duration_since(tokio::time::Instant::now()))
            .await
        {
            answered |= m.get("id") == Some(&json!("x"));
        }
        answered
    });
    assert_eq!((clean, faulty), (false, true));
}
