//! The 2026-07-28 corpus: hand-written seeds of every result and server notification the
//! stateless revision defines, the official 2026-07-28 examples of those types, and the official
//! type each case is judged by.
//!
//! `tools/call`, `prompts/get` and `resources/read` answer either their own result or an
//! `InputRequiredResult`; the official schema only says "one of", and an `InputRequiredResult`
//! needs nothing but a string `resultType`, so almost any object would pass the union. mcpcheck
//! chooses by `resultType` (`"input_required"` → `InputRequiredResult`, anything else → the
//! method's own result), and the cross-check judges each case by the official type that same
//! choice names.

use super::official::{Case, Kind, Official};
use serde_json::{json, Value};
use std::path::Path;

fn result(method: &'static str, value: Value, origin: &str) -> Case {
    Case {
        kind: Kind::Result(method),
        value: Some(value),
        origin: origin.to_string(),
    }
}

fn notification(method: &'static str, value: Value, origin: &str) -> Case {
    Case {
        kind: Kind::Notification(method),
        value: Some(value),
        origin: origin.to_string(),
    }
}

/// Seeds covering every field of the 2026-07-28 results and notifications.
pub fn seeds() -> Vec<Case> {
    let server_info = json!({"name": "s", "title": "S", "version": "1", "websiteUrl": "https://e", "icons": [{"src": "https://e/i.png"}]});
    let tool = json!({"name": "sql", "title": "SQL", "description": "d",
        "inputSchema": {"type": "object", "properties": {"region": {"type": "string", "x-mcp-header": "Region"}}, "required": ["region"], "$schema": "https://json-schema.org/draft/2020-12/schema"},
        "outputSchema": {"type": "array", "items": {"type": "number"}},
        "annotations": {"title": "S", "readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false},
        "icons": [{"src": "https://e/i.png", "mimeType": "image/png", "sizes": ["48x48"], "theme": "light"}], "_meta": {"k": "v"}});
    let resource = json!({"uri": "file:///a.txt", "name": "a", "title": "A", "description": "d", "mimeType": "text/plain",
        "size": 3, "annotations": {"audience": ["user"], "priority": 0.5, "lastModified": "2026-01-01T00:00:00Z"}, "_meta": {}});
    let content = json!([
        {"type": "text", "text": "hi", "annotations": {"audience": ["assistant"]}},
        {"type": "image", "data": "aGk=", "mimeType": "image/png"},
        {"type": "audio", "data": "aGk=", "mimeType": "audio/wav"},
        {"type": "resource_link", "uri": "file:///a.txt", "name": "a"},
        {"type": "resource", "resource": {"uri": "file:///a.txt", "text": "t", "mimeType": "text/plain"}}
    ]);
    let input_required = json!({"resultType": "input_required", "requestState": "opaque",
        "inputRequests": {
            "form": {"method": "elicitation/create", "params": {"message": "m", "requestedSchema": {"type": "object",
                "properties": {"n": {"type": "string", "minLength": 1}, "k": {"type": "integer"}, "b": {"type": "boolean", "default": true}}, "required": ["n"]}}},
            "url": {"method": "elicitation/create", "params": {"mode": "url", "message": "m", "url": "https://e/x"}},
            "llm": {"method": "sampling/createMessage", "params": {"messages": [{"role": "user", "content": {"type": "text", "text": "q"}}],
                "maxTokens": 5, "systemPrompt": "s", "includeContext": "none", "temperature": 0.5, "stopSequences": ["x"]}},
            "roots": {"method": "roots/list", "params": {"_meta": {}}}
        }, "_meta": {"io.modelcontextprotocol/serverInfo": server_info}});
    let cache = |mut v: Value, scope: &str| {
        v["ttlMs"] = json!(60000);
        v["cacheScope"] = json!(scope);
        v["resultType"] = json!("complete");
        v
    };
    vec![
        result(
            "server/discover",
            cache(
                json!({"supportedVersions": ["2026-07-28", "2025-11-25"], "instructions": "i",
                "capabilities": {"tools": {"listChanged": true}, "resources": {"subscribe": true, "listChanged": false}, "prompts": {},
                    "logging": {}, "completions": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}, "experimental": {"x": {}}},
                "_meta": {"io.modelcontextprotocol/serverInfo": server_info}}),
                "public",
            ),
            "seed discover",
        ),
        result(
            "tools/list",
            cache(json!({"tools": [tool], "nextCursor": "c"}), "private"),
            "seed tools/list",
        ),
        result(
            "tools/call",
            json!({"resultType": "complete", "content": content, "structuredContent": [1, "two"], "isError": false}),
            "seed tools/call",
        ),
        result(
            "tools/call",
            input_required.clone(),
            "seed tools/call input_required",
        ),
        result(
            "resources/list",
            cache(
                json!({"resources": [resource], "nextCursor": "c"}),
                "public",
            ),
            "seed resources/list",
        ),
        result(
            "resources/templates/list",
            cache(
                json!({"resourceTemplates": [{"uriTemplate": "file:///{p}", "name": "t", "title": "T", "mimeType": "text/plain"}]}),
                "public",
            ),
            "seed resources/templates/list",
        ),
        result(
            "resources/read",
            cache(
                json!({"contents": [{"uri": "file:///a.txt", "text": "t", "mimeType": "text/plain"}, {"uri": "file:///b", "blob": "aGk="}]}),
                "private",
            ),
            "seed resources/read",
        ),
        result(
            "resources/read",
            input_required.clone(),
            "seed resources/read input_required",
        ),
        result(
            "prompts/list",
            cache(
                json!({"prompts": [{"name": "p", "title": "P", "description": "d", "arguments": [{"name": "a", "required": true, "description": "d"}]}]}),
                "public",
            ),
            "seed prompts/list",
        ),
        result(
            "prompts/get",
            json!({"resultType": "complete", "description": "d", "messages": [
                {"role": "user", "content": {"type": "text", "text": "t"}},
                {"role": "assistant", "content": {"type": "resource", "resource": {"uri": "file:///b", "blob": "aGk="}}}]}),
            "seed prompts/get",
        ),
        result(
            "prompts/get",
            input_required,
            "seed prompts/get input_required",
        ),
        result(
            "completion/complete",
            json!({"resultType": "complete", "completion": {"values": ["a", "b"], "total": 2, "hasMore": false}}),
            "seed completion",
        ),
        result(
            "subscriptions/listen",
            json!({"resultType": "complete", "_meta": {"io.modelcontextprotocol/subscriptionId": "s-1", "io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
            "seed subscriptions/listen",
        ),
        notification(
            "notifications/message",
            json!({"level": "warning", "logger": "l", "data": {"x": [1]}, "_meta": {"io.modelcontextprotocol/subscriptionId": 7}}),
            "seed message",
        ),
        notification(
            "notifications/progress",
            json!({"progressToken": "t", "progress": 1.5, "total": 3, "message": "m"}),
            "seed progress",
        ),
        notification(
            "notifications/cancelled",
            json!({"requestId": 4, "reason": "r"}),
            "seed cancelled",
        ),
        notification(
            "notifications/resources/updated",
            json!({"uri": "file:///a.txt", "_meta": {"io.modelcontextprotocol/subscriptionId": "s-1"}}),
            "seed resources/updated",
        ),
        notification(
            "notifications/tools/list_changed",
            json!({"_meta": {"io.modelcontextprotocol/subscriptionId": "s-1"}}),
            "seed tools/list_changed",
        ),
        notification(
            "notifications/subscriptions/acknowledged",
            json!({"notifications": {"toolsListChanged": true, "promptsListChanged": false, "resourcesListChanged": true,
                "resourceSubscriptions": ["file:///a.txt"]}, "_meta": {"io.modelcontextprotocol/subscriptionId": "s-1"}}),
            "seed subscriptions/acknowledged",
        ),
    ]
}

/// Wraps an official 2026-07-28 example of type `ty` as a case.
fn wrap(ty: &str, ex: Value, origin: &str) -> Option<Case> {
    let complete = |mut v: Value| {
        v["resultType"] = json!("complete");
        v["ttlMs"] = json!(0);
        v["cacheScope"] = json!("public");
        v
    };
    let notif = |method: &'static str, ex: Value| {
        let params = ex.get("params").cloned().unwrap_or(json!({}));
        Some(notification(method, params, origin))
    };
    match ty {
        "DiscoverResult" => Some(result("server/discover", ex, origin)),
        "CallToolResult" | "InputRequiredResult" => Some(result("tools/call", ex, origin)),
        "ListToolsResult" => Some(result("tools/list", ex, origin)),
        "ListResourcesResult" => Some(result("resources/list", ex, origin)),
        "ListResourceTemplatesResult" => Some(result("resources/templates/list", ex, origin)),
        "ReadResourceResult" => Some(result("resources/read", ex, origin)),
        "ListPromptsResult" => Some(result("prompts/list", ex, origin)),
        "GetPromptResult" => Some(result("prompts/get", ex, origin)),
        "CompleteResult" => Some(result("completion/complete", ex, origin)),
        "SubscriptionsListenResult" => Some(result("subscriptions/listen", ex, origin)),
        "Tool" => Some(result(
            "tools/list",
            complete(json!({"tools": [ex]})),
            origin,
        )),
        "Resource" => Some(result(
            "resources/list",
            complete(json!({"resources": [ex]})),
            origin,
        )),
        "TextContent" | "ImageContent" | "AudioContent" | "ResourceLink" | "EmbeddedResource" => {
            Some(result(
                "tools/call",
                json!({"resultType": "complete", "content": [ex]}),
                origin,
            ))
        }
        "TextResourceContents" | "BlobResourceContents" => Some(result(
            "resources/read",
            complete(json!({"contents": [ex]})),
            origin,
        )),
        "ServerCapabilities" => Some(result(
            "server/discover",
            complete(json!({"supportedVersions": ["2026-07-28"], "capabilities": ex})),
            origin,
        )),
        "LoggingMessageNotificationParams" => {
            Some(notification("notifications/message", ex, origin))
        }
        "ProgressNotificationParams" => Some(notification("notifications/progress", ex, origin)),
        "CancelledNotificationParams" => Some(notification("notifications/cancelled", ex, origin)),
        "ResourceUpdatedNotificationParams" => {
            Some(notification("notifications/resources/updated", ex, origin))
        }
        "LoggingMessageNotification" => notif("notifications/message", ex),
        "ProgressNotification" => notif("notifications/progress", ex),
        "CancelledNotification" => notif("notifications/cancelled", ex),
        "ResourceUpdatedNotification" => notif("notifications/resources/updated", ex),
        "ToolListChangedNotification" => notif("notifications/tools/list_changed", ex),
        "PromptListChangedNotification" => notif("notifications/prompts/list_changed", ex),
        "ResourceListChangedNotification" => notif("notifications/resources/list_changed", ex),
        "SubscriptionsAcknowledgedNotification" => {
            notif("notifications/subscriptions/acknowledged", ex)
        }
        _ => None,
    }
}

/// Every official 2026-07-28 example of a type the stateless validation covers.
pub fn examples(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let Ok(types) = std::fs::read_dir(dir.join("2026-07-28/examples")) else {
        return cases;
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
            let ex: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let origin = format!(
                "example {ty} ({})",
                file.file_name().unwrap().to_string_lossy()
            );
            cases.extend(wrap(&ty, ex, &origin));
        }
    }
    cases
}

/// The official 2026-07-28 type a result of `method` is judged by (see the module doc).
fn result_type(method: &str, value: &Value) -> &'static str {
    let asks = value.get("resultType").and_then(Value::as_str) == Some("input_required");
    match method {
        "tools/call" | "prompts/get" | "resources/read" if asks => "InputRequiredResult",
        "server/discover" => "DiscoverResult",
        "tools/list" => "ListToolsResult",
        "tools/call" => "CallToolResult",
        "resources/list" => "ListResourcesResult",
        "resources/templates/list" => "ListResourceTemplatesResult",
        "resources/read" => "ReadResourceResult",
        "prompts/list" => "ListPromptsResult",
        "prompts/get" => "GetPromptResult",
        "completion/complete" => "CompleteResult",
        "subscriptions/listen" => "SubscriptionsListenResult",
        other => panic!("no official 2026-07-28 type for {other}"),
    }
}

