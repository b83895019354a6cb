//! Progress notifications for a request carrying a progress token.

use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::scenario::expect::compact;
use crate::scenario::template::render_value;
use serde_json::{json, Value};
use std::time::Duration;

/// `progress.notifications`: calls `args.tool` with `_meta.progressToken`; every progress
/// notification carries the token, `progress` strictly increases, and none follows the response.
pub async fn notifications(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let tool = ctx
        .args
        .get("tool")
        .map(|t| render_value(t, ctx.vars))
        .transpose()
        .map_err(|e| Skip(e.to_string()))?;
    let Some(tool) = tool.as_ref().and_then(Value::as_str).map(str::to_string) else {
        return Err(Skip("no `tool` argument names a tool to call".into()));
    };
    let arguments = ctx
        .args
        .get("arguments")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let token = json!("mcpcheck-progress-1");
    let params = json!({"name": tool, "arguments": arguments, "_meta": {"progressToken": token}});
    let ex = ctx
        .session
        .request("tools/call", Some(params))
        .await
        .map_err(|e| Skip(format!("tools/call {tool}: {e}")))?;
    if ex.response.is_none() {
        return Ok(vec![ctx.finding(
            format!("tools/call {tool}: no response"),
            "a response",
            "none",
        )]);
    }
    let after = ctx.session.drain(Duration::from_millis(300)).await;
    let is_progress =
        |m: &&Value| m.get("method").and_then(Value::as_str) == Some("notifications/progress");
    let during: Vec<&Value> = ex.received.iter().filter(is_progress).collect();
    // `drain` also returns what the exchange already saw (it stays buffered); only new ones are late.
    let late: Vec<&Value> = after
        .iter()
        .filter(is_progress)
        .filter(|m| m.pointer("/params/progressToken") == Some(&token) && !ex.received.contains(m))
        .collect();
    if during.is_empty() && late.is_empty() {
        return Err(Skip(format!(
            "the server sent no progress for {tool} (sending progress is optional)"
        )));
    }
    let mut findings = Vec::new();
    let mut last: Option<f64> = None;
    for n in &during {
        let tok = n.pointer("/params/progressToken");
        if tok != Some(&token) {
            findings.push(ctx.finding(
                "a progress notification carries another token",
                compact(&token),
                compact(n),
            ));
            continue;
        }
        let Some(p) = n.pointer("/params/progress").and_then(Value::as_f64) else {
            findings.push(ctx.finding(
                "a progress notification has no numeric progress",
                "params.progress number",
                compact(n),
            ));
            continue;
        };
        if let Some(prev) = last {
            if p <= prev {
                findings.push(ctx.finding(
                    format!(
                        "progress went from {prev} to {p}; it must increase with each notification"
                    ),
                    format!("progress > {prev}"),
                    compact(n),
                ));
            }
        }
        last = Some(p);
    }
    for n in late {
        findings.push(ctx.finding(
            "a progress notification arrived after the response",
            "no progress after the response",
            compact(n),
        ));
    }
    Ok(findings)
}
