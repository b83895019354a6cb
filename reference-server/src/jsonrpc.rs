//! JSON-RPC 2.0 framing: classifying a received value, error codes, building messages.
//!
//! Done by hand on `serde_json::Value` rather than with typed structs because the server must
//! echo ids exactly (type and value) and tell apart every way a message can be malformed, which
//! derived deserialisation would blur into one error.

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
    /// Internal error.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// MCP: resource not found.
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
}

/// A JSON-RPC error object to send.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// Error code.
    pub code: i64,
    /// One-sentence message.
    pub message: String,
    /// Optional structured detail.
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with a code and message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// -32700.
    pub fn parse_error(detail: impl std::fmt::Display) -> Self {
        Self::new(codes::PARSE_ERROR, format!("Parse error: {detail}"))
    }

    /// -32600.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_REQUEST, message)
    }

    /// -32601 for `method`.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            codes::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }

    /// -32602.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMS, message)
    }

    /// -32603.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, message)
    }

    /// Adds `data`.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// The `error` member of a response.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), json!(self.code));
        m.insert("message".into(), json!(self.message));
        if let Some(d) = &self.data {
            m.insert("data".into(), d.clone());
        }
        Value::Object(m)
    }
}

/// A received message, classified and checked for JSON-RPC shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// A request: `method` and a valid `id`.
    Request {
        /// The id, kept exactly as received.
        id: Value,
        /// The method name.
        method: String,
        /// `params` when present (any JSON type; handlers require an object).
        params: Option<Value>,
    },
    /// A notification: `method`, no `id`.
    Notification {
        /// The method name.
        method: String,
        /// `params` when present.
        params: Option<Value>,
    },
    /// A response from the client (result or error).
    Response,
    /// Not a valid JSON-RPC message; `id` is the request's id when it was readable, else null.
    Invalid {
        /// Id to put in the error response.
        id: Value,
        /// Why the message is invalid.
        reason: String,
    },
}

/// Whether `id` is a valid MCP request id (a string or an integer).
pub fn is_valid_id(id: &Value) -> bool {
    match id {
        Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// Classifies one JSON value (not an array) as received on the wire.
pub fn classify(v: &Value) -> Incoming {
    let Some(obj) = v.as_object() else {
        return Incoming::Invalid {
            id: Value::Null,
            reason: "message is not a JSON object".into(),
        };
    };
    let readable_id = obj
        .get("id")
        .filter(|id| is_valid_id(id))
        .cloned()
        .unwrap_or(Value::Null);
    let invalid = |reason: &str| Incoming::Invalid {
        id: readable_id.clone(),
        reason: reason.into(),
    };
    if obj.get("jsonrpc") != Some(&json!("2.0")) {
        return invalid("`jsonrpc` must be \"2.0\"");
    }
    if let Some(method) = obj.get("method") {
        let Some(method) = method.as_str() else {
            return invalid("`method` must be a string");
        };
        let params = obj.get("params").cloned();
        return match obj.get("id") {
            None => Incoming::Notification {
                method: method.to_string(),
                params,
            },
            Some(id) if is_valid_id(id) => Incoming::Request {
                id: id.clone(),
                method: method.to_string(),
                params,
            },
            Some(_) => invalid("`id` must be a string or an integer"),
        };
    }
    let has_result = obj.contains_key("result");
    let has_error = obj.contains_key("error");
    if has_result != has_error && obj.contains_key("id") {
        return Incoming::Response;
    }
    invalid("not a request, notification or response")
}

/// A success response.
pub fn response(id: Value, result: Value) -> Value {
    message([("id", id), ("result", result)])
}

/// An error response.
pub fn error_response(id: Value, error: &RpcError) -> Value {
    message([("id", id), ("error", error.to_json())])
}

/// A notification.
pub fn notification(method: &str, params: Value) -> Value {
    message([("method", Value::from(method)), ("params", params)])
}

/// `{"jsonrpc": "2.0", ...members}`, moving the members in. Not `json!`: it copies every
/// interpolated value through serde's serializer, a deep copy of each result on the hot path.
fn message<const N: usize>(members: [(&str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N + 1);
    m.insert("jsonrpc".into(), Value::from("2.0"));
    for (k, v) in members {
        m.insert(k.into(), v);
    }
    Value::Object(m)
}

/// The bare success `{"jsonrpc":"2.0","id":null,"result":{}}` some faults send.
pub fn null_success() -> Value {
    response(Value::Null, json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_messages_have_the_members_in_wire_order() {
        let r = response(json!(7), json!({"a": [1, {"b": 2}]}));
        assert_eq!(
            r.to_string(),
            r#"{"jsonrpc":"2.0","id":7,"result":{"a":[1,{"b":2}]}}"#
        );
        let e = error_response(json!("x"), &RpcError::invalid_params("bad"));
        assert_eq!(
            e.to_string(),
            r#"{"jsonrpc":"2.0","id":"x","error":{"code":-32602,"message":"bad"}}"#
        );
        let n = notification("notifications/message", json!({"level": "info"}));
        assert_eq!(
            n.to_string(),
            r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info"}}"#
        );
    }

    #[test]
    fn classifies_requests_and_keeps_id_type() {
        for id in [
            json!(0),
            json!(-5),
            json!(9007199254740991u64),
            json!("abc"),
            json!("1"),
        ] {
            let m = classify(&json!({"jsonrpc":"2.0","id":id.clone(),"method":"ping"}));
            assert_eq!(
                m,
                Incoming::Request {
                    id,
                    method: "ping".into(),
                    params: None
                }
            );
        }
    }

    #[test]
    fn rejects_bad_shapes_with_the_readable_id() {
        assert!(matches!(
            classify(&json!({"jsonrpc":"1.0","id":7,"method":"ping"})),
            Incoming::Invalid { id, .. } if id == json!(7)
        ));
        assert!(matches!(
            classify(&json!({"jsonrpc":"2.0","id":null,"method":"ping"})),
            Incoming::Invalid {
                id: Value::Null,
                ..
            }
        ));
        assert!(matches!(
            classify(&json!({"jsonrpc":"2.0","id":1.5,"method":"ping"})),
            Incoming::Invalid {
                id: Value::Null,
                ..
            }
        ));
        assert!(matches!(
            classify(&json!({"jsonrpc":"2.0","method":3})),
            Incoming::Invalid { .. }
        ));
        assert!(matches!(classify(&json!("x")), Incoming::Invalid { .. }));
        assert!(matches!(
            classify(&json!({"jsonrpc":"2.0"})),
            Incoming::Invalid { .. }
        ));
    }

    #[test]
    fn recognises_notifications_and_responses() {
        assert!(matches!(
            classify(&json!({"jsonrpc":"2.0","method":"notifications/initialized"})),
            Incoming::Notification { .. }
        ));
        assert_eq!(
            classify(&json!({"jsonrpc":"2.0","id":1,"result":{}})),
            Incoming::Response
        );
        assert_eq!(
            classify(&json!({"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m"}})),
            Incoming::Response
        );
    }

    #[test]
    fn error_json_has_data_only_when_set() {
        let e = RpcError::invalid_params("bad");
        assert_eq!(e.to_json(), json!({"code":-32602,"message":"bad"}));
        let e = e.with_data(json!({"uri":"x"}));
        assert_eq!(e.to_json()["data"], json!({"uri":"x"}));
    }
}
