//! Resources, subscriptions, prompts and completion.

mod common;

use base64::Engine;
use common::stdio::StdioClient;
use common::{error_code, QUIET};
use mcp_reference_server::ServerConfig;
use serde_json::{json, Value};

async fn client(version: &str) -> StdioClient {
    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize(version).await;
    c
}

fn read_one(r: &Value) -> &Value {
    let contents = r["contents"].as_array().unwrap();
    assert_eq!(contents.len(), 1, "{r}");
    &contents[0]
}

#[tokio::test]
async fn resources_list_and_read() {
    let mut c = client("2025-11-25").await;
    let r = c.call("resources/list", json!({})).await;
    let uris: Vec<&str> = r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "mcp://reference/readme",
            "mcp://reference/logo.png",
            "mcp://reference/items"
        ]
    );
    for res in r["resources"].as_array().unwrap() {
        assert!(res["name"].is_string() && res["mimeType"].is_string());
    }

    let readme = c
        .call("resources/read", json!({"uri": "mcp://reference/readme"}))
        .await;
    let item = read_one(&readme);
    assert_eq!(item["mimeType"], json!("text/markdown"));
    assert!(item["text"]
        .as_str()
        .unwrap()
        .starts_with("# MCP reference server"));

    let logo = c
        .call("resources/read", json!({"uri": "mcp://reference/logo.png"}))
        .await;
    let blob = read_one(&logo)["blob"].as_str().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    let items = c
        .call("resources/read", json!({"uri": "mcp://reference/items"}))
        .await;
    let store: Value = serde_json::from_str(read_one(&items)["text"].as_str().unwrap()).unwrap();
    assert_eq!(store["items"].as_array().unwrap().len(), 3);

    let one = c
        .call("resources/read", json!({"uri": "mcp://reference/items/2"}))
        .await;
    let it: Value = serde_json::from_str(read_one(&one)["text"].as_str().unwrap()).unwrap();
    assert_eq!(it["name"], json!("banana"));

    let missing = c
        .request("resources/read", json!({"uri": "mcp://reference/nope"}))
        .await;
    assert_eq!(error_code(&missing), -32002);
    assert_eq!(
        missing["error"]["data"]["uri"],
        json!("mcp://reference/nope")
    );
    assert_eq!(
        error_code(
            &c.request("resources/read", json!({"uri": "mcp://reference/items/99"}))
                .await
        ),
        -32002
    );
    assert_eq!(
        error_code(&c.request("resources/read", json!({})).await),
        -32602
    );
}

#[tokio::test]
async fn templates_are_listed_and_paginated_with_a_small_page() {
    let mut c = StdioClient::start(ServerConfig {
        page_size: 2,
        ..Default::default()
    });
    c.initialize("2025-06-18").await;
    let t = c.call("resources/templates/list", json!({})).await;
    assert_eq!(
        t["resourceTemplates"][0]["uriTemplate"],
        json!("mcp://reference/items/{id}")
    );
    let first = c.call("resources/list", json!({})).await;
    assert_eq!(first["resources"].as_array().unwrap().len(), 2);
    let second = c
        .call("resources/list", json!({"cursor": first["nextCursor"]}))
        .await;
    assert_eq!(second["resources"].as_array().unwrap().len(), 1);
    assert!(second.get("nextCursor").is_none());
}

#[tokio::test]
async fn subscriptions_deliver_updates_until_unsubscribed() {
    let mut c = client("2025-11-25").await;
    assert_eq!(
        c.call(
            "resources/subscribe",
            json!({"uri": "mcp://reference/items"})
        )
        .await,
        json!({})
    );
    c.call(
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "x"}}),
    )
    .await;
    let _ = c.call("ping", json!({})).await;
    let updates = c.take_notifications("notifications/resources/updated");
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0]["params"]["uri"], json!("mcp://reference/items"));
    assert_eq!(
        c.call(
            "resources/unsubscribe",
            json!({"uri": "mcp://reference/items"})
        )
        .await,
        json!({})
    );
    c.call(
        "tools/call",
        json!({"name": "create_item", "arguments": {"name": "y"}}),
    )
    .await;
    let _ = c.call("ping", json!({})).await;
    assert!(c
        .take_notifications("notifications/resources/updated")
        .is_empty());
    assert_eq!(
        error_code(
            &c.request("resources/subscribe", json!({"uri": "mcp://nope"}))
                .await
        ),
        -32002
    );
}

