//! Task status notifications of the 2026-07-28 tasks extension (`io.modelcontextprotocol/tasks`)
//! over `subscriptions/listen`: a listen whose filter names `taskIds` gets an acknowledgement
//! listing the ids the server agreed to (a subset; it MAY decline), then a `notifications/tasks`
//! carrying the full `DetailedTask` on each status change of those tasks, tagged with the
//! subscription id like every message of the stream; never progress or log messages. Asking
//! for task ids without declaring the extension is -32021 naming it.
//!
//! The follow check creates a task, opens the listen, reads `tasks/get` once right after the
//! acknowledgement (a task that already ended proves nothing: SKIP), then reads the stream
//! until a terminal `notifications/tasks` or the scenario's `max_wait_ms`, and compares the
//! last notice with `tasks/get` of the ended task. Over HTTP the listen runs on its own POST
//! (read until the client timeout); on stdio the check ends it with `notifications/cancelled`.

use super::tasks_ext::{
    call_params, create, declare_extension, is_terminal, max_wait, send, task_findings, Created,
    Reply, EXTENSION,
};
use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::Finding;
use crate::protocol::jsonrpc;
use crate::scenario::expect::compact;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::Instant;

/// `_meta` key of the subscription id.
const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
/// The acknowledgement's method.
const ACK: &str = "notifications/subscriptions/acknowledged";
/// The task notification's method.
const NOTICE: &str = "notifications/tasks";
/// Longest wait for a listen's first message (its acknowledgement should come at once).
const FIRST_WAIT: Duration = Duration::from_secs(5);
/// The task fields the last notice must share with `tasks/get` of the ended task (the ones a
/// terminal task never changes; `ttlMs` and `pollIntervalMs` may change at any time).
const SAME_AS_GET: [&str; 5] = ["taskId", "status", "createdAt", "result", "error"];

/// The subscription id a message carries, if any.
fn sub_id(msg: &Value) -> Option<&Value> {
    msg.get("params")
        .or_else(|| msg.get("result"))
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(SUBSCRIPTION_ID))
}

fn method_of(msg: &Value) -> &str {
    msg.get("method").and_then(Value::as_str).unwrap_or("")
}

/// Starts listen `id` for `notifications` and waits for its first message: its response, a
/// message tagged with it, or an acknowledgement (tagged or not). `None`: nothing in time.
async fn open(
    ctx: &mut BuiltinCtx<'_>,
    id: &Value,
    notifications: Value,
) -> Result<Option<Value>, Skip> {
    let msg = jsonrpc::request(
        id.clone(),
        "subscriptions/listen",
        Some(json!({"notifications": notifications})),
    );
    ctx.session
        .start(msg)
        .await
        .map_err(|e| Skip(format!("could not send subscriptions/listen: {e}")))?;
    let wait = FIRST_WAIT.min(ctx.session.options().timeout);
    let id2 = id.clone();
    let first = ctx
        .session
        .wait_for(wait, move |m| {
            jsonrpc::is_response_to(m, &id2) || sub_id(m) == Some(&id2) || method_of(m) == ACK
        })
        .await;
    if let Some(m) = &first {
        if jsonrpc::is_response_to(m, id) && m.pointer("/error/code") == Some(&json!(-32601)) {
            return Err(Skip(format!(
                "the server does not serve subscriptions/listen: {}",
                compact(m)
            )));
        }
    }
    Ok(first)
}

/// Ends listen `id` where the client must (stdio: `notifications/cancelled`; over HTTP the
/// stream ends when its reader stops).
async fn stop(ctx: &mut BuiltinCtx<'_>, id: &Value) {
    if ctx.session.stdio().is_none() {
        return;
    }
    let cancel = jsonrpc::notification(
        "notifications/cancelled",
        Some(json!({"requestId": id, "reason": "mcpcheck: check finished"})),
    );
    let _ = ctx.session.send(cancel).await;
}

/// A fresh listen id (a string, so it cannot be mistaken for a request of the session).
fn listen_id(ctx: &mut BuiltinCtx<'_>) -> Value {
    json!(format!("mcpcheck-task-listen-{}", ctx.session.fresh_id()))
}

