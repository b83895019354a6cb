//! `ask_model_tools` (2025-11-25): a two-round sampling tool loop ("sampling with tools").
//! Round 1 offers the model a `get_weather` tool; when the model's answer holds `tool_use`
//! blocks, the server runs them and round 2 sends the conversation so far — the user's
//! question, the assistant's tool uses, and a user message of only `tool_result` blocks, one
//! per tool-use `id` (the spec's "tool use and result balance") — with `toolChoice` none. The
//! loop stops there (the iteration limit the spec recommends).
//!
//! Sent only to clients that declared `sampling.tools`; otherwise an `isError` result.

use super::{opt_str, Args, Hints, ToolError, ToolOutput, ToolResult, ToolSpec};
use crate::client_requests::{ask, Answer, AskError};
use crate::context::{Failure, RequestCtx};
use crate::fault::Fault;
use crate::version::Version;
use serde_json::{json, Value};

/// The tool's name.
pub(crate) const NAME: &str = "ask_model_tools";

/// The tool definition, listed from 2025-11-25 (sampling tools are new there).
pub(crate) fn spec(version: Version) -> Option<ToolSpec> {
    (version >= Version::V2025_11_25).then(|| ToolSpec {
        name: NAME,
        title: "Ask the client's model, with a tool",
        description: "Asks the client's model (sampling/createMessage) offering it a get_weather tool; runs the tool uses the model asks for and sends their results in a second sampling request. Needs the client's `sampling.tools` capability.",
        input_schema: super::object_schema(
            json!({"city": {"type": "string", "description": "The city to ask about (default Paris)"}}),
            &[],
        ),
        output_schema: None,
        hints: Hints::READ_ONLY,
    })
}

/// The tool offered to the model.
fn weather_tool() -> Value {
    json!([{
        "name": "get_weather",
        "description": "Current weather for a city",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }])
}

/// The content blocks of a message or result (`content` is one block or an array).
fn blocks(content: Option<&Value>) -> Vec<Value> {
    match content {
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    }
}

/// The `tool_result` blocks answering `uses` (the fault gives them ids no tool use has).
fn results_for(uses: &[Value], unbalanced: bool) -> Vec<Value> {
    uses.iter()
        .map(|u| {
            let id = u.get("id").and_then(Value::as_str).unwrap_or("");
            let city = u
                .pointer("/input/city")
                .and_then(Value::as_str)
                .unwrap_or("somewhere");
            let id = if unbalanced {
                format!("{id}-unmatched")
            } else {
                id.to_string()
            };
            json!({
                "type": "tool_result",
                "toolUseId": id,
                "content": [{"type": "text", "text": format!("Weather in {city}: 18°C, partly cloudy")}],
            })
        })
        .collect()
}

/// Sends one sampling request; a refusal or a missing answer becomes a tool error.
async fn sample(ctx: &RequestCtx, params: Value) -> Result<Value, ToolError> {
    match ask(ctx, "sampling/createMessage", params).await {
        Ok(Answer::Result(r)) => Ok(r),
        Ok(Answer::Error { code, message }) => Err(ToolError::Execution(format!(
            "the client answered sampling/createMessage with error {code}: {message}"
        ))),
        Err(AskError::Cancelled) => Err(ToolError::Protocol(Failure::Cancelled)),
        Err(e) => Err(ToolError::Execution(format!("sampling/createMessage: {e}"))),
    }
}

/// The text blocks of a sampling result, joined.
fn text_of(result: &Value) -> String {
    blocks(result.get("content"))
        .iter()
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs the tool.
pub(crate) async fn call(ctx: &RequestCtx, args: &Args) -> ToolResult {
    let city = opt_str(args, "city")?.unwrap_or("Paris");
    if ctx.session.client().declared("sampling.tools").is_none() {
        return Err(ToolError::Execution(
            "the client did not declare the `sampling.tools` capability, so no tool-enabled sampling/createMessage request was sent".into(),
        ));
    }
    let question = json!({"role": "user", "content": {"type": "text", "text": format!("What is the weather in {city}? Use the tool.")}});
    let first = sample(
        ctx,
        json!({
            "messages": [question],
            "tools": weather_tool(),
            "toolChoice": {"mode": "auto"},
            "maxTokens": 200,
        }),
    )
    .await?;
    let uses: Vec<Value> = blocks(first.get("content"))
        .into_iter()
        .filter(|b| b.get("type") == Some(&json!("tool_use")))
        .collect();
    if uses.is_empty() {
        return Ok(ToolOutput::text(format!(
            "the model answered without a tool: {}",
            text_of(&first)
        )));
    }
    let assistant = json!({"role": "assistant", "content": uses});
    let results = json!({
        "role": "user",
        "content": results_for(&uses, ctx.has(Fault::SamplingUnbalancedToolUse)),
    });
    let second = sample(
        ctx,
        json!({
            "messages": [question, assistant, results],
            "tools": weather_tool(),
            "toolChoice": {"mode": "none"},
            "maxTokens": 200,
        }),
    )
    .await?;
    Ok(ToolOutput::text(format!(
        "the model used {} tool call(s), then answered: {}",
        uses.len(),
        text_of(&second)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_use_gets_a_result_with_its_id_unless_the_fault_is_on() {
        let uses = vec![
            json!({"type": "tool_use", "id": "a", "name": "get_weather", "input": {"city": "Oslo"}}),
            json!({"type": "tool_use", "id": "b", "name": "get_weather", "input": {}}),
        ];
        let ok = results_for(&uses, false);
        let ids: Vec<_> = ok.iter().map(|r| r["toolUseId"].clone()).collect();
        assert_eq!(ids, [json!("a"), json!("b")]);
        assert!(ok[0]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Oslo"));
        let bad = results_for(&uses, true);
        assert!(bad
            .iter()
            .all(|r| r["toolUseId"] != json!("a") && r["toolUseId"] != json!("b")));
    }

    #[test]
    fn content_is_one_block_or_many() {
        assert_eq!(blocks(Some(&json!({"type": "text"}))).len(), 1);
        assert_eq!(blocks(Some(&json!([{}, {}]))).len(), 2);
        assert!(blocks(None).is_empty());
        assert_eq!(
            text_of(&json!({"content": [{"type":"text","text":"a"},{"type":"text","text":"b"}]})),
            "a b"
        );
    }

    #[test]
    fn listed_from_2025_11_25_only() {
        assert!(spec(Version::V2025_06_18).is_none());
        assert_eq!(spec(Version::V2025_11_25).map(|s| s.name), Some(NAME));
    }
}
