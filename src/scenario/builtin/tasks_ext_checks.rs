//! The checks of the 2026-07-28 tasks extension (`io.modelcontextprotocol/tasks`), each over
//! the helpers of `tasks_ext`: the task handle and its durability, polling to a terminal status,
//! `isError` results completing, input requests answered with `tasks/update`, failed tasks
//! carrying their error, no task and no task methods without the declaration, unknown ids, and
//! cooperative cancellation that leaves terminal tasks alone.

use super::mrtr::responses_for;
use super::tasks_ext::{
    call_params, create, declare_extension, is_terminal, max_wait, poll, poll_until_terminal, send,
    task_findings, unfinished, Created, Polled, Reply, EXTENSION,
};
use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::scenario::expect::compact;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tokio::time::Instant;

/// Most `tasks/update` rounds one task may take.
const MAX_UPDATES: usize = 8;

/// Creates the scenario's task (`args.tool`), or returns what the check ends with.
macro_rules! task_or_return {
    ($ctx:expr, $params:expr, $findings:expr) => {
        match create($ctx, $params, &mut $findings).await? {
            Created::Task(id, task) => (id, task),
            Created::Broken => return Ok($findings),
        }
    };
}

/// `v26.tasks-create`: a well-formed `CreateTaskResult`, and a `tasks/get` sent at once
/// resolves it (the task is durably created before the response).
pub async fn create_shape(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let params = call_params(ctx, "tool")?;
    let mut findings = Vec::new();
    let (id, _) = task_or_return!(ctx, params, findings);
    let label = format!("tasks/get {id} right after the CreateTaskResult");
    match send(ctx, "tasks/get", json!({"taskId": id})).await {
        Reply::Result(task) => findings.extend(task_findings(ctx, &label, &task, Some("complete"))),
        Reply::Error(e) => findings.push(ctx.finding(
            format!("{label}: the task does not resolve yet"),
            "the task (a CreateTaskResult only once tasks/get resolves)",
            compact(&e),
        )),
        Reply::Nothing(why) => {
            findings.push(ctx.finding(format!("{label}: {why}"), "the task", why.clone()))
        }
    }
    let _ = send(ctx, "tasks/cancel", json!({"taskId": id})).await;
    Ok(findings)
}

/// `v26.tasks-poll`: polling reaches a terminal status within the bound, every `tasks/get`
/// result is a well-formed `DetailedTask` with `resultType: "complete"`, and the terminal status
/// stays (one more poll shows the same status).
pub async fn poll_to_end(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let params = call_params(ctx, "tool")?;
    let mut findings = Vec::new();
    let (id, _) = task_or_return!(ctx, params, findings);
    let mut prev = None;
    let polled = poll_until_terminal(ctx, &id, &mut prev, &mut findings).await;
    if let Polled::At(..) = polled {
        // Terminal is final: the next poll must agree.
        let _ = poll(ctx, &id, Instant::now(), false, &mut prev, &mut findings).await;
    }
    Ok(findings)
}

/// `v26.tasks-iserror`: a tool result with `isError: true` (as the same call without the
/// extension returns it) ends the task `completed` with that result, not `failed`.
pub async fn is_error(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let params = call_params(ctx, "tool")?;
    declare_extension(ctx, false);
    let plain = send(ctx, "tools/call", params.clone()).await;
    let tool = params["name"].as_str().unwrap_or("?").to_string();
    match &plain {
        Reply::Result(r) if r.get("isError") == Some(&json!(true)) => {}
        other => {
            return Err(Skip(format!(
                "tools/call {tool} without the extension gave no isError result ({})",
                describe(other)
            )))
        }
    }
    let mut findings = Vec::new();
    let (id, _) = task_or_return!(ctx, params, findings);
    let mut prev = None;
    let polled = poll_until_terminal(ctx, &id, &mut prev, &mut findings).await;
    if let Polled::At(status, task) = polled {
        let is_error = task.pointer("/result/isError") == Some(&json!(true));
        if status != "completed" || !is_error {
            findings.push(ctx.finding(
                format!("tools/call {tool} as a task: a tool result with isError: true did not complete the task"),
                "status completed with the isError result in `result` (failed is for JSON-RPC errors only)",
                compact(&task),
            ));
        }
    }
    Ok(findings)
}

fn describe(reply: &Reply) -> String {
    match reply {
        Reply::Result(r) => format!("result {}", compact(r)),
        Reply::Error(e) => format!("error {}", compact(e)),
        Reply::Nothing(why) => why.clone(),
    }
}