/// The task `tasks/get` shows now, or why there is none.
async fn get(ctx: &mut BuiltinCtx<'_>, task: &str) -> Result<Value, String> {
    match send(ctx, "tasks/get", json!({"taskId": task})).await {
        Reply::Result(t) => Ok(t),
        Reply::Error(e) => Err(format!("error {}", compact(&e))),
        Reply::Nothing(why) => Err(why),
    }
}

fn status_of(task: &Value) -> String {
    task.get("status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// What the acknowledgement of a listen for `task` says: findings on its form, and whether it
/// agreed to the task.
fn judge_ack(ctx: &BuiltinCtx<'_>, ack: &Value, id: &Value, task: &str) -> (Vec<Finding>, bool) {
    let mut findings = Vec::new();
    if sub_id(ack) != Some(id) {
        findings.push(ctx.finding(
            "the acknowledgement does not carry the listen id as its subscriptionId",
            format!("_meta[{SUBSCRIPTION_ID:?}] = {}", compact(id)),
            compact(ack),
        ));
    }
    let granted = ack.pointer("/params/notifications/taskIds");
    let ids: Vec<&str> = match granted {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) if ids.iter().all(Value::is_string) => {
            ids.iter().filter_map(Value::as_str).collect()
        }
        Some(other) => {
            findings.push(ctx.finding(
                "the acknowledgement's taskIds is not a list of task id strings",
                "notifications.taskIds: string[]",
                compact(other),
            ));
            Vec::new()
        }
    };
    if let Some(stray) = ids.iter().find(|i| **i != task) {
        findings.push(ctx.finding(
            format!("the acknowledgement agrees to task {stray:?}, which was not asked for"),
            format!("a subset of [{task:?}]"),
            compact(ack),
        ));
    }
    (findings, ids.contains(&task))
}

/// Whether `m` belongs to the follow of `task` on listen `id`: a task notice for the task or
/// on the listen, or a progress or log message on the listen.
fn followed(m: &Value, id: &Value, task: &str) -> bool {
    let method = method_of(m);
    let on_listen = sub_id(m) == Some(id);
    match method {
        NOTICE => on_listen || m.pointer("/params/taskId").and_then(Value::as_str) == Some(task),
        "notifications/progress" | "notifications/message" => on_listen,
        _ => false,
    }
}

/// Findings on the messages the listen carried for `task`, starting from status `from`.
fn judge_stream(
    ctx: &BuiltinCtx<'_>,
    seen: &[Value],
    id: &Value,
    task: &str,
    from: &str,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut prev = from.to_string();
    for (n, m) in seen.iter().enumerate() {
        let method = method_of(m);
        if method != NOTICE {
            findings.push(ctx.finding(
                format!("{method} on the listen stream that follows a task"),
                "no notifications/progress or notifications/message on a listen stream for a task",
                compact(m),
            ));
            continue;
        }
        let label = format!("{NOTICE} #{}", n + 1);
        if sub_id(m) != Some(id) {
            findings.push(ctx.finding(
                format!("{label}: not tagged with the listen id"),
                format!("_meta[{SUBSCRIPTION_ID:?}] = {}", compact(id)),
                compact(m),
            ));
        }
        let params = m.get("params").cloned().unwrap_or(Value::Null);
        if params.get("taskId").and_then(Value::as_str) != Some(task) {
            findings.push(ctx.finding(
                format!("{label}: names a task the listen was not acknowledged for"),
                format!("taskId {task:?}"),
                compact(m),
            ));
            continue;
        }
        findings.extend(task_findings(ctx, &label, &params, None));
        let status = status_of(&params);
        if is_terminal(&prev) && status != prev {
            findings.push(ctx.finding(
                format!("{label}: the terminal status {prev} changed to {status}"),
                format!("status {prev} for good"),
                compact(m),
            ));
        }
        prev = status;
    }
    findings
}

/// Findings where the last notice differs from `tasks/get` of the ended task.
fn judge_last(ctx: &BuiltinCtx<'_>, last: &Value, got: &Value) -> Vec<Finding> {
    let params = last.get("params").unwrap_or(&Value::Null);
    SAME_AS_GET
        .iter()
        .filter(|k| params.get(**k) != got.get(**k))
        .map(|k| {
            ctx.finding(
                format!("the terminal {NOTICE} differs from tasks/get of the ended task at `{k}`"),
                format!(
                    "{k} = {} (each notice carries the DetailedTask tasks/get would return)",
                    got.get(*k).map_or("absent".into(), compact)
                ),
                params.get(*k).map_or("absent".into(), compact),
            )
        })
        .collect()
}

/// Reads what listen `id` carries for `task` until a terminal notice or `bound`.
async fn follow(
    ctx: &mut BuiltinCtx<'_>,
    id: &Value,
    task: &str,
    bound: Duration,
) -> (Vec<Value>, bool) {
    let deadline = Instant::now() + bound;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (seen, false);
        }
        let (id2, task2) = (id.clone(), task.to_string());
        let Some(m) = ctx
            .session
            .wait_for(left, move |m| followed(m, &id2, &task2))
            .await
        else {
            return (seen, false);
        };
        let ended = method_of(&m) == NOTICE
            && m.pointer("/params/taskId").and_then(Value::as_str) == Some(task)
            && is_terminal(&status_of(m.get("params").unwrap_or(&Value::Null)));
        seen.push(m);
        if ended {
            return (seen, true);
        }
    }
}

