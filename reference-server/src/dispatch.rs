//! Routes a request or notification to its method handler, enforcing the lifecycle (nothing
//! but `initialize` and `ping` before initialization) and capability gating (methods of a
//! capability that is not offered are unknown), and registers requests for cancellation.

use crate::cached_result::{CachedResult, ResultBody};
use crate::config::Capability;
use crate::context::{Failure, HandlerResult, Outlet, Params, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::{error_response, is_valid_id, response, RpcError};
use crate::methods::{completion, lifecycle, logging, prompts, resources, tools};
use crate::session::{Negotiated, Session};
use crate::state::ServerState;
use crate::version::Version;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What to send back for a request.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A response message.
    Message(Value),
    /// A success response whose result was serialised ahead of time (`tools/list` pages).
    Cached {
        /// The request's id.
        id: Value,
        /// The result.
        result: Arc<CachedResult>,
    },
    /// Nothing: the request was cancelled.
    Silent,
}

impl Reply {
    /// The response as a message to edit or re-wrap (a cached result is copied into it);
    /// `None` when there is nothing to send.
    pub fn into_message(self) -> Option<Value> {
        match self {
            Reply::Message(m) => Some(m),
            Reply::Cached { id, result } => Some(result.response(id)),
            Reply::Silent => None,
        }
    }
}

/// What became of a notification.
#[derive(Debug)]
pub(crate) enum NotificationOutcome {
    /// Accepted (or ignored, for unknown ones).
    Accepted,
    /// Refused (only under the `initialized-rejected` fault).
    Rejected(RpcError),
}

/// The capability whose methods include `method`; `None` for methods of none, and an outer
/// `None` for methods the server does not know.
fn capability_of(method: &str) -> Option<Option<Capability>> {
    Some(Some(match method {
        "tools/list" | "tools/call" => Capability::Tools,
        "resources/list"
        | "resources/templates/list"
        | "resources/read"
        | "resources/subscribe"
        | "resources/unsubscribe" => Capability::Resources,
        "prompts/list" | "prompts/get" => Capability::Prompts,
        "completion/complete" => Capability::Completions,
        "logging/setLevel" => Capability::Logging,
        "initialize" | "ping" => return Some(None),
        // Tasks belong to no capability table entry; `tasks` checks the revision.
        "tasks/get" | "tasks/result" | "tasks/cancel" | "tasks/list" => return Some(None),
        _ => return None,
    }))
}

/// The `_meta.progressToken` of `params`, when it is a valid token (string or integer).
pub(crate) fn progress_token(params: Option<&Value>) -> Option<Value> {
    let token = params?.get("_meta")?.get("progressToken")?;
    is_valid_id(token).then(|| token.clone())
}

/// Handles one request and builds its response.
pub(crate) async fn request(
    state: &Arc<ServerState>,
    session: &Arc<Session>,
    id: Value,
    method: &str,
    params: Option<Value>,
    outlet: Outlet,
) -> Reply {
    if state.has(Fault::LoadPeriodicStall) {
        state.load_faults.pace().await;
    }
    let outcome = handle(state, session, &id, method, params, outlet).await;
    let id_out = |id: Value| {
        if method == "ping" && state.has(Fault::WrongResponseId) {
            shifted_id(&id)
        } else {
            id
        }
    };
    match outcome {
        Ok(ResultBody::Built(result)) => Reply::Message(response(id_out(id), result)),
        Ok(ResultBody::Cached(result)) => Reply::Cached {
            id: id_out(id),
            result,
        },
        Err(Failure::Rpc(e)) => Reply::Message(error_response(id, &e)),
        Err(Failure::Cancelled) => Reply::Silent,
    }
}

/// A different id of the same type (`wrong-response-id`).
fn shifted_id(id: &Value) -> Value {
    match id {
        Value::String(s) => json!(format!("{s}-x")),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => json!(i.checked_add(1).unwrap_or(i - 1)),
            (None, Some(u)) => json!(u.checked_add(1).unwrap_or(u - 1)),
            _ => json!(0),
        },
        _ => json!(0),
    }
}

