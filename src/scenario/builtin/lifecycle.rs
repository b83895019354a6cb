//! Lifecycle checks needing several sessions: version negotiation and capability gating.

use super::{result_of, BuiltinCtx, BuiltinResult, Skip};
use crate::check::Level;
use crate::protocol::{codes, ProtocolVersion};
use crate::scenario::expect::compact;
use crate::session::Session;
use serde_json::{json, Value};

/// Initializes a fresh session at `requested`, returning the version the server answered.
async fn negotiate(ctx: &BuiltinCtx<'_>, requested: &str) -> Result<Option<String>, String> {
    let transcript = ctx.session.transcript().clone();
    let mut s = Session::open(&ctx.run.target, ctx.run.opts.clone(), transcript)
        .await
        .map_err(|e| e.to_string())?;
    let mut params = Session::default_initialize_params(ctx.run.version);
    params["protocolVersion"] = Value::String(requested.to_string());
    let ex = s.initialize(params).await;
    let _ = s.close().await;
    let ex = ex.map_err(|e| e.to_string())?;
    Ok(result_of(ex.response.as_ref())
        .ok()
        .and_then(|r| r.get("protocolVersion"))
        .and_then(Value::as_str)
        .map(str::to_string))
}

/// `lifecycle.version-echo`: a supported requested version is echoed; if V is answered with W,
/// then W is answered with W.
pub async fn version_echo(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let mut findings = Vec::new();
    let mut echoed = 0;
    for v in ProtocolVersion::STATEFUL_HTTP {
        let answered = match negotiate(ctx, v.as_str()).await {
            Ok(Some(w)) => w,
            Ok(None) => continue, // an error for a version it does not support is allowed
            Err(e) => {
                findings.push(ctx.finding(format!("initialize {v}: {e}"), "a response", e));
                continue;
            }
        };
        if answered == v.as_str() {
            echoed += 1;
            continue;
        }
        if ProtocolVersion::parse(&answered).is_none() {
            findings.push(ctx.finding(
                format!("initialize {v} was answered with {answered:?}, which is no published protocol version"),
                "the requested version, or another version the server supports",
                answered.clone(),
            ));
            continue;
        }
        match negotiate(ctx, &answered).await {
            Ok(Some(w2)) if w2 == answered => {}
            Ok(other) => findings.push(ctx.finding(
                format!("the server answered {v} with {answered}, but does not echo {answered} when it is requested: it did not echo a version it supports"),
                format!("initialize {answered} answered with {answered}"),
                format!("{other:?}"),
            )),
            Err(e) => findings.push(ctx.finding(format!("initialize {answered}: {e}"), "a response", e)),
        }
    }
    if echoed == 0 && findings.is_empty() {
        return Err(Skip(
            "the server echoed none of 2025-03-26, 2025-06-18, 2025-11-25".into(),
        ));
    }
    Ok(findings)
}

/// The probe request for each gated capability.
fn probes() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("tools", "tools/list", json!({})),
        ("resources", "resources/list", json!({})),
        ("prompts", "prompts/list", json!({})),
        (
            "completions",
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "mcpcheck-probe"}, "argument": {"name": "a", "value": ""}}),
        ),
        ("logging", "logging/setLevel", json!({"level": "info"})),
    ]
}

/// `lifecycle.capabilities-honoured`: methods of capabilities the server did not advertise are
/// answered with an error (ideally -32601), not served.
pub async fn capabilities_honoured(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let version = ctx.session.protocol_version().unwrap_or(ctx.run.version);
    let must = if version >= ProtocolVersion::V2025_06_18 {
        Level::Must
    } else {
        Level::Should
    };
    let mut findings = Vec::new();
    let mut probed = Vec::new();
    for (cap, method, params) in probes() {
        if ctx.run.has_capability(cap)
            || (cap == "completions" && !version.features().completions_capability)
        {
            continue;
        }
        probed.push(cap);
        let ex = match ctx.session.request(method, Some(params)).await {
            Ok(ex) => ex,
            Err(e) => {
                findings.push(ctx.finding(
                    format!("{method}: {e}"),
                    "an error response",
                    e.to_string(),
                ));
                continue;
            }
        };
        let Some(resp) = ex.response.as_ref() else {
            findings.push(ctx.finding(
                format!("{method} (capability `{cap}` not advertised) got no response"),
                "an error response",
                "none",
            ));
            continue;
        };
        if let Some(err) = resp.get("error") {
            if err.get("code").and_then(Value::as_i64) != Some(codes::METHOD_NOT_FOUND) {
                findings.push(ctx.finding_at(
                    Level::Should,
                    format!("{method} (capability `{cap}` not advertised) answered with another error than -32601"),
                    "error -32601 Method not found",
                    compact(err),
                ));
            }
        } else if result_of(Some(resp)).is_ok() {
            findings.push(ctx.finding_at(
                must,
                format!("{method} was served although the server did not advertise the `{cap}` capability"),
                "an error (the capability was not negotiated)",
                compact(resp),
            ));
        }
    }
    if probed.is_empty() {
        return Err(Skip(
            "the server advertises every capability this check probes".into(),
        ));
    }
    Ok(findings)
}
