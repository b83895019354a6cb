//! Tasks (2025-11-25) beyond the plain life cycle: a task that needs input (`tasks.input`) and
//! the optional `notifications/tasks/status` (`tasks.status-notice`; their status changes are
//! also judged by `tasks.lifecycle`).
//!
//! Spec `basic/utilities/tasks`: a receiver needing input SHOULD move the task to
//! `input_required`; the requestor SHOULD then call `tasks/result`, on whose stream a stateful
//! server can deliver the request; that request MUST carry the related-task `_meta`; once the
//! input arrives the task SHOULD leave `input_required`. Status notices are optional (MAY), carry
//! the full Task, SHOULD NOT carry the related-task `_meta`, and — like every status seen — follow
//! the state machine (`working` ⇄ `input_required` → terminal, terminal is final).
//!
//! Where the task's messages travel is the server's choice: the `tasks/result` stream is one
//! possible side channel, and over Streamable HTTP clients SHOULD expect them on any SSE stream,
//! the GET stream included (the "Input Required Status" note). So both checks watch the
//! session's GET stream while they wait (`get_watch`), as well as every POST stream they open
//! (`tasks/get` and `tasks/result`), and judge a message the same whichever stream carried it.

use super::get_watch::GetWatch;
use super::tasks::{create_task, legal, pick_tool, RELATED_TASK, TERMINAL};
use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::scenario::expect::compact;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The status notification's method.
const STATUS_NOTICE: &str = "notifications/tasks/status";

/// How long to listen for notices still in flight once a call returned.
const NOTICE_WINDOW: Duration = Duration::from_millis(150);

/// Requests a task may need input through.
const INPUT_METHODS: [&str; 2] = ["elicitation/create", "sampling/createMessage"];

/// How long the GET stream is watched at most, in client timeouts: the polling (3), then
/// `tasks/result` and `tasks/get` (1 each), and a spare one. The stream closes when the check
/// ends anyway.
const WATCH_TIMEOUTS: u32 = 6;

/// Watches the session's GET stream for the rest of the check (see `get_watch`).
fn watch_get_stream(ctx: &BuiltinCtx<'_>) -> GetWatch {
    GetWatch::open(ctx.session, ctx.session.options().timeout * WATCH_TIMEOUTS)
}

/// The JSON pointer of the related-task id inside `_meta`.
fn related_pointer(prefix: &str) -> String {
    format!("{prefix}/_meta/{}/taskId", RELATED_TASK.replace('/', "~1"))
}

/// The status notices of task `id` the session received (buffered, or arriving within
/// [`NOTICE_WINDOW`]), in arrival order. The session's buffer is emptied.
pub(super) async fn take_notices(ctx: &mut BuiltinCtx<'_>, id: &str) -> Vec<Value> {
    ctx.session
        .drain(NOTICE_WINDOW)
        .await
        .into_iter()
        .filter(|m| {
            m.get("id").is_none()
                && m.get("method").and_then(Value::as_str) == Some(STATUS_NOTICE)
                && m.pointer("/params/taskId") == Some(&json!(id))
        })
        .collect()
}