async fn handle(
    state: &Arc<ServerState>,
    session: &Arc<Session>,
    id: &Value,
    method: &str,
    params: Option<Value>,
    outlet: Outlet,
) -> Result<ResultBody, Failure> {
    let token = progress_token(params.as_ref());
    let params: Params = match params {
        None => Params::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(RpcError::invalid_params("params must be an object").into()),
    };
    match method {
        "initialize" => return lifecycle::initialize(state, session, &params).map(Into::into),
        "ping" => return lifecycle::ping(state).map(Into::into),
        _ => {}
    }
    if !session.is_initialized() {
        if !state.has(Fault::NoInitRequired) {
            return Err(
                RpcError::invalid_request("Server not initialized: send initialize first").into(),
            );
        }
        let newest = Version::NEWEST;
        session.set_negotiated(Negotiated {
            version: newest,
            wire: newest.as_str().into(),
        });
    }
    let Some(cap) = capability_of(method) else {
        if state.has(Fault::UnknownMethodOk) {
            return Ok(json!({}).into());
        }
        return Err(RpcError::method_not_found(method).into());
    };
    if let Some(cap) = cap {
        if !state.serves(cap) {
            return Err(RpcError::method_not_found(method).into());
        }
    }
    let cancel = session.begin_request(id);
    let ctx = RequestCtx::new(state.clone(), session.clone(), token, outlet, cancel);
    let out = if method == "tools/list" {
        tools::list(&ctx, &params)
    } else {
        route(&ctx, method, &params).await.map(Into::into)
    };
    session.end_request(id);
    out
}

/// Runs the handler of an initialized session's `method` (other than `tools/list`).
async fn route(ctx: &RequestCtx, method: &str, params: &Params) -> HandlerResult {
    let state = &ctx.state;
    match method {
        "tools/call" if state.has(Fault::LoadErrorRate) && state.load_faults.inject_error() => {
            Err(RpcError::internal("injected failure (load-error-rate)").into())
        }
        "tools/call" => match crate::tasks::route_tools_call(ctx, params) {
            Some(decided) => decided,
            None => tools::call(ctx, params).await,
        },
        "tasks/get" => crate::tasks::get(ctx, params),
        "tasks/result" => crate::tasks::result(ctx, params).await,
        "tasks/cancel" => crate::tasks::cancel(ctx, params),
        "tasks/list" => crate::tasks::list(ctx, params),
        "resources/list" => resources::list(ctx, params),
        "resources/templates/list" => resources::templates(ctx, params),
        "resources/read" => resources::read(ctx, params),
        "resources/subscribe" => resources::subscribe(ctx, params),
        "resources/unsubscribe" => resources::unsubscribe(ctx, params),
        "prompts/list" => prompts::list(ctx, params),
        "prompts/get" => prompts::get(ctx, params),
        "completion/complete" => completion::complete(ctx, params),
        "logging/setLevel" => logging::set_level(ctx, params),
        other => Err(RpcError::method_not_found(other).into()),
    }
}

/// Handles one notification. Unknown notifications are ignored, never answered.
pub(crate) fn notification(
    state: &ServerState,
    session: &Session,
    method: &str,
    params: Option<&Value>,
) -> NotificationOutcome {
    match method {
        "notifications/initialized" => {
            if state.has(Fault::InitializedRejected) {
                return NotificationOutcome::Rejected(RpcError::invalid_request(
                    "notifications/initialized is not accepted",
                ));
            }
            session.mark_initialized_notified();
        }
        "notifications/cancelled" => {
            let request_id = params
                .and_then(|p| p.get("requestId"))
                .filter(|id| is_valid_id(id));
            if let (Some(id), false) = (request_id, state.has(Fault::IgnoreCancel)) {
                // Unknown or finished ids are ignored, as the spec requires.
                session.cancel_request(id);
            }
        }
        _ => {}
    }
    NotificationOutcome::Accepted
}

/// Whether a `tools/call` request targets a tool that runs long (answered as an SSE stream
/// over HTTP and run concurrently over stdio).
pub(crate) fn is_long_running(method: &str, params: Option<&Value>) -> bool {
    let name = params.and_then(|p| p.get("name")).and_then(Value::as_str);
    // Tools that ask the client wait for its answer: they need the stream, and over stdio the
    // reader must stay free to receive that answer.
    // tasks/result blocks until its task ends: over stdio, the reader must stay free for
    // tasks/cancel meanwhile.
    method == "tasks/result"
        || (method == "tools/call"
            && name.is_some_and(|n| {
                n == "slow"
                    || n == crate::services::sampling_loop::NAME
                    || crate::services::asking::NAMES.contains(&n)
            }))
}

