//! Routing a modern request after its `_meta` checks: which methods exist in the era (the
//! removed ones — `initialize`, `ping`, `logging/setLevel`, `resources/subscribe` and
//! `/unsubscribe` — are unknown, like any other), and running it. `server/discover` is answered
//! here; the others go to the legacy method handlers in a throwaway per-request session that
//! carries nothing from earlier requests. The response is shaped by `results`.

use super::meta::{self, RequestMeta};
use super::policy::Policy;
use super::{discover, listen, mrtr, param_tools, results, tasks, MODERN_VERSION};
use crate::config::Capability;
use crate::context::Outlet;
use crate::dispatch::{self, Reply};
use crate::fault::Fault;
use crate::jsonrpc::{error_response, response, RpcError};
use crate::session::{Negotiated, Session};
use crate::state::ServerState;
use crate::version::Version;
use serde_json::{json, Value};
use std::sync::Arc;

/// Whether `subscriptions/listen` is served (so list changes and resource updates reach modern
/// clients, and the capabilities may say so).
pub(crate) const LISTEN_SUPPORTED: bool = true;

/// How a modern method is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `server/discover`.
    Discover,
    /// `ping`, served only under `v26-removed-method-served`.
    RemovedPing,
    /// A legacy method handler.
    Handler,
    /// A tool that needs the client: multi round-trip (`mrtr`).
    Mrtr,
    /// `subscriptions/listen` (`listen`).
    Listen,
    /// A `tools/call` answered with a task of the tasks extension (`tasks`).
    TaskCall,
    /// `tasks/get`, `tasks/update`, `tasks/cancel` (`tasks`).
    TaskMethod,
}

/// The capability a method of the modern era belongs to; `None` for methods the era does not
/// have (unknown ones and those it removed).
fn capability_of(method: &str) -> Option<Capability> {
    Some(match method {
        "tools/list" | "tools/call" => Capability::Tools,
        "resources/list" | "resources/templates/list" | "resources/read" => Capability::Resources,
        "prompts/list" | "prompts/get" => Capability::Prompts,
        "completion/complete" => Capability::Completions,
        _ => return None,
    })
}

/// The route of `method`, or -32601.
pub(crate) fn route(state: &ServerState, method: &str) -> Result<Route, RpcError> {
    match method {
        "server/discover" if !state.has(Fault::V26NoDiscover) => Ok(Route::Discover),
        "ping" if state.has(Fault::V26RemovedMethodServed) => Ok(Route::RemovedPing),
        "subscriptions/listen" if LISTEN_SUPPORTED => Ok(Route::Listen),
        m if tasks::is_task_method(m) && state.serves(Capability::Tools) => Ok(Route::TaskMethod),
        m => match capability_of(m) {
            Some(cap) if state.serves(cap) => Ok(Route::Handler),
            _ => Err(RpcError::method_not_found(m)),
        },
    }
}

/// A modern request that passed the `_meta` and method checks.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The request id.
    pub id: Value,
    /// The method.
    pub method: String,
    /// The params as received (`_meta` included).
    pub params: Option<Value>,
    /// What its `_meta` declares.
    pub meta: RequestMeta,
    /// How it is answered.
    pub route: Route,
}

impl Prepared {
    /// The request's progress token, if it asked for progress.
    pub fn progress_token(&self) -> Option<Value> {
        dispatch::progress_token(self.params.as_ref())
    }

    /// Whether the answer is an SSE stream (configured, or something may precede the response:
    /// progress, opted-in log messages, a long-running tool) rather than one JSON body. An MRTR
    /// round is always one JSON body.
    pub fn streamed(&self, state: &ServerState) -> bool {
        if matches!(
            self.route,
            Route::Mrtr | Route::TaskCall | Route::TaskMethod
        ) {
            // One round answers at once, and its errors (-32021) need their HTTP status.
            return false;
        }
        state.config.sse_responses
            || self.progress_token().is_some()
            || self.meta.log_level.is_some()
            || dispatch::is_long_running(&self.method, self.params.as_ref())
            || (self.method == "tools/call" && state.has(Fault::V26LogUnrequested))
    }

    /// The filter of the notifications that may accompany the response.
    pub fn policy(&self, state: &ServerState) -> Policy {
        Policy::new(state, self.meta.log_level, self.progress_token())
    }
}

