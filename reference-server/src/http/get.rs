//! GET /mcp: the session's stream of messages not tied to a request (list changes, resource
//! updates, log messages), with keep-alive comments; with `Last-Event-ID`, the resumption of
//! the stream that event belongs to (see `resume`).
//!
//! A GET whose `Accept` does not list `text/event-stream` gets 406 Not Acceptable: the server
//! does offer a stream at this endpoint (so 405 would be wrong), just not in another format.

use super::headers::{accepts, check_protocol_version, require_session};
use super::reply;
use super::resume::{self, LAST_EVENT_ID};
use crate::event_store::StreamKind;
use crate::fault::Fault;
use crate::limits;
use crate::sse::listener_stream;
use crate::state::ServerState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
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
    // Taken before the listener opens, so a refused GET leaves the open stream alone.
    let slot = match limits::open_stream(&state.limits.limits, session.gauges(), &Value::Null) {
        Ok(held) => held,
        Err(refused) => return refused.into_response(),
    };
    if let Some(last) = headers.get(LAST_EVENT_ID) {
        let Ok(last) = last.to_str() else {
            return reply::bad(
                StatusCode::BAD_REQUEST,
                "Bad Request: invalid Last-Event-ID",
            );
        };
        return match resume::resume(&state, &session, last) {
            Ok(body) => reply::sse(limits::hold_while(body, slot)),
            Err(refused) => refused.into_response(),
        };
    }
    let rx = if state.has(Fault::BroadcastNotifications) {
        session.open_listener_broadcast()
    } else {
        session.open_listener()
    };
    let Some(rx) = rx else {
        return reply::bad(StatusCode::METHOD_NOT_ALLOWED, "no stream for this session");
    };
    let log = resume::open_log(&state, &session, StreamKind::Listener);
    let stream = listener_stream(
        rx,
        log,
        Vec::new(),
        resume::primes(&state, &session),
        Some(state.config.keep_alive),
        state.shutdown_signal(),
    );
    reply::sse(limits::hold_while(stream, slot))
}
