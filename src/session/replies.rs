//! How the harness, as a client, answers the server's requests (`sampling/createMessage`,
//! `elicitation/create`, `roots/list`, …): a configured result or error per method, and the
//! client-side rules it follows whatever is configured.
//!
//! The client rules (spec `client/elicitation`): a request for a method with no configured
//! reply is -32601; a URL-mode elicitation to a client that declared `elicitation` without
//! `url` is -32602 (an undeclared mode), even when an elicitation reply is configured; a
//! `sampling/createMessage` whose tool uses and results do not balance is -32602 (spec
//! `client/sampling`, error handling: SHOULD), whatever reply is configured.

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
    if method == "sampling/createMessage" {
        if let Some(why) = crate::validate::sampling_balance(params).first() {
            return jsonrpc::error_response(
                id,
                codes::INVALID_PARAMS,
                &format!("Tool result missing in request: {why}"),
            );
        }
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
    fn unbalanced_tool_use_is_refused_with_32602() {
        let reply = ClientReply::Result(json!({"role": "assistant", "model": "m",
            "content": {"type": "text", "text": "x"}}));
        let caps = json!({"sampling": {"tools": {}}});
        let unbalanced = json!({"maxTokens": 5, "messages": [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "t", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "toolUseId": "b", "content": []}]},
        ]});
        let r = answer_for(
            json!(1),
            "sampling/createMessage",
            Some(&unbalanced),
            &caps,
            Some(&reply),
        );
        assert_eq!(r["error"]["code"], json!(-32602), "{r}");
        let mut balanced = unbalanced.clone();
        balanced["messages"][1]["content"][0]["toolUseId"] = json!("a");
        let r = answer_for(
            json!(1),
            "sampling/createMessage",
            Some(&balanced),
            &caps,
            Some(&reply),
        );
        assert_eq!(r["result"]["model"], json!("m"), "{r}");
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
