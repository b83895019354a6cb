//! Tasks (2025-11-25): a task-augmented tool call driven through its life (create → poll →
//! result → listed; unknown ids), cancellation, and the refusal of plain calls to task-only
//! tools. Every response is checked against the wire schema by `send_validated`.

use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::scenario::expect::compact;
use crate::scenario::template::render_value;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The `_meta` key tying a message to its task.
pub(super) const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

pub(super) const TERMINAL: [&str; 3] = ["completed", "failed", "cancelled"];

/// The tool (and arguments) a builtin uses: `args.tool` and `args.arguments` rendered, then
/// [`choose_tool`] over the listed tools.
pub(super) fn pick_tool(ctx: &BuiltinCtx<'_>, support: &[&str]) -> Result<(String, Value), Skip> {
    let render = |k: &str| {
        ctx.args
            .get(k)
            .map(|v| render_value(v, ctx.vars))
            .transpose()
            .map_err(|e| Skip(e.to_string()))
    };
    let arguments = render("arguments")?;
    let tool = render("tool")?.and_then(|v| v.as_str().map(str::to_string));
    choose_tool(&ctx.run.tools, support, tool, arguments).map_err(Skip)
}

/// `tool` when configured, else the first of `tools` whose `execution.taskSupport` is one of
/// `support` and for which arguments can be built. The arguments are `arguments` when
/// configured, else built from the tool's `inputSchema`: an empty object would fail a tool with
/// required inputs, and the server's (correct) -32602 for that would read as "no
/// CreateTaskResult". `Err` is the reason to skip.
fn choose_tool(
    tools: &[Value],
    support: &[&str],
    tool: Option<String>,
    arguments: Option<Value>,
) -> Result<(String, Value), String> {
    let name_of = |t: &Value| t.get("name").and_then(Value::as_str).map(str::to_string);
    if let Some(name) = tool {
        let arguments = arguments
            .or_else(|| {
                tools
                    .iter()
                    .find(|t| name_of(t).as_deref() == Some(name.as_str()))
                    .and_then(schema_arguments)
            })
            .unwrap_or_else(|| json!({}));
        return Ok((name, arguments));
    }
    let what = format!("execution.taskSupport {}", support.join(" or "));
    let candidates: Vec<&Value> = tools
        .iter()
        .filter(|t| {
            t.pointer("/execution/taskSupport")
                .and_then(Value::as_str)
                .is_some_and(|s| support.contains(&s))
        })
        .collect();
    if candidates.is_empty() {
        return Err(format!("the server lists no tool with {what}"));
    }
    candidates
        .into_iter()
        .find_map(|t| {
            let args = match &arguments {
                Some(a) => a.clone(),
                None => schema_arguments(t)?,
            };
            Some((name_of(t)?, args))
        })
        .ok_or_else(|| {
            format!("no tool with {what} has arguments the harness can build (set `arguments`)")
        })
}

/// Arguments for `tool` built from its `inputSchema` (an absent schema takes none).
fn schema_arguments(tool: &Value) -> Option<Value> {
    match tool.get("inputSchema") {
        Some(schema) => super::argsgen::build_arguments(schema),
        None => Some(json!({})),
    }
}

/// Sends a task-augmented `tools/call`; the task id and the task, or a finding.
pub(super) async fn create_task(
    ctx: &mut BuiltinCtx<'_>,
    tool: &str,
    arguments: &Value,
    findings: &mut Vec<Finding>,
) -> Option<(String, Value)> {
    let params = json!({"name": tool, "arguments": arguments, "task": {"ttl": 60000}});
    let label = format!("task-augmented tools/call {tool}");
    let resp = ctx.call("tools/call", params, &label, findings).await?;
    let task = resp.pointer("/result/task").cloned();
    let id = task
        .as_ref()
        .and_then(|t| t.get("taskId"))
        .and_then(Value::as_str);
    match (id, task.as_ref()) {
        (Some(id), Some(task)) => {
            let status = task.get("status").and_then(Value::as_str).unwrap_or("");
            if status != "working" && !TERMINAL.contains(&status) {
                findings.push(ctx.finding(
                    format!("{label}: a new task in status {status:?}"),
                    "working",
                    compact(task),
                ));
            }
            Some((id.to_string(), task.clone()))
        }
        _ => {
            findings.push(ctx.finding(
                format!("{label}: no CreateTaskResult"),
                "a result with task.taskId",
                compact(&resp),
            ));
            None
        }
    }
}

/// The error code of a response, if it is an error.
pub(super) fn error_code(resp: &Value) -> Option<i64> {
    resp.pointer("/error/code").and_then(Value::as_i64)
}

/// Whether `from` → `to` is a legal status change.
pub(super) fn legal(from: &str, to: &str) -> bool {
    from == to
        || match from {
            "working" => to == "input_required" || TERMINAL.contains(&to),
            "input_required" => to == "working" || TERMINAL.contains(&to),
            _ => false,
        }
}

