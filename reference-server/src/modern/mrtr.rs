//! Multi round-trip requests: the modern form of the tools that need the client (`ask_user`,
//! `ask_user_url`, `ask_model`, `list_roots`). The first call answers `input_required` with one
//! input request (`elicitation/create`, `sampling/createMessage` or `roots/list`) and a sealed
//! `requestState`; the retry carries `inputResponses` and that state and gets the tool's result.
//!
//! Rules kept: an input request only for a capability the request declared (else -32021 naming
//! it); a state that fails verification, lapsed or belongs to another call is -32602; a retry
//! without the response asked for gets another `input_required`; unknown keys are ignored.

use super::errors::missing_capability;
use super::meta::RequestMeta;
use super::request_state::Binding;
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::services::asking::NAMES;
use crate::services::ToolOutput;
use crate::state::ServerState;
use crate::version::Version;
use serde_json::{json, Map, Value};

/// `resultType` of an interim result.
pub(crate) const INPUT_REQUIRED: &str = "input_required";

/// The URL `ask_user_url` points at (never opened by the server).
const CONSENT_URL: &str = "https://consent.example.com/mcpcheck";

/// Whether a modern request is one of these tools' calls.
pub(crate) fn handles(method: &str, params: Option<&Value>) -> bool {
    method == "tools/call"
        && params
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .is_some_and(|n| NAMES.contains(&n))
}

/// One tool's round: the key of its input request, whether the request's capabilities allow
/// it, the capabilities it needs (for -32021), and the input request itself.
pub(crate) struct Ask {
    pub key: &'static str,
    pub allowed: bool,
    pub required: Value,
    pub request: Value,
}

fn text_arg<'a>(args: &'a Map<String, Value>, key: &str, default: &'a str) -> &'a str {
    args.get(key).and_then(Value::as_str).unwrap_or(default)
}

/// The form `ask_user` asks for (flat primitives, as form mode requires).
fn form_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "title": "Name", "minLength": 1, "maxLength": 100},
            "age": {"type": "integer", "title": "Age", "minimum": 0, "maximum": 150},
            "subscribe": {"type": "boolean", "title": "Subscribe", "default": false},
        },
        "required": ["name"],
    })
}

pub(crate) fn ask_for(tool: &str, args: &Map<String, Value>, meta: &RequestMeta) -> Ask {
    let caps = &meta.capabilities;
    let elicitation = caps.get("elicitation").and_then(Value::as_object);
    match tool {
        "ask_user" => Ask {
            key: "user_form",
            // `elicitation: {}` means form mode only; `form` names it explicitly.
            allowed: elicitation.is_some_and(|e| e.is_empty() || e.contains_key("form")),
            required: json!({"elicitation": {"form": {}}}),
            request: json!({"method": "elicitation/create", "params": {
                "mode": "form",
                "message": text_arg(args, "question", "Who are you?"),
                "requestedSchema": form_schema(),
            }}),
        },
        "ask_user_url" => Ask {
            key: "user_url",
            allowed: elicitation.is_some_and(|e| e.contains_key("url")),
            required: json!({"elicitation": {"url": {}}}),
            request: json!({"method": "elicitation/create", "params": {
                "mode": "url",
                "message": "Please review the terms on the page that opens.",
                "url": CONSENT_URL,
            }}),
        },
        "ask_model" => Ask {
            key: "model_answer",
            allowed: meta.has_capability("sampling"),
            required: json!({"sampling": {}}),
            request: json!({"method": "sampling/createMessage", "params": {
                "messages": [{"role": "user", "content": {
                    "type": "text",
                    "text": text_arg(args, "prompt", "Say hello to mcpcheck."),
                }}],
                "systemPrompt": "You are answering a test tool of the MCP reference server.",
                "maxTokens": 200,
            }}),
        },
        _ => Ask {
            key: "client_roots",
            allowed: meta.has_capability("roots"),
            required: json!({"roots": {}}),
            request: json!({"method": "roots/list", "params": {}}),
        },
    }
}

