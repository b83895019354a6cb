//! The official schemas: loading them, the type each case corresponds to, and both verdicts.

use jsonschema::Validator;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::validate::{validate_result, validate_server_notification, validate_server_request};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use ProtocolVersion::V2025_11_25;

pub fn official_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/mcp-schema")).to_path_buf();
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("note: {} is absent; cross-check skipped", dir.display());
        None
    }
}

/// One official schema, with a validator per (union of) type name(s), compiled on demand.
pub struct Official {
    root: Value,
    defs_key: &'static str,
    cache: HashMap<Vec<String>, Validator>,
}

impl Official {
    pub fn load(dir: &Path, version: ProtocolVersion) -> Official {
        let text = std::fs::read_to_string(dir.join(version.as_str()).join("schema.json")).unwrap();
        let root: Value = serde_json::from_str(&text).unwrap();
        let defs_key = if root.get("$defs").is_some() {
            "$defs"
        } else {
            "definitions"
        };
        Official {
            root,
            defs_key,
            cache: HashMap::new(),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.root[self.defs_key].get(name).is_some()
    }

    /// Whether `instance` is valid under any of the named types.
    pub fn accepts(&mut self, types: &[&str], instance: &Value) -> bool {
        let key: Vec<String> = types.iter().map(|t| t.to_string()).collect();
        let (root, defs_key) = (&self.root, self.defs_key);
        let validator = self.cache.entry(key).or_insert_with(|| {
            let mut schema = root.clone();
            let refs: Vec<Value> = types
                .iter()
                .map(|t| json!({"$ref": format!("#/{defs_key}/{t}")}))
                .collect();
            schema["anyOf"] = Value::Array(refs);
            jsonschema::options()
                .should_validate_formats(false)
                .build(&schema)
                .unwrap()
        });
        validator.is_valid(instance)
    }
}

/// What a case is: the result of a client request, or the params of a server message.
#[derive(Clone, Debug)]
pub enum Kind {
    Result(&'static str),
    Notification(&'static str),
    Request(&'static str),
}

#[derive(Clone, Debug)]
pub struct Case {
    pub kind: Kind,
    pub value: Option<Value>,
    pub origin: String,
}

fn result_types(method: &str, version: ProtocolVersion) -> Vec<&'static str> {
    match method {
        "initialize" => vec!["InitializeResult"],
        "ping" | "resources/subscribe" | "resources/unsubscribe" | "logging/setLevel" => {
            vec!["EmptyResult"]
        }
        "tools/list" => vec!["ListToolsResult"],
        "tools/call" if version >= V2025_11_25 => vec!["CallToolResult", "CreateTaskResult"],
        "tools/call" => vec!["CallToolResult"],
        "resources/list" => vec!["ListResourcesResult"],
        "resources/templates/list" => vec!["ListResourceTemplatesResult"],
        "resources/read" => vec!["ReadResourceResult"],
        "prompts/list" => vec!["ListPromptsResult"],
        "prompts/get" => vec!["GetPromptResult"],
        "completion/complete" => vec!["CompleteResult"],
        "tasks/get" => vec!["GetTaskResult"],
        "tasks/list" => vec!["ListTasksResult"],
        other => panic!("no official type for {other}"),
    }
}

fn message_type(kind: &Kind) -> &'static str {
    match kind {
        Kind::Notification(m) => match *m {
            "notifications/message" => "LoggingMessageNotification",
            "notifications/progress" => "ProgressNotification",
            "notifications/cancelled" => "CancelledNotification",
            "notifications/resources/updated" => "ResourceUpdatedNotification",
            "notifications/tools/list_changed" => "ToolListChangedNotification",
            "notifications/elicitation/complete" => "ElicitationCompleteNotification",
            "notifications/tasks/status" => "TaskStatusNotification",
            other => panic!("no official type for {other}"),
        },
        Kind::Request(m) => match *m {
            "ping" => "PingRequest",
            "roots/list" => "ListRootsRequest",
            "sampling/createMessage" => "CreateMessageRequest",
            "elicitation/create" => "ElicitRequest",
            other => panic!("no official type for {other}"),
        },
        Kind::Result(_) => unreachable!(),
    }
}

/// The official verdict, or `None` when the version has no such type.
pub fn official_verdict(
    official: &mut Official,
    version: ProtocolVersion,
    case: &Case,
) -> Option<bool> {
    match &case.kind {
        Kind::Result(method) => {
            let types = result_types(method, version);
            if !types.iter().all(|t| official.has(t)) {
                return None;
            }
            Some(official.accepts(&types, case.value.as_ref()?))
        }
        kind @ (Kind::Notification(method) | Kind::Request(method)) => {
            let ty = message_type(kind);
            if !official.has(ty) {
                return None;
            }
            let mut msg = json!({"jsonrpc": "2.0", "method": method});
            if matches!(kind, Kind::Request(_)) {
                msg["id"] = json!(1);
            }
            if let Some(p) = &case.value {
                msg["params"] = p.clone();
            }
            Some(official.accepts(&[ty], &msg))
        }
    }
}

pub fn our_verdict(version: ProtocolVersion, case: &Case) -> bool {
    let value = case.value.as_ref();
    match case.kind {
        Kind::Result(m) => validate_result(version, m, value.unwrap_or(&Value::Null)).is_empty(),
        Kind::Notification(m) => validate_server_notification(version, m, value).is_empty(),
        Kind::Request(m) => validate_server_request(version, m, value).is_empty(),
    }
}