/// `tasks.lifecycle`: create a task, poll `tasks/get` (at `pollInterval`) until it is terminal
/// with legal transitions only, read `tasks/result` (the related-task `_meta` naming the task;
/// status notices received meanwhile with legal transitions only),
/// find the task in `tasks/list` (when advertised), and expect -32602 for an unknown id.
pub async fn lifecycle(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let (tool, arguments) = pick_tool(ctx, &["optional", "required"])?;
    let mut findings = Vec::new();
    let Some((id, task)) = create_task(ctx, &tool, &arguments, &mut findings).await else {
        return Ok(findings);
    };
    let interval = task
        .get("pollInterval")
        .and_then(Value::as_u64)
        .unwrap_or(200)
        .clamp(20, 1000);
    let deadline = Instant::now() + ctx.session.options().timeout * 3;
    let mut last = "working".to_string();
    let mut seen = vec![last.clone()];
    while !TERMINAL.contains(&last.as_str()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(interval)).await;
        let Some(resp) = ctx
            .call(
                "tasks/get",
                json!({"taskId": id}),
                "tasks/get",
                &mut findings,
            )
            .await
        else {
            return Ok(findings);
        };
        let status = resp
            .pointer("/result/status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !legal(&last, &status) {
            findings.push(ctx.finding(
                format!("tasks/get: illegal status change {last} → {status}"),
                "working → input_required/terminal; terminal never changes",
                seen.join(" → "),
            ));
        }
        seen.push(status.clone());
        last = status;
    }
    if !TERMINAL.contains(&last.as_str()) {
        return Err(Skip(format!(
            "the task did not end within {}ms (statuses {})",
            (ctx.session.options().timeout * 3).as_millis(),
            seen.join(" → ")
        )));
    }
    if let Some(resp) = ctx
        .call(
            "tasks/result",
            json!({"taskId": id}),
            "tasks/result",
            &mut findings,
        )
        .await
    {
        let meta = resp
            .get("result")
            .or_else(|| resp.pointer("/error/data"))
            .and_then(|r| r.pointer(&format!("/_meta/{}", RELATED_TASK.replace('/', "~1"))));
        if meta.and_then(|m| m.get("taskId")) != Some(&json!(id)) {
            findings.push(ctx.finding(
                "tasks/result: the response lacks _meta[\"io.modelcontextprotocol/related-task\"].taskId naming the task",
                format!("_meta.{RELATED_TASK}.taskId = {id:?}"),
                compact(&resp),
            ));
        }
        if last == "completed" && resp.get("result").is_none() {
            findings.push(ctx.finding(
                "tasks/result: a completed task's result is an error",
                "the underlying CallToolResult",
                compact(&resp),
            ));
        }
    }
    // Status notices (optional) received for the task follow the state machine too.
    let notices = super::tasks_input::take_notices(ctx, &id).await;
    super::tasks_input::judge_transitions(ctx, &notices, &mut findings);
    if ctx.run.has_capability("tasks.list") {
        list_contains(ctx, &id, &mut findings).await;
    }
    unknown_id(ctx, "tasks/get", &mut findings).await;
    Ok(findings)
}

/// `tasks/list`, walked across pages, lists task `id`.
async fn list_contains(ctx: &mut BuiltinCtx<'_>, id: &str, findings: &mut Vec<Finding>) {
    let mut cursor: Option<Value> = None;
    for _ in 0..50 {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let Some(resp) = ctx.call("tasks/list", params, "tasks/list", findings).await else {
            return;
        };
        let tasks = resp.pointer("/result/tasks").and_then(Value::as_array);
        if tasks.is_some_and(|t| t.iter().any(|t| t.get("taskId") == Some(&json!(id)))) {
            return;
        }
        match resp.pointer("/result/nextCursor") {
            Some(c) if c.is_string() => cursor = Some(c.clone()),
            _ => break,
        }
    }
    findings.push(ctx.finding(
        "tasks/list does not list a task tasks/get can reach",
        format!("task {id:?} listed"),
        "absent from every page",
    ));
}

/// An unknown task id is -32602.
async fn unknown_id(ctx: &mut BuiltinCtx<'_>, method: &str, findings: &mut Vec<Finding>) {
    let params = json!({"taskId": "mcpcheck-no-such-task"});
    let label = format!("{method} with an unknown taskId");
    if let Some(resp) = ctx.call(method, params, &label, findings).await {
        if error_code(&resp) != Some(-32602) {
            findings.push(ctx.finding(
                format!("{label}: not -32602"),
                "error -32602 (Invalid params)",
                compact(&resp),
            ));
        }
    }
}

