//! The tasks extension of the 2026-07-28 era (`io.modelcontextprotocol/tasks`), advertised in
//! `server/discover` under `capabilities.extensions`.
//!
//! A `tools/call` whose request declares the extension in its `_meta` client capabilities is
//! answered with a `CreateTaskResult` (`resultType: "task"`, the task's fields at the top level)
//! while the tool runs in the background; without the declaration the same call runs as usual,
//! and the task-only tools (`batch_job`, listed to modern clients) are refused with -32021
//! naming the extension. A tool the task path does not run (the `Mcp-Param-*` tools, unknown
//! names) is answered synchronously even with the declaration, as the extension allows. The
//! tools that
//! need the client (`ask_user`, …) go `input_required` mid-flight: their input request appears
//! in `tasks/get`'s `inputRequests`, and `tasks/update` answers it. An answer the tool cannot
//! use fails the task with that JSON-RPC error; a tool result with `isError: true` completes it.
//!
//! `tasks/get`, `tasks/update` and `tasks/cancel` need the declaration too (-32021), take a
//! `taskId` (unknown or expired: -32602) and answer `resultType: "complete"`: the detailed task,
//! or an empty acknowledgement. The store (`store`) is per server instance and bounded.

pub(crate) mod store;

use super::errors::{missing_capability, modern_code};
use super::meta::{RequestMeta, CLIENT_CAPABILITIES};
use super::{mrtr, route};
use crate::context::{Failure, Outlet, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::tools;
use crate::services::asking;
use crate::state::ServerState;
use crate::version::Version;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;
use store::{Faults, NoAnswer};

/// The extension's identifier.
pub(crate) const EXTENSION: &str = "io.modelcontextprotocol/tasks";
/// `resultType` of a `CreateTaskResult`.
pub(crate) const TASK: &str = "task";
/// The task-only tool (of the 2025-11-25 core tasks).
const JOB_TOOL: &str = "batch_job";
/// The task-only tools a modern `tools/list` shows: the extension is the only way to run them
/// (the others need what a throwaway per-request session lacks).
pub(crate) const LISTED_TASK_ONLY: &[&str] = &[JOB_TOOL];
/// How long an asking tool works before it needs the client's input.
const WORK_BEFORE_ASKING: Duration = Duration::from_millis(50);

/// The extension's server capability entry (no settings: an empty object).
pub(crate) fn capability() -> Value {
    json!({})
}

/// The client capabilities a request must declare for the extension (for -32021).
pub(crate) fn required() -> Value {
    json!({"extensions": {EXTENSION: {}}})
}

/// Whether the request declared the extension in its client capabilities.
pub(crate) fn declared(meta: &RequestMeta) -> bool {
    meta.capabilities
        .get("extensions")
        .and_then(|e| e.get(EXTENSION))
        .is_some_and(Value::is_object)
}

/// Whether raw request `params` declare the extension in `_meta` (for checks that run before
/// or without the parsed `RequestMeta`).
pub(crate) fn declared_in(params: Option<&Value>) -> bool {
    params
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(CLIENT_CAPABILITIES))
        .and_then(|c| c.get("extensions"))
        .and_then(|e| e.get(EXTENSION))
        .is_some_and(Value::is_object)
}

/// Whether `method` is one of the extension's methods.
pub(crate) fn is_task_method(method: &str) -> bool {
    matches!(method, "tasks/get" | "tasks/update" | "tasks/cancel")
}

fn tool_name(params: Option<&Value>) -> Option<&str> {
    params?.get("name")?.as_str()
}

/// Whether a modern `tools/call` becomes a task: it declared the extension (or, under
/// `v26-task-undeclared`, it calls `slow`), it is not an MRTR retry, and it names a tool the
/// task path runs (the tool catalog; the others are answered as usual).
pub(crate) fn makes_task(
    state: &ServerState,
    meta: &RequestMeta,
    method: &str,
    params: Option<&Value>,
) -> bool {
    let retry = params.is_some_and(|p| p.get("requestState").is_some());
    let Some(name) = tool_name(params).filter(|_| method == "tools/call" && !retry) else {
        return false;
    };
    let wanted = declared(meta) || (state.has(Fault::V26TaskUndeclared) && name == "slow");
    wanted && runs_as_task(state, meta, name)
}

/// Whether the task path knows tool `name` (it is in the catalog of the request's session).
fn runs_as_task(state: &ServerState, meta: &RequestMeta, name: &str) -> bool {
    let session = route::session_for(meta);
    crate::services::catalog(state, &session)
        .iter()
        .any(|t| t.name == name)
}

