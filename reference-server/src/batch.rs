//! JSON-RPC batches (arrays), accepted only in 2025-03-26 sessions, and the per-message
//! handling both transports share for them.

use crate::context::Outlet;
use crate::dispatch::{self, NotificationOutcome};
use crate::fault::Fault;
use crate::jsonrpc::{classify, error_response, null_success, Incoming, RpcError};
use crate::session::Session;
use crate::state::ServerState;
use serde_json::Value;
use std::sync::Arc;

/// Why a batch was refused as a whole.
pub(crate) fn refusal(state: &ServerState, session: &Session, items: &[Value]) -> Option<RpcError> {
    let negotiated = session.negotiated().map(|n| n.version);
    let batching = negotiated.is_some_and(|v| v.batching());
    // Fault `batch-empty-ok`: an empty array passes as a batch with nothing to answer (HTTP 202,
    // stdio silence) where batches are accepted, instead of JSON-RPC's single -32600 error.
    if items.is_empty() && !(batching && state.has(Fault::BatchEmptyOk)) {
        return Some(RpcError::invalid_request("empty batch"));
    }
    match negotiated {
        // Fault `batch-refused`: the revision that has batches refuses them.
        Some(_) if batching && state.has(Fault::BatchRefused) => Some(RpcError::invalid_request(
            "JSON-RPC batches are not accepted",
        )),
        Some(_) if batching => None,
        // Fault `batch-after-removal`: revisions after 2025-03-26 run batches as it did.
        Some(v)
            if v > crate::version::Version::V2025_03_26 && state.has(Fault::BatchAfterRemoval) =>
        {
            None
        }
        Some(v) => Some(RpcError::invalid_request(format!(
            "JSON-RPC batches are not part of protocol version {v}"
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
                if let Some(m) =
                    dispatch::request(state, session, id, &method, params, Outlet::Session)
                        .await
                        .into_message()
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
