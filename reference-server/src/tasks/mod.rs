//! Tasks (2025-11-25): the `tasks` capability, tool-level `execution.taskSupport`,
//! task-augmented `tools/call` answered with a `CreateTaskResult` while the tool runs in the
//! background, and `tasks/get`, `tasks/result` (blocks until the task is terminal, then returns
//! exactly what the call would have, with the related-task `_meta`), `tasks/cancel` and
//! `tasks/list`. The store is per session (`store`).
//!
//! A task that needs input (`approval_job`, see `input`) moves to `input_required` and queues
//! its request in the task's outbox; `tasks/result` forwards the outbox (that request, and a
//! `notifications/tasks/status` per status change) on its own stream while it waits. The newest
//! `tasks/result` of a task takes the outbox over (a client may drop the stream of an earlier
//! one and call again, see `outbox`).
//!
//! Sessions at earlier revisions neither see the capability nor the task-only tool, and a
//! `task` field in their requests is ignored, as the spec requires of receivers without it.

pub(crate) mod input;
pub(crate) mod outbox;
pub(crate) mod status;
pub(crate) mod store;

use crate::context::{Failure, HandlerResult, Outlet, Params, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::tools;
use crate::services::{
    self, object_schema, opt_int, Args, Hints, ToolError, ToolOutput, ToolResult, ToolSpec,
};
use crate::version::Version;
use serde_json::{json, Value};
use std::time::Duration;
use store::Outcome;

/// The `_meta` key tying a message to its task.
pub(crate) const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

/// The task-only tool.
const JOB_TOOL: &str = "batch_job";

tokio::task_local! {
    /// The id of the task whose background run is executing (unset outside one).
    static CURRENT_TASK: String;
}

/// The id of the task the calling code runs for, if it runs as one.
pub(crate) fn current_task() -> Option<String> {
    CURRENT_TASK.try_with(Clone::clone).ok()
}

/// Whether a session of `version` has tasks.
pub(crate) fn enabled(version: Version) -> bool {
    version >= Version::V2025_11_25
}

/// The `tasks` server capability.
pub(crate) fn capability() -> Value {
    json!({"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}})
}

/// The `execution.taskSupport` of a tool, when it declares one (absent means forbidden).
pub(crate) fn task_support(tool: &str) -> Option<&'static str> {
    match tool {
        "slow" => Some("optional"),
        JOB_TOOL | input::TOOL => Some("required"),
        "echo" => Some("forbidden"),
        _ => None,
    }
}

/// The task-only tools a session of `version` lists.
pub(crate) fn specs(version: Version) -> Vec<ToolSpec> {
    if !enabled(version) {
        return Vec::new();
    }
    vec![ToolSpec {
        name: JOB_TOOL,
        title: "Batch job",
        description: "Runs a job for `ms` milliseconds (default 200) and reports it done, or failed when `fail` is true. Task-augmented calls only (execution.taskSupport: required).",
        input_schema: object_schema(
            json!({
                "ms": {"type": "integer", "minimum": 0, "maximum": 60000, "description": "Duration (default 200)"},
                "fail": {"type": "boolean", "description": "End with an error result"},
            }),
            &[],
        ),
        output_schema: None,
        hints: Hints::READ_ONLY,
    }, input::spec()]
}

/// Runs the `batch_job` tool.
pub(crate) async fn run_job(ctx: &RequestCtx, args: &Args) -> ToolResult {
    let ms = opt_int(args, "ms", 0, 60_000)?.unwrap_or(200);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
        _ = ctx.cancelled() => return Err(Failure::Cancelled.into()),
    }
    if args.get("fail") == Some(&json!(true)) {
        return Err(ToolError::Execution(format!(
            "the job failed after {ms} ms (as asked)"
        )));
    }
    Ok(ToolOutput::text(format!("job done after {ms} ms")))
}

/// A `tools/call` that tasks decide: a task-augmented call (a `CreateTaskResult`), a plain call
/// to a task-only tool or a task call to a tool without task support (-32601). `None`: handle
/// it as a normal call.
pub(crate) fn route_tools_call(ctx: &RequestCtx, params: &Params) -> Option<HandlerResult> {
    if !enabled(ctx.version()) {
        return None;
    }
    let name = params.get("name")?.as_str()?;
    if !services::catalog(&ctx.state, &ctx.session)
        .iter()
        .any(|t| t.name == name)
    {
        return None;
    }
    let support = task_support(name);
    match (params.get("task"), support) {
        (None, Some("required")) if !ctx.has(Fault::TaskRequiredPlainOk) => {
            Some(Err(RpcError::method_not_found("tools/call").with_data(json!({
                "reason": format!("tool `{name}` must be called as a task (execution.taskSupport: required)")
            })).into()))
        }
        (None, _) => None,
        (Some(Value::Object(task)), Some("optional" | "required")) => {
            let ttl = task.get("ttl").and_then(Value::as_u64);
            Some(create(ctx, params, ttl))
        }
        (Some(Value::Object(_)), _) => Some(Err(RpcError::method_not_found("tools/call")
            .with_data(json!({"reason": format!("tool `{name}` does not support task-augmented calls")}))
            .into())),
        (Some(_), _) => Some(Err(RpcError::invalid_params("`task` must be an object").into())),
    }
}

/// Creates the task and starts the call in the background.
fn create(ctx: &RequestCtx, params: &Params, ttl: Option<u64>) -> HandlerResult {
    let store = ctx.session.tasks();
    let notices = store::Notices {
        related_meta: ctx.has(Fault::TaskStatusNoticeRelatedMeta),
        after_terminal: ctx.has(Fault::TaskStatusAfterTerminal),
    };
    let (id, task, cancel) = store.create(ttl, notices)?;
    let mut call = params.clone();
    call.remove("task");
    // Progress and logs of the background run go to the session's channel.
    let bg = RequestCtx::new(
        ctx.state.clone(),
        ctx.session.clone(),
        ctx.progress_token.clone(),
        Outlet::Session,
        cancel,
    );
    let task_id = id.clone();
    tokio::spawn(async move {
        let run = CURRENT_TASK.scope(task_id.clone(), tools::call(&bg, &call));
        let outcome = match run.await {
            Ok(result) => Ok(result),
            Err(Failure::Rpc(e)) => Err(e),
            // Cancelled: the store already says so.
            Err(Failure::Cancelled) => return,
        };
        bg.session.tasks().finish(&task_id, outcome);
    });
    Ok(json!({"task": task}))
}

/// The `taskId` parameter.
fn task_id(params: &Params) -> Result<&str, RpcError> {
    params
        .get("taskId")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("missing required string parameter `taskId`"))
}