#[tokio::test]
async fn prompts() {
    let mut c = client("2025-06-18").await;
    let list = c.call("prompts/list", json!({})).await;
    let names: Vec<&str> = list["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["greeting", "code_review", "summarize_readme"]);
    assert_eq!(
        list["prompts"][0]["arguments"][0],
        json!({"name": "name", "description": "Who to greet", "required": true, "title": "Name"})
    );

    let g = c
        .call(
            "prompts/get",
            json!({"name": "greeting", "arguments": {"name": "Ada"}}),
        )
        .await;
    let msgs = g["messages"].as_array().unwrap();
    assert!(msgs
        .iter()
        .all(|m| m["role"] == json!("user") || m["role"] == json!("assistant")));
    assert!(msgs[0]["content"]["text"].as_str().unwrap().contains("Ada"));

    let r = c
        .call(
            "prompts/get",
            json!({"name": "code_review", "arguments": {"code": "fn x(){}", "language": "rust"}}),
        )
        .await;
    assert!(r["messages"][0]["content"]["text"]
        .as_str()
        .unwrap()
        .contains("rust code"));

    let s = c
        .call("prompts/get", json!({"name": "summarize_readme"}))
        .await;
    assert_eq!(s["messages"][0]["content"]["type"], json!("resource"));
    assert_eq!(
        s["messages"][0]["content"]["resource"]["uri"],
        json!("mcp://reference/readme")
    );

    assert_eq!(
        error_code(&c.request("prompts/get", json!({"name": "nope"})).await),
        -32602
    );
    assert_eq!(
        error_code(&c.request("prompts/get", json!({"name": "greeting"})).await),
        -32602
    );
    assert_eq!(
        error_code(
            &c.request(
                "prompts/get",
                json!({"name": "greeting", "arguments": {"name": 5}})
            )
            .await
        ),
        -32602
    );
}

#[tokio::test]
async fn prompts_have_no_titles_in_2025_03_26() {
    let mut c = client("2025-03-26").await;
    let list = c.call("prompts/list", json!({})).await;
    assert!(list["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p.get("title").is_none()));
    let res = c.call("resources/list", json!({})).await;
    assert!(res["resources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r.get("title").is_none()));
}

#[tokio::test]
async fn completion() {
    let mut c = client("2025-11-25").await;
    let lang = |v: &str| json!({"ref": {"type": "ref/prompt", "name": "code_review"}, "argument": {"name": "language", "value": v}});
    let r = c.call("completion/complete", lang("ru")).await;
    assert_eq!(r["completion"]["values"], json!(["ruby", "rust"]));
    assert_eq!(r["completion"]["total"], json!(2));
    assert_eq!(r["completion"]["hasMore"], json!(false));
    let all = c.call("completion/complete", lang("")).await;
    assert!(all["completion"]["values"].as_array().unwrap().len() <= 100);

    let ids = json!({"ref": {"type": "ref/resource", "uri": "mcp://reference/items/{id}"}, "argument": {"name": "id", "value": ""}});
    assert_eq!(
        c.call("completion/complete", ids).await["completion"]["values"],
        json!(["1", "2", "3"])
    );

    let other = json!({"ref": {"type": "ref/prompt", "name": "greeting"}, "argument": {"name": "name", "value": ""}});
    assert_eq!(
        c.call("completion/complete", other).await["completion"]["values"],
        json!([])
    );
    let unknown = json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "x", "value": ""}});
    assert_eq!(
        error_code(&c.request("completion/complete", unknown).await),
        -32602
    );
    assert_eq!(
        error_code(&c.request("completion/complete", json!({})).await),
        -32602
    );
    assert!(c.recv_within(QUIET).await.is_none());
}

#[tokio::test]
async fn summarize_readme_embeds_no_resource_without_the_resources_capability() {
    let mut c = StdioClient::start(ServerConfig {
        without: vec!["resources".into()],
        ..Default::default()
    });
    c.initialize("2025-11-25").await;
    let s = c
        .call("prompts/get", json!({"name": "summarize_readme"}))
        .await;
    assert_eq!(s["messages"][0]["content"]["type"], json!("text"));
    assert_eq!(
        error_code(&c.request("resources/list", json!({})).await),
        -32601
    );
}
