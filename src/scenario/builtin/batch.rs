//! JSON-RPC batches (arrays of messages) per protocol revision.
//!
//! `base.batch` (2025-03-26, where servers MUST support receiving batches): a batch of two
//! requests and a notification is answered with exactly the two responses (any order; one JSON
//! array body, SSE events or stdio lines are all accepted), the notification with nothing; a
//! batch of notifications only gets HTTP 202 with no body (stdio: nothing); an empty array,
//! which JSON-RPC 2.0 §6 says is no batch, gets a single error response (-32600; an HTTP 4xx
//! also refuses it).
//!
//! `base.batch-removed` (2025-06-18 on): batches were removed, so an array is refused (an HTTP
//! 4xx or a JSON-RPC error) and the requests in it are not run.
//!
//! Batches are sent as raw bodies: the harness's own client never batches, and the session
//! then knows that an array coming back is an answer, not a framing violation.

use super::{BuiltinCtx, BuiltinResult};
use crate::check::{Finding, Level};
use crate::protocol::jsonrpc::{self, is_response_to};
use crate::scenario::expect::compact;
use crate::session::Exchange;
use crate::transport::TransportError;
use serde_json::{json, Value};
use std::time::Duration;

/// How long to listen on stdio (and the legacy stream) for what a batch brings.
const DEFAULT_QUIET_MS: u64 = 1000;

/// One thing wrong with a reply, at the level of the rule it breaks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    /// MUST or SHOULD.
    pub level: Level,
    /// What is wrong.
    pub message: String,
    /// What the rule wants.
    pub expected: String,
    /// What came.
    pub actual: String,
}

impl Problem {
    fn new(level: Level, message: impl Into<String>, expected: &str, actual: String) -> Self {
        Self {
            level,
            message: message.into(),
            expected: expected.into(),
            actual,
        }
    }
}

/// What came back for one send.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reply {
    /// The HTTP status of the POST (HTTP and legacy targets).
    pub status: Option<u16>,
    /// The POST's body was empty (no bytes, no SSE event).
    pub empty_body: bool,
    /// A Streamable HTTP target, where a POST's status and body carry the answer.
    pub streamable: bool,
    /// The POST's body, or the SSE events, for evidence.
    pub body: String,
    /// Every JSON-RPC response seen, in arrival order.
    pub responses: Vec<Value>,
    /// A framing violation the session saw (an empty array, a second response) or a
    /// transport failure.
    pub broken: Option<String>,
}

impl Reply {
    /// From an exchange and what arrived after it.
    fn from_exchange(ex: &Exchange, later: Vec<Value>, streamable: bool) -> Self {
        let mut responses = Vec::new();
        match &ex.response {
            Some(Value::Array(items)) => responses.extend(items.iter().cloned()),
            Some(one) => responses.push(one.clone()),
            None => {}
        }
        // A message kept while waiting is also buffered, so `later` may repeat one.
        for v in ex.received.iter().chain(&later) {
            if is_response(v) && !responses.contains(v) {
                responses.push(v.clone());
            }
        }
        let (status, empty_body, body) = match &ex.http {
            Some(m) => {
                let text = m.body.clone().unwrap_or_default();
                let events: Vec<&str> = m.sse_events.iter().map(|e| e.data.as_str()).collect();
                let empty = text.is_empty() && m.sse_events.is_empty();
                let body = if m.sse_events.is_empty() {
                    text
                } else {
                    format!("SSE data {events:?}")
                };
                (Some(m.status), empty, body)
            }
            None => (None, true, String::new()),
        };
        Self {
            status,
            empty_body,
            streamable,
            body,
            responses,
            broken: None,
        }
    }

    /// A send that failed or broke framing.
    fn failed(why: String, streamable: bool) -> Self {
        Self {
            streamable,
            broken: Some(why),
            ..Self::default()
        }
    }

    fn refused_by_status(&self) -> bool {
        self.status.is_some_and(|s| (400..500).contains(&s))
    }

    /// "HTTP 200, body …; responses […]" for findings.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.status {
            if self.body.is_empty() {
                parts.push(format!("HTTP {s}, no body"));
            } else {
                parts.push(format!("HTTP {s}, body {}", shorten(&self.body)));
            }
        }
        if let Some(b) = &self.broken {
            parts.push(b.clone());
        }
        let responses: Vec<String> = self.responses.iter().map(compact).collect();
        parts.push(if responses.is_empty() {
            "no JSON-RPC response".into()
        } else {
            format!("responses [{}]", responses.join(", "))
        });
        parts.join("; ")
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 300;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A JSON-RPC response (result or error), not a request or notification.
fn is_response(v: &Value) -> bool {
    v.get("method").is_none() && (v.get("result").is_some() || v.get("error").is_some())
}

