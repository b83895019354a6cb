//! Tools that ask the client: `ask_model` (sampling), `ask_user` (form-mode elicitation),
//! `ask_user_url` (URL-mode elicitation, 2025-11-25) and `list_roots` (roots).
//!
//! Each sends its request only when the client declared the capability in `initialize`;
//! otherwise it returns an `isError` result naming the missing capability. The result reflects
//! the client's answer (the model's text, the user's input, the roots), so a checker can see
//! that its reply was used; decline, cancel and error answers are reported, never a hang (the
//! wait is bounded, see `client_requests`).

use super::{object_schema, opt_str, Args, Hints, ToolError, ToolOutput, ToolResult, ToolSpec};
use crate::client_requests::{ask, Answer, AskError};
use crate::context::{Failure, RequestCtx};
use crate::fault::Fault;
use crate::version::Version;
use serde_json::{json, Map, Value};

/// The tools of this module (they run on the request's stream; see `dispatch`).
pub(crate) const NAMES: [&str; 4] = ["ask_model", "ask_user", "ask_user_url", "list_roots"];

/// What `client-reply-ignored` answers instead of the client's reply.
const CANNED: &str = "done";

/// The URL an `ask_user_url` elicitation points at (never opened by the server).
const CONSENT_URL: &str = "https://consent.example.com/mcpcheck";

/// Hints of these tools: they change nothing and reach nothing but the client.
const HINTS: Hints = Hints::READ_ONLY;

/// The definitions a session of `version` lists (elicitation exists from 2025-06-18, URL mode
/// from 2025-11-25).
pub(crate) fn specs(version: Version) -> Vec<ToolSpec> {
    let mut out = vec![
        ToolSpec {
            name: "ask_model",
            title: "Ask the client's model",
            description: "Asks the client's language model (sampling/createMessage) and returns its answer. Needs the client's `sampling` capability.",
            input_schema: object_schema(
                json!({"prompt": {"type": "string", "description": "What to ask (default: a greeting)"}}),
                &[],
            ),
            output_schema: None,
            hints: HINTS,
        },
        ToolSpec {
            name: "list_roots",
            title: "List the client's roots",
            description: "Asks the client for its roots (roots/list) and returns their URIs. Needs the client's `roots` capability.",
            input_schema: object_schema(json!({}), &[]),
            output_schema: None,
            hints: HINTS,
        },
    ];
    if version >= Version::V2025_06_18 {
        out.push(ToolSpec {
            name: "ask_user",
            title: "Ask the user (form)",
            description: "Asks the user for a name, an age and a yes/no choice through a form-mode elicitation/create and returns the answer. Needs the client's `elicitation` capability.",
            input_schema: object_schema(
                json!({"question": {"type": "string", "description": "The message shown to the user"}}),
                &[],
            ),
            output_schema: None,
            hints: HINTS,
        });
    }
    if version >= Version::V2025_11_25 {
        out.push(ToolSpec {
            name: "ask_user_url",
            title: "Ask the user (URL)",
            description: "Asks the user to visit a URL through a URL-mode elicitation/create. Needs the client's `elicitation.url` capability.",
            input_schema: object_schema(json!({}), &[]),
            output_schema: None,
            hints: HINTS,
        });
    }
    out
}

/// Runs one of the tools.
pub(crate) async fn call(ctx: &RequestCtx, name: &str, args: &Args) -> ToolResult {
    match name {
        "ask_model" => ask_model(ctx, args).await,
        "ask_user" => ask_user(ctx, args).await,
        "ask_user_url" => ask_user_url(ctx).await,
        _ => list_roots(ctx).await,
    }
}

/// The isError result for a capability the client did not declare.
fn undeclared(capability: &str, method: &str) -> ToolResult {
    Err(ToolError::Execution(format!(
        "the client did not declare the `{capability}` capability, so no {method} request was sent"
    )))
}

