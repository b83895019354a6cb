//! `tools/list` (paginated catalog) and `tools/call` (argument checks, routing to the
//! service, result shaped for the session's revision).

use crate::context::{Failure, HandlerResult, Params, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::logging::LogLevel;
use crate::methods::pagination;
use crate::services::{self, Args, ToolError, ToolOutput};
use serde_json::{json, Value};

/// The tool that loses its inputSchema under `tool-missing-input-schema`.
const SCHEMALESS_TOOL: &str = "echo_history";

/// `tools/list`.
pub(crate) fn list(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let (version, beta) = (ctx.version(), ctx.session.beta_enabled());
    let omit_schema = ctx.has(Fault::ToolMissingInputSchema);
    let build = || {
        services::build_catalog(&ctx.state, version, beta)
            .iter()
            .map(|t| t.to_json(version, omit_schema && t.name == SCHEMALESS_TOOL))
            .collect::<Vec<Value>>()
    };
    let built;
    let tools = match ctx.state.tool_catalog.listed(version, beta, build) {
        Some(tools) => tools,
        None => {
            built = build();
            &built
        }
    };
    let (page, next) = pagination::page_of(
        "tools",
        tools,
        params,
        ctx.state.config.effective_page_size(),
    )?;
    let next = match next {
        None if ctx.has(Fault::PaginationLoop) => Some(pagination::cursor("tools", 0)),
        other => other,
    };
    // Built by hand: `json!` would deep-copy the page through serde's serializer.
    let mut result = serde_json::Map::with_capacity(2);
    result.insert("tools".into(), Value::Array(page));
    if let Some(n) = next {
        result.insert("nextCursor".into(), Value::String(n));
    }
    Ok(Value::Object(result))
}

/// `tools/call {name, arguments?}`.
pub(crate) async fn call(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let lenient = ctx.has(Fault::InvalidParamsOk);
    let name = match params.get("name") {
        Some(Value::String(s)) => s.as_str(),
        _ if lenient => return Ok(json!({"content": []})),
        Some(_) => return Err(RpcError::invalid_params("`name` must be a string").into()),
        None => return Err(RpcError::invalid_params("missing required parameter `name`").into()),
    };
    let args: Args = match params.get("arguments") {
        None | Some(Value::Null) => Args::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) if lenient => return Ok(json!({"content": []})),
        Some(_) => return Err(RpcError::invalid_params("`arguments` must be an object").into()),
    };
    ctx.log_with(
        LogLevel::Debug,
        "tools",
        || json!({"event": "call", "tool": name}),
    );
    let Some(outcome) = services::call(ctx, name, &args).await else {
        if ctx.has(Fault::UnknownToolSuccess) {
            return Ok(ToolOutput::text(format!("called {name}")).to_json(ctx.version()));
        }
        return Err(RpcError::invalid_params(format!("Unknown tool: {name}")).into());
    };
    let output = match outcome {
        Ok(out) => out,
        Err(ToolError::Execution(message)) => ToolOutput::error(message),
        Err(ToolError::Protocol(f)) => return Err(f),
    };
    if ctx.is_cancelled() && !ctx.has(Fault::IgnoreCancel) {
        return Err(Failure::Cancelled);
    }
    let level = if output.is_error {
        LogLevel::Warning
    } else {
        LogLevel::Info
    };
    ctx.log_with(
        level,
        "tools",
        || json!({"event": "done", "tool": name, "isError": output.is_error}),
    );
    Ok(output.to_json(ctx.version()))
}