/// `v26.tasks-notify`: see the module doc.
pub async fn follow_task(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let params = call_params(ctx, "tool")?;
    let mut findings = Vec::new();
    let task = match create(ctx, params, &mut findings).await? {
        Created::Task(task, _) => task,
        Created::Broken => return Ok(findings),
    };
    let id = listen_id(ctx);
    let first = open(ctx, &id, json!({"taskIds": [task]})).await?;
    let label = format!("subscriptions/listen {{taskIds: [{task:?}]}} declaring {EXTENSION}");
    let ack = match first {
        Some(m) if method_of(&m) == ACK => m,
        Some(m) => {
            findings.push(ctx.finding(
                format!("{label}: the first message is not the acknowledgement"),
                format!("{ACK}, tagged with the listen id"),
                compact(&m),
            ));
            stop(ctx, &id).await;
            let _ = send(ctx, "tasks/cancel", json!({"taskId": task})).await;
            return Ok(findings);
        }
        None => {
            findings.push(ctx.finding(
                format!("{label}: no acknowledgement"),
                format!("{ACK} within {} ms", FIRST_WAIT.as_millis()),
                "nothing",
            ));
            let _ = send(ctx, "tasks/cancel", json!({"taskId": task})).await;
            return Ok(findings);
        }
    };
    let (ack_findings, agreed) = judge_ack(ctx, &ack, &id, &task);
    findings.extend(ack_findings);
    if !agreed {
        stop(ctx, &id).await;
        let _ = send(ctx, "tasks/cancel", json!({"taskId": task})).await;
        if findings.is_empty() {
            return Err(Skip(format!(
                "the server declined notifications for task {task:?} (its acknowledgement omits it, which it MAY)"
            )));
        }
        return Ok(findings);
    }
    let from = match get(ctx, &task).await {
        Ok(t) => status_of(&t),
        Err(why) => {
            stop(ctx, &id).await;
            if !findings.is_empty() {
                return Ok(findings);
            }
            return Err(Skip(format!(
                "tasks/get {task} after the acknowledgement: {why}"
            )));
        }
    };
    if is_terminal(&from) {
        stop(ctx, &id).await;
        if !findings.is_empty() {
            return Ok(findings);
        }
        return Err(Skip(format!(
            "the task was already {from} when the listen was acknowledged: no change left to notify (use a longer-running tool)"
        )));
    }
    let bound = max_wait(ctx);
    let (seen, ended) = follow(ctx, &id, &task, bound).await;
    stop(ctx, &id).await;
    findings.extend(judge_stream(ctx, &seen, &id, &task, &from));
    let got = get(ctx, &task).await;
    match (ended, got) {
        (true, Ok(got)) => {
            if let Some(last) = seen.last() {
                findings.extend(judge_last(ctx, last, &got));
            }
        }
        (true, Err(why)) => findings.push(ctx.finding(
            format!("tasks/get {task} after its terminal {NOTICE}: {why}"),
            "the ended task",
            why.clone(),
        )),
        (false, Ok(got)) if is_terminal(&status_of(&got)) => findings.push(ctx.finding(
            format!(
                "the task ended {} (tasks/get) but no terminal {NOTICE} arrived within {} ms on the listen acknowledged for it",
                status_of(&got),
                bound.as_millis()
            ),
            format!("a {NOTICE} on each status change of an acknowledged task"),
            format!("{} message(s) on the listen", seen.len()),
        )),
        (false, _) => {
            let _ = send(ctx, "tasks/cancel", json!({"taskId": task})).await;
            if findings.is_empty() {
                return Err(Skip(format!(
                    "the task did not end within {} ms: no terminal notice to judge (raise max_wait_ms)",
                    bound.as_millis()
                )));
            }
        }
    }
    Ok(findings)
}