/// `tasks.cancel`: a running task cancelled is `cancelled` in the answer and afterwards; a
/// second cancel (the task now terminal) and an unknown id are -32602.
pub async fn cancel(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let (tool, arguments) = pick_tool(ctx, &["optional", "required"])?;
    let mut findings = Vec::new();
    let Some((id, _)) = create_task(ctx, &tool, &arguments, &mut findings).await else {
        return Ok(findings);
    };
    let params = json!({"taskId": id});
    let Some(resp) = ctx
        .call(
            "tasks/cancel",
            params.clone(),
            "tasks/cancel",
            &mut findings,
        )
        .await
    else {
        return Ok(findings);
    };
    match resp.pointer("/result/status").and_then(Value::as_str) {
        Some("cancelled") => {}
        // The task may have ended before the cancel arrived: then -32602 is right.
        _ if error_code(&resp) == Some(-32602) => {
            return Err(Skip(
                "the task ended before it could be cancelled (raise its duration with `arguments`)"
                    .into(),
            ))
        }
        _ => findings.push(ctx.finding(
            "tasks/cancel: the answer is not the task in status cancelled",
            "a Task with status cancelled",
            compact(&resp),
        )),
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    if let Some(resp) = ctx
        .call(
            "tasks/get",
            params.clone(),
            "tasks/get after cancel",
            &mut findings,
        )
        .await
    {
        let status = resp.pointer("/result/status").and_then(Value::as_str);
        // Deleting a cancelled task is allowed: then -32602.
        if status != Some("cancelled") && error_code(&resp) != Some(-32602) {
            findings.push(ctx.finding(
                "tasks/get after tasks/cancel: the task left the cancelled status",
                "cancelled (or deleted: -32602)",
                compact(&resp),
            ));
        }
    }
    if let Some(resp) = ctx
        .call(
            "tasks/cancel",
            params,
            "tasks/cancel of a cancelled task",
            &mut findings,
        )
        .await
    {
        if error_code(&resp) != Some(-32602) {
            findings.push(ctx.finding(
                "tasks/cancel of a task already terminal: not refused with -32602",
                "error -32602 (Invalid params)",
                compact(&resp),
            ));
        }
    }
    unknown_id(ctx, "tasks/cancel", &mut findings).await;
    Ok(findings)
}

/// `tools.task-required`: a plain call to each tool with `execution.taskSupport: required`
/// must not succeed: -32601 (MUST); -32600 is allowed by the error section (WARN).
pub async fn task_required(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let tools: Vec<(String, Value)> = ctx
        .run
        .tools
        .iter()
        .filter(|t| t.pointer("/execution/taskSupport") == Some(&json!("required")))
        .filter_map(|t| {
            let name = t.get("name")?.as_str()?.to_string();
            let args = super::argsgen::build_arguments(t.get("inputSchema")?)?;
            Some((name, args))
        })
        .take(10)
        .collect();
    if tools.is_empty() {
        return Err(Skip(
            "the server lists no tool with execution.taskSupport required".into(),
        ));
    }
    let mut findings = Vec::new();
    for (name, args) in tools {
        let label = format!("plain tools/call {name} (task-only)");
        let params = json!({"name": name, "arguments": args});
        let Some(resp) = ctx.call("tools/call", params, &label, &mut findings).await else {
            continue;
        };
        match error_code(&resp) {
            Some(-32601) => {}
            Some(-32600) => findings.push(ctx.finding_at(
                Level::Should,
                format!("{label}: -32600 rather than -32601"),
                "error -32601 (Method not found)",
                compact(&resp),
            )),
            _ => findings.push(ctx.finding(
                format!("{label}: not refused"),
                "error -32601 (Method not found)",
                compact(&resp),
            )),
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::{choose_tool, legal};
    use serde_json::json;

    #[test]
    fn task_tools_get_arguments_built_from_their_schema() {
        // server-everything's task-only tool: `topic` is required, so `{}` would be refused.
        let tools = vec![
            json!({"name": "plain", "inputSchema": {"type": "object"}}),
            json!({"name": "research", "execution": {"taskSupport": "required"},
                "inputSchema": {"type": "object", "properties": {"topic": {"type": "string"}},
                    "required": ["topic"]}}),
        ];
        let (name, args) = choose_tool(&tools, &["optional", "required"], None, None).unwrap();
        assert_eq!(name, "research");
        assert_eq!(args, json!({"topic": "mcpcheck"}));
        // Configured arguments win; a configured tool gets its schema's arguments otherwise.
        let given = choose_tool(&tools, &["required"], None, Some(json!({"topic": "x"})));
        assert_eq!(given.unwrap().1, json!({"topic": "x"}));
        let named = choose_tool(&tools, &["optional"], Some("research".into()), None).unwrap();
        assert_eq!(
            named,
            ("research".to_string(), json!({"topic": "mcpcheck"}))
        );
    }

    #[test]
    fn no_task_tool_or_no_buildable_arguments_is_a_skip_reason() {
        let none = choose_tool(&[json!({"name": "plain"})], &["optional"], None, None);
        assert!(none.unwrap_err().contains("lists no tool"));
        let opaque = vec![
            json!({"name": "t", "execution": {"taskSupport": "optional"},
            "inputSchema": {"type": "object", "properties": {"x": {}}, "required": ["x"]}}),
        ];
        let skip = choose_tool(&opaque, &["optional"], None, None).unwrap_err();
        assert!(skip.contains("arguments"), "{skip}");
    }

    #[test]
    fn status_changes_follow_the_state_machine() {
        assert!(legal("working", "completed"));
        assert!(legal("working", "input_required"));
        assert!(legal("input_required", "working"));
        assert!(legal("completed", "completed"));
        assert!(!legal("completed", "working"));
        assert!(!legal("cancelled", "completed"));
    }
}
