//! The tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`), client side: declaring
//! it on a request, creating a task with `tools/call`, polling `tasks/get` to a bounded end, and
//! judging what comes back by hand (the revision's own schema has no tasks).
//!
//! A `tools/call` that declares the extension may be answered with a `CreateTaskResult`
//! (`resultType: "task"` and the task's fields at the top level) or, at the server's choice, with
//! the tool's ordinary result; checks SKIP on the latter. Every poll honours the last
//! `pollIntervalMs` (at least [`MIN_POLL`], at most [`MAX_POLL`]) and the whole loop is bounded
//! by the scenario's `max_wait_ms` (default [`DEFAULT_MAX_WAIT_MS`]); each request is bounded by
//! the client timeout. Over HTTP the session mirrors `taskId` into `Mcp-Name`.

use super::mrtr::{declare, INPUT_METHODS};
use super::{BuiltinCtx, Skip};
use crate::check::{Finding, Level};
use crate::protocol::jsonrpc;
use crate::scenario::expect::compact;
use crate::scenario::template::render_value;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::time::Instant;

/// The extension's identifier.
pub(super) const EXTENSION: &str = "io.modelcontextprotocol/tasks";
/// Shortest pause between polls, whatever the server suggests.
const MIN_POLL: Duration = Duration::from_millis(20);
/// Longest pause between polls (a larger `pollIntervalMs` is honoured up to this).
const MAX_POLL: Duration = Duration::from_secs(5);
/// Default bound of one polling loop, in milliseconds.
const DEFAULT_MAX_WAIT_MS: u64 = 15_000;
/// The statuses a task may have.
const STATUSES: [&str; 5] = [
    "working",
    "input_required",
    "completed",
    "failed",
    "cancelled",
];

/// Whether `status` ends a task.
pub(super) fn is_terminal(status: &str) -> bool {
    matches!(status, "completed" | "failed" | "cancelled")
}

/// `caps` with the extension declared (`extensions[EXTENSION] = {}`).
pub(super) fn with_extension(caps: &Value) -> Value {
    let mut caps = caps.as_object().cloned().unwrap_or_default();
    let ext = caps
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    if !ext.is_object() {
        *ext = Value::Object(Map::new());
    }
    if let Some(e) = ext.as_object_mut() {
        e.insert(EXTENSION.into(), json!({}));
    }
    Value::Object(caps)
}

/// `caps` without the extension.
pub(super) fn without_extension(caps: &Value) -> Value {
    let mut caps = caps.clone();
    if let Some(e) = caps.get_mut("extensions").and_then(Value::as_object_mut) {
        e.remove(EXTENSION);
    }
    caps
}

/// Makes the session's next requests declare the scenario's capabilities, with the extension
/// (`on`) or without it.
pub(super) fn declare_extension(ctx: &mut BuiltinCtx<'_>, on: bool) {
    let base = ctx.session.client_capabilities().clone();
    let caps = if on {
        with_extension(&base)
    } else {
        without_extension(&base)
    };
    declare(ctx, caps);
}

/// The loop bound of the scenario (`args.max_wait_ms`).
pub(super) fn max_wait(ctx: &BuiltinCtx<'_>) -> Duration {
    let ms = ctx
        .args
        .get("max_wait_ms")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_MAX_WAIT_MS);
    Duration::from_millis(ms)
}

/// What a request got back.
#[derive(Clone, Debug)]
pub(super) enum Reply {
    /// A result object.
    Result(Value),
    /// A JSON-RPC error object.
    Error(Value),
    /// Nothing usable, described.
    Nothing(String),
}

/// Sends `method` with `params` (not schema-validated: task shapes are judged here).
pub(super) async fn send(ctx: &mut BuiltinCtx<'_>, method: &str, params: Value) -> Reply {
    let id = Value::from(ctx.session.fresh_id());
    match ctx
        .session
        .send(jsonrpc::request(id, method, Some(params)))
        .await
    {
        Ok(ex) => match ex.response {
            Some(r) => match (r.get("result"), r.get("error")) {
                (Some(res), None) => Reply::Result(res.clone()),
                (_, Some(err)) => Reply::Error(err.clone()),
                _ => Reply::Nothing(format!("a malformed response {}", compact(&r))),
            },
            None => Reply::Nothing(format!("{method}: no response")),
        },
        Err(e) => Reply::Nothing(format!("{method}: {e}")),
    }
}

