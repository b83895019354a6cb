//! Every message the server emits in a scripted session validates against the official MCP
//! schema of the negotiated version; structured tool output validates against the tool's own
//! outputSchema. Skipped, with a note, when the schemas are not present.

mod common;

use common::stdio::StdioClient;
use mcp_reference_server::ServerConfig;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;

fn schema_path(version: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/mcp-schema")
        .join(version)
        .join("schema.json")
}

/// Validators for named definitions of one version's schema.
struct Schema {
    doc: Value,
    defs_key: &'static str,
    cache: HashMap<String, jsonschema::Validator>,
}

impl Schema {
    fn load(version: &str) -> Option<Schema> {
        let text = std::fs::read_to_string(schema_path(version)).ok()?;
        let doc: Value = serde_json::from_str(&text).unwrap();
        let defs_key = if doc.get("$defs").is_some() {
            "$defs"
        } else {
            "definitions"
        };
        Some(Schema {
            doc,
            defs_key,
            cache: HashMap::new(),
        })
    }

    fn has(&self, def: &str) -> bool {
        self.doc[self.defs_key].get(def).is_some()
    }

    /// Validation errors of `instance` against definition `def`.
    fn errors(&mut self, def: &str, instance: &Value) -> Vec<String> {
        assert!(self.has(def), "no definition {def}");
        let validator = self.cache.entry(def.to_string()).or_insert_with(|| {
            let mut root = self.doc.clone();
            root["$ref"] = json!(format!("#/{}/{def}", self.defs_key));
            jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap()
        });
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect()
    }

    fn assert_valid(&mut self, def: &str, instance: &Value) {
        let errs = self.errors(def, instance);
        assert!(errs.is_empty(), "{def} invalid: {errs:?}\n{instance}");
    }

    /// The definition of a response envelope (named differently across versions).
    fn envelope(&self, error: bool) -> &'static str {
        match (error, self.has("JSONRPCResultResponse")) {
            (false, true) => "JSONRPCResultResponse",
            (false, false) => "JSONRPCResponse",
            (true, true) => "JSONRPCErrorResponse",
            (true, false) => "JSONRPCError",
        }
    }
}

fn result_def(method: &str) -> &'static str {
    match method {
        "initialize" => "InitializeResult",
        "tools/list" => "ListToolsResult",
        "tools/call" => "CallToolResult",
        "resources/list" => "ListResourcesResult",
        "resources/templates/list" => "ListResourceTemplatesResult",
        "resources/read" => "ReadResourceResult",
        "prompts/list" => "ListPromptsResult",
        "prompts/get" => "GetPromptResult",
        "completion/complete" => "CompleteResult",
        _ => "EmptyResult",
    }
}

/// The scripted session: every method, every tool, some errors.
fn script() -> Vec<(&'static str, Value)> {
    let call = |name: &str, args: Value| json!({"name": name, "arguments": args});
    vec![
        ("ping", json!({})),
        ("logging/setLevel", json!({"level": "debug"})),
        ("tools/list", json!({})),
        ("tools/call", call("add", json!({"a": 1, "b": 2.5}))),
        ("tools/call", call("subtract", json!({"a": 1, "b": 2}))),
        ("tools/call", call("multiply", json!({"a": 3, "b": 2}))),
        ("tools/call", call("divide", json!({"a": 1, "b": 0}))),
        ("tools/call", call("weather", json!({"city": "Cairo"}))),
        ("tools/call", call("weather", json!({"city": "Nowhere"}))),
        ("tools/call", call("search", json!({"query": "rust"}))),
        (
            "resources/subscribe",
            json!({"uri": "mcp://reference/items"}),
        ),
        ("tools/call", call("list_items", json!({}))),
        (
            "tools/call",
            call("create_item", json!({"name": "n", "value": "v"})),
        ),
        ("tools/call", call("get_item", json!({"id": "1"}))),
        (
            "tools/call",
            call("update_item", json!({"id": "1", "name": "m"})),
        ),
        ("tools/call", call("delete_item", json!({"id": "2"}))),
        (
            "resources/unsubscribe",
            json!({"uri": "mcp://reference/items"}),
        ),
        ("tools/call", call("echo", json!({"text": "hello"}))),
        ("tools/call", call("echo_history", json!({}))),
        (
            "tools/call",
            json!({"name": "slow", "arguments": {"ms": 20, "steps": 2}, "_meta": {"progressToken": "p"}}),
        ),
        ("tools/call", call("toggle_beta_tool", json!({}))),
        ("tools/call", call("beta", json!({}))),
        ("resources/list", json!({})),
        ("resources/templates/list", json!({})),
        ("resources/read", json!({"uri": "mcp://reference/readme"})),
        ("resources/read", json!({"uri": "mcp://reference/logo.png"})),
        ("resources/read", json!({"uri": "mcp://reference/items"})),
        ("resources/read", json!({"uri": "mcp://reference/items/1"})),
        ("resources/read", json!({"uri": "mcp://reference/missing"})),
        ("prompts/list", json!({})),
        (
            "prompts/get",
            json!({"name": "greeting", "arguments": {"name": "Ada"}}),
        ),
        (
            "prompts/get",
            json!({"name": "code_review", "arguments": {"code": "x", "language": "go"}}),
        ),
        ("prompts/get", json!({"name": "summarize_readme"})),
        ("prompts/get", json!({"name": "nope"})),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "code_review"}, "argument": {"name": "language", "value": "j"}}),
        ),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "mcp://reference/items/{id}"}, "argument": {"name": "id", "value": ""}}),
        ),
        ("x/unknown", json!({})),
    ]
}

