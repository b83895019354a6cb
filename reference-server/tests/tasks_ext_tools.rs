//! The 2026-07-28 tasks extension and the tool list: every tool a modern `tools/list` shows can
//! be called declaring `io.modelcontextprotocol/tasks` (the server makes a task of it or
//! answers at once, its choice per request), and the task-only `batch_job` is listed and
//! refused with -32021 naming the extension to a call that does not declare it.

mod common;

use common::modern as m;
use common::stdio::StdioClient;
use common::{error_code, result};
use mcp_reference_server::ServerConfig;
use serde_json::{json, Value};
use std::time::Duration;

const EXT: &str = "io.modelcontextprotocol/tasks";

/// A stdio client of a clean server speaking modern requests, and its next request id.
struct Client {
    c: StdioClient,
    next: i64,
}

impl Client {
    /// Sends a modern request declaring `caps` (plus the extension when `ext`).
    async fn ask(&mut self, method: &str, params: Value, ext: bool, caps: Value) -> Value {
        let mut caps = caps;
        if ext {
            caps["extensions"] = json!({EXT: {}});
        }
        let mut params = params;
        params["_meta"] = json!({"io.modelcontextprotocol/clientCapabilities": caps});
        let id = json!(self.next);
        self.next += 1;
        self.c.send(&m::request(id.clone(), method, params)).await;
        self.c.response(&id).await
    }

    /// Polls `tasks/get` until the status is one of `want` (at most 10 s).
    async fn until(&mut self, id: &str, want: &[&str]) -> Value {
        for _ in 0..500 {
            let r = self
                .ask("tasks/get", json!({"taskId": id}), true, json!({}))
                .await;
            let t = result(&r).clone();
            if want.iter().any(|w| t["status"] == *w) {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("task {id} never reached {want:?}");
    }
}

/// Arguments for every tool a modern `tools/list` shows (a new tool must be added here).
fn arguments_for(tool: &str) -> Option<Value> {
    Some(match tool {
        "add" | "subtract" | "multiply" | "divide" => json!({"a": 2, "b": 3}),
        "weather" => json!({"city": "Paris"}),
        "search" => json!({"query": "mcp"}),
        "echo" => json!({"text": "hi"}),
        "slow" => json!({"ms": 10, "steps": 1}),
        "batch_job" => json!({"ms": 10}),
        "get_item" | "delete_item" => json!({"id": "no-such-item"}),
        "create_item" => json!({"name": "n", "value": "v"}),
        "update_item" => json!({"id": "no-such-item", "value": "v"}),
        "header_echo" => json!({"region": "eu", "priority": 1, "dry_run": true}),
        "header_ratio" => json!({"ratio": 0.5}),
        "list_items" | "echo_history" | "toggle_beta_tool" | "ask_model" | "ask_model_tools"
        | "list_roots" | "ask_user" | "ask_user_url" => json!({}),
        _ => return None,
    })
}

#[tokio::test]
async fn every_listed_tool_can_be_called_declaring_the_extension() {
    let mut c = Client {
        c: StdioClient::start(ServerConfig::default()),
        next: 1,
    };
    let mut tools = Vec::new();
    let mut cursor = None;
    loop {
        let params = cursor.map_or(json!({}), |c| json!({"cursor": c}));
        let page = c.ask("tools/list", params, false, json!({})).await;
        let page = result(&page).clone();
        tools.extend(page["tools"].as_array().unwrap().iter().cloned());
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"batch_job"),
        "the task-only tool is listed: {names:?}"
    );
    assert!(names.contains(&"header_echo"), "{names:?}");
    let mut outcomes = Vec::new();
    for name in &names {
        let args = arguments_for(name)
            .unwrap_or_else(|| panic!("no arguments for the listed tool {name:?}: add them"));
        // Every client capability a tool may need, so only the extension path is judged.
        let caps =
            json!({"elicitation": {"form": {}, "url": {}}, "sampling": {"tools": {}}, "roots": {}});
        let call = json!({"name": name, "arguments": args});
        let r = c.ask("tools/call", call, true, caps).await;
        assert!(
            r.get("error").is_none(),
            "{name} declaring the extension: {r}"
        );
        let r = result(&r).clone();
        let ended = if r["resultType"] == "task" {
            let id = r["taskId"].as_str().unwrap().to_string();
            let t = c
                .until(&id, &["completed", "failed", "cancelled", "input_required"])
                .await;
            assert_ne!(t["status"], "failed", "{name} failed as a task: {t}");
            if t["status"] == "input_required" {
                c.ask("tasks/cancel", json!({"taskId": id}), true, json!({}))
                    .await;
            }
            format!("task {}", t["status"])
        } else {
            assert_eq!(r["resultType"], "complete", "{name}: {r}");
            "answered at once".to_string()
        };
        outcomes.push(format!("{name}: {ended}"));
    }
    // The header tools are answered at once, the catalog's tools become tasks.
    assert!(
        outcomes.contains(&"header_echo: answered at once".to_string()),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&"batch_job: task \"completed\"".to_string()),
        "{outcomes:?}"
    );
    // Without the declaration, the task-only tool is refused naming the extension.
    let plain = json!({"name": "batch_job", "arguments": {"ms": 10}});
    let job = c.ask("tools/call", plain, false, json!({})).await;
    assert_eq!(error_code(&job), -32021);
    c.c.finish().await.unwrap();
}
