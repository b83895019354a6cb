//! The corpus: hand-written seeds, official examples, and single-step mutations of both.

use super::official::{Case, Kind, Official};
use serde_json::{json, Value};
use std::path::Path;

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, x)| pointers(x, format!("{at}/{}", escape(k)), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        _ => {}
    }
    out.push(at);
}

fn substitutes(v: &Value) -> Vec<Value> {
    match v {
        Value::String(_) => vec![json!(42), json!(null), json!("zz-bogus")],
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            vec![json!("7"), json!(1.5), json!(-1), json!(true)]
        }
        Value::Number(_) => vec![json!("0.5"), json!(2), json!(-1)],
        Value::Bool(_) => vec![json!("true"), json!(1)],
        Value::Object(_) => vec![json!([]), json!("x"), json!({})],
        Value::Array(_) => vec![json!({}), json!("x"), json!([]), json!([5])],
        Value::Null => vec![json!("x"), json!(0)],
    }
}

/// Every single-step mutation of `v`: a value replaced, a property removed, one added.
pub fn mutations(v: &Value) -> Vec<(String, Value)> {
    let mut at = Vec::new();
    pointers(v, String::new(), &mut at);
    let mut out = Vec::new();
    for p in at {
        let node = v.pointer(&p).unwrap().clone();
        for sub in substitutes(&node) {
            let mut m = v.clone();
            *m.pointer_mut(&p).unwrap() = sub.clone();
            out.push((format!("{p} := {sub}"), m));
        }
        if let Value::Object(map) = &node {
            for key in map.keys() {
                let mut m = v.clone();
                m.pointer_mut(&p)
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .remove(key);
                out.push((format!("remove {p}/{key}"), m));
            }
            let mut m = v.clone();
            m.pointer_mut(&p).unwrap()["x-unknown"] = json!({"any": [1]});
            out.push((format!("add {p}/x-unknown"), m));
        }
    }
    out
}