/// The error for an unknown task id (the fault answers another code).
fn unknown(ctx: &RequestCtx, e: RpcError) -> Failure {
    if ctx.has(Fault::TaskUnknownIdWrongCode) && e.code == crate::jsonrpc::codes::INVALID_PARAMS {
        return RpcError::internal(e.message).into();
    }
    e.into()
}

/// Refuses task methods in sessions without tasks.
fn gate(ctx: &RequestCtx, method: &str) -> Result<(), Failure> {
    if enabled(ctx.version()) {
        Ok(())
    } else {
        Err(RpcError::method_not_found(method).into())
    }
}

/// `tasks/get`.
pub(crate) fn get(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    gate(ctx, "tasks/get")?;
    let id = task_id(params)?;
    ctx.session.tasks().get(id).map_err(|e| unknown(ctx, e))
}

/// `tasks/result`: waits for the task to end, forwarding its outbox (status notices, the
/// requests of an `input_required` task) on this request's stream meanwhile, then returns the
/// call's result or error.
pub(crate) async fn result(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    gate(ctx, "tasks/result")?;
    let id = task_id(params)?.to_string();
    let store = ctx.session.tasks();
    store.get(&id).map_err(|e| unknown(ctx, e))?;
    let outbox = store.outbox(&id);
    let turn = outbox.as_ref().map_or(0, |o| o.attach());
    let forward = async {
        if let Some(outbox) = &outbox {
            // Until a newer tasks/result of the task takes the outbox over.
            outbox.forward(turn, |msg| ctx.send_to_client(msg)).await;
        }
        std::future::pending::<()>().await;
    };
    let outcome = tokio::select! {
        o = store.outcome(&id) => o,
        () = forward => unreachable_pending(),
        _ = ctx.cancelled() => return Err(Failure::Cancelled),
    };
    // What the task queued as it ended (its terminal notice) goes out before the response.
    if let Some(outbox) = &outbox {
        outbox.drain_now(turn, |msg| ctx.send_to_client(msg));
    }
    let related = json!({"taskId": id});
    match outcome {
        Ok(mut r) => {
            if !ctx.has(Fault::TaskResultNoRelatedMeta) {
                if let Some(m) = r.as_object_mut() {
                    let meta = m.entry("_meta").or_insert_with(|| json!({}));
                    meta[RELATED_TASK] = related;
                }
            }
            Ok(r)
        }
        Err(mut e) => {
            if !ctx.has(Fault::TaskResultNoRelatedMeta) && e.data.is_none() {
                e.data = Some(json!({"_meta": {RELATED_TASK: related}}));
            }
            Err(e.into())
        }
    }
}

/// The forwarding loop never ends (`pending` after it), so its branch is never taken.
fn unreachable_pending() -> Outcome {
    Err(RpcError::internal("the task outbox closed"))
}

/// `tasks/cancel`.
pub(crate) fn cancel(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    gate(ctx, "tasks/cancel")?;
    let id = task_id(params)?;
    match ctx.session.tasks().cancel(id) {
        Ok(task) => Ok(task),
        Err(Ok(terminal)) if ctx.has(Fault::TaskCancelTerminalOk) => Ok(terminal),
        Err(Ok(terminal)) => Err(RpcError::invalid_params(format!(
            "task {id:?} is already {} and cannot be cancelled",
            terminal["status"].as_str().unwrap_or("terminal")
        ))
        .into()),
        Err(Err(e)) => Err(unknown(ctx, e)),
    }
}

/// `tasks/list`.
pub(crate) fn list(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    gate(ctx, "tasks/list")?;
    let cursor = match params.get("cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.as_str()),
        Some(_) => return Err(RpcError::invalid_params("`cursor` must be a string").into()),
    };
    Ok(ctx.session.tasks().list(cursor)?)
}
