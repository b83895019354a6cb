//! Shaping a response for the modern era: every result gets `resultType` (`"complete"` unless
//! the handler set another) and the server's identity in `_meta`; complete results of discover,
//! the lists and `resources/read` get `ttlMs` and `cacheScope`; error codes the era forbids are
//! translated (`errors::modern_code`).

use super::errors::modern_code;
use super::meta::SERVER_INFO;
use crate::fault::Fault;
use crate::methods::lifecycle::SERVER_NAME;
use crate::services::data::ITEMS_URI;
use crate::state::ServerState;
use serde_json::{json, Map, Value};

/// `resultType` of an ordinary, final result.
pub(crate) const COMPLETE: &str = "complete";

/// Freshness of discover and of fixed resources, in milliseconds.
const STABLE_TTL_MS: u64 = 300_000;
/// Freshness of the lists.
const LIST_TTL_MS: u64 = 60_000;

/// The caching hints of a method's complete result: `(ttlMs, cacheScope)`. Nothing the server
/// returns depends on the caller, so every scope is `public`; the item store changes under
/// the data tools, so its resources are stale at once. One scope per method, so every page of
/// a list has the same one.
fn cache_hints(method: &str, params: Option<&Value>) -> Option<(u64, &'static str)> {
    match method {
        "server/discover" => Some((STABLE_TTL_MS, "public")),
        "tools/list" | "prompts/list" | "resources/list" | "resources/templates/list" => {
            Some((LIST_TTL_MS, "public"))
        }
        "resources/read" => {
            let uri = params.and_then(|p| p.get("uri")).and_then(Value::as_str);
            let live = uri.is_some_and(|u| u.starts_with(ITEMS_URI));
            Some((if live { 0 } else { STABLE_TTL_MS }, "public"))
        }
        _ => None,
    }
}

/// The server's `Implementation`, as `_meta` carries it.
pub(crate) fn server_info() -> Value {
    json!({
        "name": SERVER_NAME,
        "title": "MCP Reference Server",
        "version": env!("CARGO_PKG_VERSION"),
    })
}

/// Adds the fields every modern result has to `result`.
pub(crate) fn shape_result(
    state: &ServerState,
    method: &str,
    params: Option<&Value>,
    result: &mut Map<String, Value>,
) {
    if !state.has(Fault::V26NoResultType) && !result.contains_key("resultType") {
        result.insert("resultType".into(), json!(COMPLETE));
    }
    let complete = result
        .get("resultType")
        .and_then(Value::as_str)
        .map_or(true, |t| t == COMPLETE);
    if let (true, false, Some((ttl, scope))) = (
        complete,
        state.has(Fault::V26NoCacheHints),
        cache_hints(method, params),
    ) {
        result.insert("ttlMs".into(), json!(ttl));
        result.insert("cacheScope".into(), json!(scope));
    }
    if method == "tools/list" {
        strip_task_fields(result);
    }
    let meta = result
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = meta {
        meta.insert(SERVER_INFO.into(), server_info());
    }
}

/// Tasks left the core protocol in 2026-07-28 (they live on in the tasks extension): no
/// `execution` on modern tool definitions. Of the tools that can only run as a task, those
/// the extension runs (`tasks::LISTED_TASK_ONLY`) stay listed; a call that does not declare
/// the extension gets -32021 naming it. The others are dropped.
fn strip_task_fields(result: &mut Map<String, Value>) {
    if let Some(Value::Array(tools)) = result.get_mut("tools") {
        tools.retain(|t| {
            let task_only =
                t.pointer("/execution/taskSupport").and_then(Value::as_str) == Some("required");
            let name = t.get("name").and_then(Value::as_str).unwrap_or_default();
            !task_only || super::tasks::LISTED_TASK_ONLY.contains(&name)
        });
        for tool in tools.iter_mut().filter_map(Value::as_object_mut) {
            tool.remove("execution");
        }
    }
}

/// Shapes a whole response message (result or error) of `method`.
pub(crate) fn shape(
    state: &ServerState,
    method: &str,
    params: Option<&Value>,
    mut msg: Value,
) -> Value {
    if let Some(Value::Object(result)) = msg.get_mut("result") {
        shape_result(state, method, params, result);
    } else if let Some(code) = msg.pointer_mut("/error/code") {
        if let Some(c) = code.as_i64() {
            *code = json!(modern_code(state, c));
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    fn ok(result: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": 1, "result": result})
    }

    #[test]
    fn adds_result_type_cache_hints_and_server_info() {
        let state = ServerState::new(ServerConfig::default());
        let m = shape(
            &state,
            "tools/list",
            None,
            ok(json!({"tools": [
                {"name": "a", "execution": {}},
                {"name": "job", "execution": {"taskSupport": "required"}},
                {"name": "batch_job", "execution": {"taskSupport": "required"}}
            ]})),
        );
        let r = &m["result"];
        assert_eq!(r["resultType"], json!("complete"));
        assert_eq!(r["ttlMs"], json!(LIST_TTL_MS));
        assert_eq!(r["cacheScope"], json!("public"));
        assert_eq!(r["_meta"][SERVER_INFO]["name"], json!(SERVER_NAME));
        assert!(r["tools"][0].get("execution").is_none());
        assert_eq!(
            r["tools"].as_array().map(Vec::len),
            Some(2),
            "task-only tools are dropped unless the tasks extension runs them"
        );
        assert_eq!(r["tools"][1]["name"], json!("batch_job"));
        assert!(r["tools"][1].get("execution").is_none());
        let call = shape(&state, "tools/call", None, ok(json!({"content": []})));
        assert!(call["result"].get("ttlMs").is_none());
        let read = shape(
            &state,
            "resources/read",
            Some(&json!({"uri": format!("{ITEMS_URI}/1")})),
            ok(json!({"contents": []})),
        );
        assert_eq!(read["result"]["ttlMs"], json!(0));
    }

    #[test]
    fn input_required_results_get_no_cache_hints() {
        let state = ServerState::new(ServerConfig::default());
        let m = shape(
            &state,
            "resources/read",
            None,
            ok(json!({"resultType": "input_required", "inputRequests": {}})),
        );
        assert_eq!(m["result"]["resultType"], json!("input_required"));
        assert!(m["result"].get("ttlMs").is_none());
    }

    #[test]
    fn faults_drop_their_fields_and_errors_are_translated() {
        let state = ServerState::new(ServerConfig::with_fault(Fault::V26NoResultType));
        assert!(shape(&state, "ping", None, ok(json!({})))["result"]
            .get("resultType")
            .is_none());
        let state = ServerState::new(ServerConfig::with_fault(Fault::V26NoCacheHints));
        assert!(
            shape(&state, "tools/list", None, ok(json!({"tools": []})))["result"]
                .get("ttlMs")
                .is_none()
        );
        let e = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32002, "message": "x"}});
        let clean = ServerState::new(ServerConfig::default());
        assert_eq!(
            shape(&clean, "resources/read", None, e)["error"]["code"],
            json!(-32602)
        );
    }
}