pub fn seeds() -> Vec<Case> {
    let tool = json!({"name": "get_weather", "title": "Weather", "description": "d",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "$schema": "https://json-schema.org/draft/2020-12/schema"},
        "outputSchema": {"type": "object", "properties": {"t": {"type": "number"}}},
        "annotations": {"title": "W", "readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false},
        "execution": {"taskSupport": "optional"}, "icons": [{"src": "https://e/i.png", "mimeType": "image/png", "sizes": ["48x48"], "theme": "dark"}],
        "_meta": {"k": 1}});
    let annotations = json!({"audience": ["user", "assistant"], "priority": 0.5, "lastModified": "2025-01-12T15:00:58Z"});
    let resource = json!({"uri": "file:///a.txt", "name": "a", "title": "A", "description": "d", "mimeType": "text/plain",
        "size": 12, "annotations": annotations, "icons": [{"src": "https://e/i.png"}], "_meta": {"k": 1}});
    let mut link = resource.clone();
    link["type"] = json!("resource_link");
    let content = json!([{"type": "text", "text": "hi", "annotations": annotations, "_meta": {}},
        {"type": "image", "data": "AA==", "mimeType": "image/png"}, {"type": "audio", "data": "AA==", "mimeType": "audio/wav"},
        link, {"type": "resource", "resource": {"uri": "file:///b", "mimeType": "text/plain", "text": "t", "_meta": {}}, "annotations": {"priority": 1}}]);
    let task = json!({"taskId": "t1", "status": "working", "statusMessage": "s", "createdAt": "2025-01-01T00:00:00Z",
        "lastUpdatedAt": "2025-01-01T00:00:01Z", "ttl": 60000, "pollInterval": 500});
    let sampling = json!({"messages": [{"role": "user", "content": {"type": "text", "text": "q"}, "_meta": {}},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "u1", "name": "get_weather", "input": {"city": "P"}}]},
            {"role": "user", "content": [{"type": "tool_result", "toolUseId": "u1", "content": [{"type": "text", "text": "20"}], "structuredContent": {"t": 20}, "isError": false}]}],
        "modelPreferences": {"hints": [{"name": "claude"}], "costPriority": 0.2, "speedPriority": 0.5, "intelligencePriority": 0.9},
        "systemPrompt": "s", "includeContext": "thisServer", "temperature": 0.7, "maxTokens": 100, "stopSequences": ["x"],
        "metadata": {"a": 1}, "tools": [tool], "toolChoice": {"mode": "auto"}, "task": {"ttl": 1000}, "_meta": {"progressToken": 3}});
    let form = json!({"mode": "form", "message": "m", "requestedSchema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {
        "s": {"type": "string", "title": "S", "description": "d", "minLength": 1, "maxLength": 9, "format": "email", "default": "a@b.c"},
        "n": {"type": "number", "minimum": 0, "maximum": 9.5, "default": 1}, "b": {"type": "boolean", "default": false},
        "e": {"type": "string", "enum": ["r", "g"], "default": "r"},
        "t": {"type": "string", "oneOf": [{"const": "r", "title": "Red"}], "default": "r"},
        "l": {"type": "string", "enum": ["r"], "enumNames": ["Red"]},
        "m": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string", "enum": ["r", "g"]}, "default": ["r"]},
        "tm": {"type": "array", "items": {"anyOf": [{"const": "r", "title": "Red"}]}}}, "required": ["s"]}, "task": {"ttl": 5}, "_meta": {}});
    let r = |m: &'static str, v: Value| Case {
        kind: Kind::Result(m),
        value: Some(v),
        origin: format!("seed {m}"),
    };
    let n = |m: &'static str, v: Option<Value>| Case {
        kind: Kind::Notification(m),
        value: v,
        origin: format!("seed {m}"),
    };
    let q = |m: &'static str, v: Option<Value>| Case {
        kind: Kind::Request(m),
        value: v,
        origin: format!("seed {m}"),
    };
    vec![
        r(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "instructions": "i", "_meta": {},
            "capabilities": {"experimental": {"x": {}}, "logging": {}, "completions": {}, "prompts": {"listChanged": true},
                "resources": {"subscribe": true, "listChanged": false}, "tools": {"listChanged": true},
                "tasks": {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}},
            "serverInfo": {"name": "s", "title": "S", "version": "1", "description": "d", "websiteUrl": "https://e", "icons": [{"src": "https://e/i.png"}]}}),
        ),
        r("ping", json!({})),
        r("logging/setLevel", json!({"_meta": {"a": 1}})),
        r(
            "tools/list",
            json!({"tools": [tool, {"name": "bare", "inputSchema": {"type": "object"}}], "nextCursor": "c", "_meta": {}}),
        ),
        r(
            "tools/call",
            json!({"content": content, "structuredContent": {"t": 20}, "isError": false, "_meta": {}}),
        ),
        r("tools/call", json!({"task": task})),
        r(
            "resources/list",
            json!({"resources": [resource], "nextCursor": "c"}),
        ),
        r(
            "resources/templates/list",
            json!({"resourceTemplates": [{"uriTemplate": "file:///{p}", "name": "t", "title": "T",
            "description": "d", "mimeType": "text/plain", "annotations": annotations, "icons": [{"src": "https://e/i.png"}], "_meta": {}}]}),
        ),
        r(
            "resources/read",
            json!({"contents": [{"uri": "file:///a", "mimeType": "text/plain", "text": "x", "_meta": {}}, {"uri": "file:///b", "blob": "AA=="}]}),
        ),
        r(
            "prompts/list",
            json!({"prompts": [{"name": "p", "title": "P", "description": "d", "icons": [{"src": "https://e/i.png"}], "_meta": {},
            "arguments": [{"name": "a", "title": "A", "description": "d", "required": true}]}], "nextCursor": "n"}),
        ),
        r(
            "prompts/get",
            json!({"description": "d", "messages": [{"role": "user", "content": content[0]}, {"role": "assistant", "content": content[4]},
            {"role": "user", "content": content[3]}, {"role": "user", "content": content[2]}]}),
        ),
        r(
            "completion/complete",
            json!({"completion": {"values": ["a", "b"], "total": 2, "hasMore": false}}),
        ),
        r("tasks/get", task.clone()),
        r("tasks/list", json!({"tasks": [task], "nextCursor": "c"})),
        n(
            "notifications/message",
            Some(json!({"level": "warning", "logger": "db", "data": {"e": "x"}, "_meta": {}})),
        ),
        n(
            "notifications/progress",
            Some(
                json!({"progressToken": "p", "progress": 0.5, "total": 1, "message": "half", "_meta": {}}),
            ),
        ),
        n(
            "notifications/cancelled",
            Some(json!({"requestId": 4, "reason": "r", "_meta": {}})),
        ),
        n(
            "notifications/resources/updated",
            Some(json!({"uri": "file:///a", "_meta": {}})),
        ),
        n(
            "notifications/tools/list_changed",
            Some(json!({"_meta": {"a": 1}})),
        ),
        n("notifications/tools/list_changed", None),
        n(
            "notifications/elicitation/complete",
            Some(json!({"elicitationId": "e1"})),
        ),
        n("notifications/tasks/status", Some(task)),
        q("ping", Some(json!({"_meta": {"progressToken": "p"}}))),
        q("roots/list", None),
        q("sampling/createMessage", Some(sampling)),
        q(
            "sampling/createMessage",
            Some(
                json!({"messages": [{"role": "user", "content": {"type": "audio", "data": "AA==", "mimeType": "audio/wav"}}], "maxTokens": 5}),
            ),
        ),
        q("elicitation/create", Some(form)),
        q(
            "elicitation/create",
            Some(
                json!({"message": "m", "requestedSchema": {"type": "object", "properties": {"x": {"type": "integer"}}}}),
            ),
        ),
        q(
            "elicitation/create",
            Some(
                json!({"mode": "url", "message": "m", "elicitationId": "e", "url": "https://e/x", "_meta": {}}),
            ),
        ),
    ]
}

