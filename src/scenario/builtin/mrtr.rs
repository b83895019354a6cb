//! Multi round-trip requests (2026-07-28), client side: the rounds of one request and the
//! judging of an `input_required` result.
//!
//! A round sends the request the scenario names (`tools/call` of `args.tool` by default) under a
//! fresh id. When the answer is `input_required`, the next round is the same request plus
//! `inputResponses` under the same keys — each answered with the scenario's `[client.replies]`
//! reply for the input request's method — and the exact `requestState` when one was given (none
//! otherwise). The loop stops at a complete result, an error, or after [`MAX_ROUNDS`]; every
//! round's wait is bounded by the client timeout.

use super::{BuiltinCtx, Skip};
use crate::check::{Finding, Level};
use crate::scenario::expect::compact;
use crate::scenario::template::render_value;
use crate::session::{ClientReply, ResultType};
use serde_json::{json, Map, Value};

/// Most rounds one request may take before the check gives up on it.
pub(super) const MAX_ROUNDS: usize = 8;

/// The methods an input request may name.
pub(super) const INPUT_METHODS: [&str; 3] =
    ["elicitation/create", "sampling/createMessage", "roots/list"];

/// The requests that may be answered `input_required`.
pub(super) const MRTR_METHODS: [&str; 3] = ["tools/call", "resources/read", "prompts/get"];

/// The request an MRTR check repeats.
pub(super) struct Request {
    /// Its method.
    pub method: String,
    /// Its params, without `inputResponses` and `requestState`.
    pub params: Value,
    /// How findings name it.
    pub label: String,
}

/// The request `args` name: `method` (default `tools/call`) with `params`, or for `tools/call`
/// the tool `tool` with `arguments`.
pub(super) fn request_of(ctx: &BuiltinCtx<'_>) -> Result<Request, Skip> {
    let arg = |k: &str| {
        ctx.args
            .get(k)
            .map(|v| render_value(v, ctx.vars))
            .transpose()
            .map_err(|e| Skip(format!("scenario error: {e}")))
    };
    let method = arg("method")?
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "tools/call".into());
    if method == "tools/call" {
        let Some(tool) = arg("tool")?.and_then(|v| v.as_str().map(str::to_string)) else {
            return Err(Skip("no `tool` argument names the tool to call".into()));
        };
        let arguments = arg("arguments")?.unwrap_or_else(|| json!({}));
        return Ok(Request {
            label: format!("tools/call {tool}"),
            params: json!({"name": tool, "arguments": arguments}),
            method,
        });
    }
    let params = arg("params")?.unwrap_or_else(|| json!({}));
    Ok(Request {
        label: method.clone(),
        method,
        params,
    })
}

/// Makes the stateless session declare `caps` on its next requests.
pub(super) fn declare(ctx: &mut BuiltinCtx<'_>, caps: Value) {
    if let Some(st) = ctx.session.stateless_mut() {
        st.client_capabilities = caps;
    }
}

/// The capabilities the scenario's `[client]` declares.
pub(super) fn scenario_caps(ctx: &BuiltinCtx<'_>) -> Value {
    ctx.session.client_capabilities().clone()
}

/// What one round got back.
#[derive(Clone, Debug)]
pub(super) enum Answer {
    /// A complete result.
    Complete(Value),
    /// An `input_required` result.
    InputRequired(Value),
    /// A JSON-RPC error (the `error` object).
    Error(Value),
    /// Nothing usable (no response, a transport failure, an unknown `resultType`), described.
    Nothing(String),
}

/// Sends one round: the request plus, on a retry, `inputResponses` and `requestState`.
pub(super) async fn round(
    ctx: &mut BuiltinCtx<'_>,
    req: &Request,
    responses: Option<Value>,
    state: Option<Value>,
    label: &str,
    findings: &mut Vec<Finding>,
) -> Answer {
    let mut params = req.params.clone();
    if let Some(r) = responses {
        params["inputResponses"] = r;
    }
    if let Some(s) = state {
        params["requestState"] = s;
    }
    let id = Value::from(ctx.session.fresh_id());
    match ctx
        .send_validated(id, &req.method, params, label, findings)
        .await
    {
        Ok(Some(resp)) => classify(&resp),
        Ok(None) => Answer::Nothing(format!("{label}: no response")),
        Err(e) => Answer::Nothing(format!("{label}: {e}")),
    }
}

fn classify(resp: &Value) -> Answer {
    if let Some(err) = resp.get("error") {
        return Answer::Error(err.clone());
    }
    let Some(result) = resp.get("result") else {
        return Answer::Nothing(format!("a malformed response {}", compact(resp)));
    };
    match ResultType::of(result) {
        ResultType::Complete => Answer::Complete(result.clone()),
        ResultType::InputRequired => Answer::InputRequired(result.clone()),
        ResultType::Other(t) => Answer::Nothing(format!("a result of resultType {t}")),
    }
}

/// The `inputResponses` answering `result.inputRequests` with the configured replies (keys as
/// the server gave them), or the method no result reply is configured for.
pub(super) fn responses_for(ctx: &BuiltinCtx<'_>, result: &Value) -> Result<Value, String> {
    let mut out = Map::new();
    let requests = result.get("inputRequests").and_then(Value::as_object);
    for (key, req) in requests.into_iter().flatten() {
        let method = req.get("method").and_then(Value::as_str).unwrap_or("");
        match ctx.session.client_reply(method) {
            Some(ClientReply::Result(r)) => {
                out.insert(key.clone(), r.clone());
            }
            _ => return Err(method.to_string()),
        }
    }
    Ok(Value::Object(out))
}