/// Sends `method` and turns a missing answer or an error answer into a tool error.
async fn ask_client(ctx: &RequestCtx, method: &str, params: Value) -> Result<Value, ToolError> {
    match ask(ctx, method, params).await {
        Ok(Answer::Result(r)) => Ok(r),
        Ok(Answer::Error { code, message }) => Err(ToolError::Execution(format!(
            "the client answered {method} with error {code}: {message}"
        ))),
        Err(AskError::Cancelled) => Err(ToolError::Protocol(Failure::Cancelled)),
        Err(e) => Err(ToolError::Execution(format!("{method}: {e}"))),
    }
}

async fn ask_model(ctx: &RequestCtx, args: &Args) -> ToolResult {
    let prompt = opt_str(args, "prompt")?.unwrap_or("Say hello to mcpcheck.");
    if ctx.session.client().declared("sampling").is_none()
        && !ctx.has(Fault::SamplingWithoutCapability)
    {
        return undeclared("sampling", "sampling/createMessage");
    }
    let mut params = json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
        "systemPrompt": "You are answering a test tool of the MCP reference server.",
        "includeContext": "none",
        "maxTokens": 200,
        "modelPreferences": {"hints": [{"name": "claude"}], "speedPriority": 0.5, "intelligencePriority": 0.5},
    });
    if ctx.has(Fault::SamplingMissingMaxTokens) {
        if let Some(m) = params.as_object_mut() {
            m.remove("maxTokens");
        }
    }
    let reply = ask_client(ctx, "sampling/createMessage", params).await?;
    if ctx.has(Fault::ClientReplyIgnored) {
        return Ok(ToolOutput::text(CANNED));
    }
    let text = reply
        .pointer("/content/text")
        .and_then(Value::as_str)
        .ok_or_else(|| ToolError::Execution("the sampling result has no text content".into()))?;
    let model = reply
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("an unnamed model");
    Ok(ToolOutput::text(format!("{model} answered: {text}")))
}

/// The form `ask_user` requests: flat primitives only (the fault adds a nested object).
fn form_schema(nested: bool) -> Value {
    let mut props = json!({
        "name": {"type": "string", "title": "Name", "minLength": 1, "maxLength": 100},
        "age": {"type": "integer", "title": "Age", "minimum": 0, "maximum": 150},
        "subscribe": {"type": "boolean", "title": "Subscribe", "default": false},
        "color": {"type": "string", "title": "Favourite colour", "enum": ["red", "green", "blue"]},
    });
    if nested {
        props["address"] = json!({
            "type": "object",
            "title": "Address",
            "properties": {"city": {"type": "string"}},
        });
    }
    json!({"type": "object", "properties": props, "required": ["name"]})
}

async fn ask_user(ctx: &RequestCtx, args: &Args) -> ToolResult {
    let question = opt_str(args, "question")?.unwrap_or("Who are you?");
    if !ctx.session.client().supports_form_elicitation() {
        return undeclared("elicitation", "elicitation/create");
    }
    let mut params = Map::new();
    if ctx.version() >= Version::V2025_11_25 {
        params.insert("mode".into(), json!("form"));
    }
    params.insert("message".into(), json!(question));
    params.insert(
        "requestedSchema".into(),
        form_schema(ctx.has(Fault::ElicitationNestedSchema)),
    );
    let reply = ask_client(ctx, "elicitation/create", Value::Object(params)).await?;
    if ctx.has(Fault::ClientReplyIgnored) {
        return Ok(ToolOutput::text(CANNED));
    }
    match reply.get("action").and_then(Value::as_str) {
        Some("accept") => {
            let content = reply
                .get("content")
                .and_then(Value::as_object)
                .ok_or_else(|| ToolError::Execution("an accept without `content`".into()))?;
            let Some(name) = content.get("name").and_then(Value::as_str) else {
                return Err(ToolError::Execution(
                    "the accepted content lacks the required string `name`".into(),
                ));
            };
            let mut parts = vec![format!("name={name}")];
            for key in ["age", "subscribe", "color"] {
                if let Some(v) = content.get(key) {
                    parts.push(format!("{key}={v}"));
                }
            }
            Ok(ToolOutput::text(format!(
                "the user accepted: {}",
                parts.join(", ")
            )))
        }
        Some("decline") => Ok(ToolOutput::text("the user declined to answer")),
        Some("cancel") => Ok(ToolOutput::text("the user cancelled the request")),
        other => Err(ToolError::Execution(format!(
            "the elicitation result has no valid action (got {})",
            other.map_or_else(|| "none".to_string(), |a| format!("{a:?}"))
        ))),
    }
}