/// Wraps an official example of type `ty` into a case mcpcheck's API can judge.
fn wrap_example(ty: &str, ex: Value) -> Option<Case> {
    let origin = format!("example {ty}");
    let case = |kind, value| {
        Some(Case {
            kind,
            value: Some(value),
            origin: origin.clone(),
        })
    };
    let sampling = |messages: Value| json!({"messages": messages, "maxTokens": 10});
    let form = |prop: Value| json!({"message": "m", "requestedSchema": {"type": "object", "properties": {"p": prop}}});
    match ty {
        "CallToolResult" => case(Kind::Result("tools/call"), ex),
        "CompleteResult" => case(Kind::Result("completion/complete"), ex),
        "GetPromptResult" => case(Kind::Result("prompts/get"), ex),
        "ListToolsResult" => case(Kind::Result("tools/list"), ex),
        "ListResourcesResult" => case(Kind::Result("resources/list"), ex),
        "ListResourceTemplatesResult" => case(Kind::Result("resources/templates/list"), ex),
        "ListPromptsResult" => case(Kind::Result("prompts/list"), ex),
        "ReadResourceResult" => case(Kind::Result("resources/read"), ex),
        "Tool" => case(Kind::Result("tools/list"), json!({"tools": [ex]})),
        "Resource" => case(Kind::Result("resources/list"), json!({"resources": [ex]})),
        "TextContent" | "ImageContent" | "AudioContent" | "ResourceLink" | "EmbeddedResource" => {
            case(Kind::Result("tools/call"), json!({"content": [ex]}))
        }
        "TextResourceContents" | "BlobResourceContents" => {
            case(Kind::Result("resources/read"), json!({"contents": [ex]}))
        }
        "ServerCapabilities" => case(
            Kind::Result("initialize"),
            json!({"protocolVersion": "2025-11-25", "capabilities": ex, "serverInfo": {"name": "s", "version": "1"}}),
        ),
        "LoggingMessageNotificationParams" => case(Kind::Notification("notifications/message"), ex),
        "ProgressNotificationParams" => case(Kind::Notification("notifications/progress"), ex),
        "CancelledNotificationParams" => case(Kind::Notification("notifications/cancelled"), ex),
        "ResourceUpdatedNotificationParams" => {
            case(Kind::Notification("notifications/resources/updated"), ex)
        }
        "CreateMessageRequestParams" => case(Kind::Request("sampling/createMessage"), ex),
        "ElicitRequestFormParams" | "ElicitRequestURLParams" => {
            case(Kind::Request("elicitation/create"), ex)
        }
        "SamplingMessage" => case(
            Kind::Request("sampling/createMessage"),
            sampling(json!([ex])),
        ),
        "ToolUseContent" | "ToolResultContent" => case(
            Kind::Request("sampling/createMessage"),
            sampling(json!([{"role": "user", "content": ex}])),
        ),
        "ModelPreferences" => case(
            Kind::Request("sampling/createMessage"),
            json!({"messages": [], "maxTokens": 1, "modelPreferences": ex}),
        ),
        "StringSchema"
        | "NumberSchema"
        | "BooleanSchema"
        | "UntitledSingleSelectEnumSchema"
        | "TitledSingleSelectEnumSchema"
        | "UntitledMultiSelectEnumSchema"
        | "TitledMultiSelectEnumSchema" => case(Kind::Request("elicitation/create"), form(ex)),
        _ => None,
    }
}

/// Official 2026-07-28 examples whose type 2025-11-25 also has and whose instance the official
/// 2025-11-25 schema accepts (the type has not changed in a way that concerns the example).
pub fn examples(dir: &Path, official_1125: &mut Official) -> (Vec<Case>, usize) {
    let mut cases = Vec::new();
    let mut seen = 0;
    let Ok(types) = std::fs::read_dir(dir.join("2026-07-28/examples")) else {
        return (cases, 0);
    };
    let mut types: Vec<_> = types.flatten().map(|e| e.path()).collect();
    types.sort();
    for type_dir in types {
        let ty = type_dir.file_name().unwrap().to_string_lossy().to_string();
        let mut files: Vec<_> = std::fs::read_dir(&type_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for file in files {
            seen += 1;
            let ex: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            if !official_1125.has(&ty) || !official_1125.accepts(&[&ty], &ex) {
                continue;
            }
            if let Some(mut case) = wrap_example(&ty, ex) {
                case.origin = format!(
                    "{} ({})",
                    case.origin,
                    file.file_name().unwrap().to_string_lossy()
                );
                cases.push(case);
            }
        }
    }
    (cases, seen)
}
