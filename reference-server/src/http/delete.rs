//! DELETE /mcp: ends the session named by the header; later requests with it get 404.

use super::headers::{check_protocol_version, require_session};
use super::reply;
use crate::fault::Fault;
use crate::state::ServerState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The handler.
pub(crate) async fn handle(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    let session = match require_session(&state, &headers) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    if let Err(r) = check_protocol_version(&state, &headers, &session) {
        return r.into_response();
    }
    if !state.has(Fault::DeleteIgnored) {
        state.sessions.remove(session.id());
        session.close_listener();
    }
    reply::empty(StatusCode::OK)
}