fn error_code(v: &Value) -> Option<i64> {
    v.pointer("/error/code").and_then(Value::as_i64)
}

/// Judges the reply to a batch holding requests `ids` and a notification (2025-03-26).
pub(crate) fn judge_requests(reply: &Reply, ids: &[Value]) -> Vec<Problem> {
    let mut out = Vec::new();
    let actual = reply.describe();
    if let Some(why) = &reply.broken {
        out.push(Problem::new(
            Level::Must,
            format!("the batch exchange failed: {why}"),
            "one response per request of the batch",
            actual.clone(),
        ));
    }
    for id in ids {
        match reply.responses.iter().find(|r| is_response_to(r, id)) {
            None => out.push(Problem::new(
                Level::Must,
                format!("no response to request id {id} of the batch (servers must support receiving batches)"),
                "a response with the same id and id type",
                actual.clone(),
            )),
            Some(r) if r.get("result").is_none() => out.push(Problem::new(
                Level::Must,
                format!("ping id {id} in a batch was answered with an error: the batch was not run"),
                "a result ({}) for each ping",
                compact(r),
            )),
            Some(_) => {}
        }
    }
    let strays: Vec<String> = reply
        .responses
        .iter()
        .filter(|r| !ids.iter().any(|id| is_response_to(r, id)))
        .map(compact)
        .collect();
    if !strays.is_empty() {
        out.push(Problem::new(
            Level::Must,
            "the batch was answered with responses that answer none of its requests (notifications must get none)",
            "exactly one response per request, none for the notification",
            strays.join(", "),
        ));
    }
    out
}

/// Judges the reply to a batch of notifications only (2025-03-26).
pub(crate) fn judge_notifications(reply: &Reply) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(why) = &reply.broken {
        out.push(Problem::new(
            Level::Must,
            format!("the notification batch failed: {why}"),
            "no response",
            reply.describe(),
        ));
    }
    if !reply.responses.is_empty() {
        out.push(Problem::new(
            Level::Must,
            "a batch of notifications only was answered with JSON-RPC responses",
            "nothing (JSON-RPC 2.0 §6: no response array when all are notifications)",
            reply.describe(),
        ));
    }
    // 2025-03-26 transports: input of notifications or responses only, when accepted, MUST be
    // answered 202 Accepted with no body.
    if reply.streamable && (reply.status != Some(202) || !reply.empty_body) {
        out.push(Problem::new(
            Level::Must,
            "the POST of a batch of notifications only was not answered 202 Accepted with no body",
            "HTTP 202, empty body",
            reply.describe(),
        ));
    }
    out
}

/// Judges the reply to an empty array (2025-03-26): JSON-RPC 2.0 §6 says it is no valid batch
/// and "the response from the Server MUST be a single Response object"; over HTTP a 4xx status
/// refuses the body too (transports: a POST body is an array of one or more messages).
pub(crate) fn judge_empty(reply: &Reply) -> Vec<Problem> {
    let actual = reply.describe();
    if let Some(why) = &reply.broken {
        return vec![Problem::new(
            Level::Must,
            format!("an empty array was not answered with one error: {why}"),
            "a single error response (-32600) or an HTTP 4xx",
            actual,
        )];
    }
    if reply.streamable && reply.refused_by_status() {
        return Vec::new();
    }
    let errors: Vec<&Value> = reply
        .responses
        .iter()
        .filter(|r| r.get("error").is_some())
        .collect();
    match (errors.as_slice(), reply.responses.len()) {
        ([one], 1) => match error_code(one) {
            Some(-32600) => Vec::new(),
            _ => vec![Problem::new(
                Level::Should,
                "an empty array was answered with an error whose code is not -32600 (Invalid Request)",
                "error code -32600",
                compact(one),
            )],
        },
        _ => vec![Problem::new(
            Level::Must,
            "an empty array was not answered with a single error response",
            "a single error response (-32600) or an HTTP 4xx",
            actual,
        )],
    }
}

/// Judges the reply to a batch of requests `ids` where batching was removed (2025-06-18 on).
///
/// 2025-06-18 and 2025-11-25 say what a client sends ("The body of the POST request MUST be a
/// single JSON-RPC request, notification, or response"; stdio carries "individual JSON-RPC
/// messages") but not what a server does with an array; no MUST binds the server, so both
/// rules here are SHOULD: refuse the array with an error, and do not run what is in it.
pub(crate) fn judge_removed(reply: &Reply, ids: &[Value]) -> Vec<Problem> {
    let mut out = Vec::new();
    let actual = reply.describe();
    if let Some(why) = &reply.broken {
        out.push(Problem::new(
            Level::Should,
            format!("the batch exchange failed: {why}"),
            "an HTTP 4xx or a JSON-RPC error",
            actual.clone(),
        ));
    }
    let run: Vec<String> = reply
        .responses
        .iter()
        .filter(|r| r.get("result").is_some() && ids.iter().any(|id| is_response_to(r, id)))
        .map(compact)
        .collect();
    if !run.is_empty() {
        out.push(Problem::new(
            Level::Should,
            "a batch was run although this protocol version has no batching",
            "the batch refused, none of its requests run",
            run.join(", "),
        ));
    }
    let error_seen = reply.responses.iter().any(|r| r.get("error").is_some());
    if run.is_empty() && reply.broken.is_none() && !reply.refused_by_status() && !error_seen {
        out.push(Problem::new(
            Level::Should,
            "a batch got no refusal (neither an HTTP 4xx nor a JSON-RPC error)",
            "an HTTP 4xx or a JSON-RPC error",
            actual,
        ));
    }
    out
}