/// The input-required loop shared by `tasks-input` and `tasks-failed`: polls, answers each
/// new key with `answer` (the configured replies, or a fixed reply), and judges acks and keys.
/// Returns where the task ended.
async fn drive_input(
    ctx: &mut BuiltinCtx<'_>,
    id: &str,
    fixed: Option<&Value>,
    findings: &mut Vec<Finding>,
) -> Result<Polled, Skip> {
    let bound = max_wait(ctx);
    let deadline = Instant::now() + bound;
    let mut prev = None;
    // Every key answered, with the request it was asked with.
    let mut answered: BTreeMap<String, Value> = BTreeMap::new();
    let mut asked_once = false;
    for _ in 0..=MAX_UPDATES {
        let polled = poll(ctx, id, deadline, true, &mut prev, findings).await;
        let Polled::At(status, task) = &polled else {
            if let Some(f) = unfinished(ctx, "polling", &polled, bound) {
                findings.push(f);
            }
            return Ok(polled);
        };
        if status != "input_required" {
            if !asked_once {
                return Err(Skip(format!(
                    "the task ended {status} without asking for input"
                )));
            }
            return Ok(polled);
        }
        asked_once = true;
        let requests = task
            .get("inputRequests")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut fresh = serde_json::Map::new();
        let mut reused = false;
        for (key, req) in &requests {
            match answered.get(key) {
                Some(old) if old != req => {
                    reused = true;
                    findings.push(ctx.finding(
                    format!("tasks/get {id}: the inputRequests key {key:?} was answered before and now names another request"),
                    "keys unique over the task's lifetime",
                    format!("answered {}; now {}", compact(old), compact(req)),
                ));
                }
                // Still shown after its answer: the ack may precede the status.
                Some(_) => {}
                None => {
                    fresh.insert(key.clone(), req.clone());
                }
            }
        }
        if reused {
            return Ok(polled);
        }
        if fresh.is_empty() {
            // Only answered keys outstanding: wait for the status to catch up.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        }
        let responses = match fixed {
            Some(reply) => {
                Value::Object(fresh.keys().map(|k| (k.clone(), reply.clone())).collect())
            }
            None => responses_for(ctx, &json!({"inputRequests": fresh})).map_err(|m| {
                Skip(format!(
                    "the scenario configures no result reply for the input request method {m:?}"
                ))
            })?,
        };
        answered.extend(fresh);
        let label = format!("tasks/update {id}");
        match send(
            ctx,
            "tasks/update",
            json!({"taskId": id, "inputResponses": responses}),
        )
        .await
        {
            Reply::Result(ack) if ack.get("resultType") == Some(&json!("complete")) => {}
            other => {
                findings.push(ctx.finding(
                    format!("{label}: no acknowledgement"),
                    "an empty result with resultType \"complete\"",
                    describe(&other),
                ));
                return Ok(Polled::Broken);
            }
        }
    }
    findings.push(ctx.finding(
        format!("tasks/get {id}: still asking for input after {MAX_UPDATES} answered rounds"),
        "the task to proceed once its input requests are answered",
        format!("{} keys answered", answered.len()),
    ));
    Ok(Polled::Broken)
}

/// `v26.tasks-input`: an `input_required` task lists its outstanding requests; answering them
/// with `tasks/update` (the scenario's `[client.replies]`) is acknowledged and the task then
/// completes with a result reflecting the answer (`args.contains`); keys are never reused for
/// another request.
pub async fn input(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let params = call_params(ctx, "tool")?;
    let mut findings = Vec::new();
    let (id, _) = task_or_return!(ctx, params, findings);
    let polled = drive_input(ctx, &id, None, &mut findings).await?;
    if let Polled::At(status, task) = polled {
        let text = compact(task.get("result").unwrap_or(&Value::Null));
        let want = ctx.args.get("contains").and_then(Value::as_str);
        if status != "completed" {
            findings.push(ctx.finding(
                format!("tasks/get {id}: the answered task ended {status}"),
                "completed",
                compact(&task),
            ));
        } else if let Some(want) = want.filter(|w| !text.contains(*w)) {
            findings.push(ctx.finding(
                format!("tasks/get {id}: the result does not reflect the client's answer"),
                format!("a result containing {want:?}"),
                text,
            ));
        }
    }
    Ok(findings)
}

/// `v26.tasks-failed`: answered with a reply the tool cannot use (`args.bad_reply`), a task
/// that fails carries the JSON-RPC error (`error.code`, `error.message`). SKIP when the server
/// completes or keeps asking instead.
pub async fn failed(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let params = call_params(ctx, "tool")?;
    let Some(bad) = ctx.args.get("bad_reply").cloned() else {
        return Err(Skip("no `bad_reply` argument".into()));
    };
    let mut findings = Vec::new();
    let (id, _) = task_or_return!(ctx, params, findings);
    match drive_input(ctx, &id, Some(&bad), &mut findings).await? {
        // The shape of a failed task (its error) was judged while polling.
        Polled::At(status, _) if status == "failed" => {}
        Polled::At(status, _) if findings.is_empty() => {
            return Err(Skip(format!(
                "the task ended {status}: the server took the unusable answer"
            )))
        }
        _ => {}
    }
    Ok(findings)
}

/// `v26.tasks-undeclared`: without the extension declared, `tools/call` is never answered
/// with a task (-32021 naming the extension is allowed), and `tasks/get`, `tasks/update` and
/// `tasks/cancel` of a real task are refused with -32021.
pub async fn undeclared(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let params = call_params(ctx, "tool")?;
    let tool = params["name"].as_str().unwrap_or("?").to_string();
    let mut findings = Vec::new();
    declare_extension(ctx, false);
    let label = format!("tools/call {tool} without declaring {EXTENSION}");
    match send(ctx, "tools/call", params.clone()).await {
        Reply::Result(r) if r.get("resultType") == Some(&json!("task")) => {
            findings.push(ctx.finding(
                format!("{label}: answered with a task"),
                "the tool's own result (or -32021 naming the extension)",
                compact(&r),
            ))
        }
        Reply::Error(e)
            if e.get("code") == Some(&json!(-32021))
                && e.pointer("/data/requiredCapabilities/extensions")
                    .and_then(|x| x.get(EXTENSION))
                    .is_none() =>
        {
            findings.push(ctx.finding(
                format!("{label}: -32021 without naming the extension"),
                format!("data.requiredCapabilities.extensions[\"{EXTENSION}\"]"),
                compact(&e),
            ));
        }
        _ => {}
    }
    let (id, _) = match create(ctx, params, &mut findings).await {
        Ok(Created::Task(id, task)) => (id, task),
        Ok(Created::Broken) => return Ok(findings),
        // No task to name: the first half is the check.
        Err(_) => return Ok(findings),
    };
    declare_extension(ctx, false);
    for (method, params) in [
        ("tasks/get", json!({"taskId": id})),
        ("tasks/update", json!({"taskId": id, "inputResponses": {}})),
        ("tasks/cancel", json!({"taskId": id})),
    ] {
        let reply = send(ctx, method, params).await;
        let code = match &reply {
            Reply::Error(e) => e.get("code").and_then(Value::as_i64),
            _ => None,
        };
        if code != Some(-32021) {
            findings.push(ctx.finding(
                format!("{method} of a real task without declaring {EXTENSION}: not refused with -32021"),
                "error -32021 (Missing Required Client Capability)",
                describe(&reply),
            ));
        }
    }
    declare_extension(ctx, true);
    let _ = send(ctx, "tasks/cancel", json!({"taskId": id})).await;
    Ok(findings)
}

/// `v26.tasks-unknown-id`: `tasks/get` of an id the server never issued is -32602 (MUST);
/// `tasks/update` and `tasks/cancel` of it are a JSON-RPC error, -32602 (SHOULD).
pub async fn unknown_id(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    declare_extension(ctx, true);
    let id = format!("mcpcheck-no-such-task-{:016x}", rand::random::<u64>());
    let mut findings = Vec::new();
    for (method, params, level) in [
        ("tasks/get", json!({"taskId": id}), Level::Must),
        (
            "tasks/update",
            json!({"taskId": id, "inputResponses": {}}),
            Level::Should,
        ),
        ("tasks/cancel", json!({"taskId": id}), Level::Should),
    ] {
        let reply = send(ctx, method, params).await;
        let code = match &reply {
            Reply::Error(e) => e.get("code").and_then(Value::as_i64),
            _ => None,
        };
        if code != Some(-32602) {
            findings.push(ctx.finding_at(
                level,
                format!("{method} of an unknown taskId: not -32602"),
                "error -32602 (Invalid params)",
                describe(&reply),
            ));
        }
    }
    Ok(findings)
}

/// `v26.tasks-cancel`: `tasks/cancel` of a running task is acknowledged (an empty result,
/// `resultType: "complete"`); afterwards any status may follow (cancellation is cooperative)
/// but a terminal one stays. Cancelling a task that already ended leaves its status as it was.
pub async fn cancel(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let long = call_params(ctx, "tool")?;
    let short = call_params(ctx, "short_tool").unwrap_or_else(|_| long.clone());
    let short = match ctx.args.get("short_arguments") {
        Some(a) => json!({"name": short["name"], "arguments": a}),
        None => short,
    };
    let mut findings = Vec::new();
    let (id, _) = task_or_return!(ctx, long, findings);
    let label = format!("tasks/cancel {id}");
    match send(ctx, "tasks/cancel", json!({"taskId": id})).await {
        Reply::Result(ack) if ack.get("resultType") == Some(&json!("complete")) => {}
        other => findings.push(ctx.finding(
            format!("{label}: no acknowledgement"),
            "an empty result with resultType \"complete\"",
            describe(&other),
        )),
    }
    // Whatever follows is allowed; only its shape and the finality of a terminal status count.
    let mut prev = None;
    let _ = poll(
        ctx,
        &id,
        Instant::now() + std::time::Duration::from_millis(500),
        false,
        &mut prev,
        &mut findings,
    )
    .await;
    // A task that ended: cancelling it must not change it.
    let (done, _) = task_or_return!(ctx, short, findings);
    let mut prev = None;
    let polled = poll_until_terminal(ctx, &done, &mut prev, &mut findings).await;
    let Polled::At(status, _) = polled else {
        return Ok(findings);
    };
    if !is_terminal(&status) {
        return Ok(findings);
    }
    // An ack or an error are both allowed for a task that already ended.
    let _ = send(ctx, "tasks/cancel", json!({"taskId": done})).await;
    let _ = poll(ctx, &done, Instant::now(), false, &mut prev, &mut findings).await;
    Ok(findings)
}
