//! `echo` (stateless: returns its text) and `echo_history` (stateful: the texts echoed in
//! this session).

use super::{arg_str, object_schema, Args, Hints, ToolOutput, ToolResult, ToolSpec};
use crate::context::RequestCtx;
use crate::fault::Fault;
use serde_json::json;

/// The `echo` and `echo_history` definitions.
pub(crate) fn specs() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            name: "echo",
            title: "Echo",
            description: "Returns the given text unchanged and remembers it for this session.",
            input_schema: object_schema(
                json!({"text": {"type": "string", "description": "Text to echo"}}),
                &["text"],
            ),
            output_schema: None,
            hints: Hints::READ_ONLY,
        },
        ToolSpec {
            name: "echo_history",
            title: "Echo history",
            description: "Lists the texts echoed in this session, oldest first.",
            input_schema: object_schema(json!({}), &[]),
            output_schema: Some(object_schema(
                json!({"texts": {"type": "array", "items": {"type": "string"}}}),
                &["texts"],
            )),
            hints: Hints::READ_ONLY,
        },
    ]
}

/// Runs `echo` or `echo_history`.
pub(crate) fn call(ctx: &RequestCtx, name: &str, args: &Args) -> ToolResult {
    if name == "echo_history" {
        return Ok(ToolOutput::structured(
            json!({"texts": ctx.session.echo_history()}),
        ));
    }
    let text = arg_str(args, "text")?;
    ctx.session.record_echo(text);
    let mut out = ToolOutput::text(text);
    if ctx.has(Fault::ToolResultBadContent) {
        out.content = vec![json!({"text": text})];
    }
    Ok(out)
}
