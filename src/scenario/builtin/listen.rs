//! `subscriptions/listen` (2026-07-28): the acknowledgement comes first and states a subset of
//! the filter asked for, every message of a subscription carries the listen request's id under
//! `_meta["io.modelcontextprotocol/subscriptionId"]` with its JSON type, and only the
//! notification types a subscription opted in to reach it (never progress or log messages).
//!
//! A listen request is started without waiting for its response (over HTTP its SSE stream runs
//! in its own task until the client timeout; on stdio the check ends it with
//! `notifications/cancelled`). Its messages are told apart by their subscription id. Every
//! wait is bounded.

use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::protocol::jsonrpc;
use crate::scenario::expect::compact;
use crate::scenario::template::render_value;
use serde_json::{json, Value};
use std::time::Duration;

/// `_meta` key of the subscription id.
pub(super) const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// The acknowledgement's method.
const ACK: &str = "notifications/subscriptions/acknowledged";

/// Longest wait for an acknowledgement (it should come at once).
const ACK_WAIT: Duration = Duration::from_secs(5);

/// How long to keep listening after a trigger for the events it causes.
const EVENT_WINDOW: Duration = Duration::from_millis(800);

/// The ack wait, never above the client timeout.
fn ack_wait(ctx: &BuiltinCtx<'_>) -> Duration {
    ACK_WAIT.min(ctx.session.options().timeout)
}

/// The subscription id a message carries, if any.
fn sub_id(msg: &Value) -> Option<&Value> {
    msg.get("params")
        .or_else(|| msg.get("result"))
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(SUBSCRIPTION_ID))
}

/// Whether a message can only belong to a subscription (the acknowledgement, change events).
fn is_listen_kind(msg: &Value) -> bool {
    let m = msg.get("method").and_then(Value::as_str).unwrap_or("");
    m == ACK || m == "notifications/resources/updated" || m.ends_with("/list_changed")
}

/// Starts listen `id` with `filter`.
async fn start(ctx: &mut BuiltinCtx<'_>, id: &Value, filter: &Value) -> Result<(), String> {
    let msg = jsonrpc::request(
        id.clone(),
        "subscriptions/listen",
        Some(json!({"notifications": filter})),
    );
    ctx.session.start(msg).await.map_err(|e| e.to_string())
}

/// Ends the listens of `ids` where the client must (stdio: `notifications/cancelled`).
async fn stop(ctx: &mut BuiltinCtx<'_>, ids: &[Value]) {
    if ctx.session.stdio().is_none() {
        return; // HTTP: the stream ends when its task stops reading.
    }
    for id in ids {
        let cancel = jsonrpc::notification(
            "notifications/cancelled",
            Some(json!({"requestId": id, "reason": "mcpcheck: check finished"})),
        );
        let _ = ctx.session.send(cancel).await;
    }
}

/// Waits for the first message of listen `id`: one tagged with it (strictly), a response to
/// it, or, when `any` is set, any message at all. A -32601 response means listen is not served
/// (SKIP).
async fn first_of(ctx: &mut BuiltinCtx<'_>, id: &Value, any: bool) -> Result<Option<Value>, Skip> {
    let wait = ack_wait(ctx);
    let id2 = id.clone();
    let got = ctx
        .session
        .wait_for(wait, move |m| {
            any || jsonrpc::is_response_to(m, &id2)
                || sub_id(m) == Some(&id2)
                || (is_listen_kind(m) && sub_id(m).is_some_and(|s| loose_eq(s, &id2)))
        })
        .await;
    if let Some(m) = &got {
        if jsonrpc::is_response_to(m, id) && m.pointer("/error/code") == Some(&json!(-32601)) {
            return Err(Skip(format!(
                "the server does not serve subscriptions/listen: {}",
                compact(m)
            )));
        }
    }
    Ok(got)
}

/// Equal ids once both are read as text (`7` and `"7"`), to catch a wrong JSON type.
fn loose_eq(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text(a) == text(b)
}

