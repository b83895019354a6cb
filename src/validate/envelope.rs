//! The JSON-RPC 2.0 envelope every MCP message shares, checked by hand.
//!
//! Besides JSON-RPC, the MCP base types: `params` is an object, `_meta` in params and results is
//! an object, and a request's `_meta.progressToken` is a string or an integer.
//!
//! Written in Rust rather than as a schema: the rules are few but must be exact and say which
//! rule broke ("has both result and error", "id must not be null"), which a union schema of
//! request | notification | response | error can only report as "matches none". Where JSON-RPC
//! 2.0 and MCP's generated schemas disagree, the normative text wins: a response with both
//! `result` and `error` is invalid (JSON-RPC 2.0 §5), an error answering an unreadable request
//! may carry `id: null` or none (§5), and a request's id is never `null` (MCP).

use super::violation::Violation;
use crate::protocol::jsonrpc::type_name;
use serde_json::{Map, Value};

/// Checks the JSON-RPC 2.0 shape of one message, or of each message of a batch (array).
///
/// A batch holds either requests and notifications or responses, never both (JSON-RPC 2.0 §6);
/// whether a batch is allowed at all depends on the protocol version and is not judged here.
pub fn validate_envelope(msg: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    match msg {
        Value::Array(items) if items.is_empty() => out.push(Violation::new("", "empty batch")),
        Value::Array(items) => {
            let is_call = |m: &Value| m.get("method").is_some();
            let is_reply = |m: &Value| m.is_object() && m.get("method").is_none();
            if items.iter().any(is_call) && items.iter().any(is_reply) {
                out.push(Violation::new(
                    "",
                    "batch mixes requests or notifications with responses",
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let prefix = format!("/{i}");
                match item {
                    Value::Object(obj) => check_object(obj, &mut out, &prefix),
                    other => out.push(Violation::new(
                        prefix,
                        format!(
                            "expected a JSON-RPC message object, found {}",
                            type_name(other)
                        ),
                    )),
                }
            }
        }
        Value::Object(obj) => check_object(obj, &mut out, ""),
        other => out.push(Violation::new(
            "",
            format!(
                "expected a JSON-RPC message object, found {}",
                type_name(other)
            ),
        )),
    }
    out
}

/// Whether `v` is an integer in JSON Schema's sense (no fractional part; `1.0` counts).
fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

/// The violation of an `id` that is present: it must be a string or an integer.
fn check_id(id: &Value, at: &str) -> Option<Violation> {
    match id {
        Value::String(_) => None,
        v if is_integer(v) => None,
        Value::Null => Some(Violation::new(at, "id must not be null")),
        other => Some(Violation::new(
            at,
            format!("expected string or integer, found {}", type_name(other)),
        )),
    }
}

fn check_object(obj: &Map<String, Value>, out: &mut Vec<Violation>, at: &str) {
    match obj.get("jsonrpc") {
        None => out.push(Violation::new(at, "missing required property jsonrpc")),
        Some(Value::String(s)) if s == "2.0" => {}
        Some(other) => out.push(Violation::new(
            format!("{at}/jsonrpc"),
            format!("expected \"2.0\", found {other}"),
        )),
    }
    if let Some(method) = obj.get("method") {
        check_request(obj, method, out, at);
    } else {
        check_response(obj, out, at);
    }
}

/// A request (with `id`) or a notification (without).
fn check_request(obj: &Map<String, Value>, method: &Value, out: &mut Vec<Violation>, at: &str) {
    if !method.is_string() {
        out.push(Violation::new(
            format!("{at}/method"),
            format!("expected string, found {}", type_name(method)),
        ));
    }
    if let Some(id) = obj.get("id") {
        out.extend(check_id(id, &format!("{at}/id")));
    }
    let Some(params) = obj.get("params") else {
        return;
    };
    let Some(params) = params.as_object() else {
        out.push(Violation::new(
            format!("{at}/params"),
            format!("expected object, found {}", type_name(params)),
        ));
        return;
    };
    let meta_at = format!("{at}/params/_meta");
    if let Some(meta) = check_meta(params, out, &meta_at) {
        // Only a request can ask for progress; in a notification the key is just metadata.
        if let (Some(token), true) = (meta.get("progressToken"), obj.contains_key("id")) {
            if let Some(mut v) = check_id(token, &format!("{meta_at}/progressToken")) {
                v.message = v.message.replace("id must", "progressToken must");
                out.push(v);
            }
        }
    }
}

/// Checks that `_meta`, if present in `obj`, is an object (MCP reserves it for metadata maps).
fn check_meta<'a>(
    obj: &'a Map<String, Value>,
    out: &mut Vec<Violation>,
    at: &str,
) -> Option<&'a Map<String, Value>> {
    match obj.get("_meta")? {
        Value::Object(meta) => Some(meta),
        other => {
            out.push(Violation::new(
                at,
                format!("expected object, found {}", type_name(other)),
            ));
            None
        }
    }
}

/// A response: exactly one of `result` and `error`.
fn check_response(obj: &Map<String, Value>, out: &mut Vec<Violation>, at: &str) {
    match (obj.get("result"), obj.get("error")) {
        (Some(_), Some(_)) => out.push(Violation::new(at, "has both result and error")),
        (None, None) => out.push(Violation::new(at, "missing method, result or error")),
        (Some(result), None) => {
            match obj.get("id") {
                None => out.push(Violation::new(at, "missing required property id")),
                Some(id) => out.extend(check_id(id, &format!("{at}/id"))),
            }
            match result.as_object() {
                Some(result) => {
                    check_meta(result, out, &format!("{at}/result/_meta"));
                }
                None => out.push(Violation::new(
                    format!("{at}/result"),
                    format!("expected object, found {}", type_name(result)),
                )),
            }
        }
        (None, Some(error)) => {
            // `null` or no id: the error answers a request whose id could not be read.
            if let Some(id) = obj.get("id").filter(|id| !id.is_null()) {
                out.extend(check_id(id, &format!("{at}/id")));
            }
            check_error_object(error, out, &format!("{at}/error"));
        }
    }
}

