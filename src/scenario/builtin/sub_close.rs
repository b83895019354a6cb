//! `v26.sub-close` (2026-07-28, `subscriptions/listen`): how a server ends a subscription, and
//! that it never cancels anything else.
//!
//! When the server ends a subscription it answers the listen request with a result carrying
//! the subscription id, or sends `notifications/cancelled` naming the listen id (the spec says
//! both in different places, so both are accepted); a result without the id WARNs. It MUST NOT
//! send `notifications/cancelled` for any other request: that half is judged run-wide over
//! every 2026-07-28 check (`scenario::notices`), and this check gives it a listen to act on.
//!
//! A black-box client cannot make a server end a subscription (the reference server does so
//! when it shuts down, or after `--listen-max-ms`), so the check opens a listen, reads it for a
//! short window, and judges a close only when one happens within it.

use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::Level;
use crate::protocol::jsonrpc;
use crate::scenario::expect::compact;
use serde_json::{json, Value};
use std::time::Duration;

/// `_meta` key of the subscription id.
const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// Longest wait for the listen's first message (its acknowledgement should come at once).
const FIRST_WAIT: Duration = Duration::from_secs(5);

/// How long the listen is read after its first message.
const WINDOW: Duration = Duration::from_millis(600);

/// Whether `m` is a `notifications/cancelled` naming `id`.
fn cancels(m: &Value, id: &Value) -> bool {
    m.get("method").and_then(Value::as_str) == Some("notifications/cancelled")
        && m.pointer("/params/requestId") == Some(id)
}

/// Whether `m` belongs to listen `id`: tagged with it, its response, or its cancellation.
fn of_listen(m: &Value, id: &Value) -> bool {
    let tagged = m
        .get("params")
        .or_else(|| m.get("result"))
        .and_then(|p| p.get("_meta"))
        .and_then(|meta| meta.get(SUBSCRIPTION_ID))
        == Some(id);
    tagged || jsonrpc::is_response_to(m, id) || cancels(m, id)
}

/// What is wrong with the message that ended listen `id`, if anything.
pub(crate) fn close_problem(end: &Value, id: &Value) -> Option<String> {
    if cancels(end, id) || end.get("error").is_some() {
        return None;
    }
    let carried = end
        .pointer("/result/_meta")
        .and_then(|meta| meta.get(SUBSCRIPTION_ID));
    (carried != Some(id)).then(|| {
        format!(
            "the result that ended the listen carries subscriptionId {} instead of the listen id {}",
            carried.map(compact).unwrap_or_else(|| "(none)".into()),
            compact(id)
        )
    })
}

/// `v26.sub-close`: see the module doc.
pub async fn sub_close(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let id = json!(format!("mcpcheck-close-{}", ctx.session.fresh_id()));
    let listen = jsonrpc::request(
        id.clone(),
        "subscriptions/listen",
        Some(json!({"notifications": {"toolsListChanged": true}})),
    );
    ctx.session
        .start(listen)
        .await
        .map_err(|e| Skip(format!("could not send subscriptions/listen: {e}")))?;
    let wait = FIRST_WAIT.min(ctx.session.options().timeout);
    let id2 = id.clone();
    let first = ctx
        .session
        .wait_for(wait, move |m| of_listen(m, &id2))
        .await;
    let Some(first) = first else {
        return Err(Skip(format!(
            "no message of the listen within {} ms (v26.sub-ack-first judges that)",
            wait.as_millis()
        )));
    };
    if first.pointer("/error/code") == Some(&json!(-32601)) {
        return Err(Skip(format!(
            "the server does not serve subscriptions/listen: {}",
            compact(&first)
        )));
    }
    let ended = |m: &Value, id: &Value| jsonrpc::is_response_to(m, id) || cancels(m, id);
    let end = if ended(&first, &id) {
        Some(first)
    } else {
        let id2 = id.clone();
        // Everything arriving meanwhile is absorbed, so the run-wide judge sees it too.
        ctx.session.wait_for(WINDOW, move |m| ended(m, &id2)).await
    };
    if end.is_none() && ctx.session.stdio().is_some() {
        // stdio: the client ends its listen with notifications/cancelled.
        let cancel = jsonrpc::notification(
            "notifications/cancelled",
            Some(json!({"requestId": id, "reason": "mcpcheck: check finished"})),
        );
        let _ = ctx.session.send(cancel).await;
    }
    Ok(end
        .and_then(|e| close_problem(&e, &id).map(|p| (p, e)))
        .map(|(problem, e)| {
            ctx.finding_at(
                Level::Should,
                problem,
                "a SubscriptionsListenResult carrying the subscription id, or notifications/cancelled with the listen id",
                compact(&e),
            )
        })
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_ending_is_accepted_and_a_result_must_carry_the_id() {
        let id = json!("L");
        let cancelled = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                               "params": {"requestId": "L"}});
        assert_eq!(close_problem(&cancelled, &id), None);
        let good = json!({"jsonrpc": "2.0", "id": "L",
                          "result": {"_meta": {SUBSCRIPTION_ID: "L"}}});
        assert_eq!(close_problem(&good, &id), None);
        let bare = json!({"jsonrpc": "2.0", "id": "L", "result": {}});
        assert!(close_problem(&bare, &id).is_some());
        let wrong = json!({"jsonrpc": "2.0", "id": "L", "result": {"_meta": {SUBSCRIPTION_ID: 1}}});
        assert!(close_problem(&wrong, &id).is_some());
        assert!(of_listen(&good, &id) && of_listen(&cancelled, &id));
        let other = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                           "params": {"requestId": "M"}});
        assert!(!of_listen(&other, &id));
    }
}