/// How long a `load-periodic-stall` pause lasts.
const STALL: Duration = Duration::from_millis(100);
/// Wall time between the end of one pause and the next one being due.
const STALL_EVERY: Duration = Duration::from_millis(100);

/// State of the load faults: when the next pause is due, the gate requests pass through
/// while one is on, and the tools/call count. Only consulted when a load fault is switched on,
/// so a correct server has no lock here.
pub(crate) struct LoadFaults {
    epoch: std::time::Instant,
    next_stall_ms: AtomicU64,
    gate: tokio::sync::RwLock<()>,
    tool_calls: AtomicU64,
}

impl Default for LoadFaults {
    fn default() -> Self {
        Self {
            epoch: std::time::Instant::now(),
            next_stall_ms: AtomicU64::new(millis(STALL_EVERY)),
            gate: tokio::sync::RwLock::new(()),
            tool_calls: AtomicU64::new(0),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl LoadFaults {
    /// `load-periodic-stall`: the first request once a pause is due holds the gate for
    /// [`STALL`]; every other request passes the gate, so those arriving meanwhile wait.
    async fn pace(&self) {
        let now = millis(self.epoch.elapsed());
        let due = self.next_stall_ms.load(Ordering::Acquire);
        let next = now + millis(STALL + STALL_EVERY);
        if now >= due
            && self
                .next_stall_ms
                .compare_exchange(due, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            let _hold = self.gate.write().await;
            tokio::time::sleep(STALL).await;
        } else {
            drop(self.gate.read().await);
        }
    }

    /// `load-error-rate`: whether this tools/call is one of the failing tenth.
    fn inject_error(&self) -> bool {
        self.tool_calls.fetch_add(1, Ordering::Relaxed) % 10 == 9
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tenth_tool_call_fails_under_load_error_rate() {
        let f = LoadFaults::default();
        let failed = (0..100).filter(|_| f.inject_error()).count();
        assert_eq!(failed, 10);
    }

    #[tokio::test]
    async fn a_due_stall_holds_up_concurrent_requests() {
        let f = std::sync::Arc::new(LoadFaults::default());
        tokio::time::sleep(STALL_EVERY).await;
        let start = std::time::Instant::now();
        let staller = tokio::spawn({
            let f = f.clone();
            async move { f.pace().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        f.pace().await; // arrives during the pause: waits for its end
        assert!(
            start.elapsed() >= STALL - Duration::from_millis(5),
            "{:?}",
            start.elapsed()
        );
        staller.await.unwrap();
        let quick = std::time::Instant::now();
        f.pace().await; // the next pause is not due yet
        assert!(quick.elapsed() < Duration::from_millis(50));
    }

    #[test]
    fn shifted_ids_keep_their_type_and_differ() {
        assert_eq!(shifted_id(&json!(1)), json!(2));
        assert_eq!(shifted_id(&json!(i64::MAX)), json!(i64::MAX - 1));
        assert_eq!(shifted_id(&json!("a")), json!("a-x"));
    }

    #[test]
    fn progress_tokens_must_be_strings_or_integers() {
        assert_eq!(
            progress_token(Some(&json!({"_meta":{"progressToken":"t"}}))),
            Some(json!("t"))
        );
        assert_eq!(
            progress_token(Some(&json!({"_meta":{"progressToken":3}}))),
            Some(json!(3))
        );
        assert_eq!(
            progress_token(Some(&json!({"_meta":{"progressToken":null}}))),
            None
        );
        assert_eq!(progress_token(None), None);
    }

    #[test]
    fn capability_table_knows_every_method() {
        assert_eq!(
            capability_of("completion/complete"),
            Some(Some(Capability::Completions))
        );
        assert_eq!(capability_of("ping"), Some(None));
        assert_eq!(capability_of("x/unknown"), None);
    }
}