async fn check_version(version: &str) -> bool {
    let Some(mut schema) = Schema::load(version) else {
        eprintln!(
            "note: {} not found; schema validation of {version} skipped",
            schema_path(version).display()
        );
        return false;
    };
    let mut c = StdioClient::start(ServerConfig {
        page_size: 100,
        ..Default::default()
    });
    let init = c.request("initialize", common::init_params(version)).await;
    c.notify("notifications/initialized", json!({})).await;
    let mut answered = vec![("initialize", init)];
    for (method, params) in script() {
        answered.push((method, c.request(method, params).await));
    }
    // Let trailing notifications arrive.
    let _ = c.request("ping", json!({})).await;

    let mut output_schemas: HashMap<String, Value> = HashMap::new();
    for (method, msg) in &answered {
        let is_error = msg.get("error").is_some();
        schema.assert_valid(schema.envelope(is_error), msg);
        if is_error {
            continue;
        }
        schema.assert_valid(result_def(method), &msg["result"]);
        if *method == "tools/list" {
            for tool in msg["result"]["tools"].as_array().unwrap() {
                jsonschema::validator_for(&tool["inputSchema"]).expect("inputSchema compiles");
                if let Some(out) = tool.get("outputSchema") {
                    output_schemas.insert(tool["name"].as_str().unwrap().to_string(), out.clone());
                }
            }
        }
    }
    let mut structured_checked = 0;
    for ((_, params), (_, msg)) in script().iter().zip(answered.iter().skip(1)) {
        let (Some(name), Some(structured)) = (
            params["name"].as_str(),
            msg.pointer("/result/structuredContent"),
        ) else {
            continue;
        };
        let out = output_schemas
            .get(name)
            .unwrap_or_else(|| panic!("{name} returns structuredContent without outputSchema"));
        let v = jsonschema::validator_for(out).unwrap();
        assert!(
            v.is_valid(structured),
            "{name}: {structured} does not match {out}"
        );
        structured_checked += 1;
    }
    assert_eq!(
        structured_checked > 0,
        version != "2025-03-26",
        "structured output only from 2025-06-18"
    );

    let notes: Vec<Value> = c
        .seen
        .iter()
        .filter(|m| m.get("method").is_some())
        .cloned()
        .collect();
    for kind in [
        "notifications/message",
        "notifications/progress",
        "notifications/resources/updated",
        "notifications/tools/list_changed",
    ] {
        assert!(
            notes.iter().any(|n| n["method"] == json!(kind)),
            "{version}: no {kind} emitted"
        );
    }
    for n in &notes {
        schema.assert_valid("ServerNotification", n);
    }
    assert_eq!(
        c.seen.len(),
        answered.len() + 1 + notes.len(),
        "every message was checked"
    );
    true
}

#[tokio::test]
async fn messages_validate_against_the_2025_03_26_schema() {
    check_version("2025-03-26").await;
}

#[tokio::test]
async fn messages_validate_against_the_2025_06_18_schema() {
    check_version("2025-06-18").await;
}

#[tokio::test]
async fn messages_validate_against_the_2025_11_25_schema() {
    check_version("2025-11-25").await;
}

#[test]
fn the_validator_rejects_a_broken_message() {
    let Some(mut schema) = Schema::load("2025-11-25") else {
        return;
    };
    assert!(!schema
        .errors(
            "InitializeResult",
            &json!({"protocolVersion": "x", "capabilities": {}})
        )
        .is_empty());
    assert!(!schema
        .errors("CallToolResult", &json!({"content": [{"text": "no type"}]}))
        .is_empty());
}
