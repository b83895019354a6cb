//! Garbage never kills the server: malformed lines, odd JSON, wrong types in every parameter
//! and random messages get error responses (or nothing, for notifications), and the server
//! keeps answering.

mod common;

use common::http::{start, HttpClient};
use common::request;
use common::stdio::StdioClient;
use mcp_reference_server::ServerConfig;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn garbage_lines() -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = [
        "{", "}", "null", "true", "123", "\"text\"", "[]", "[1, 2]", "[[]]", "{}", "{\"jsonrpc\": \"2.0\"}",
        "{\"jsonrpc\": 2}", "{\"jsonrpc\": \"2.0\", \"id\": {}, \"method\": \"ping\"}",
        "{\"jsonrpc\": \"2.0\", \"id\": [1], \"method\": \"ping\"}",
        "{\"jsonrpc\": \"2.0\", \"id\": 1e400, \"method\": \"ping\"}",
        "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"\"}",
        "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": {}, \"error\": {}}",
        "{\"jsonrpc\": \"2.0\", \"method\": \"notifications/cancelled\", \"params\": {\"requestId\": {\"x\": 1}}}",
        "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {\"name\": {\"x\": 1}}}",
        "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"initialize\", \"params\": 7}",
        "\u{0}", "\u{feff}{}", "   ",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    lines.push(vec![0xff, 0xfe, 0x00, 0x7b]);
    lines.push(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes());
    lines.push(format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{{\"name\":\"echo\",\"arguments\":{{\"text\":\"{}\"}}}}}}", "y".repeat(100_000)).into_bytes());
    lines
}

/// Sends a ping with `id` and reads until its response; fails if the server is gone.
async fn still_alive(c: &mut StdioClient, id: &str) {
    c.send(&request(json!(id), "ping", json!({}))).await;
    loop {
        let m = c.recv().await;
        if m["id"] == json!(id) {
            assert_eq!(m["result"], json!({}));
            return;
        }
    }
}

#[tokio::test]
async fn stdio_survives_garbage_lines() {
    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize("2025-11-25").await;
    for (i, line) in garbage_lines().iter().enumerate() {
        c.send_line(line).await;
        still_alive(&mut c, &format!("alive-{i}")).await;
    }
    // A line longer than the 4 MiB limit is refused as a whole.
    let mut long =
        b"{\"jsonrpc\":\"2.0\",\"id\":\"big\",\"method\":\"ping\",\"params\":{\"p\":\"".to_vec();
    long.extend(vec![b'z'; 5 * 1024 * 1024]);
    long.extend(b"\"}}");
    c.send_line(&long).await;
    let r = c.recv().await;
    assert_eq!(r["error"]["code"], json!(-32700));
    still_alive(&mut c, "after-long").await;
    c.finish().await.unwrap();
}

#[tokio::test]
async fn http_survives_garbage_bodies() {
    let server = start(ServerConfig::default()).await;
    let mut c = HttpClient::new(server.url());
    c.initialize("2025-11-25").await;
    for body in garbage_lines() {
        let ex = c.send(c.post_builder().body(body)).await;
        assert!(!ex.status.is_server_error(), "{}: {}", ex.status, ex.body);
        assert_eq!(c.call(1, "ping", json!({})).await, json!({}));
    }
    for (name, value) in [
        ("mcp-session-id", b"\xff\xfe".as_slice()),
        ("mcp-protocol-version", b"\xff"),
        ("origin", b"\xff"),
    ] {
        let ex = c
            .send(
                c.post_builder()
                    .header(
                        name,
                        reqwest::header::HeaderValue::from_bytes(value).unwrap(),
                    )
                    .body("{}"),
            )
            .await;
        assert!(ex.status.is_client_error(), "{name}: {}", ex.status);
    }
    assert_eq!(c.call(2, "ping", json!({})).await, json!({}));
    let ex = c.send(c.post_builder().body(vec![0u8; 1024])).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
}

const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "notifications/cancelled",
    "x/unknown",
];

const KEYS: &[&str] = &[
    "name",
    "arguments",
    "uri",
    "cursor",
    "level",
    "ref",
    "argument",
    "requestId",
    "_meta",
    "text",
    "id",
    "a",
    "b",
    "city",
    "query",
    "limit",
    "type",
    "value",
];

/// A random JSON value of bounded depth, biased towards the shapes handlers look at.
fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random_range(-5i64..100)),
        3 => json!(rng.random::<f64>() * 1e6),
        4 => json!(
            [
                "",
                "echo",
                "add",
                "greeting",
                "code_review",
                "mcp://reference/items",
                "mcp://reference/items/{id}",
                "ref/prompt",
                "ref/resource",
                "debug",
                "dG9vbHM6NQ",
                "x"
            ][rng.random_range(0..12)]
        ),
        5 => json!("\u{1F600}\n\"\\"),
        6 => Value::Array(
            (0..rng.random_range(0..3))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.random_range(0..4) {
                m.insert(
                    KEYS[rng.random_range(0..KEYS.len())].to_string(),
                    random_value(rng, depth - 1),
                );
            }
            Value::Object(m)
        }
    }
}

#[tokio::test]
async fn random_messages_each_get_one_response_and_never_kill_the_server() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut c = StdioClient::start(ServerConfig::default());
    c.initialize("2025-03-26").await;
    for i in 0..400 {
        let method = METHODS[rng.random_range(0..METHODS.len())];
        let params = random_value(&mut rng, 3);
        if method.starts_with("notifications/") {
            c.notify(method, params).await;
            continue;
        }
        let id = json!(format!("r{i}"));
        c.send(&request(id.clone(), method, params)).await;
        let r = c.response(&id).await;
        assert!(r.get("result").is_some() != r.get("error").is_some(), "{r}");
    }
    still_alive(&mut c, "end").await;
}