/// Checks a modern request's `_meta` (-32602, -32022) and method (-32601).
pub(crate) fn prepare(
    state: &ServerState,
    id: Value,
    method: String,
    params: Option<Value>,
) -> Result<Prepared, RpcError> {
    let meta = meta::parse(state, params.as_ref())?;
    let route = match route(state, &method)? {
        Route::Handler if tasks::makes_task(state, &meta, &method, params.as_ref()) => {
            Route::TaskCall
        }
        Route::Handler if mrtr::handles(&method, params.as_ref()) => Route::Mrtr,
        Route::Listen => {
            listen::Filter::parse(state, params.as_ref())?;
            Route::Listen
        }
        other => other,
    };
    if route == Route::Handler {
        if let Some(e) = tasks::refuse_plain(&meta, &method, params.as_ref()) {
            return Err(e);
        }
    }
    Ok(Prepared {
        id,
        method,
        params,
        meta,
        route,
    })
}

/// A fresh session for one modern request: stored nowhere, at the newest legacy revision's
/// output rules, with the log threshold the request asked for. Whatever a handler pushes to it
/// outside the request's own stream (list changes, resource updates) is dropped with it.
pub(crate) fn session_for(meta: &RequestMeta) -> Arc<Session> {
    let session = Session::new_http("modern".into());
    session.set_negotiated(Negotiated {
        version: Version::NEWEST,
        wire: MODERN_VERSION.into(),
    });
    session.set_log_level(meta.log_level.unwrap_or_default());
    Arc::new(session)
}

/// Runs a prepared request in `session`; related notifications go to `outlet`.
pub(crate) async fn execute(
    state: &Arc<ServerState>,
    req: Prepared,
    session: &Arc<Session>,
    outlet: Outlet,
) -> Reply {
    let Prepared {
        id,
        method,
        params,
        route,
        meta,
    } = req;
    let kept = params.clone();
    let reply = match route {
        Route::Discover => Reply::Message(response(id, discover::result(state))),
        Route::RemovedPing => Reply::Message(response(id, json!({}))),
        Route::Mrtr => Reply::Message(match mrtr::call(state, &meta, params.as_ref()) {
            Ok(result) => response(id, result),
            Err(e) => error_response(id, &e),
        }),
        Route::TaskCall => Reply::Message(match tasks::create(state, &meta, params.as_ref()) {
            Ok(result) => response(id, result),
            Err(e) => error_response(id, &e),
        }),
        Route::TaskMethod => Reply::Message(
            match tasks::method(state, &meta, &method, params.as_ref()) {
                Ok(result) => response(id, result),
                Err(e) => error_response(id, &e),
            },
        ),
        // The tools with `x-mcp-header` arguments (modern only; headers checked by `http`).
        Route::Handler if param_tools::called(&method, params.as_ref()).is_some() => {
            Reply::Message(param_tools::call(id, params.as_ref()))
        }
        Route::Handler => match mrtr::list_input_required(state, &meta, &method) {
            Some(asked) => Reply::Message(response(id, asked)),
            None => dispatch::request(state, session, id, &method, params, outlet).await,
        },
        // The transports serve listen streams themselves (`listen`); never routed here.
        Route::Listen => Reply::Message(error_response(
            id,
            &RpcError::internal("subscriptions/listen is served by the transport"),
        )),
    };
    // Shaping edits the result, so a cached one is copied into a message first.
    match reply.into_message() {
        Some(mut m) => {
            if method == "tools/list" {
                param_tools::extend_list(&mut m);
            }
            Reply::Message(results::shape(state, &method, kept.as_ref(), m))
        }
        None => Reply::Silent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    #[test]
    fn removed_and_unknown_methods_are_not_found() {
        let state = ServerState::new(ServerConfig::default());
        for m in [
            "initialize",
            "ping",
            "logging/setLevel",
            "resources/subscribe",
            "resources/unsubscribe",
            "x/unknown",
        ] {
            assert_eq!(route(&state, m).unwrap_err().code, -32601, "{m}");
        }
        assert_eq!(route(&state, "server/discover").unwrap(), Route::Discover);
        assert_eq!(route(&state, "tools/call").unwrap(), Route::Handler);
    }

    #[test]
    fn faults_change_routes() {
        let s = ServerState::new(ServerConfig::with_fault(Fault::V26NoDiscover));
        assert_eq!(route(&s, "server/discover").unwrap_err().code, -32601);
        let s = ServerState::new(ServerConfig::with_fault(Fault::V26RemovedMethodServed));
        assert_eq!(route(&s, "ping").unwrap(), Route::RemovedPing);
    }

    #[test]
    fn unserved_capabilities_are_not_found() {
        let s = ServerState::new(ServerConfig {
            without: vec!["prompts".into()],
            ..ServerConfig::default()
        });
        assert_eq!(route(&s, "prompts/list").unwrap_err().code, -32601);
    }
}
