//! What a method handler gets: the request, its session, where related notifications go,
//! and its cancellation signal.

use crate::config::Capability;
use crate::fault::Fault;
use crate::jsonrpc::{notification, RpcError};
use crate::methods::logging::LogLevel;
use crate::session::Session;
use crate::state::ServerState;
use crate::version::Version;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// Parameters of a request (an absent `params` is an empty map).
pub(crate) type Params = Map<String, Value>;

/// Where notifications related to a request go.
#[derive(Clone)]
pub(crate) enum Outlet {
    /// The request's own SSE stream.
    Stream(mpsc::UnboundedSender<Value>),
    /// The session's unsolicited channel (GET stream over HTTP, stdout over stdio).
    Session,
}

/// Why a handler produced no result.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A JSON-RPC error response.
    Rpc(RpcError),
    /// The request was cancelled: send no response at all.
    Cancelled,
}

impl From<RpcError> for Failure {
    fn from(e: RpcError) -> Self {
        Failure::Rpc(e)
    }
}

/// What a handler returns.
pub(crate) type HandlerResult = Result<Value, Failure>;

/// One request being handled.
pub(crate) struct RequestCtx {
    /// Server-wide state.
    pub state: Arc<ServerState>,
    /// The session the request belongs to.
    pub session: Arc<Session>,
    /// The `_meta.progressToken` of the request, when it is a string or an integer.
    pub progress_token: Option<Value>,
    outlet: Outlet,
    cancel: watch::Receiver<bool>,
}

impl RequestCtx {
    /// A context for a request of `session`.
    pub fn new(
        state: Arc<ServerState>,
        session: Arc<Session>,
        progress_token: Option<Value>,
        outlet: Outlet,
        cancel: watch::Receiver<bool>,
    ) -> Self {
        Self {
            state,
            session,
            progress_token,
            outlet,
            cancel,
        }
    }

    /// The session's revision.
    pub fn version(&self) -> Version {
        self.session.version()
    }

    /// Whether `fault` is on.
    pub fn has(&self, fault: Fault) -> bool {
        self.state.has(fault)
    }

    /// Sends a notification related to this request: on its stream, or else on the session's
    /// channel (not kept for a GET stream that is not open).
    pub fn send_related(&self, msg: Value) {
        match &self.outlet {
            Outlet::Stream(tx) => {
                let _ = tx.send(msg);
            }
            Outlet::Session => self.session.push_transient(msg),
        }
    }

    /// Sends a request to the client, related to this request: on its stream, or else on the
    /// session's channel (kept for a GET stream that is not open yet).
    pub fn send_to_client(&self, msg: Value) {
        match &self.outlet {
            Outlet::Stream(tx) => {
                let _ = tx.send(msg);
            }
            Outlet::Session => self.session.push(msg),
        }
    }

    /// Like `send_related`, but builds the message only if someone will receive it.
    pub fn send_related_with(&self, build: impl FnOnce() -> Value) {
        match &self.outlet {
            Outlet::Stream(tx) => {
                if !tx.is_closed() {
                    let _ = tx.send(build());
                }
            }
            Outlet::Session => self.session.push_transient_with(build),
        }
    }

    /// Sends `notifications/message` if logging is offered and `level` passes the threshold.
    pub fn log(&self, level: LogLevel, logger: &str, data: Value) {
        self.log_with(level, logger, || data);
    }

    /// Like `log`, but builds `data` (and the message) only when the message will be sent:
    /// logging offered, `level` at or above the session's threshold, and a receiver (a request
    /// stream, stdout, or an open GET stream). Keeps the hot path free of unread log messages.
    pub fn log_with(&self, level: LogLevel, logger: &str, data: impl FnOnce() -> Value) {
        if !self.state.serves(Capability::Logging) || level < self.session.log_level() {
            return;
        }
        self.send_related_with(|| {
            notification(
                "notifications/message",
                json!({"level": level.as_str(), "logger": logger, "data": data()}),
            )
        });
    }

    /// Sends `notifications/progress` if the request carried a progress token.
    pub fn progress(&self, progress: u64, total: u64, message: &str) {
        let Some(token) = &self.progress_token else {
            return;
        };
        let mut params = Map::new();
        params.insert("progressToken".into(), token.clone());
        params.insert("progress".into(), json!(progress));
        params.insert("total".into(), json!(total));
        params.insert("message".into(), json!(message));
        self.send_related(notification(
            "notifications/progress",
            Value::Object(params),
        ));
    }

    /// Whether the client has cancelled the request.
    pub fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// Resolves when the client cancels the request (never, if it is not cancelled).
    pub async fn cancelled(&self) {
        let mut rx = self.cancel.clone();
        if rx.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