/// The tool call the scenario names: `args.tool` with `args.arguments` (rendered).
pub(super) fn call_params(ctx: &BuiltinCtx<'_>, tool_key: &str) -> Result<Value, Skip> {
    let arg = |k: &str| {
        ctx.args
            .get(k)
            .map(|v| render_value(v, ctx.vars))
            .transpose()
            .map_err(|e| Skip(format!("scenario error: {e}")))
    };
    let Some(tool) = arg(tool_key)?.and_then(|v| v.as_str().map(str::to_string)) else {
        return Err(Skip(format!(
            "no `{tool_key}` argument names the tool to call"
        )));
    };
    let arguments = arg("arguments")?.unwrap_or_else(|| json!({}));
    Ok(json!({"name": tool, "arguments": arguments}))
}

/// A created task.
pub(super) enum Created {
    /// Its id and the `CreateTaskResult`.
    Task(String, Value),
    /// A `CreateTaskResult` without a usable id (a finding was recorded).
    Broken,
}

/// The `tools/call` of `params` declaring the extension: the `CreateTaskResult`, or a SKIP when
/// the server answered otherwise (a plain result is its right; an error or nothing means the
/// scenario's tool cannot be used).
pub(super) async fn create(
    ctx: &mut BuiltinCtx<'_>,
    params: Value,
    findings: &mut Vec<Finding>,
) -> Result<Created, Skip> {
    declare_extension(ctx, true);
    let tool = params["name"].as_str().unwrap_or("?").to_string();
    let label = format!("tools/call {tool} (declaring {EXTENSION})");
    match send(ctx, "tools/call", params).await {
        Reply::Result(r) if r.get("resultType") == Some(&json!("task")) => {
            findings.extend(task_findings(ctx, &label, &r, Some("task")));
            match r.get("taskId").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => Ok(Created::Task(id.to_string(), r)),
                _ => {
                    findings.push(ctx.finding(
                        format!("{label}: the CreateTaskResult has no taskId"),
                        "a non-empty string taskId",
                        compact(&r),
                    ));
                    Ok(Created::Broken)
                }
            }
        }
        Reply::Result(r) => Err(Skip(format!(
            "{label} was answered with a plain result (resultType {}): the server may decide not to create a task",
            r.get("resultType").map_or("absent".into(), compact)
        ))),
        Reply::Error(e) => Err(Skip(format!("{label} was answered with an error {}", compact(&e)))),
        Reply::Nothing(why) => Err(Skip(why)),
    }
}

/// An ISO 8601 date-time (date, `T`, time with optional fraction, `Z` or an offset).
fn is_timestamp(s: &str) -> bool {
    static RE: OnceLock<Option<regex::Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$",
        )
        .ok()
    })
    .as_ref()
    .is_some_and(|re| re.is_match(s))
}

/// Whether `v` is a JSON integer ≥ 0.
fn is_uint(v: &Value) -> bool {
    v.as_u64().is_some()
}