fn check_error_object(error: &Value, out: &mut Vec<Violation>, at: &str) {
    let Some(obj) = error.as_object() else {
        out.push(Violation::new(
            at,
            format!("expected object, found {}", type_name(error)),
        ));
        return;
    };
    match obj.get("code") {
        None => out.push(Violation::new(at, "missing required property code")),
        Some(code) if is_integer(code) => {}
        Some(code) => out.push(Violation::new(
            format!("{at}/code"),
            format!("expected integer, found {}", type_name(code)),
        )),
    }
    match obj.get("message") {
        None => out.push(Violation::new(at, "missing required property message")),
        Some(Value::String(_)) => {}
        Some(m) => out.push(Violation::new(
            format!("{at}/message"),
            format!("expected string, found {}", type_name(m)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointers(v: &Value) -> Vec<(String, String)> {
        validate_envelope(v)
            .into_iter()
            .map(|v| (v.pointer, v.message))
            .collect()
    }

    #[test]
    fn accepts_every_well_formed_kind() {
        for ok in [
            json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": "a", "method": "tools/list", "params": {}}),
            json!({"jsonrpc": "2.0", "id": 1, "method": "x", "params": {"_meta": {"progressToken": "p", "k": [1]}}}),
            json!({"jsonrpc": "2.0", "method": "x", "params": {"_meta": {"progressToken": null}}}),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 7, "result": {}}),
            json!({"jsonrpc": "2.0", "id": 7, "error": {"code": -32601, "message": "nope", "data": [1]}}),
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "parse"}}),
            json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": "parse"}}),
            json!({"jsonrpc": "2.0", "id": 2.0, "result": {}}),
            json!([{"jsonrpc": "2.0", "id": 1, "method": "x"}, {"jsonrpc": "2.0", "method": "x"}]),
            json!([{"jsonrpc": "2.0", "id": 1, "result": {}}, {"jsonrpc": "2.0", "id": 2, "error": {"code": 1, "message": "m"}}]),
        ] {
            assert_eq!(pointers(&ok), vec![], "{ok}");
        }
    }

    #[test]
    fn names_the_broken_rule() {
        let cases = [
            (
                json!({"id": 1, "method": "ping"}),
                "",
                "missing required property jsonrpc",
            ),
            (
                json!({"jsonrpc": "1.0", "id": 1, "method": "ping"}),
                "/jsonrpc",
                "expected \"2.0\", found \"1.0\"",
            ),
            (
                json!({"jsonrpc": "2.0", "id": null, "method": "ping"}),
                "/id",
                "id must not be null",
            ),
            (
                json!({"jsonrpc": "2.0", "id": true, "method": "ping"}),
                "/id",
                "expected string or integer, found boolean",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1.5, "result": {}}),
                "/id",
                "expected string or integer, found number",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": 5}),
                "/method",
                "expected string, found integer",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": "x", "params": [1]}),
                "/params",
                "expected object, found array",
            ),
            (
                json!({"jsonrpc": "2.0", "method": "x", "params": {"_meta": 1}}),
                "/params/_meta",
                "expected object, found integer",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": "x", "params": {"_meta": {"progressToken": null}}}),
                "/params/_meta/progressToken",
                "progressToken must not be null",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "result": {"_meta": []}}),
                "/result/_meta",
                "expected object, found array",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "result": {}, "error": {"code": 1, "message": "m"}}),
                "",
                "has both result and error",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1}),
                "",
                "missing method, result or error",
            ),
            (
                json!({"jsonrpc": "2.0", "result": {}}),
                "",
                "missing required property id",
            ),
            (
                json!({"jsonrpc": "2.0", "id": null, "result": {}}),
                "/id",
                "id must not be null",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "result": []}),
                "/result",
                "expected object, found array",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "error": "bad"}),
                "/error",
                "expected object, found string",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "error": {"message": "m"}}),
                "/error",
                "missing required property code",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 1.5, "message": "m"}}),
                "/error/code",
                "expected integer, found number",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 1}}),
                "/error",
                "missing required property message",
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 1, "message": 2}}),
                "/error/message",
                "expected string, found integer",
            ),
            (
                json!("hello"),
                "",
                "expected a JSON-RPC message object, found string",
            ),
            (json!([]), "", "empty batch"),
            (
                json!([{"jsonrpc": "2.0", "id": 1, "result": {}}, {"jsonrpc": "2.0", "method": "x"}]),
                "",
                "batch mixes requests or notifications with responses",
            ),
            (
                json!([{"jsonrpc": "2.0", "id": 1, "result": {}}, 3]),
                "/1",
                "expected a JSON-RPC message object, found integer",
            ),
            (
                json!([{"jsonrpc": "2.0", "id": [], "result": {}}]),
                "/0/id",
                "expected string or integer, found array",
            ),
        ];
        for (msg, pointer, message) in cases {
            assert_eq!(
                pointers(&msg),
                vec![(pointer.to_string(), message.to_string())],
                "{msg}"
            );
        }
    }
}