/// An `input_required` result asking `ask` again, with a fresh state.
fn input_required(state: &ServerState, tool: &str, args: &Value, ask: &Ask) -> Value {
    let sealed = state
        .modern
        .sealer()
        .seal(&Binding::new(tool, args, &[ask.key]));
    let mut requests = Map::new();
    let request = if state.has(Fault::V26MrtrBadInputRequest) {
        // Fault: a method no client knows, and no params.
        json!({"method": "user/ask"})
    } else {
        ask.request.clone()
    };
    requests.insert(ask.key.into(), request);
    json!({"resultType": INPUT_REQUIRED, "inputRequests": requests, "requestState": sealed})
}

/// Runs one round of an MRTR tool call; the result body, or the error.
pub(crate) fn call(
    state: &ServerState,
    meta: &RequestMeta,
    params: Option<&Value>,
) -> Result<Value, RpcError> {
    let params = params
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let tool = params
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let args = match params.get("arguments") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::Object(a)) => Value::Object(a.clone()),
        Some(_) => return Err(RpcError::invalid_params("`arguments` must be an object")),
    };
    let ask = ask_for(&tool, args.as_object().unwrap_or(&Map::new()), meta);
    // Fault `v26-mrtr-without-capability`: ask anyway.
    if !ask.allowed && !state.has(Fault::V26MrtrWithoutCapability) {
        return Err(missing_capability(ask.required));
    }
    let responses = match params.get("inputResponses") {
        None => None,
        Some(Value::Object(r)) => Some(r),
        Some(_) => {
            return Err(RpcError::invalid_params(
                "`inputResponses` must be an object",
            ))
        }
    };
    let request_state = match params.get("requestState") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(RpcError::invalid_params("`requestState` must be a string")),
    };
    match (request_state, responses) {
        (None, None) => return Ok(input_required(state, &tool, &args, &ask)),
        (None, Some(_)) => {
            return Err(RpcError::invalid_params(
                "`inputResponses` without the `requestState` of the round they answer",
            ))
        }
        // Fault `v26-mrtr-state-unchecked`: any state is taken on trust.
        (Some(_), _) if state.has(Fault::V26MrtrStateUnchecked) => {}
        (Some(s), _) => {
            state
                .modern
                .sealer()
                .open(s, &Binding::new(&tool, &args, &[]))
                .map_err(|e| RpcError::invalid_params(e.to_string()))?;
        }
    }
    let Some(answer) = responses.and_then(|r| r.get(ask.key)) else {
        if state.has(Fault::V26MrtrMissingInputError) {
            return Err(RpcError::invalid_params(format!(
                "the input response `{}` is missing",
                ask.key
            )));
        }
        // The input asked for is missing: ask again rather than fail.
        return Ok(input_required(state, &tool, &args, &ask));
    };
    let output = interpret(&tool, answer).map_err(RpcError::invalid_params)?;
    Ok(output.to_json(Version::NEWEST))
}

/// Fault `v26-mrtr-on-list`: the `input_required` a modern `tools/list` gets when its client
/// declared `roots` (only `tools/call`, `resources/read` and `prompts/get` may be answered so).
pub(crate) fn list_input_required(
    state: &ServerState,
    meta: &RequestMeta,
    method: &str,
) -> Option<Value> {
    (method == "tools/list" && state.has(Fault::V26MrtrOnList) && meta.has_capability("roots"))
        .then(|| {
            json!({
                "resultType": INPUT_REQUIRED,
                "inputRequests": {"client_roots": {"method": "roots/list", "params": {}}},
            })
        })
}