/// The rounds of one request, to completion or to the bound.
pub(super) struct Rounds {
    /// Every `input_required` result, in order.
    pub asked: Vec<Value>,
    /// The last answer.
    pub last: Answer,
}

/// Runs the request until it completes, fails, or [`MAX_ROUNDS`] have been sent. An input
/// request no reply is configured for ends the loop as `Nothing`.
pub(super) async fn run_rounds(
    ctx: &mut BuiltinCtx<'_>,
    req: &Request,
    findings: &mut Vec<Finding>,
) -> Rounds {
    let mut asked = Vec::new();
    let mut last = round(
        ctx,
        req,
        None,
        None,
        &format!("{} (round 1)", req.label),
        findings,
    )
    .await;
    for n in 2..=MAX_ROUNDS {
        let Answer::InputRequired(result) = &last else {
            break;
        };
        asked.push(result.clone());
        let responses = match responses_for(ctx, result) {
            Ok(r) => r,
            Err(method) => {
                last = Answer::Nothing(format!(
                    "the scenario configures no result reply for the input request method {method:?}"
                ));
                return Rounds { asked, last };
            }
        };
        // The exact requestState when one was given; none otherwise.
        let state = result.get("requestState").cloned();
        let label = format!("{} (round {n})", req.label);
        last = round(ctx, req, Some(responses), state, &label, findings).await;
    }
    if let Answer::InputRequired(result) = &last {
        asked.push(result.clone());
    }
    Rounds { asked, last }
}

/// Findings on the shape of an `input_required` result: `inputRequests` and/or `requestState`,
/// each input request an object with a known method and (for elicitation and sampling) a params
/// object, and no cache hints (WARN: a complete result's fields).
pub(super) fn shape_findings(ctx: &BuiltinCtx<'_>, label: &str, result: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    let requests = result.get("inputRequests");
    let state = result.get("requestState");
    if requests.is_none() && state.is_none() {
        out.push(ctx.finding(
            format!(
                "{label}: an input_required result with neither inputRequests nor requestState"
            ),
            "inputRequests, requestState, or both",
            compact(result),
        ));
    }
    if let Some(s) = state.filter(|s| !s.is_string()) {
        out.push(ctx.finding(
            format!("{label}: requestState is not a string"),
            "an opaque string",
            compact(s),
        ));
    }
    match requests {
        None => {}
        Some(Value::Object(map)) => {
            for (key, req) in map {
                out.extend(entry_findings(ctx, label, key, req));
            }
        }
        Some(other) => out.push(ctx.finding(
            format!("{label}: inputRequests is not an object"),
            "a map of key → {method, params}",
            compact(other),
        )),
    }
    for hint in ["ttlMs", "cacheScope"] {
        if result.get(hint).is_some() {
            out.push(ctx.finding_at(
                Level::Should,
                format!("{label}: an input_required result carries the cache hint {hint}"),
                "no cache hints on an interim result",
                compact(result),
            ));
        }
    }
    out
}

fn entry_findings(ctx: &BuiltinCtx<'_>, label: &str, key: &str, req: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    let method = req.get("method").and_then(Value::as_str);
    match method {
        Some(m) if INPUT_METHODS.contains(&m) => {}
        _ => out.push(ctx.finding(
            format!("{label}: inputRequests[{key:?}] names no input request method"),
            format!("method one of {}", INPUT_METHODS.join(", ")),
            compact(req),
        )),
    }
    let params = req.get("params");
    let needs_params = matches!(
        method,
        Some("elicitation/create" | "sampling/createMessage")
    );
    let params_ok = match params {
        Some(p) => p.is_object(),
        None => !needs_params && method == Some("roots/list"),
    };
    if !params_ok {
        out.push(ctx.finding(
            format!("{label}: inputRequests[{key:?}] has no params object"),
            "params valid for the method",
            compact(req),
        ));
    }
    out
}

/// Findings for input requests the declared capabilities do not allow (`elicitation: {}` is
/// form mode only; URL mode needs `elicitation.url`).
pub(super) fn capability_findings(
    ctx: &BuiltinCtx<'_>,
    label: &str,
    result: &Value,
    declared: &Value,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let requests = result.get("inputRequests").and_then(Value::as_object);
    for (key, req) in requests.into_iter().flatten() {
        let method = req.get("method").and_then(Value::as_str).unwrap_or("");
        let needed = match method {
            "sampling/createMessage" => "sampling",
            "roots/list" => "roots",
            "elicitation/create" => {
                let url = req.pointer("/params/mode").and_then(Value::as_str) == Some("url");
                let modes = declared.get("elicitation").and_then(Value::as_object);
                let ok = match modes {
                    None => false,
                    Some(m) if url => m.contains_key("url"),
                    Some(m) => m.is_empty() || m.contains_key("form"),
                };
                if ok {
                    continue;
                }
                if url {
                    "elicitation.url"
                } else {
                    "elicitation (form)"
                }
            }
            _ => continue,
        };
        if method != "elicitation/create" && declared.get(needed).is_some_and(Value::is_object) {
            continue;
        }
        out.push(ctx.finding(
            format!("{label}: inputRequests[{key:?}] asks for {method} but the request did not declare `{needed}`"),
            format!("no {method} input request without the `{needed}` capability (or error -32021)"),
            format!("declared {}; asked {}", compact(declared), compact(req)),
        ));
    }
    out
}

/// The text of a complete result, for "does it reflect the reply" checks.
pub(super) fn result_text(result: &Value) -> String {
    compact(result.get("content").unwrap_or(result))
}
