//! JSON-RPC batches (arrays), accepted only in 2025-03-26 sessions, and the per-message
//! handling both transports share for them.

use crate::context::Outlet;
use crate::dispatch::{self, NotificationOutcome, Reply};
use crate::fault::Fault;
use crate::jsonrpc::{classify, error_response, null_success, Incoming, RpcError};
use crate::session::Session;
use crate::state::ServerState;
use serde_json::Value;
use std::sync::Arc;

/// Why a batch was refused as a whole.
pub(crate) fn refusal(session: &Session, items: &[Value]) -> Option<RpcError> {
    if items.is_empty() {
        return Some(RpcError::invalid_request("empty batch"));
    }
    match session.negotiated() {
        Some(n) if n.version.batching() => None,
        Some(n) => Some(RpcError::invalid_request(format!(
            "JSON-RPC batches are not part of protocol version {}",
            n.version
        ))),
        None => Some(RpcError::invalid_request(
            "Server not initialized: send initialize (unbatched) first",
        )),
    }
}

/// Handles every message of an accepted batch in order; returns the responses to send
/// (empty when the batch held only notifications and responses).
pub(crate) async fn run(
    state: &Arc<ServerState>,
    session: &Arc<Session>,
    items: Vec<Value>,
) -> Vec<Value> {
    let mut out = Vec::new();
    for item in items {
        match classify(&item) {
            Incoming::Request { id, method, .. } if method == "initialize" => {
                out.push(error_response(
                    id,
                    &RpcError::invalid_request("initialize must not be part of a batch"),
                ));
            }
            Incoming::Request { id, method, params } => {
                if let Reply::Message(m) =
                    dispatch::request(state, session, id, &method, params, Outlet::Session).await
                {
                    out.push(m);
                }
            }
            Incoming::Notification { method, params } => {
                match dispatch::notification(state, session, &method, params.as_ref()) {
                    NotificationOutcome::Rejected(e) => out.push(error_response(Value::Null, &e)),
                    NotificationOutcome::Accepted if state.has(Fault::ReplyToNotifications) => {
                        out.push(null_success())
                    }
                    NotificationOutcome::Accepted => {}
                }
            }
            Incoming::Response => {
                session.client().resolve(&item);
            }
            Incoming::Invalid { id, reason } => {
                out.push(error_response(id, &RpcError::invalid_request(reason)))
            }
        }
    }
    out
}
