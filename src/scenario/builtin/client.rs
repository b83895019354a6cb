//! Server→client requests answered in several ways: the server must handle each answer (accept,
//! decline, cancel, an error) without a JSON-RPC failure or a hang, and its result should
//! depend on the answer.

use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::Level;
use crate::scenario::client_side::ReplySpec;
use crate::scenario::expect::compact;
use crate::scenario::template::render_value;
use crate::transport::TransportError;
use serde_json::{json, Value};

/// `client.reply-variants`: for each of `args.variants` (each `{result = …}` or
/// `{error = …}`, optionally with a `label` and a text the result should `contain`), answers `args.method` with it and calls
/// `args.tool` (with `args.arguments`). Each call must get a response (WARN on a hang); a
/// JSON-RPC error answering a `result` variant is a WARN (a tool failure belongs in an
/// `isError` result); a result without the variant's `contains` text, or results identical for
/// every variant, mean the answer was not used (WARN).
/// SKIP when the tool sends no such request.
pub async fn reply_variants(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let arg = |k: &str| {
        ctx.args
            .get(k)
            .map(|v| render_value(v, ctx.vars))
            .transpose()
            .map_err(|e| Skip(e.to_string()))
    };
    let Some(tool) = arg("tool")?.and_then(|v| v.as_str().map(str::to_string)) else {
        return Err(Skip("no `tool` argument names a tool to call".into()));
    };
    let Some(method) = arg("method")?.and_then(|v| v.as_str().map(str::to_string)) else {
        return Err(Skip("no `method` argument names the server request".into()));
    };
    let arguments = arg("arguments")?.unwrap_or_else(|| json!({}));
    let variants = arg("variants")?
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let mut findings = Vec::new();
    let mut outcomes: Vec<String> = Vec::new();
    for (i, variant) in variants.iter().enumerate() {
        let label = variant
            .get("label")
            .and_then(Value::as_str)
            .map_or_else(|| format!("variant {}", i + 1), str::to_string);
        let mut spec = variant.clone();
        let mut contains = None;
        if let Some(m) = spec.as_object_mut() {
            m.remove("label");
            contains = m.remove("contains");
        }
        let reply = serde_json::from_value::<ReplySpec>(spec)
            .ok()
            .and_then(|r| r.to_reply());
        let Some(reply) = reply else {
            return Err(Skip(format!(
                "scenario error: {label} needs exactly one of `result` or `error`"
            )));
        };
        let answers_result = matches!(reply, crate::session::ClientReply::Result(_));
        ctx.session.set_client_reply(&method, reply);
        let asked_before = count_requests(ctx, &method);
        let id = Value::from(ctx.session.fresh_id());
        let what = format!("tools/call {tool} answered with {label}");
        let params = json!({"name": tool, "arguments": arguments});
        let outcome = ctx
            .send_validated(id, "tools/call", params, &what, &mut findings)
            .await;
        let resp = match outcome {
            Ok(Some(resp)) => resp,
            Ok(None) | Err(TransportError::Timeout { .. }) => {
                findings.push(ctx.finding(
                    format!("{what}: no response (the server did not handle the client's answer)"),
                    "a tools/call response after the client answered",
                    "none",
                ));
                continue;
            }
            Err(e) => {
                findings.push(ctx.finding(format!("{what}: {e}"), "a response", e.to_string()));
                continue;
            }
        };
        if count_requests(ctx, &method) == asked_before {
            if i == 0 {
                return Err(Skip(format!(
                    "{tool} sent no {method} request (nothing to answer)"
                )));
            }
            findings.push(ctx.finding(
                format!("{what}: the tool did not send {method} this time"),
                format!("a {method} request on every call"),
                compact(&resp),
            ));
            continue;
        }
        if let (Some(err), true) = (resp.get("error"), answers_result) {
            findings.push(ctx.finding_at(
                Level::Should,
                format!("{what}: a JSON-RPC error for a valid answer"),
                "a CallToolResult (tool failures belong in isError results)",
                compact(err),
            ));
        }
        let outcome = resp
            .get("result")
            .map(|r| compact(r.get("content").unwrap_or(r)))
            .unwrap_or_else(|| compact(&resp));
        if let Some(want) = contains.as_ref().and_then(Value::as_str) {
            if !outcome.contains(want) {
                findings.push(ctx.finding(
                    format!("{what}: the result does not reflect the client's answer"),
                    format!("a result containing {want:?}"),
                    outcome.clone(),
                ));
            }
        }
        outcomes.push(outcome);
    }
    if outcomes.len() > 1 && outcomes.iter().all(|o| *o == outcomes[0]) {
        findings.push(ctx.finding(
            format!("{tool} returned the same result whatever the client answered to {method}"),
            "a result reflecting the client's answer",
            outcomes[0].clone(),
        ));
    }
    Ok(findings)
}

fn count_requests(ctx: &BuiltinCtx<'_>, method: &str) -> usize {
    ctx.session
        .server_requests()
        .iter()
        .filter(|r| r.get("method").and_then(Value::as_str) == Some(method))
        .count()
}
