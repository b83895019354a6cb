//! `http.no-broadcast` (Streamable HTTP, 2025-03-26 and later): with two GET streams open in
//! one session, every server message goes out on one of them only (spec `basic/transports`,
//! "Multiple Connections").
//!
//! The check opens two GET streams, then calls a tool that makes the server send a message not
//! tied to a request (`args.tool`, e.g. the reference server's `toggle_beta_tool`, which
//! announces `notifications/tools/list_changed`), and compares what both streams carried. The
//! same server→client request id on both streams FAILs (a request broadcast); the same
//! notification on both WARNs (notifications carry no id, so two identical ones could be two
//! sends). A server that refuses a second GET (405, 409, 429) is allowed to: SKIP.

use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::scenario::expect::compact;
use crate::scenario::template::render_value;
use crate::transport::http::RawRequest;
use crate::transport::SseEvent;
use serde_json::{json, Value};
use std::time::Duration;

/// How long each GET stream is read; the trigger is sent inside both windows.
const WINDOW: Duration = Duration::from_millis(1200);
/// Delay before the second GET opens (after the first).
const SECOND_AFTER: Duration = Duration::from_millis(150);
/// Delay before the trigger call (both streams are open by then).
const TRIGGER_AFTER: Duration = Duration::from_millis(450);

/// The JSON-RPC messages of `events` (priming and comment-only events carry none).
fn messages(events: &[SseEvent]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| !e.data.is_empty())
        .filter_map(|e| serde_json::from_str::<Value>(&e.data).ok())
        .flat_map(|v| match v {
            Value::Array(items) => items,
            other => vec![other],
        })
        .collect()
}

/// What the two streams both carried: `(requests, notifications)` seen on both.
pub(crate) fn shared(first: &[Value], second: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let mut requests = Vec::new();
    let mut notes = Vec::new();
    for m in first {
        if m.get("method").is_none() {
            continue;
        }
        match m.get("id") {
            Some(id) => {
                let twice = second
                    .iter()
                    .any(|o| o.get("method").is_some() && o.get("id") == Some(id));
                if twice {
                    requests.push(m.clone());
                }
            }
            None => {
                if second.contains(m) && !notes.contains(m) {
                    notes.push(m.clone());
                }
            }
        }
    }
    (requests, notes)
}

/// `http.no-broadcast`: see the module doc.
pub async fn no_broadcast(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let tool = ctx
        .args
        .get("tool")
        .map(|t| render_value(t, ctx.vars))
        .transpose()
        .map_err(|e| Skip(e.to_string()))?;
    let Some(tool) = tool.as_ref().and_then(Value::as_str).map(str::to_string) else {
        return Err(Skip(
            "no `tool` argument names a tool that makes the server notify".into(),
        ));
    };
    let arguments = ctx.args.get("arguments").cloned().unwrap_or(json!({}));
    let Some(http) = ctx.session.http().cloned() else {
        return Err(Skip("applies to Streamable HTTP only".into()));
    };
    let get = || RawRequest {
        sse_window: WINDOW,
        max_events: 32,
        ..RawRequest::get_stream()
    };
    let body = json!({"jsonrpc": "2.0", "id": "mcpcheck-broadcast-1", "method": "tools/call",
                      "params": {"name": tool, "arguments": arguments}});
    let first = http.raw(get());
    let second = async {
        tokio::time::sleep(SECOND_AFTER).await;
        http.raw(get()).await
    };
    let trigger = async {
        tokio::time::sleep(TRIGGER_AFTER).await;
        http.raw(RawRequest::post(body.to_string())).await
    };
    let (first, second, trigger) = tokio::join!(first, second, trigger);
    let first = first.map_err(|e| Skip(format!("the first GET failed: {e}")))?;
    let second = second.map_err(|e| Skip(format!("the second GET failed: {e}")))?;
    if first.status != 200 {
        return Err(Skip(format!(
            "the server offers no GET stream (HTTP {})",
            first.status
        )));
    }
    if second.status != 200 {
        return Err(Skip(format!(
            "the server refused a second GET stream (HTTP {}), which the spec allows",
            second.status
        )));
    }
    if let Err(e) = trigger {
        return Err(Skip(format!("the trigger call to `{tool}` failed: {e}")));
    }
    let (requests, notes) = shared(&messages(&first.sse_events), &messages(&second.sse_events));
    let mut out: Vec<Finding> = requests
        .iter()
        .take(3)
        .map(|r| {
            ctx.finding_at(
                Level::Must,
                format!(
                    "the server request {} (id {}) was sent on both GET streams",
                    r.get("method").map(compact).unwrap_or_default(),
                    r.get("id").map(compact).unwrap_or_default()
                ),
                "each message on one of the session's streams only",
                compact(r),
            )
        })
        .collect();
    out.extend(notes.iter().take(3).map(|n| {
        ctx.finding_at(
            Level::Should,
            format!(
                "the notification {} arrived on both GET streams (broadcast)",
                n.get("method").map(compact).unwrap_or_default()
            ),
            "each message on one of the session's streams only",
            compact(n),
        )
    }));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_by_id_and_notifications_by_value() {
        let note = json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"});
        let req = json!({"jsonrpc": "2.0", "id": 7, "method": "roots/list"});
        let other = json!({"jsonrpc": "2.0", "id": 8, "method": "roots/list"});
        let resp = json!({"jsonrpc": "2.0", "id": 7, "result": {}});
        let (r, n) = shared(&[note.clone(), req.clone()], &[note.clone(), req.clone()]);
        assert_eq!((r.len(), n.len()), (1, 1));
        let (r, n) = shared(&[note.clone(), req], &[other, resp]);
        assert!(r.is_empty() && n.is_empty());
        let (r, n) = shared(&[note], &[]);
        assert!(r.is_empty() && n.is_empty());
    }
}
