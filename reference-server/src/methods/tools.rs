//! `tools/list` (paginated catalog) and `tools/call` (argument checks, routing to the
//! service, result shaped for the session's revision).

use crate::cached_result::{CachedResult, ResultBody};
use crate::context::{Failure, HandlerResult, Params, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::logging::LogLevel;
use crate::methods::pagination;
use crate::services::{self, Args, ToolError, ToolOutput};
use serde_json::{json, Value};
use std::sync::Arc;

/// The tool that loses its inputSchema under `tool-missing-input-schema`.
const SCHEMALESS_TOOL: &str = "echo_history";

/// `tools/list`. The pages the server issues (those starting at a multiple of the page size)
/// are answered from the cache, serialised; any other offset a valid cursor names is built.
pub(crate) fn list(ctx: &RequestCtx, params: &Params) -> Result<ResultBody, Failure> {
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
    let size = ctx.state.config.effective_page_size();
    let start = pagination::offset("tools", params, tools.len())?;
    let issued = || {
        let count = tools.len().div_ceil(size).max(1);
        (0..count)
            .map(|i| Arc::new(CachedResult::new(page(ctx, tools, i * size, size))))
            .collect()
    };
    let cached = (start % size == 0)
        .then(|| ctx.state.tool_catalog.pages(version, beta, issued))
        .flatten()
        .and_then(|pages| pages.get(start / size));
    Ok(match cached {
        Some(result) => ResultBody::Cached(result.clone()),
        None => ResultBody::Built(page(ctx, tools, start, size)),
    })
}

/// The `tools/list` result of the page of `tools` starting at `start` (at most `len`).
fn page(ctx: &RequestCtx, tools: &[Value], start: usize, size: usize) -> Value {
    let len = tools.len();
    let end = start.saturating_add(size).min(len);
    let next = match (end < len).then(|| pagination::cursor("tools", end)) {
        None if ctx.has(Fault::PaginationLoop) => Some(pagination::cursor("tools", 0)),
        other => other,
    };
    // Built by hand: `json!` would deep-copy the page through serde's serializer.
    let mut result = serde_json::Map::with_capacity(2);
    result.insert(
        "tools".into(),
        Value::Array(tools.get(start..end).unwrap_or_default().to_vec()),
    );
    if let Some(n) = next {
        result.insert("nextCursor".into(), Value::String(n));
    }
    Value::Object(result)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cached_result::ResultBody;
    use crate::config::ServerConfig;
    use crate::context::Outlet;
    use crate::jsonrpc::response;
    use crate::session::{Negotiated, Session};
    use crate::state::ServerState;
    use crate::version::Version;

    fn ctx(config: ServerConfig, version: Version, beta: bool) -> RequestCtx {
        let session = Session::new_http("t".into());
        session.set_negotiated(Negotiated {
            version,
            wire: version.as_str().into(),
        });
        if beta {
            session.toggle_beta();
        }
        let (_tx, cancel) = tokio::sync::watch::channel(false);
        RequestCtx::new(
            ServerState::new(config),
            Arc::new(session),
            None,
            Outlet::Session,
            cancel,
        )
    }

    fn params_at(offset: Option<usize>) -> Params {
        let mut p = Params::new();
        if let Some(o) = offset {
            p.insert("cursor".into(), json!(pagination::cursor("tools", o)));
        }
        p
    }

    /// The response bytes for id 7 and whether they came from the cache.
    fn answer(ctx: &RequestCtx, offset: Option<usize>) -> (Value, Vec<u8>, bool) {
        let id = json!(7);
        match list(ctx, &params_at(offset)).unwrap() {
            ResultBody::Cached(r) => {
                let bytes = r.response_bytes(&id);
                let built = serde_json::to_vec(&r.response(id)).unwrap();
                assert_eq!(bytes, built, "splice differs from the built response");
                (serde_json::from_slice(&bytes).unwrap(), bytes, true)
            }
            ResultBody::Built(v) => {
                let bytes = serde_json::to_vec(&response(id, v)).unwrap();
                (serde_json::from_slice(&bytes).unwrap(), bytes, false)
            }
        }
    }

    #[test]
    fn cached_pages_are_the_pages_a_built_list_would_give() {
        for version in Version::ALL {
            for beta in [false, true] {
                for size in [1, 2, 3, 5, 100] {
                    let c = ctx(
                        ServerConfig {
                            page_size: size,
                            ..ServerConfig::default()
                        },
                        version,
                        beta,
                    );
                    answer(&c, None); // builds the catalog
                    let all = c
                        .state
                        .tool_catalog
                        .listed(version, beta, Vec::new)
                        .unwrap();
                    assert!(all.len() > 3, "{version:?}");
                    for start in 0..=all.len() {
                        let (msg, bytes, cached) = answer(&c, Some(start));
                        let end = (start + size).min(all.len());
                        assert_eq!(msg["result"]["tools"].as_array().unwrap(), &all[start..end]);
                        let next = (end < all.len()).then(|| pagination::cursor("tools", end));
                        assert_eq!(
                            msg["result"].get("nextCursor"),
                            next.map(Value::from).as_ref()
                        );
                        let aligned = start % size == 0 && start < all.len();
                        assert_eq!(cached, aligned, "start {start} size {size}");
                        // A request without a cursor gets the first page, byte for byte.
                        if start == 0 {
                            assert_eq!(answer(&c, None).1, bytes);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn cached_pages_keep_the_list_faults() {
        let v = Version::NEWEST;
        let c = ctx(ServerConfig::with_fault(Fault::PaginationLoop), v, false);
        let mut cursor = None;
        let mut pages = 0;
        let len = {
            answer(&c, None); // builds the catalog
            c.state
                .tool_catalog
                .listed(v, false, Vec::new)
                .unwrap()
                .len()
        };
        loop {
            let (msg, _, _) = answer(&c, cursor);
            pages += 1;
            let next = msg["result"]["nextCursor"].as_str().map(str::to_owned);
            match next {
                Some(n) if n == pagination::cursor("tools", 0) => break,
                Some(n) => {
                    cursor = (0..=len).find(|o| pagination::cursor("tools", *o) == n);
                }
                None => panic!("the last page must point back to the first"),
            }
            assert!(pages < 100);
        }
        let config = ServerConfig {
            page_size: 100, // every tool on the first page
            ..ServerConfig::with_fault(Fault::ToolMissingInputSchema)
        };
        let c = ctx(config, v, false);
        let (msg, _, cached) = answer(&c, None);
        assert!(cached);
        let tools = msg["result"]["tools"].as_array().unwrap();
        let schemaless = tools.iter().find(|t| t["name"] == SCHEMALESS_TOOL).unwrap();
        assert!(schemaless.get("inputSchema").is_none());
        assert!(tools
            .iter()
            .filter(|t| t["name"] != SCHEMALESS_TOOL)
            .all(|t| t.get("inputSchema").is_some()));
    }
}