/// The tool's result from the client's answer, or why the answer is malformed.
pub(crate) fn interpret(tool: &str, answer: &Value) -> Result<ToolOutput, String> {
    match tool {
        "ask_user" | "ask_user_url" => elicitation_outcome(tool, answer),
        "ask_model" => {
            let content = answer.get("content");
            let block = match content {
                Some(Value::Array(blocks)) => blocks.iter().find(|b| b["type"] == json!("text")),
                other => other,
            };
            let text = block
                .and_then(|b| b.get("text"))
                .and_then(Value::as_str)
                .ok_or("the sampling result has no text content")?;
            let model = answer
                .get("model")
                .and_then(Value::as_str)
                .ok_or("the sampling result has no `model`")?;
            Ok(ToolOutput::text(format!("{model} answered: {text}")))
        }
        _ => {
            let roots = answer
                .get("roots")
                .and_then(Value::as_array)
                .ok_or("the roots/list result has no `roots` array")?;
            let uris: Vec<&str> = roots
                .iter()
                .filter_map(|r| r.get("uri").and_then(Value::as_str))
                .collect();
            Ok(ToolOutput::text(if uris.is_empty() {
                "the client has no roots".to_string()
            } else {
                format!("roots: {}", uris.join(", "))
            }))
        }
    }
}

fn elicitation_outcome(tool: &str, answer: &Value) -> Result<ToolOutput, String> {
    match answer.get("action").and_then(Value::as_str) {
        Some("accept") if tool == "ask_user_url" => {
            Ok(ToolOutput::text("the user accepted to open the page"))
        }
        Some("accept") => {
            let content = answer
                .get("content")
                .and_then(Value::as_object)
                .ok_or("an accept without `content`")?;
            let name = content
                .get("name")
                .and_then(Value::as_str)
                .ok_or("the accepted content lacks the required string `name`")?;
            let mut parts = vec![format!("name={name}")];
            for key in ["age", "subscribe"] {
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
        _ => Err("the elicitation result has no valid `action`".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use crate::modern::meta::{CLIENT_CAPABILITIES, PROTOCOL_VERSION};

    fn meta(caps: Value) -> RequestMeta {
        let params = json!({"_meta": {PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: caps}});
        let state = ServerState::new(ServerConfig::default());
        crate::modern::meta::parse(&state, Some(&params)).unwrap()
    }

    #[test]
    fn asks_then_completes_with_the_answer() {
        let state = ServerState::new(ServerConfig::default());
        let m = meta(json!({"elicitation": {}}));
        let first = call(&state, &m, Some(&json!({"name": "ask_user"}))).unwrap();
        assert_eq!(first["resultType"], json!(INPUT_REQUIRED));
        let req = &first["inputRequests"]["user_form"];
        assert_eq!(req["method"], json!("elicitation/create"));
        let retry = json!({
            "name": "ask_user",
            "requestState": first["requestState"],
            "inputResponses": {"user_form": {"action": "accept", "content": {"name": "Ada"}}, "extra": 1},
        });
        let done = call(&state, &m, Some(&retry)).unwrap();
        assert!(done["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("name=Ada"));
    }

    #[test]
    fn missing_capability_missing_answer_and_bad_state() {
        let state = ServerState::new(ServerConfig::default());
        let none = meta(json!({}));
        let e = call(&state, &none, Some(&json!({"name": "ask_model"}))).unwrap_err();
        assert_eq!(e.code, -32021);
        assert_eq!(
            e.data.unwrap()["requiredCapabilities"],
            json!({"sampling": {}})
        );
        let url_only_form = meta(json!({"elicitation": {}}));
        let e = call(
            &state,
            &url_only_form,
            Some(&json!({"name": "ask_user_url"})),
        )
        .unwrap_err();
        assert_eq!(e.code, -32021);
        let m = meta(json!({"roots": {}}));
        let first = call(&state, &m, Some(&json!({"name": "list_roots"}))).unwrap();
        let again = call(
            &state,
            &m,
            Some(&json!({"name": "list_roots", "requestState": first["requestState"], "inputResponses": {}})),
        )
        .unwrap();
        assert_eq!(again["resultType"], json!(INPUT_REQUIRED));
        let bad = call(
            &state,
            &m,
            Some(&json!({"name": "list_roots", "requestState": "v1.x.y", "inputResponses": {"client_roots": {"roots": []}}})),
        )
        .unwrap_err();
        assert_eq!(bad.code, -32602);
        let stateless = call(
            &state,
            &m,
            Some(&json!({"name": "list_roots", "inputResponses": {"client_roots": {"roots": []}}})),
        )
        .unwrap_err();
        assert_eq!(stateless.code, -32602);
    }
}