/// Whether the acknowledged filter is a subset of the one asked for.
fn subset_findings(ctx: &BuiltinCtx<'_>, asked: &Value, ack: &Value) -> Vec<Finding> {
    let Some(granted) = ack
        .pointer("/params/notifications")
        .and_then(Value::as_object)
    else {
        return vec![ctx.finding(
            "the acknowledgement has no params.notifications object",
            "params.notifications: the filter the server honours",
            compact(ack),
        )];
    };
    let mut out = Vec::new();
    for (key, v) in granted {
        let ok = match (key.as_str(), v) {
            (_, Value::Bool(false)) => true,
            ("resourceSubscriptions", Value::Array(uris)) => {
                let wanted = asked.get(key).and_then(Value::as_array);
                uris.iter().all(|u| wanted.is_some_and(|w| w.contains(u)))
            }
            (k, _) => asked.get(k) == Some(&json!(true)),
        };
        if !ok {
            out.push(ctx.finding(
                format!(
                    "the acknowledgement grants {key} = {}, which was not asked for",
                    compact(v)
                ),
                format!("a subset of {}", compact(asked)),
                compact(ack),
            ));
        }
    }
    out
}

/// `v26.sub-ack-first`: the first message of a listen `{toolsListChanged: true}` is the
/// acknowledgement, tagged with the listen id, granting a subset of the filter.
pub async fn ack_first(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let id = Value::from(ctx.session.fresh_id());
    let filter = json!({"toolsListChanged": true});
    let mut findings = Vec::new();
    start(ctx, &id, &filter)
        .await
        .map_err(|e| Skip(format!("could not send subscriptions/listen: {e}")))?;
    // Nothing else is in flight: the first message to arrive is the listen's.
    let first = first_of(ctx, &id, true).await;
    stop(ctx, std::slice::from_ref(&id)).await;
    match first? {
        None => findings.push(ctx.finding(
            format!(
                "no acknowledgement within {} ms of subscriptions/listen",
                ack_wait(ctx).as_millis()
            ),
            format!("{ACK} first"),
            "nothing",
        )),
        Some(m) if m.get("method").and_then(Value::as_str) == Some(ACK) => {
            if sub_id(&m) != Some(&id) {
                findings.push(ctx.finding(
                    "the acknowledgement does not carry the listen id as its subscriptionId",
                    format!("_meta[{SUBSCRIPTION_ID:?}] = {id}"),
                    compact(&m),
                ));
            }
            findings.extend(subset_findings(ctx, &filter, &m));
        }
        Some(m) => findings.push(ctx.finding(
            "the first message of the subscription is not its acknowledgement",
            format!("{ACK} first"),
            compact(&m),
        )),
    }
    Ok(findings)
}

/// The trigger of `args` (`trigger_tool` with `trigger_arguments`), if the server lists it.
fn trigger(ctx: &BuiltinCtx<'_>) -> Option<Value> {
    let tool = ctx
        .args
        .get("trigger_tool")
        .and_then(|v| render_value(v, ctx.vars).ok())?;
    let name = tool.as_str()?;
    if !ctx.run.has_tool(name) {
        return None;
    }
    let args = ctx
        .args
        .get("trigger_arguments")
        .and_then(|v| render_value(v, ctx.vars).ok())
        .unwrap_or_else(|| json!({}));
    Some(json!({"name": name, "arguments": args}))
}

/// The URI to subscribe to (`args.uri`).
fn uri(ctx: &BuiltinCtx<'_>) -> Option<Value> {
    ctx.args
        .get("uri")
        .and_then(|v| render_value(v, ctx.vars).ok())
        .filter(Value::is_string)
}

/// Opens `subs`, waits for their acknowledgements, fires the trigger (if any), and returns every
/// message that arrived meanwhile (the trigger's response aside).
async fn listen_and_trigger(
    ctx: &mut BuiltinCtx<'_>,
    subs: &[(Value, Value)],
    findings: &mut Vec<Finding>,
) -> Result<Vec<Value>, Skip> {
    let mut seen = Vec::new();
    for (id, filter) in subs {
        start(ctx, id, filter)
            .await
            .map_err(|e| Skip(format!("could not send subscriptions/listen: {e}")))?;
        if let Some(m) = first_of(ctx, id, false).await? {
            seen.push(m);
        }
    }
    if let Some(params) = trigger(ctx) {
        let id = Value::from(ctx.session.fresh_id());
        let label = "the trigger tools/call";
        let _ = ctx
            .send_validated(id, "tools/call", params, label, findings)
            .await;
    }
    seen.extend(ctx.session.drain(EVENT_WINDOW).await);
    let ids: Vec<Value> = subs.iter().map(|(id, _)| id.clone()).collect();
    stop(ctx, &ids).await;
    Ok(seen)
}