fn quiet(ctx: &BuiltinCtx<'_>) -> Duration {
    let ms = ctx
        .args
        .get("quiet_ms")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_QUIET_MS);
    Duration::from_millis(ms)
}

/// Sends `body` as is and gathers what comes back within the quiet window.
async fn send_batch(ctx: &mut BuiltinCtx<'_>, body: &Value) -> Reply {
    let streamable = ctx.session.http().is_some();
    let quiet = quiet(ctx);
    // Whatever earlier steps left unread must not be taken for an answer to this batch.
    ctx.session.drain(Duration::ZERO).await;
    match ctx.session.send_raw(&body.to_string(), quiet).await {
        // Over HTTP the POST carries the answer; elsewhere the send listened for `quiet`.
        Ok(ex) => Reply::from_exchange(&ex, Vec::new(), streamable),
        Err(TransportError::Protocol(why)) => Reply::failed(why, streamable),
        Err(e) => Reply::failed(e.to_string(), streamable),
    }
}

/// Sends a batch of notifications only (nothing is awaited) and listens for the quiet window.
async fn send_notifications(ctx: &mut BuiltinCtx<'_>, body: Value) -> Reply {
    let streamable = ctx.session.http().is_some();
    let quiet = quiet(ctx);
    ctx.session.drain(Duration::ZERO).await;
    match ctx.session.send(body).await {
        Ok(ex) => {
            let later = ctx.session.drain(quiet).await;
            Reply::from_exchange(&ex, later, streamable)
        }
        Err(e) => Reply::failed(e.to_string(), streamable),
    }
}

/// A notification every server must accept and ignore: cancelling a request never sent.
fn harmless_notification(tag: &str) -> Value {
    jsonrpc::notification(
        "notifications/cancelled",
        Some(
            json!({"requestId": format!("mcpcheck-never-sent-{tag}"), "reason": "mcpcheck batch probe"}),
        ),
    )
}

/// Two fresh request ids, one integer and one string.
fn two_ids(ctx: &mut BuiltinCtx<'_>) -> [Value; 2] {
    let n = ctx.session.fresh_id();
    let s = ctx.session.fresh_id();
    [json!(n), json!(format!("mcpcheck-batch-{s}"))]
}

fn findings(ctx: &BuiltinCtx<'_>, part: &str, problems: Vec<Problem>) -> Vec<Finding> {
    problems
        .into_iter()
        .map(|p| {
            ctx.finding_at(
                p.level,
                format!("{part}: {}", p.message),
                p.expected,
                p.actual,
            )
        })
        .collect()
}

/// `base.batch`: batches are received and answered by their rules (2025-03-26).
pub async fn batch(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let ids = two_ids(ctx);
    let body = json!([
        jsonrpc::request(ids[0].clone(), "ping", None),
        harmless_notification("a"),
        jsonrpc::request(ids[1].clone(), "ping", None),
    ]);
    let reply = send_batch(ctx, &body).await;
    let mut out = findings(
        ctx,
        "two pings and a notification",
        judge_requests(&reply, &ids),
    );

    let body = json!([harmless_notification("b"), harmless_notification("c")]);
    let reply = send_notifications(ctx, body).await;
    out.extend(findings(
        ctx,
        "notifications only",
        judge_notifications(&reply),
    ));

    let reply = send_batch(ctx, &json!([])).await;
    out.extend(findings(ctx, "an empty array", judge_empty(&reply)));
    Ok(out)
}

/// `base.batch-removed`: a batch is refused and not run (2025-06-18 on).
pub async fn batch_removed(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let ids = two_ids(ctx);
    let body = json!([
        jsonrpc::request(ids[0].clone(), "ping", None),
        jsonrpc::request(ids[1].clone(), "ping", None),
    ]);
    let reply = send_batch(ctx, &body).await;
    Ok(findings(
        ctx,
        "a batch of two pings",
        judge_removed(&reply, &ids),
    ))
}

#[cfg(test)]
mod tests;
