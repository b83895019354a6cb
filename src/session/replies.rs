//! How the harness, as a client, answers the server's requests (`sampling/createMessage`,
//! `elicitation/create`, `roots/list`, …): a configured result or error per method, and the
//! client-side rules it follows whatever is configured.
//!
//! The client rules (spec `client/elicitation`): a request for a method with no configured
//! reply is -32601; a URL-mode elicitation to a client that declared `elicitation` without
//! `url` is -32602 (an undeclared mode), even when an elicitation reply is configured.

use crate::protocol::jsonrpc::{self, codes};
use serde_json::{json, Value};

/// A configured answer to one server→client method.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientReply {
    /// Answer with this `result`.
    Result(Value),
    /// Answer with this error.
    Error {
        /// JSON-RPC error code (e.g. -1 for a user who rejected a sampling request).
        code: i64,
        /// Error message.
        message: String,
        /// Optional `data`.
        data: Option<Value>,
    },
}

impl ClientReply {
    /// The response message to request `id`.
    pub fn to_response(&self, id: Value) -> Value {
        match self {
            ClientReply::Result(result) => jsonrpc::response(id, result.clone()),
            ClientReply::Error {
                code,
                message,
                data,
            } => {
                let mut msg = jsonrpc::error_response(id, *code, message);
                if let (Some(d), Some(err)) = (data, msg.get_mut("error")) {
                    err["data"] = d.clone();
                }
                msg
            }
        }
    }
}

/// The response to server request `id` for `method` with `params`, given the capabilities the
/// client declared and the reply configured for the method, if any.
pub(super) fn answer_for(
    id: Value,
    method: &str,
    params: Option<&Value>,
    declared: &Value,
    configured: Option<&ClientReply>,
) -> Value {
    let url_mode = params.and_then(|p| p.get("mode")) == Some(&json!("url"));
    let elicitation = declared.get("elicitation").filter(|e| e.is_object());
    if method == "elicitation/create"
        && url_mode
        && elicitation.is_some_and(|e| e.get("url").is_none())
    {
        return jsonrpc::error_response(
            id,
            codes::INVALID_PARAMS,
            "this client did not declare URL-mode elicitation",
        );
    }
    match (method, configured) {
        (_, Some(reply)) => reply.to_response(id),
        ("ping", None) => jsonrpc::response(id, json!({})),
        (_, None) => jsonrpc::error_response(
            id,
            codes::METHOD_NOT_FOUND,
            &format!("method not found: {method}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_results_and_errors_are_sent_and_unknown_methods_get_32601() {
        let caps = json!({});
        let ok = ClientReply::Result(json!({"roots": []}));
        assert_eq!(
            answer_for(json!(1), "roots/list", None, &caps, Some(&ok))["result"],
            json!({"roots": []})
        );
        let err = ClientReply::Error {
            code: -1,
            message: "User rejected".into(),
            data: Some(json!({"why": "test"})),
        };
        let r = answer_for(
            json!("a"),
            "sampling/createMessage",
            None,
            &caps,
            Some(&err),
        );
        assert_eq!(r["id"], json!("a"));
        assert_eq!(r["error"]["code"], json!(-1));
        assert_eq!(r["error"]["data"]["why"], json!("test"));
        assert_eq!(
            answer_for(json!(2), "roots/list", None, &caps, None)["error"]["code"],
            json!(-32601)
        );
        assert_eq!(
            answer_for(json!(3), "ping", None, &caps, None)["result"],
            json!({})
        );
    }

    #[test]
    fn url_mode_needs_the_url_capability() {
        let accept = ClientReply::Result(json!({"action": "accept"}));
        let params =
            json!({"mode": "url", "url": "https://x", "message": "m", "elicitationId": "e"});
        let form_only = json!({"elicitation": {}});
        let r = answer_for(
            json!(1),
            "elicitation/create",
            Some(&params),
            &form_only,
            Some(&accept),
        );
        assert_eq!(r["error"]["code"], json!(-32602));
        let with_url = json!({"elicitation": {"form": {}, "url": {}}});
        let r = answer_for(
            json!(1),
            "elicitation/create",
            Some(&params),
            &with_url,
            Some(&accept),
        );
        assert_eq!(r["result"]["action"], json!("accept"));
    }
}