fn notification_type(method: &str) -> &'static str {
    match method {
        "notifications/message" => "LoggingMessageNotification",
        "notifications/progress" => "ProgressNotification",
        "notifications/cancelled" => "CancelledNotification",
        "notifications/resources/updated" => "ResourceUpdatedNotification",
        "notifications/tools/list_changed" => "ToolListChangedNotification",
        "notifications/prompts/list_changed" => "PromptListChangedNotification",
        "notifications/resources/list_changed" => "ResourceListChangedNotification",
        "notifications/subscriptions/acknowledged" => "SubscriptionsAcknowledgedNotification",
        other => panic!("no official 2026-07-28 type for {other}"),
    }
}

/// The official 2026-07-28 verdict on a case.
pub fn official_verdict(official: &mut Official, case: &Case) -> bool {
    match &case.kind {
        Kind::Result(method) => {
            let value = case.value.clone().unwrap_or(Value::Null);
            official.accepts(&[result_type(method, &value)], &value)
        }
        Kind::Notification(method) => {
            let mut msg = json!({"jsonrpc": "2.0", "method": method});
            if let Some(p) = &case.value {
                msg["params"] = p.clone();
            }
            official.accepts(&[notification_type(method)], &msg)
        }
        Kind::Request(m) => panic!("2026-07-28 has no server→client request {m}"),
    }
}