/// An illegal status change among `notices` (starting from `working`, the status a task is
/// created in) is a MUST finding.
pub(super) fn judge_transitions(ctx: &BuiltinCtx<'_>, notices: &[Value], out: &mut Vec<Finding>) {
    let mut seen = vec!["working".to_string()];
    for n in notices {
        let status = n
            .pointer("/params/status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let last = seen.last().cloned().unwrap_or_default();
        seen.push(status.clone());
        if !legal(&last, &status) {
            out.push(ctx.finding_at(
                Level::Must,
                format!("{STATUS_NOTICE}: illegal status change {last} → {status}"),
                "working → input_required/terminal; input_required → working/terminal; terminal never changes",
                format!("notices {} (last: {})", seen.join(" → "), compact(n)),
            ));
        }
    }
}

/// Each notice matches the wire schema (the full Task: MUST) and has no related-task `_meta`
/// (SHOULD NOT: the task id is in the params).
fn judge_shape(ctx: &BuiltinCtx<'_>, notices: &[Value], out: &mut Vec<Finding>) {
    let version = ctx.session.protocol_version().unwrap_or(ctx.run.version);
    for n in notices {
        let params = n.get("params");
        for v in crate::validate::validate_server_notification(version, STATUS_NOTICE, params) {
            out.push(ctx.finding_at(
                Level::Must,
                format!(
                    "{STATUS_NOTICE} violates the schema at /params{}: {}",
                    v.pointer, v.message
                ),
                "the full Task: taskId, status, createdAt, lastUpdatedAt, ttl",
                compact(n),
            ));
        }
        if n.pointer(&related_pointer("/params")).is_some() {
            out.push(ctx.finding_at(
                Level::Should,
                format!("{STATUS_NOTICE} carries _meta[\"{RELATED_TASK}\"]"),
                "no related-task _meta (the taskId is already in the params)",
                compact(n),
            ));
        }
    }
}

/// `tasks.status-notice`: a task driven to its end through `tasks/result`; every status notice
/// received for it is judged (shape, `_meta`, transitions). None received: SKIP (optional).
pub async fn status_notice(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let (tool, arguments) = pick_tool(ctx, &["optional", "required"])?;
    let mut findings = Vec::new();
    let _get = watch_get_stream(ctx);
    let Some((id, _)) = create_task(ctx, &tool, &arguments, &mut findings).await else {
        return Ok(findings);
    };
    let params = json!({"taskId": id});
    ctx.call("tasks/result", params, "tasks/result", &mut findings)
        .await;
    let notices = take_notices(ctx, &id).await;
    if notices.is_empty() && findings.is_empty() {
        return Err(Skip(format!(
            "the server sent no {STATUS_NOTICE} for the task (they are optional)"
        )));
    }
    judge_shape(ctx, &notices, &mut findings);
    judge_transitions(ctx, &notices, &mut findings);
    Ok(findings)
}

/// Polls `tasks/get` (at `pollInterval`) while the task is `working`, until `deadline`; the
/// statuses seen, the first being `working`. Illegal changes are findings.
async fn poll_while_working(
    ctx: &mut BuiltinCtx<'_>,
    id: &str,
    task: &Value,
    deadline: Instant,
    findings: &mut Vec<Finding>,
) -> Option<Vec<String>> {
    let interval = task
        .get("pollInterval")
        .and_then(Value::as_u64)
        .unwrap_or(200)
        .clamp(20, 1000);
    let mut seen = vec!["working".to_string()];
    while seen.last().is_some_and(|s| s == "working") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(interval)).await;
        let resp = ctx
            .call("tasks/get", json!({"taskId": id}), "tasks/get", findings)
            .await?;
        let status = resp
            .pointer("/result/status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let last = seen.last().cloned().unwrap_or_default();
        seen.push(status.clone());
        if !legal(&last, &status) {
            findings.push(ctx.finding_at(
                Level::Must,
                format!("tasks/get: illegal status change {last} → {status}"),
                "working → input_required/terminal; terminal never changes",
                seen.join(" → "),
            ));
            return None;
        }
    }
    Some(seen)
}

