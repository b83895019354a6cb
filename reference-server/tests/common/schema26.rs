//! Validation of the server's modern messages against the official 2026-07-28 JSON schema
//! (read from the shared schema directory at test time; skipped when it is absent).

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

struct Schema {
    doc: Value,
    cache: HashMap<String, jsonschema::Validator>,
}

impl Schema {
    fn load() -> Option<Schema> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/mcp-schema/2026-07-28/schema.json");
        let text = std::fs::read_to_string(path).ok()?;
        Some(Schema {
            doc: serde_json::from_str(&text).unwrap(),
            cache: HashMap::new(),
        })
    }

    fn errors(&mut self, def: &str, instance: &Value) -> Vec<String> {
        assert!(self.doc["$defs"].get(def).is_some(), "no definition {def}");
        let validator = self.cache.entry(def.to_string()).or_insert_with(|| {
            let mut root = self.doc.clone();
            root["$ref"] = json!(format!("#/$defs/{def}"));
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
}

fn schema() -> Option<&'static Mutex<Schema>> {
    static SCHEMA: OnceLock<Option<Mutex<Schema>>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let s = Schema::load().map(Mutex::new);
            if s.is_none() {
                eprintln!("note: 2026-07-28 schema not found; schema validation skipped");
            }
            s
        })
        .as_ref()
}

/// The response envelope definition of a result of `method`.
fn result_def(method: &str) -> &'static str {
    match method {
        "server/discover" => "DiscoverResultResponse",
        "tools/list" => "ListToolsResultResponse",
        "tools/call" => "CallToolResultResponse",
        "resources/list" => "ListResourcesResultResponse",
        "resources/templates/list" => "ListResourceTemplatesResultResponse",
        "resources/read" => "ReadResourceResultResponse",
        "prompts/list" => "ListPromptsResultResponse",
        "prompts/get" => "GetPromptResultResponse",
        "completion/complete" => "CompleteResultResponse",
        "subscriptions/listen" => "SubscriptionsListenResultResponse",
        other => panic!("no result definition for {other}"),
    }
}

/// The definitions a message must satisfy, as `(definition, instance)` pairs.
fn defs_for<'a>(method: &str, msg: &'a Value) -> Vec<(&'static str, &'a Value)> {
    if let Some(m) = msg.get("method").and_then(Value::as_str) {
        assert!(msg.get("id").is_none(), "a server-to-client request: {msg}");
        let def = match m {
            "notifications/message" => "LoggingMessageNotification",
            "notifications/progress" => "ProgressNotification",
            "notifications/subscriptions/acknowledged" => "SubscriptionsAcknowledgedNotification",
            "notifications/tools/list_changed" => "ToolListChangedNotification",
            "notifications/prompts/list_changed" => "PromptListChangedNotification",
            "notifications/resources/list_changed" => "ResourceListChangedNotification",
            "notifications/resources/updated" => "ResourceUpdatedNotification",
            other => panic!("unexpected notification {other} on modern traffic: {msg}"),
        };
        return vec![(def, msg)];
    }
    if msg.get("result").is_some() {
        return vec![(result_def(method), msg)];
    }
    let code = msg.pointer("/error/code").and_then(Value::as_i64);
    let specific = match code {
        Some(-32020) => ("HeaderMismatchError", msg),
        Some(-32021) => ("MissingRequiredClientCapabilityError", msg),
        Some(-32022) => ("UnsupportedProtocolVersionError", msg),
        Some(-32601) => ("MethodNotFoundError", &msg["error"]),
        Some(-32602) => ("InvalidParamsError", &msg["error"]),
        Some(-32603) => ("InternalError", &msg["error"]),
        Some(-32600) => ("InvalidRequestError", &msg["error"]),
        _ => panic!("unexpected error code on modern traffic: {msg}"),
    };
    vec![("JSONRPCErrorResponse", msg), specific]
}

/// The schema violations of `msg`, sent in answer to a `method` request (`None` when the
/// schema is absent).
pub fn violations(method: &str, msg: &Value) -> Option<Vec<String>> {
    let mut schema = schema()?.lock().unwrap_or_else(|p| p.into_inner());
    Some(
        defs_for(method, msg)
            .into_iter()
            .flat_map(|(def, instance)| {
                schema
                    .errors(def, instance)
                    .into_iter()
                    .map(move |e| format!("{def}: {e}"))
            })
            .collect(),
    )
}

/// Asserts that `msg`, sent in answer to a `method` request, is valid 2026-07-28.
pub fn assert_valid(method: &str, msg: &Value) {
    if let Some(errs) = violations(method, msg) {
        assert!(errs.is_empty(), "invalid: {errs:?}\n{msg}");
    }
}