/// Findings on a task object: a `CreateTaskResult` (`result_type` "task"), a `tasks/get`
/// result (`"complete"`, a `DetailedTask` with the status's payload), or the params of a
/// `notifications/tasks` (`None`: a `DetailedTask`, no `resultType` to judge).
pub(super) fn task_findings(
    ctx: &BuiltinCtx<'_>,
    label: &str,
    task: &Value,
    result_type: Option<&str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut bad = |what: String, expected: &str| {
        out.push(ctx.finding(format!("{label}: {what}"), expected, compact(task)));
    };
    let is_create = result_type == Some("task");
    if let Some(want) = result_type {
        if task.get("resultType").and_then(Value::as_str) != Some(want) {
            bad(
                format!(
                    "resultType is {}",
                    task.get("resultType").map_or("absent".into(), compact)
                ),
                &format!("resultType \"{want}\""),
            );
        }
    }
    if !task
        .get("taskId")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
    {
        bad("no taskId string".into(), "a non-empty string taskId");
    }
    let status = task.get("status").and_then(Value::as_str).unwrap_or("");
    if !STATUSES.contains(&status) {
        bad(
            "no valid status".into(),
            "status one of working, input_required, completed, failed, cancelled",
        );
    }
    if task.get("statusMessage").is_some_and(|m| !m.is_string()) {
        bad("statusMessage is not a string".into(), "a string");
    }
    for field in ["createdAt", "lastUpdatedAt"] {
        if !task
            .get(field)
            .and_then(Value::as_str)
            .is_some_and(is_timestamp)
        {
            bad(
                format!("{field} is not an ISO 8601 timestamp"),
                "an ISO 8601 date-time",
            );
        }
    }
    match task.get("ttlMs") {
        Some(Value::Null) => {}
        Some(v) if is_uint(v) => {}
        _ => bad(
            "ttlMs is missing or not an integer".into(),
            "ttlMs: integer milliseconds or null",
        ),
    }
    if task.get("pollIntervalMs").is_some_and(|v| !is_uint(v)) {
        bad(
            "pollIntervalMs is not an integer".into(),
            "integer milliseconds",
        );
    }
    match status {
        _ if is_create => {}
        "input_required" => match task.get("inputRequests") {
            Some(Value::Object(reqs)) if !reqs.is_empty() => {
                for (key, req) in reqs {
                    if let Some(why) = input_request_flaw(req) {
                        bad(
                            format!("inputRequests[{key:?}] {why}"),
                            "an input request {method, params}",
                        );
                    }
                }
            }
            _ => bad(
                "an input_required task without its outstanding inputRequests".into(),
                "inputRequests: a non-empty map of key → input request",
            ),
        },
        "completed" if !task.get("result").is_some_and(Value::is_object) => bad(
            "a completed task without its result".into(),
            "result: the request's final result object",
        ),
        "failed" => {
            let err = task.get("error");
            let code = err.and_then(|e| e.get("code")).and_then(Value::as_i64);
            let message = err.and_then(|e| e.get("message")).and_then(Value::as_str);
            if code.is_none() || message.is_none() {
                bad(
                    "a failed task without the JSON-RPC error that failed it".into(),
                    "error: {code: integer, message: string}",
                );
            }
        }
        _ => {}
    }
    out
}

/// Why an input request is malformed, if it is.
fn input_request_flaw(req: &Value) -> Option<&'static str> {
    let method = req.get("method").and_then(Value::as_str);
    if !method.is_some_and(|m| INPUT_METHODS.contains(&m)) {
        return Some("names no input request method");
    }
    let needs_params = matches!(
        method,
        Some("elicitation/create" | "sampling/createMessage")
    );
    match req.get("params") {
        Some(p) if !p.is_object() => Some("has params that are not an object"),
        None if needs_params => Some("has no params"),
        _ => None,
    }
}

/// How a polling loop ended.
pub(super) enum Polled {
    /// The last `tasks/get` result showed this status (terminal, or `input_required` when the
    /// loop stops there).
    At(String, Value),
    /// `tasks/get` failed or gave nothing usable (a finding was recorded).
    Broken,
    /// The bound passed while the task was still at the status given.
    TimedOut(String),
}

