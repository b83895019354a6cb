//! JSON-RPC 2.0 framing as MCP uses it: classifying a received value and building messages.
//!
//! Written by hand rather than with typed structs: a conformance harness must see exactly what
//! arrived (an id of the wrong type, both `result` and `error`, a missing `jsonrpc`), which
//! typed deserialisation would hide or reject.

use serde_json::{json, Map, Value};

/// Standard JSON-RPC and MCP error codes.
pub mod codes {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON sent is not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid method parameters.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Internal JSON-RPC error.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// MCP: resource not found (2025 revisions).
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
}

/// A received JSON value, classified.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// Has `method` and `id`.
    Request {
        id: Value,
        method: String,
        params: Option<Value>,
    },
    /// Has `method`, no `id`.
    Notification {
        method: String,
        params: Option<Value>,
    },
    /// Has `id` and `result`.
    Response { id: Value, result: Value },
    /// Has `error` (the id may be null or absent for unreadable requests).
    Error {
        id: Option<Value>,
        code: Option<i64>,
        message: Option<String>,
        data: Option<Value>,
    },
    /// A JSON array (a batch).
    Batch(Vec<Value>),
    /// Anything else, with why it is not a JSON-RPC message.
    Invalid(String),
}

impl Message {
    /// Classifies a JSON value without judging it beyond what is needed to route it.
    pub fn classify(v: &Value) -> Message {
        let obj = match v {
            Value::Object(o) => o,
            Value::Array(items) => return Message::Batch(items.clone()),
            other => return Message::Invalid(format!("not an object: {}", type_name(other))),
        };
        let method = obj.get("method");
        let id = obj.get("id");
        if let Some(m) = method {
            let Some(m) = m.as_str() else {
                return Message::Invalid("`method` is not a string".into());
            };
            let params = obj.get("params").cloned();
            return match id {
                Some(id) => Message::Request {
                    id: id.clone(),
                    method: m.to_string(),
                    params,
                },
                None => Message::Notification {
                    method: m.to_string(),
                    params,
                },
            };
        }
        if let Some(err) = obj.get("error") {
            return Message::Error {
                id: id.cloned(),
                code: err.get("code").and_then(Value::as_i64),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                data: err.get("data").cloned(),
            };
        }
        if let (Some(id), Some(result)) = (id, obj.get("result")) {
            return Message::Response {
                id: id.clone(),
                result: result.clone(),
            };
        }
        Message::Invalid("neither request, notification, result nor error".into())
    }

    /// The id of a response or error, if it carries one.
    pub fn response_id(&self) -> Option<&Value> {
        match self {
            Message::Response { id, .. } => Some(id),
            Message::Error { id, .. } => id.as_ref(),
            _ => None,
        }
    }
}

/// Whether `v` is a response (result or error) to request `id`, comparing ids by value and type.
pub fn is_response_to(v: &Value, id: &Value) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    !obj.contains_key("method")
        && (obj.contains_key("result") || obj.contains_key("error"))
        && obj.get("id") == Some(id)
}

/// Builds a request.
pub fn request(id: Value, method: &str, params: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), json!("2.0"));
    m.insert("id".into(), id);
    m.insert("method".into(), json!(method));
    if let Some(p) = params {
        m.insert("params".into(), p);
    }
    Value::Object(m)
}

/// Builds a notification.
pub fn notification(method: &str, params: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), json!("2.0"));
    m.insert("method".into(), json!(method));
    if let Some(p) = params {
        m.insert("params".into(), p);
    }
    Value::Object(m)
}

/// Builds a success response (used to answer server→client requests).
pub fn response(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// Builds an error response.
pub fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// The JSON type name of a value, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_each_kind() {
        assert!(matches!(
            Message::classify(&json!({"jsonrpc":"2.0","id":1,"method":"ping"})),
            Message::Request { .. }
        ));
        assert!(matches!(
            Message::classify(&json!({"jsonrpc":"2.0","method":"n"})),
            Message::Notification { .. }
        ));
        assert!(matches!(
            Message::classify(&json!({"jsonrpc":"2.0","id":1,"result":{}})),
            Message::Response { .. }
        ));
        assert!(matches!(
            Message::classify(
                &json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})
            ),
            Message::Error {
                code: Some(-32700),
                ..
            }
        ));
        assert!(matches!(Message::classify(&json!([])), Message::Batch(_)));
        assert!(matches!(Message::classify(&json!(3)), Message::Invalid(_)));
    }

    #[test]
    fn response_ids_compare_by_type() {
        let r = json!({"jsonrpc":"2.0","id":"1","result":{}});
        assert!(is_response_to(&r, &json!("1")));
        assert!(!is_response_to(&r, &json!(1)));
    }
}