/// -32021 for a plain call of a task-only tool by a request without the extension.
pub(crate) fn refuse_plain(
    meta: &RequestMeta,
    method: &str,
    params: Option<&Value>,
) -> Option<RpcError> {
    let task_only =
        tool_name(params).is_some_and(|n| crate::tasks::task_support(n) == Some("required"));
    (method == "tools/call" && task_only && !declared(meta)).then(|| missing_capability(required()))
}

/// Creates the task of a `tools/call` and starts its work; the `CreateTaskResult` body.
pub(crate) fn create(
    state: &Arc<ServerState>,
    meta: &RequestMeta,
    params: Option<&Value>,
) -> Result<Value, RpcError> {
    let params = params
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let args = match params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(_) => return Err(RpcError::invalid_params("`arguments` must be an object")),
    };
    let session = route::session_for(meta);
    let known = crate::services::catalog(state, &session)
        .iter()
        .any(|t| t.name == name);
    if !known {
        return Err(RpcError::invalid_params(format!("Unknown tool: {name}")));
    }
    let ask = asking::NAMES
        .contains(&name.as_str())
        .then(|| mrtr::ask_for(&name, &args, meta));
    if let Some(a) = ask.as_ref().filter(|a| !a.allowed) {
        return Err(missing_capability(a.required.clone()));
    }
    let faults = Faults::of(state);
    let (id, mut task, cancel) = state.modern.tasks().create(&faults)?;
    let task_id = id.clone();
    let bg = state.clone();
    match ask {
        Some(ask) => {
            tokio::spawn(async move { asking_work(bg, task_id, name, ask, cancel).await });
        }
        None => {
            let mut call = params;
            call.remove("_meta");
            let ctx = RequestCtx::new(state.clone(), session, None, Outlet::Session, cancel);
            tokio::spawn(async move {
                let outcome = match tools::call(&ctx, &call).await {
                    Ok(result) => Ok(result),
                    Err(Failure::Rpc(e)) => Err(e),
                    // Cancelled: the store already says so.
                    Err(Failure::Cancelled) => return,
                };
                finish(&bg, &task_id, outcome);
            });
        }
    }
    if let Some(m) = task.as_object_mut() {
        m.insert("resultType".into(), json!(TASK));
        if state.has(Fault::V26TaskCreateShape) {
            m.remove("ttlMs");
        }
    }
    Ok(task)
}

/// Records a task's outcome, with error codes as the era has them.
fn finish(state: &ServerState, id: &str, outcome: Result<Value, RpcError>) {
    let outcome = outcome.map_err(|mut e| {
        e.code = modern_code(state, e.code);
        e
    });
    state.modern.tasks().finish(id, outcome, &Faults::of(state));
}

/// The work of an asking tool: a moment of work, then its input request, then its result from
/// the answer (or the answer's flaw as -32602).
async fn asking_work(
    state: Arc<ServerState>,
    id: String,
    tool: String,
    ask: mrtr::Ask,
    mut cancel: tokio::sync::watch::Receiver<bool>,
) {
    tokio::select! {
        _ = tokio::time::sleep(WORK_BEFORE_ASKING) => {}
        _ = cancel.wait_for(|c| *c) => return,
    }
    let store = state.modern.tasks();
    let mut answer = store.ask(&id, ask.key, ask.request.clone()).await;
    if state.has(Fault::V26TaskInputKeyReused) && answer.is_ok() {
        // Fault `v26-task-input-key-reused`: another request under the answered key.
        let mut again = ask.request.clone();
        again["params"]["message"] = json!("Once more, please: who are you?");
        answer = store.ask_again(&id, ask.key, again).await;
    }
    let outcome = match answer {
        Ok(a) => mrtr::interpret(&tool, &a)
            .map(|out| out.to_json(Version::NEWEST))
            .map_err(RpcError::invalid_params),
        Err(NoAnswer::Gone) => return,
        Err(NoAnswer::KeyReused) => Err(RpcError::internal("an input key was issued twice")),
    };
    finish(&state, &id, outcome);
}