/// `tasks.input`: a task of the tool that needs input is polled until `input_required`, then
/// `tasks/result` is called; the request for input that arrives (on any stream: the
/// `tasks/result` one, the GET stream, a `tasks/get` one) must carry the related-task `_meta`
/// naming the task (MUST), the client's reply (from `[client.replies]`) must reach the result
/// (SHOULD: `args.contains`), and the task must be terminal once `tasks/result` answered.
/// Status notices received meanwhile must follow the state machine. A request for input that
/// came (and was answered) while polling counts even if `input_required` was never seen.
pub async fn input(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let (tool, arguments) = pick_tool(ctx, &["optional", "required"])?;
    let mut findings = Vec::new();
    let _get = watch_get_stream(ctx);
    let asked_before = ctx.session.server_requests().len();
    let Some((id, task)) = create_task(ctx, &tool, &arguments, &mut findings).await else {
        return Ok(findings);
    };
    let wait = ctx.session.options().timeout * 3;
    let deadline = Instant::now() + wait;
    let Some(seen) = poll_while_working(ctx, &id, &task, deadline, &mut findings).await else {
        return Ok(findings);
    };
    // What arrived since the last poll is read (and requests answered) before deciding.
    ctx.session.wait_for(Duration::ZERO, |_| false).await;
    let asked_already = !input_requests(ctx, asked_before).is_empty();
    match seen.last().map(String::as_str) {
        Some("input_required") => {}
        // Asked and answered between two polls: input_required may have been too brief to see.
        Some(s) if asked_already && (s == "working" || TERMINAL.contains(&s)) => {}
        Some("working") => {
            return Err(Skip(format!(
            "the task stayed working for {}ms without asking for input ({tool} may not need any)",
            wait.as_millis()
        )))
        }
        Some(s) if TERMINAL.contains(&s) => {
            return Err(Skip(format!(
                "the task ended without asking for input (statuses {}); {tool} may not need any",
                seen.join(" → ")
            )))
        }
        _ => {
            findings.push(ctx.finding(
                "tasks/get: not a task status",
                "working, input_required, completed, failed or cancelled",
                seen.join(" → "),
            ));
            return Ok(findings);
        }
    }
    let label = "tasks/result of the input_required task";
    let resp = ctx
        .call("tasks/result", json!({"taskId": id}), label, &mut findings)
        .await;
    let asked = input_requests(ctx, asked_before);
    judge_input_requests(ctx, &asked, &id, &mut findings);
    if let Some(resp) = &resp {
        judge_result(ctx, resp, &id, &mut findings).await;
    }
    let notices = take_notices(ctx, &id).await;
    judge_transitions(ctx, &notices, &mut findings);
    Ok(findings)
}

/// The requests for input the session received since `asked_before` (on any stream).
fn input_requests(ctx: &BuiltinCtx<'_>, asked_before: usize) -> Vec<Value> {
    ctx.session
        .server_requests()
        .iter()
        .skip(asked_before)
        .filter(|r| {
            r.get("method")
                .and_then(Value::as_str)
                .is_some_and(|m| INPUT_METHODS.contains(&m))
        })
        .cloned()
        .collect()
}

/// The requests for input received for the task: at least one (SHOULD), each with the
/// related-task `_meta` naming task `id` (MUST).
fn judge_input_requests(
    ctx: &BuiltinCtx<'_>,
    asked: &[Value],
    id: &str,
    findings: &mut Vec<Finding>,
) {
    if asked.is_empty() {
        findings.push(ctx.finding_at(
            Level::Should,
            "the task was input_required, but no request for input reached the client on any stream while tasks/result ran",
            "an elicitation/create or sampling/createMessage for the task (on the tasks/result stream, the GET stream or another SSE stream)",
            "none",
        ));
    }
    for r in asked {
        if r.pointer(&related_pointer("/params")) != Some(&json!(id)) {
            findings.push(ctx.finding_at(
                Level::Must,
                format!(
                    "the task's {} request lacks _meta[\"{RELATED_TASK}\"].taskId naming the task",
                    r.get("method").and_then(Value::as_str).unwrap_or("")
                ),
                format!("_meta.{RELATED_TASK}.taskId = {id:?}"),
                compact(r),
            ));
        }
    }
}

/// `tasks/result` answered: the task is terminal now (MUST), and a result carries the client's
/// reply (`args.contains`, SHOULD).
async fn judge_result(ctx: &mut BuiltinCtx<'_>, resp: &Value, id: &str, out: &mut Vec<Finding>) {
    let marker = ctx.arg_str("contains", "").to_string();
    match resp.get("result") {
        Some(result) if !marker.is_empty() && !compact(result).contains(&marker) => {
            out.push(ctx.finding_at(
                Level::Should,
                "the task's result does not carry the client's answer",
                format!("a result containing {marker:?}"),
                compact(resp),
            ));
        }
        Some(_) => {}
        None => out.push(ctx.finding_at(
            Level::Should,
            "the task ended in an error although its input was given",
            "the tool's result",
            compact(resp),
        )),
    }
    let label = "tasks/get after tasks/result";
    if let Some(after) = ctx
        .call("tasks/get", json!({"taskId": id}), label, out)
        .await
    {
        let status = after.pointer("/result/status").and_then(Value::as_str);
        if status.is_some_and(|s| !TERMINAL.contains(&s)) {
            out.push(ctx.finding_at(
                Level::Must,
                format!(
                    "tasks/result answered while the task is {}",
                    status.unwrap_or("")
                ),
                "tasks/result blocks until the task is terminal",
                compact(&after),
            ));
        }
    }
}