async fn ask_user_url(ctx: &RequestCtx) -> ToolResult {
    let client = ctx.session.client();
    let allowed = if ctx.has(Fault::ElicitationUrlUndeclared) {
        client.declared("elicitation").is_some()
    } else {
        client.declared("elicitation.url").is_some()
    };
    if !allowed {
        return undeclared("elicitation.url", "URL-mode elicitation/create");
    }
    let elicitation_id = format!("{:032x}", rand::random::<u128>());
    let params = json!({
        "mode": "url",
        "message": "Please review the terms on the page that opens.",
        "url": format!("{CONSENT_URL}?elicitation={elicitation_id}"),
        "elicitationId": elicitation_id,
    });
    let reply = ask_client(ctx, "elicitation/create", params).await?;
    if ctx.has(Fault::ClientReplyIgnored) {
        return Ok(ToolOutput::text(CANNED));
    }
    match reply.get("action").and_then(Value::as_str) {
        Some("accept") => {
            // The out-of-band step is simulated as done at once: say so, then answer. The
            // `elicitation-complete-unknown-id` fault names an id that was never issued.
            let completed = if ctx.has(Fault::ElicitationCompleteUnknownId) {
                format!("{:032x}", rand::random::<u128>())
            } else {
                elicitation_id.clone()
            };
            ctx.send_to_client(crate::jsonrpc::notification(
                "notifications/elicitation/complete",
                json!({"elicitationId": completed}),
            ));
            Ok(ToolOutput::text(format!(
                "the user accepted to open the page (elicitation {elicitation_id})"
            )))
        }
        Some("decline") => Ok(ToolOutput::text("the user declined to open the page")),
        Some("cancel") => Ok(ToolOutput::text("the user cancelled the request")),
        other => Err(ToolError::Execution(format!(
            "the elicitation result has no valid action (got {})",
            other.map_or_else(|| "none".to_string(), |a| format!("{a:?}"))
        ))),
    }
}

async fn list_roots(ctx: &RequestCtx) -> ToolResult {
    if ctx.session.client().declared("roots").is_none() {
        return undeclared("roots", "roots/list");
    }
    let reply = ask_client(ctx, "roots/list", json!({})).await?;
    if ctx.has(Fault::ClientReplyIgnored) {
        return Ok(ToolOutput::text(CANNED));
    }
    let Some(roots) = reply.get("roots").and_then(Value::as_array) else {
        return Err(ToolError::Execution(
            "the roots/list result has no `roots` array".into(),
        ));
    };
    let uris: Vec<&str> = roots
        .iter()
        .filter_map(|r| r.get("uri").and_then(Value::as_str))
        .collect();
    if uris.is_empty() {
        return Ok(ToolOutput::text("the client has no roots"));
    }
    Ok(ToolOutput::text(format!("roots: {}", uris.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_flat_unless_the_fault_nests_it() {
        let flat = form_schema(false);
        for (_, p) in flat["properties"].as_object().unwrap() {
            assert_ne!(p["type"], json!("object"));
        }
        assert_eq!(
            form_schema(true)["properties"]["address"]["type"],
            json!("object")
        );
    }

    #[test]
    fn listings_follow_the_revision() {
        let names = |v| specs(v).iter().map(|s| s.name).collect::<Vec<_>>();
        assert!(!names(Version::V2025_03_26).contains(&"ask_user"));
        assert!(names(Version::V2025_06_18).contains(&"ask_user"));
        assert!(!names(Version::V2025_06_18).contains(&"ask_user_url"));
        assert!(names(Version::V2025_11_25).contains(&"ask_user_url"));
        for v in Version::ALL {
            for n in names(v) {
                assert!(NAMES.contains(&n));
            }
        }
    }
}
