//! Tool checks that loop over the server's tools: calling each, structured output, name format.

use super::argsgen::{build_arguments, valid_against};
use super::listing::walk_list;
use super::{result_of, BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::protocol::jsonrpc;
use crate::scenario::expect::compact;
use crate::transport::TransportError;
use serde_json::{json, Value};
use std::collections::HashSet;

/// Most tools a builtin calls in one check.
const MAX_CALLS: usize = 30;

/// A tool the harness may call, with arguments built from its schema.
struct Callable {
    name: String,
    args: Value,
    tool: Value,
}

/// The tools this session lists (tool lists may differ per session), with arguments built.
async fn callable_tools(ctx: &mut BuiltinCtx<'_>) -> (Vec<Callable>, Vec<String>) {
    let listed = walk_list(ctx.session, "tools/list", "tools").await.items;
    let mut out = Vec::new();
    let mut passed_over = Vec::new();
    for tool in &listed {
        let Some(name) = tool.get("name").and_then(Value::as_str) else {
            continue;
        };
        if tool
            .pointer("/execution/taskSupport")
            .and_then(Value::as_str)
            == Some("required")
        {
            // 2025-11-25 tasks: clients MUST NOT call such a tool without task augmentation.
            passed_over.push(format!("{name} (requires task-augmented calls)"));
            continue;
        }
        if let Some(why) = invalid_over_http(ctx, tool) {
            // 2026-07-28 over HTTP: such a tool is dropped from the list and never called.
            passed_over.push(format!("{name} (invalid x-mcp-header: {why})"));
            continue;
        }
        if !ctx.run.may_call(tool) {
            passed_over.push(format!(
                "{name} (destructive, open-world, or not allowed by --call-tools)"
            ));
            continue;
        }
        let schema = tool
            .get("inputSchema")
            .cloned()
            .unwrap_or_else(|| json!({"type": "object"}));
        match build_arguments(&schema) {
            Some(args) if valid_against(&schema, &args) => {
                out.push(Callable {
                    name: name.to_string(),
                    args,
                    tool: tool.clone(),
                });
            }
            _ => passed_over.push(format!("{name} (cannot build valid arguments)")),
        }
        if out.len() >= MAX_CALLS {
            break;
        }
    }
    (out, passed_over)
}

/// Why a stateless HTTP client must drop `tool` (an invalid `x-mcp-header` annotation);
/// `None` on other wires, which may ignore the annotations.
fn invalid_over_http(ctx: &BuiltinCtx<'_>, tool: &Value) -> Option<String> {
    let stateless_http = ctx.session.stateless().is_some() && ctx.session.http().is_some();
    stateless_http
        .then(|| crate::session::param_annotations::annotation_problem(tool))
        .flatten()
}

/// `tools.call-each`: every tool the harness can call safely answers with a valid CallToolResult.
pub async fn call_each(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let (tools, passed_over) = callable_tools(ctx).await;
    if tools.is_empty() {
        return Err(Skip(format!(
            "no tool could be called safely: {}",
            passed_over.join(", ")
        )));
    }
    let mut findings = Vec::new();
    for t in tools {
        let id = Value::from(ctx.session.fresh_id());
        let token = json!(format!("mcpcheck-call-{id}"));
        let params =
            json!({"name": t.name, "arguments": t.args, "_meta": {"progressToken": token}});
        let label = format!("tools/call {}", t.name);
        let started = std::time::Instant::now();
        let outcome = ctx
            .send_validated(id.clone(), "tools/call", params, &label, &mut findings)
            .await;
        let timed_out = started.elapsed() >= ctx.session.options().timeout;
        let resp = match outcome {
            Ok(Some(resp)) => resp,
            Err(TransportError::Timeout { .. }) | Ok(None) if timed_out => {
                // A slow tool breaks no rule; one that shows no sign of life is worth a warning.
                let cancel = json!({"requestId": id, "reason": "mcpcheck: timed out"});
                let _ = ctx
                    .session
                    .send(jsonrpc::notification(
                        "notifications/cancelled",
                        Some(cancel),
                    ))
                    .await;
                let alive = ctx
                    .session
                    .received()
                    .iter()
                    .any(|m| m.pointer("/params/progressToken") == Some(&token));
                if !alive {
                    findings.push(ctx.finding_at(
                        Level::Should,
                        format!(
                            "{label}: no answer and no progress within {}ms (cancelled; raise --timeout if the tool is slow by design)",
                            ctx.session.options().timeout.as_millis()
                        ),
                        "a result, or progress while working",
                        "silence",
                    ));
                }
                continue;
            }
            Ok(None) => {
                findings.push(ctx.finding(format!("{label}: no response"), "a response", "none"));
                continue;
            }
            Err(e) => {
                findings.push(ctx.finding(format!("{label}: {e}"), "a response", e.to_string()));
                continue;
            }
        };

        if let Some(err) = resp.get("error") {
            if refuses_missing_capability(err, ctx.session.stateless().is_some()) {
                continue;
            }
            findings.push(ctx.finding_at(
                Level::Should,
                format!(
                    "tools/call {} with schema-valid arguments {} gave a JSON-RPC error",
                    t.name,
                    compact(&t.args)
                ),
                "a CallToolResult (tool failures belong in isError results)",
                compact(err),
            ));
        }
    }
    Ok(findings)
}

/// Whether a `tools/call` error is the server refusing for want of a client capability the
/// harness did not declare (it declares none), which keeps the rule rather than breaking one.
/// 2026-07-28 defines that refusal: -32021 (MissingRequiredClientCapability). At the stateful
/// versions a server must not use a capability the client did not negotiate (basic/lifecycle,
/// "only use capabilities that were successfully negotiated"), and no code is defined: an error
/// naming the capabilities it needs (`data.requiredCapabilities`, the 2026-07-28 shape that the
/// Python SDK sends at every version) is such a refusal, not a tool failure.
fn refuses_missing_capability(err: &Value, stateless: bool) -> bool {
    let code = err.get("code").and_then(Value::as_i64);
    let names_capabilities = err
        .pointer("/data/requiredCapabilities")
        .is_some_and(Value::is_object);
    if stateless {
        code == Some(-32021)
    } else {
        names_capabilities
    }
}

/// `tools.output-schema`: tools declaring `outputSchema` return conforming `structuredContent`.
pub async fn output_schema(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let (tools, _) = callable_tools(ctx).await;
    let tools: Vec<Callable> = tools
        .into_iter()
        .filter(|t| t.tool.get("outputSchema").is_some())
        .collect();
    if tools.is_empty() {
        return Err(Skip("no callable tool declares an outputSchema".into()));
    }
    let mut findings = Vec::new();
    let mut checked = 0;
    for t in tools {
        let schema = t.tool.get("outputSchema").cloned().unwrap_or(Value::Null);
        let params = json!({"name": t.name, "arguments": t.args});
        let label = format!("tools/call {}", t.name);
        let resp = ctx.call("tools/call", params, &label, &mut findings).await;
        let Ok(result) = result_of(resp.as_ref()) else {
            continue;
        };
        if result.get("isError").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        checked += 1;
        let Some(structured) = result.get("structuredContent") else {
            findings.push(ctx.finding(
                format!("tools/call {}: the tool declares an outputSchema but the result has no structuredContent", t.name),
                "structuredContent conforming to outputSchema",
                compact(result),
            ));
            continue;
        };
        match jsonschema::validator_for(&schema) {
            Ok(v) => {
                for err in v.iter_errors(structured) {
                    findings.push(ctx.finding(
                        format!(
                            "tools/call {}: structuredContent{} does not conform to outputSchema: {err}",
                            t.name,
                            err.instance_path
                        ),
                        format!("conforming to {}", compact(&schema)),
                        compact(structured),
                    ));
                }
            }
            Err(e) => findings.push(ctx.finding(
                format!(
                    "tool {}: outputSchema is not a valid JSON Schema: {e}",
                    t.name
                ),
                "a valid JSON Schema",
                compact(&schema),
            )),
        }
    }
    if checked == 0 && findings.is_empty() {
        return Err(Skip("every tool with an outputSchema returned isError for the arguments the harness could build".into()));
    }
    Ok(findings)
}

/// `tools.name-format`: names are 1-128 of `[A-Za-z0-9_.-]` and unique.
pub async fn name_format(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let walk = walk_list(ctx.session, "tools/list", "tools").await;
    if walk.items.is_empty() {
        return Err(Skip(
            walk.error
                .unwrap_or_else(|| "the server lists no tools".into()),
        ));
    }
    let re = regex::Regex::new("^[A-Za-z0-9_.-]{1,128}$").map_err(|e| Skip(e.to_string()))?;
    let mut findings: Vec<Finding> = Vec::new();
    let mut seen = HashSet::new();
    for tool in &walk.items {
        let name = tool.get("name").and_then(Value::as_str).unwrap_or_default();
        if !re.is_match(name) {
            findings.push(ctx.finding(
                format!("tool name {name:?} is not 1-128 characters of A-Z a-z 0-9 _ - ."),
                "a name matching ^[A-Za-z0-9_.-]{1,128}$",
                format!("{name:?}"),
            ));
        }
        if !seen.insert(name.to_string()) {
            findings.push(ctx.finding(
                format!("tool name {name:?} is listed twice"),
                "unique names",
                format!("{name:?} twice"),
            ));
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::refuses_missing_capability;
    use serde_json::json;

    #[test]
    fn a_refusal_for_an_undeclared_client_capability_is_not_a_tool_failure() {
        // mcp 2.3.0 at 2025-06-18, a tool whose resolver elicits: the client declared nothing.
        let sdk = json!({"code": -32021, "message": "Client did not declare the form elicitation capability",
            "data": {"requiredCapabilities": {"elicitation": {"form": {}}}}});
        assert!(refuses_missing_capability(&sdk, false));
        assert!(refuses_missing_capability(&sdk, true));
        // 2026-07-28 defines the code; the data is not needed there.
        let bare = json!({"code": -32021, "message": "missing capability"});
        assert!(refuses_missing_capability(&bare, true));
        assert!(!refuses_missing_capability(&bare, false));
        // Any other error stays a finding.
        let internal = json!({"code": -32603, "message": "boom"});
        assert!(!refuses_missing_capability(&internal, false));
        assert!(!refuses_missing_capability(&internal, true));
        let odd = json!({"code": -32603, "data": {"requiredCapabilities": "sampling"}});
        assert!(!refuses_missing_capability(&odd, false));
    }
}
