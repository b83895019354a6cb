//! GET /mcp: the session's stream of messages not tied to a request (list changes, resource
//! updates, log messages), with keep-alive comments.
//!
//! A GET whose `Accept` does not list `text/event-stream` gets 406 Not Acceptable: the server
//! does offer a stream at this endpoint (so 405 would be wrong), just not in another format.

use super::headers::{accepts, check_protocol_version, require_session};
use super::reply;
use crate::fault::Fault;
use crate::sse::{event_stream, EventIds};
use crate::state::ServerState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// The handler.
pub(crate) async fn handle(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    if state.has(Fault::GetReturnsJson) {
        return reply::json(StatusCode::OK, &json!({}));
    }
    if !accepts(&headers, "text/event-stream") {
        return reply::bad(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable: Accept must list text/event-stream",
        );
    }
    let session = match require_session(&state, &headers) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    if let Err(r) = check_protocol_version(&state, &headers, &session) {
        return r.into_response();
    }
    let Some(rx) = session.open_listener() else {
        return reply::bad(StatusCode::METHOD_NOT_ALLOWED, "no stream for this session");
    };
    let ids = EventIds::new(session.next_stream_no());
    let keep_alive = Some(state.config.keep_alive);
    reply::sse(event_stream(
        rx,
        ids,
        session.version().sse_priming(),
        keep_alive,
        state.shutdown_signal(),
    ))
}