/// `tasks/get`, `tasks/update` or `tasks/cancel`.
pub(crate) fn method(
    state: &ServerState,
    meta: &RequestMeta,
    method: &str,
    params: Option<&Value>,
) -> Result<Value, RpcError> {
    if !declared(meta) && !state.has(Fault::V26TaskMethodsUndeclared) {
        return Err(missing_capability(required()));
    }
    let id = params
        .and_then(|p| p.get("taskId"))
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("missing required string parameter `taskId`"))?;
    let faults = Faults::of(state);
    let store = state.modern.tasks();
    let outcome = match method {
        "tasks/get" => store.get(id, &faults).map(|mut task| {
            if state.has(Fault::V26TaskGetResultType) {
                task["resultType"] = json!(TASK);
            }
            task
        }),
        "tasks/update" => {
            let responses = match params.and_then(|p| p.get("inputResponses")) {
                Some(Value::Object(r)) => r,
                _ => {
                    return Err(RpcError::invalid_params(
                        "`inputResponses` must be an object",
                    ))
                }
            };
            store.update(id, responses).map(|()| json!({}))
        }
        _ => store.cancel(id, &faults).map(|()| json!({})),
    };
    outcome.map_err(|e| {
        if state.has(Fault::V26TaskUnknownIdInternal) {
            RpcError::internal(e.message)
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use crate::modern::meta::{parse, CLIENT_CAPABILITIES, PROTOCOL_VERSION};

    fn meta(caps: Value) -> RequestMeta {
        let state = ServerState::new(ServerConfig::default());
        let p = json!({"_meta": {PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: caps}});
        parse(&state, Some(&p)).unwrap()
    }

    fn ext() -> Value {
        json!({"extensions": {EXTENSION: {}}})
    }

    #[test]
    fn declaration_decides_tasks_and_methods() {
        let state = ServerState::new(ServerConfig::default());
        let call = json!({"name": "slow"});
        assert!(makes_task(&state, &meta(ext()), "tools/call", Some(&call)));
        assert!(!makes_task(
            &state,
            &meta(json!({})),
            "tools/call",
            Some(&call)
        ));
        assert!(!makes_task(&state, &meta(ext()), "tools/list", Some(&call)));
        let retry = json!({"name": "ask_user", "requestState": "x"});
        assert!(!makes_task(
            &state,
            &meta(ext()),
            "tools/call",
            Some(&retry)
        ));
        let e = method(
            &state,
            &meta(json!({})),
            "tasks/get",
            Some(&json!({"taskId": "x"})),
        )
        .unwrap_err();
        assert_eq!(e.code, -32021);
        assert_eq!(e.data.unwrap()["requiredCapabilities"], ext());
        let e = method(
            &state,
            &meta(ext()),
            "tasks/get",
            Some(&json!({"taskId": "x"})),
        )
        .unwrap_err();
        assert_eq!(e.code, -32602);
        let job = json!({"name": JOB_TOOL});
        assert_eq!(
            refuse_plain(&meta(json!({})), "tools/call", Some(&job)).map(|e| e.code),
            Some(-32021)
        );
        assert!(refuse_plain(&meta(ext()), "tools/call", Some(&job)).is_none());
        // Tools the task path does not run are answered as usual, declaration or not.
        let echo = json!({"name": "header_echo"});
        assert!(!makes_task(&state, &meta(ext()), "tools/call", Some(&echo)));
        let unknown = json!({"name": "no-such-tool"});
        assert!(!makes_task(
            &state,
            &meta(ext()),
            "tools/call",
            Some(&unknown)
        ));
        assert!(makes_task(&state, &meta(ext()), "tools/call", Some(&job)));
    }

    #[test]
    fn declaration_is_read_from_raw_params() {
        assert!(declared_in(Some(
            &json!({"_meta": {CLIENT_CAPABILITIES: {"extensions": {EXTENSION: {}}}}})
        )));
        assert!(!declared_in(Some(
            &json!({"_meta": {CLIENT_CAPABILITIES: {"extensions": {}}}})
        )));
        assert!(!declared_in(Some(
            &json!({"_meta": {CLIENT_CAPABILITIES: {"extensions": {EXTENSION: true}}}})
        )));
        assert!(!declared_in(None));
    }

    #[tokio::test]
    async fn a_task_runs_to_completion() {
        let state = ServerState::new(ServerConfig::default());
        let m = meta(ext());
        let created = create(
            &state,
            &m,
            Some(&json!({"name": "divide", "arguments": {"a": 1, "b": 0}})),
        )
        .unwrap();
        assert_eq!(created["resultType"], TASK);
        let id = created["taskId"].as_str().unwrap().to_string();
        let get = json!({"taskId": id});
        let mut last = Value::Null;
        for _ in 0..50 {
            last = method(&state, &m, "tasks/get", Some(&get)).unwrap();
            if last["status"] == "completed" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(last["status"], "completed", "{last}");
        assert_eq!(last["result"]["isError"], true);
        assert_eq!(
            method(&state, &m, "tasks/cancel", Some(&get)).unwrap(),
            json!({})
        );
        let unknown = create(&state, &m, Some(&json!({"name": "nope"}))).unwrap_err();
        assert_eq!(unknown.code, -32602);
        let no_elicitation = create(&state, &m, Some(&json!({"name": "ask_user"}))).unwrap_err();
        assert_eq!(no_elicitation.code, -32021);
    }
}
