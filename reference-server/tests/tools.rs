//! Tools: pagination of tools/list, every demo service, version-specific output, list changes.

mod common;

use common::stdio::StdioClient;
use common::{error_code, first_text, tool_names};
use mcp_reference_server::ServerConfig;
use serde_json::{json, Value};

async fn client(version: &str) -> StdioClient {
    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize(version).await;
    c
}

async fn all_tools(c: &mut StdioClient) -> Vec<Value> {
    let mut tools = Vec::new();
    let mut params = json!({});
    for _ in 0..20 {
        let r = c.call("tools/list", params).await;
        tools.extend(r["tools"].as_array().unwrap().iter().cloned());
        match r.get("nextCursor") {
            Some(cur) => params = json!({"cursor": cur}),
            None => return tools,
        }
    }
    panic!("tools/list did not end");
}

async fn call(c: &mut StdioClient, name: &str, args: Value) -> Value {
    c.call("tools/call", json!({"name": name, "arguments": args}))
        .await
}

#[tokio::test]
async fn tools_list_pages_cover_every_tool_once() {
    let mut c = client("2025-11-25").await;
    let first = c.call("tools/list", json!({})).await;
    assert_eq!(first["tools"].as_array().unwrap().len(), 5);
    let tools = all_tools(&mut c).await;
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for want in [
        "add",
        "subtract",
        "multiply",
        "divide",
        "weather",
        "search",
        "list_items",
        "get_item",
        "create_item",
        "update_item",
        "delete_item",
        "echo",
        "echo_history",
        "slow",
        "toggle_beta_tool",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let mut dedup = names.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), names.len());
    for t in &tools {
        assert_eq!(t["inputSchema"]["type"], json!("object"), "{t}");
        assert!(t["annotations"]["readOnlyHint"].is_boolean());
    }
    let delete = tools
        .iter()
        .find(|t| t["name"] == json!("delete_item"))
        .unwrap();
    assert_eq!(delete["annotations"]["destructiveHint"], json!(true));
    assert_eq!(delete["annotations"]["readOnlyHint"], json!(false));
    assert_eq!(
        error_code(&c.request("tools/list", json!({"cursor": "bogus"})).await),
        -32602
    );
}

#[tokio::test]
async fn page_size_is_configurable() {
    let mut c = StdioClient::start(ServerConfig {
        page_size: 100,
        ..Default::default()
    });
    c.initialize("2025-11-25").await;
    let r = c.call("tools/list", json!({})).await;
    assert!(r.get("nextCursor").is_none());
    // 15 demo tools, 5 that ask the client (ask_model_tools from 2025-11-25) and the
    // task-only batch_job and approval_job (2025-11-25).
    assert_eq!(r["tools"].as_array().unwrap().len(), 22);
}

#[tokio::test]
async fn calculator() {
    let mut c = client("2025-06-18").await;
    for (tool, want) in [
        ("add", json!(5)),
        ("subtract", json!(-1)),
        ("multiply", json!(6)),
        ("divide", json!(1.5)),
    ] {
        let r = call(&mut c, tool, json!({"a": 2, "b": 3})).await;
        let r = if tool == "divide" {
            call(&mut c, tool, json!({"a": 3, "b": 2})).await
        } else {
            r
        };
        assert_eq!(r["structuredContent"]["result"], want, "{tool}: {r}");
        let text: Value = serde_json::from_str(first_text(&r)).unwrap();
        assert_eq!(
            text, r["structuredContent"],
            "structured content is also serialised as text"
        );
        assert!(r.get("isError").is_none());
    }
    let r = call(&mut c, "divide", json!({"a": 1, "b": 0})).await;
    assert_eq!(r["isError"], json!(true));
    assert!(first_text(&r).contains("zero"));
    let r = call(&mut c, "add", json!({"a": "x", "b": 1})).await;
    assert_eq!(r["isError"], json!(true));
}

#[tokio::test]
async fn weather_and_search() {
    let mut c = client("2025-06-18").await;
    let r = call(&mut c, "weather", json!({"city": "paris"})).await;
    let s = &r["structuredContent"];
    assert_eq!(s["city"], json!("Paris"));
    for key in ["temperature_c", "conditions", "humidity"] {
        assert!(s.get(key).is_some(), "{key}");
    }
    let text: Value = serde_json::from_str(first_text(&r)).unwrap();
    assert_eq!(&text, s, "structured content is also serialised as text");
    assert_eq!(
        call(&mut c, "weather", json!({"city": "Atlantis"})).await["isError"],
        json!(true)
    );

    let r = call(&mut c, "search", json!({"query": "protocol", "limit": 2})).await;
    assert_eq!(
        r["structuredContent"]["results"].as_array().unwrap().len(),
        2
    );
    assert!(r["structuredContent"]["total"].as_u64().unwrap() >= 2);
    assert_eq!(
        call(&mut c, "search", json!({"query": ""})).await["isError"],
        json!(true)
    );
}