/// `v26.tasks-notify-undeclared`: a listen asking for `taskIds` (of a real task when the server
/// creates one) without declaring the extension is -32021 with
/// `data.requiredCapabilities.extensions["io.modelcontextprotocol/tasks"]`.
pub async fn undeclared(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let params = call_params(ctx, "tool")?;
    let mut findings = Vec::new();
    let real = match create(ctx, params, &mut findings).await {
        Ok(Created::Task(task, _)) => Some(task),
        _ => None,
    };
    let task = real
        .clone()
        .unwrap_or_else(|| format!("mcpcheck-task-{:016x}", rand::random::<u64>()));
    declare_extension(ctx, false);
    let id = listen_id(ctx);
    let label =
        format!("subscriptions/listen {{taskIds: [{task:?}]}} without declaring {EXTENSION}");
    let first = open(ctx, &id, json!({"taskIds": [task]})).await;
    declare_extension(ctx, true);
    let first = match first {
        Ok(f) => f,
        Err(skip) => {
            if let Some(t) = &real {
                let _ = send(ctx, "tasks/cancel", json!({"taskId": t})).await;
            }
            return Err(skip);
        }
    };
    let want = format!("error -32021 with data.requiredCapabilities.extensions[\"{EXTENSION}\"]");
    match first {
        Some(m) if jsonrpc::is_response_to(&m, &id) && m.get("error").is_some() => {
            let code = m.pointer("/error/code").and_then(Value::as_i64);
            let names = m
                .pointer("/error/data/requiredCapabilities/extensions")
                .and_then(|e| e.get(EXTENSION))
                .is_some();
            if code != Some(-32021) || !names {
                findings.push(ctx.finding(
                    format!("{label}: refused, but not with -32021 naming the extension"),
                    want,
                    compact(&m),
                ));
            }
        }
        Some(m) => {
            findings.push(ctx.finding(
                format!("{label}: served instead of refused"),
                want,
                compact(&m),
            ));
            stop(ctx, &id).await;
        }
        None => findings.push(ctx.finding(
            format!("{label}: no answer"),
            want,
            format!("nothing within {} ms", FIRST_WAIT.as_millis()),
        )),
    }
    if let Some(t) = &real {
        let _ = send(ctx, "tasks/cancel", json!({"taskId": t})).await;
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_picks_the_task_and_listen_messages() {
        let id = json!("L");
        let tagged =
            json!({"method": NOTICE, "params": {"taskId": "t", "_meta": {SUBSCRIPTION_ID: "L"}}});
        let untagged = json!({"method": NOTICE, "params": {"taskId": "t"}});
        let other_task_on_listen =
            json!({"method": NOTICE, "params": {"taskId": "u", "_meta": {SUBSCRIPTION_ID: "L"}}});
        let progress = json!({"method": "notifications/progress", "params": {"_meta": {SUBSCRIPTION_ID: "L"}}});
        let foreign = json!({"method": "notifications/progress", "params": {"progressToken": 1}});
        assert!(followed(&tagged, &id, "t"));
        assert!(followed(&untagged, &id, "t"));
        assert!(followed(&other_task_on_listen, &id, "t"));
        assert!(followed(&progress, &id, "t"));
        assert!(!followed(&foreign, &id, "t"));
        assert!(!followed(
            &json!({"method": ACK, "params": {"_meta": {SUBSCRIPTION_ID: "L"}}}),
            &id,
            "t"
        ));
    }
}