/// `v26.sub-id`: listens `"s-1"` and `7` (a string and a number): each gets its acknowledgement
/// tagged with its own id, and every subscription message carries one of the two ids with the
/// same JSON type.
pub async fn ids(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let mut s1 = json!({"toolsListChanged": true});
    if let Some(u) = uri(ctx) {
        s1["resourceSubscriptions"] = json!([u]);
    }
    let subs = [
        (json!("s-1"), s1),
        (json!(7), json!({"toolsListChanged": true})),
    ];
    let mut findings = Vec::new();
    let seen = listen_and_trigger(ctx, &subs, &mut findings).await?;
    let listen_msgs: Vec<&Value> = seen.iter().filter(|m| is_listen_kind(m)).collect();
    if listen_msgs.is_empty() {
        return Err(Skip("neither subscription received a message".into()));
    }
    for m in &listen_msgs {
        match sub_id(m) {
            Some(s) if subs.iter().any(|(id, _)| id == s) => {}
            Some(s) => findings.push(ctx.finding(
                format!("a subscription message carries subscriptionId {} ({}), not a listen id with its JSON type", compact(s), type_name(s)),
                "\"s-1\" (string) or 7 (number), as sent",
                compact(m),
            )),
            None => findings.push(ctx.finding(
                "a subscription message carries no subscriptionId",
                format!("_meta[{SUBSCRIPTION_ID:?}] on every message"),
                compact(m),
            )),
        }
    }
    for (id, _) in &subs {
        let acked = listen_msgs
            .iter()
            .any(|m| m.get("method") == Some(&json!(ACK)) && sub_id(m) == Some(id));
        if !acked {
            findings.push(ctx.finding_at(
                Level::Must,
                format!(
                    "no acknowledgement tagged with the listen id {id} ({})",
                    type_name(id)
                ),
                format!("{ACK} with subscriptionId {id}"),
                compact(&Value::Array(
                    listen_msgs.iter().map(|m| (*m).clone()).collect(),
                )),
            ));
        }
    }
    Ok(findings)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `v26.sub-filter`: listen `7` asks for tool-list changes only and `"s-1"` for updates of
/// `args.uri`; after the trigger changes that resource, `7` receives no resource update, and
/// no subscription carries progress or log messages. SKIP when the trigger caused no update on
/// `"s-1"` (nothing was exercised).
pub async fn filter(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let Some(u) = uri(ctx) else {
        return Err(Skip(
            "no `uri` argument names a resource the trigger changes".into(),
        ));
    };
    if trigger(ctx).is_none() {
        return Err(Skip(
            "the server lists no trigger tool (set it with --var)".into(),
        ));
    }
    let narrow = json!({"toolsListChanged": true});
    let subs = [
        (json!(7), narrow.clone()),
        (json!("s-1"), json!({"resourceSubscriptions": [u]})),
    ];
    let mut findings = Vec::new();
    let seen = listen_and_trigger(ctx, &subs, &mut findings).await?;
    let mut exercised = false;
    for m in &seen {
        let Some(s) = sub_id(m) else { continue };
        let method = m.get("method").and_then(Value::as_str).unwrap_or("");
        if matches!(method, "notifications/progress" | "notifications/message") {
            findings.push(ctx.finding(
                format!("{method} on subscription {}", compact(s)),
                "no progress or log messages on a listen stream",
                compact(m),
            ));
            continue;
        }
        if method == ACK || method.is_empty() {
            continue;
        }
        if s == &json!("s-1") {
            if method == "notifications/resources/updated" && m.pointer("/params/uri") == Some(&u) {
                exercised = true;
            }
            if method != "notifications/resources/updated" {
                findings.push(ctx.finding(
                    format!(
                        "{method} on subscription \"s-1\", which asked for resource updates only"
                    ),
                    "only opted-in notification types",
                    compact(m),
                ));
            }
        } else if s == &json!(7) && method != "notifications/tools/list_changed" {
            findings.push(ctx.finding(
                format!("{method} on subscription 7, which asked for tool-list changes only"),
                "only opted-in notification types",
                compact(m),
            ));
        }
    }
    if !exercised && findings.is_empty() {
        return Err(Skip(format!(
            "the trigger caused no notifications/resources/updated for {} on the subscription that asked for it",
            compact(&u)
        )));
    }
    Ok(findings)
}