#[tokio::test]
async fn data_crud() {
    let mut c = client("2025-11-25").await;
    let r = call(&mut c, "list_items", json!({})).await;
    assert_eq!(r["structuredContent"]["items"].as_array().unwrap().len(), 3);
    let created = call(
        &mut c,
        "create_item",
        json!({"name": "kiwi", "value": "green"}),
    )
    .await;
    let id = created["structuredContent"]["item"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = call(&mut c, "get_item", json!({"id": id})).await;
    assert_eq!(got["structuredContent"]["item"]["name"], json!("kiwi"));
    let upd = call(&mut c, "update_item", json!({"id": id, "value": "brown"})).await;
    assert_eq!(upd["structuredContent"]["item"]["value"], json!("brown"));
    assert_eq!(upd["structuredContent"]["item"]["name"], json!("kiwi"));
    let del = call(&mut c, "delete_item", json!({"id": id})).await;
    assert_eq!(del["structuredContent"]["deleted"], json!(id));
    for tool in ["get_item", "delete_item", "update_item"] {
        assert_eq!(
            call(&mut c, tool, json!({"id": id})).await["isError"],
            json!(true),
            "{tool}"
        );
    }
}

#[tokio::test]
async fn echo_is_stateless_and_history_is_per_session() {
    let mut a = client("2025-11-25").await;
    assert_eq!(
        first_text(&call(&mut a, "echo", json!({"text": "one"})).await),
        "one"
    );
    call(&mut a, "echo", json!({"text": "two"})).await;
    let h = call(&mut a, "echo_history", json!({})).await;
    assert_eq!(h["structuredContent"]["texts"], json!(["one", "two"]));
    let mut b = client("2025-11-25").await;
    assert_eq!(
        call(&mut b, "echo_history", json!({})).await["structuredContent"]["texts"],
        json!([])
    );
}

#[tokio::test]
async fn unknown_tool_is_a_protocol_error() {
    let mut c = client("2025-11-25").await;
    let r = c
        .request("tools/call", json!({"name": "nope", "arguments": {}}))
        .await;
    assert_eq!(error_code(&r), -32602);
}

#[tokio::test]
async fn output_follows_the_negotiated_version() {
    let mut old = client("2025-03-26").await;
    let tools = all_tools(&mut old).await;
    assert!(tools
        .iter()
        .all(|t| t.get("title").is_none() && t.get("outputSchema").is_none()));
    assert!(tools.iter().all(|t| t.get("annotations").is_some()));
    let r = call(&mut old, "weather", json!({"city": "Tokyo"})).await;
    assert!(r.get("structuredContent").is_none());
    assert!(first_text(&r).contains("Tokyo"));

    let mut new = client("2025-06-18").await;
    let tools = all_tools(&mut new).await;
    let weather = tools
        .iter()
        .find(|t| t["name"] == json!("weather"))
        .unwrap();
    assert!(weather.get("title").is_some());
    assert_eq!(weather["outputSchema"]["type"], json!("object"));
}

#[tokio::test]
async fn toggling_beta_changes_the_list_and_notifies() {
    let mut c = client("2025-11-25").await;
    let before: Vec<String> = all_tools(&mut c)
        .await
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!before.contains(&"beta".to_string()));
    call(&mut c, "toggle_beta_tool", json!({})).await;
    // The notification may arrive just after the response.
    let _ = c.call("ping", json!({})).await;
    assert_eq!(
        c.take_notifications("notifications/tools/list_changed")
            .len(),
        1
    );
    let after = all_tools(&mut c).await;
    assert!(after.iter().any(|t| t["name"] == json!("beta")));
    assert_eq!(
        first_text(&call(&mut c, "beta", json!({})).await),
        "beta tool says hello"
    );
    call(&mut c, "toggle_beta_tool", json!({})).await;
    let r = c.call("tools/list", json!({"cursor": null})).await;
    assert!(!tool_names(&r).contains(&"beta".to_string()));
    assert_eq!(
        error_code(&c.request("tools/call", json!({"name": "beta"})).await),
        -32602
    );
}