/// Polls `tasks/get` for `id` until the task is terminal (or `input_required` when
/// `stop_on_input`), or until `deadline`. Every answer is judged ([`task_findings`]) and so is
/// every status change (a terminal status never changes; statuses are the extension's).
pub(super) async fn poll(
    ctx: &mut BuiltinCtx<'_>,
    id: &str,
    deadline: Instant,
    stop_on_input: bool,
    previous: &mut Option<String>,
    findings: &mut Vec<Finding>,
) -> Polled {
    let mut n = 0usize;
    loop {
        n += 1;
        let label = format!("tasks/get {id} (poll {n})");
        let task = match send(ctx, "tasks/get", json!({"taskId": id})).await {
            Reply::Result(r) => r,
            Reply::Error(e) => {
                findings.push(ctx.finding(
                    format!("{label}: an error for a task the server created"),
                    "the task's current state",
                    compact(&e),
                ));
                return Polled::Broken;
            }
            Reply::Nothing(why) => {
                findings.push(ctx.finding(
                    format!("{label}: {why}"),
                    "the task's current state",
                    why.clone(),
                ));
                return Polled::Broken;
            }
        };
        findings.extend(task_findings(ctx, &label, &task, Some("complete")));
        if task.get("taskId").and_then(Value::as_str) != Some(id) {
            findings.push(ctx.finding(
                format!("{label}: the result names another task"),
                format!("taskId {id:?}"),
                compact(&task),
            ));
        }
        let status = task
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(prev) = previous.as_deref() {
            if is_terminal(prev) && prev != status {
                findings.push(ctx.finding(
                    format!("{label}: the terminal status {prev} changed to {status}"),
                    format!("status {prev} for good"),
                    compact(&task),
                ));
                *previous = Some(status);
                return Polled::Broken;
            }
        }
        *previous = Some(status.clone());
        if is_terminal(&status) || (stop_on_input && status == "input_required") {
            return Polled::At(status, task);
        }
        if !STATUSES.contains(&status.as_str()) {
            return Polled::Broken;
        }
        let suggested = task
            .get("pollIntervalMs")
            .and_then(Value::as_u64)
            .map(Duration::from_millis)
            .unwrap_or(MIN_POLL)
            .clamp(MIN_POLL, MAX_POLL);
        let now = Instant::now();
        if now + suggested > deadline {
            return Polled::TimedOut(status);
        }
        tokio::time::sleep(suggested).await;
    }
}

/// Polls task `id` to a terminal status within the scenario's bound (`max_wait_ms`), with a
/// finding when the bound runs out; `previous` keeps the last status for the transition rules.
pub(super) async fn poll_until_terminal(
    ctx: &mut BuiltinCtx<'_>,
    id: &str,
    previous: &mut Option<String>,
    findings: &mut Vec<Finding>,
) -> Polled {
    let bound = max_wait(ctx);
    let polled = poll(ctx, id, Instant::now() + bound, false, previous, findings).await;
    if let Some(f) = unfinished(ctx, "polling", &polled, bound) {
        findings.push(f);
    }
    polled
}

/// A finding for a loop that did not reach where it had to, or `None` when it did.
pub(super) fn unfinished(
    ctx: &BuiltinCtx<'_>,
    label: &str,
    polled: &Polled,
    bound: Duration,
) -> Option<Finding> {
    match polled {
        Polled::TimedOut(status) => Some(ctx.finding_at(
            Level::Must,
            format!(
                "{label}: the task was still {status} after {} ms of polling",
                bound.as_millis()
            ),
            "a terminal status within the bound (raise max_wait_ms for slow tools)",
            status.clone(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaring_adds_and_removes_only_the_extension() {
        let caps = json!({"elicitation": {}, "extensions": {"x/other": {}}});
        let on = with_extension(&caps);
        assert_eq!(on["extensions"][EXTENSION], json!({}));
        assert_eq!(on["extensions"]["x/other"], json!({}));
        assert_eq!(on["elicitation"], json!({}));
        let off = without_extension(&on);
        assert_eq!(off, caps);
        assert_eq!(
            with_extension(&json!({}))["extensions"][EXTENSION],
            json!({})
        );
    }

    #[test]
    fn timestamps_and_input_requests() {
        assert!(is_timestamp("2025-11-25T10:30:00Z"));
        assert!(is_timestamp("2025-11-25T10:30:00.123+02:00"));
        assert!(!is_timestamp("yesterday"));
        assert!(!is_timestamp("2025-11-25"));
        assert_eq!(
            input_request_flaw(&json!({"method": "elicitation/create", "params": {}})),
            None
        );
        assert_eq!(input_request_flaw(&json!({"method": "roots/list"})), None);
        assert!(input_request_flaw(&json!({"method": "user/ask"})).is_some());
        assert!(input_request_flaw(&json!({"method": "sampling/createMessage"})).is_some());
        assert!(is_terminal("cancelled") && !is_terminal("input_required"));
    }
}
