//! `approval_job`, the task-only tool that needs input mid-flight (2025-11-25 tasks, the
//! "input required" section): it works a little, moves its task to `input_required`, asks the
//! user for approval with a form-mode `elicitation/create` carrying the related-task `_meta`,
//! goes back to `working` once answered, and completes with the answer in its result.
//!
//! The request is queued in the task's outbox, so it reaches the client on the stream of a
//! `tasks/result` for the task — the requestor is expected to call it on seeing
//! `input_required`. If the request went out on the stream of a `tasks/result` that a newer
//! one has since superseded (the client dropped that stream and called again), it is
//! cancelled (`notifications/cancelled`) and asked again, with a new id, on the newest stream.
//! The wait for the answer is bounded by the task's remaining lifetime.

use super::RELATED_TASK;
use crate::client_requests::{ask_within, Answer, AskError, REPLY_TIMEOUT};
use crate::context::{Failure, Outlet, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::notification;
use crate::services::ToolSpec;
use crate::services::{object_schema, opt_int, Args, Hints, ToolError, ToolOutput, ToolResult};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::Instant;

/// The tool's name.
pub(crate) const TOOL: &str = "approval_job";

/// Longest wait for the answer when the task has more lifetime left than this.
const MAX_WAIT: Duration = Duration::from_secs(120);

/// The tool definition (listed with the other task-only tools).
pub(crate) fn spec() -> ToolSpec {
    ToolSpec {
        name: TOOL,
        title: "Job needing approval",
        description: "Works for `ms` milliseconds (default 50), then needs the user's approval: the task moves to input_required and an elicitation/create (form) is sent on the stream of tasks/result; once answered it completes with the answer. Needs the client's `elicitation` capability. Task-augmented calls only (execution.taskSupport: required).",
        input_schema: object_schema(
            json!({"ms": {"type": "integer", "minimum": 0, "maximum": 60000, "description": "Work before asking (default 50)"}}),
            &[],
        ),
        output_schema: None,
        hints: Hints::READ_ONLY,
    }
}

/// The form the approval asks for.
fn form() -> Value {
    json!({
        "type": "object",
        "properties": {
            "approve": {"type": "boolean", "title": "Approve the job"},
            "name": {"type": "string", "title": "Your name", "maxLength": 100},
        },
        "required": ["approve"],
    })
}

/// Runs the tool (inside a task's background run; a plain call, possible only with the
/// `task-required-plain-ok` fault, asks on the request's own stream).
pub(crate) async fn run(ctx: &RequestCtx, args: &Args) -> ToolResult {
    let ms = opt_int(args, "ms", 0, 60_000)?.unwrap_or(50);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
        _ = ctx.cancelled() => return Err(Failure::Cancelled.into()),
    }
    if !ctx.session.client().supports_form_elicitation() {
        return Err(ToolError::Execution(
            "the client did not declare the `elicitation` capability (form mode), so the approval could not be asked".into(),
        ));
    }
    let task = super::current_task();
    let mut params = json!({
        "mode": "form",
        "message": format!("Approve the job after {ms} ms of work?"),
        "requestedSchema": form(),
    });
    if let (Some(id), false) = (&task, ctx.has(Fault::TaskInputNoRelatedMeta)) {
        params["_meta"] = json!({RELATED_TASK: {"taskId": id}});
    }
    let answer = match &task {
        Some(id) => ask_for_task(ctx, id, params).await,
        None => ask_within(ctx, "elicitation/create", params, REPLY_TIMEOUT).await,
    };
    let reply = match answer {
        Ok(Answer::Result(r)) => r,
        Ok(Answer::Error { code, message }) => {
            return Err(ToolError::Execution(format!(
                "the client answered the approval with error {code}: {message}"
            )))
        }
        Err(AskError::Cancelled) => return Err(Failure::Cancelled.into()),
        Err(e) => return Err(ToolError::Execution(format!("no approval: {e}"))),
    };
    if ctx.has(Fault::ClientReplyIgnored) {
        return Ok(ToolOutput::text("done"));
    }
    Ok(ToolOutput::text(describe(&reply)))
}

/// Asks through the task's outbox while the task is `input_required`, then resumes it.
async fn ask_for_task(ctx: &RequestCtx, id: &str, params: Value) -> Result<Answer, AskError> {
    let store = ctx.session.tasks();
    let (Some((outbox, left)), Some(forwarding)) = (store.outbox_sender(id), store.outbox(id))
    else {
        return Err(AskError::Cancelled);
    };
    store.need_input(
        id,
        "waiting for the user's approval (call tasks/result to receive the request)",
    );
    // The request rides on the outbox; the context's own cancellation never fires (the
    // background run's is watched here instead).
    let (_keep, never) = tokio::sync::watch::channel(false);
    let asker = RequestCtx::new(
        ctx.state.clone(),
        ctx.session.clone(),
        None,
        Outlet::Stream(outbox),
        never,
    );
    let deadline = Instant::now() + left.min(MAX_WAIT);
    let ask_by = |params: Value| {
        let within = deadline.saturating_duration_since(Instant::now());
        Box::pin(ask_within(&asker, "elicitation/create", params, within))
    };
    let mut turns = forwarding.turns();
    let mut asking = ask_by(params.clone());
    let answer = loop {
        tokio::select! {
            a = &mut asking => break a,
            _ = ctx.cancelled() => break Err(AskError::Cancelled),
            Ok(()) = turns.changed() => {
                // A newer tasks/result took the outbox over; a request already sent on the
                // superseded stream is withdrawn and asked again on the new one.
                if let Some(stale) = forwarding.take_stale() {
                    let old = stale.get("id").cloned().unwrap_or(Value::Null);
                    ctx.session.client().forget(&old);
                    asker.send_to_client(notification(
                        "notifications/cancelled",
                        json!({"requestId": old, "reason": "asked again on the newest tasks/result stream"}),
                    ));
                    asking = ask_by(params.clone());
                }
            }
        }
    };
    forwarding.settled();
    store.resume(id);
    answer
}

/// The result text for the user's answer.
fn describe(reply: &Value) -> String {
    match reply.get("action").and_then(Value::as_str) {
        Some("accept") => {
            let content = reply.get("content");
            let approved = content.and_then(|c| c.get("approve")) == Some(&json!(true));
            let name = content
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("an unnamed user");
            if approved {
                format!("the job was approved by {name} and is done")
            } else {
                format!("the job was rejected by {name}")
            }
        }
        Some("decline") => "the user declined to approve the job".into(),
        Some("cancel") => "the user cancelled the approval".into(),
        other => format!(
            "the approval has no valid action (got {})",
            other.map_or_else(|| "none".to_string(), |a| format!("{a:?}"))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_described_with_their_content() {
        let yes = json!({"action": "accept", "content": {"approve": true, "name": "ann"}});
        assert_eq!(describe(&yes), "the job was approved by ann and is done");
        let no = json!({"action": "accept", "content": {"approve": false}});
        assert_eq!(describe(&no), "the job was rejected by an unnamed user");
        assert!(describe(&json!({"action": "decline"})).contains("declined"));
        assert!(describe(&json!({})).contains("no valid action"));
    }

    #[test]
    fn the_form_is_flat() {
        for (_, p) in form()["properties"].as_object().unwrap() {
            assert_ne!(p["type"], json!("object"));
        }
    }
}
