//! POST /mcp: one JSON-RPC message (or a 2025-03-26 batch) per request. Notifications and
//! responses get 202; a request gets a JSON body, or an SSE stream when configured, when it
//! asks for progress, or for the long-running tool.

use super::headers::{
    accepts, check_protocol_version, is_json_body, lookup, missing_session, throwaway,
    unknown_session, Lookup, SESSION_HEADER,
};
use super::reply::{self, Rejection};
use crate::batch;
use crate::context::Outlet;
use crate::dispatch::{self, NotificationOutcome, Reply};
use crate::fault::Fault;
use crate::jsonrpc::{classify, error_response, null_success, Incoming, RpcError};
use crate::limits;
use crate::session::{new_session_id, Session};
use crate::sse::{event_stream, EventIds};
use crate::state::ServerState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The handler.
pub(crate) async fn handle(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !(accepts(&headers, "application/json") && accepts(&headers, "text/event-stream")) {
        return reply::bad(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable: Accept must list both application/json and text/event-stream",
        );
    }
    if !is_json_body(&headers) {
        return reply::bad(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type: Content-Type must be application/json",
        );
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) if state.has(Fault::ParseErrorOk) => {
            return reply::json(StatusCode::OK, &null_success())
        }
        Err(e) => return reply::rpc_error(StatusCode::BAD_REQUEST, &RpcError::parse_error(e)),
    };
    match value {
        Value::Array(items) => handle_batch(state, &headers, items).await,
        // The 2026-07-28 era: stateless, no session (crate::modern).
        other if crate::modern::http::wants_modern(&headers, &other) => {
            crate::modern::http::handle(state, &headers, other).await
        }
        other => handle_single(state, &headers, other).await,
    }
}

/// The session a POST runs in, and whether it is a stored one. `None` for an initialize
/// without a session header (it creates one).
fn session_for(
    state: &ServerState,
    headers: &HeaderMap,
    is_initialize: bool,
) -> Result<Option<(Arc<Session>, bool)>, Rejection> {
    match lookup(state, headers) {
        Lookup::Found(s) => Ok(Some((s, true))),
        Lookup::Unknown if state.has(Fault::UnknownSessionOk) => {
            Ok(Some((throwaway(state), false)))
        }
        Lookup::Unknown => Err(unknown_session()),
        Lookup::Missing if is_initialize => Ok(None),
        Lookup::Missing
            if state.has(Fault::NoInitRequired)
                || (state.has(Fault::SessionOptional) && state.sessions.any_created()) =>
        {
            Ok(Some((throwaway(state), false)))
        }
        Lookup::Missing => Err(missing_session()),
    }
}

/// Resolves the session and checks the protocol-version header of a stored session.
fn resolve(
    state: &ServerState,
    headers: &HeaderMap,
    is_initialize: bool,
) -> Result<Option<Arc<Session>>, Rejection> {
    match session_for(state, headers, is_initialize)? {
        Some((session, stored)) => {
            if stored && !is_initialize {
                check_protocol_version(state, headers, &session)?;
            }
            Ok(Some(session))
        }
        None => Ok(None),
    }
}

async fn handle_single(state: Arc<ServerState>, headers: &HeaderMap, msg: Value) -> Response {
    let incoming = classify(&msg);
    let is_init = matches!(&incoming, Incoming::Request { method, .. } if method == "initialize");
    let session = match resolve(&state, headers, is_init) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    match (incoming, session) {
        (Incoming::Invalid { id, reason }, _) => reply::json(
            StatusCode::BAD_REQUEST,
            &error_response(id, &RpcError::invalid_request(reason)),
        ),
        (Incoming::Response, session) => {
            // A client's answer to a request the server sent (unknown ids are ignored).
            if let Some(s) = session {
                s.client().resolve(&msg);
            }
            reply::empty(StatusCode::ACCEPTED)
        }
        (Incoming::Notification { method, params }, Some(session)) => {
            match dispatch::notification(&state, &session, &method, params.as_ref()) {
                NotificationOutcome::Rejected(e) => reply::rpc_error(StatusCode::BAD_REQUEST, &e),
                NotificationOutcome::Accepted if state.has(Fault::ReplyToNotifications) => {
                    reply::json(StatusCode::OK, &null_success())
                }
                NotificationOutcome::Accepted if state.has(Fault::Notification200) => {
                    reply::empty(StatusCode::OK)
                }
                NotificationOutcome::Accepted => reply::empty(StatusCode::ACCEPTED),
            }
        }
        (Incoming::Request { id, params, .. }, None) => initialize_new(state, id, params).await,
        (Incoming::Request { id, method, params }, Some(session)) => {
            request(state, session, id, method, params).await
        }
        (Incoming::Notification { .. }, None) => missing_session().into_response(),
    }
}

/// An initialize without a session: creates the session, stored only if initialize succeeds.
async fn initialize_new(state: Arc<ServerState>, id: Value, params: Option<Value>) -> Response {
    // A full server refuses the new session; it never evicts a live one.
    let slot = match state.limits.reserve_session(&id) {
        Ok(slot) => slot,
        Err(refused) => return refused.into_response(),
    };
    let session = Arc::new(Session::new_http(new_session_id(
        state.has(Fault::SessionIdInvalidChars),
    )));
    session.gauges().hold_slot(slot);
    let reply =
        dispatch::request(&state, &session, id, "initialize", params, Outlet::Session).await;
    let Some(msg) = reply.into_message() else {
        return reply::empty(StatusCode::ACCEPTED);
    };
    let created = session.is_initialized();
    if created {
        state.sessions.insert(session.clone());
    }
    let mut response = if state.config.sse_responses {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(msg);
        drop(tx);
        let ids = EventIds::new(session.next_stream_no());
        reply::sse(event_stream(
            rx,
            ids,
            super::resume::primes(&state, &session),
            None,
            state.shutdown_signal(),
        ))
    } else {
        reply::json(StatusCode::OK, &msg)
    };
    if let (true, Ok(v)) = (created, HeaderValue::from_str(session.id())) {
        response.headers_mut().insert(SESSION_HEADER, v);
    }
    response
}

/// A request in an existing session.
async fn request(
    state: Arc<ServerState>,
    session: Arc<Session>,
    id: Value,
    method: String,
    params: Option<Value>,
) -> Response {
    let (guard, already_active) = session.enter_post();
    if already_active > 0 && state.has(Fault::ConcurrentRequestsRejected) {
        return reply::bad(
            StatusCode::CONFLICT,
            "Conflict: another request of this session is in progress",
        );
    }
    let limits = &state.limits.limits;
    let pending = match limits::begin_pending(limits, session.gauges(), &id) {
        Ok(held) => held,
        Err(refused) => return refused.into_response(),
    };
    let streamed = state.config.sse_responses
        || dispatch::progress_token(params.as_ref()).is_some()
        || dispatch::is_long_running(&method, params.as_ref());
    if !streamed {
        let reply = dispatch::request(&state, &session, id, &method, params, Outlet::Session).await;
        drop((guard, pending));
        return match reply {
            Reply::Message(m) => reply::json(StatusCode::OK, &m),
            Reply::Cached { id, result } => {
                reply::json_bytes(StatusCode::OK, result.response_bytes(&id))
            }
            // Only a cancelled request has no response; there is nothing left to send.
            Reply::Silent => reply::empty(StatusCode::ACCEPTED),
        };
    }
    let stream_slot = match limits::open_stream(limits, session.gauges(), &id) {
        Ok(held) => held,
        Err(refused) => return refused.into_response(),
    };
    // The stream's events go through the session's event store, so a client that lost the
    // connection (or that the server closed for polling) can resume it with Last-Event-ID.
    let (tx, stream) = super::resume::request_body(&state, &session);
    let stream = limits::hold_while(stream, stream_slot);
    tokio::spawn(async move {
        let _guard = (guard, pending);
        let reply = dispatch::request(
            &state,
            &session,
            id,
            &method,
            params,
            Outlet::Stream(tx.clone()),
        )
        .await;
        if let Some(m) = reply.into_message() {
            let _ = tx.send(m);
        }
    });
    reply::sse(stream)
}

/// A JSON array: accepted in 2025-03-26 sessions only.
async fn handle_batch(state: Arc<ServerState>, headers: &HeaderMap, items: Vec<Value>) -> Response {
    let session = match resolve(&state, headers, false) {
        Ok(Some(s)) => s,
        Ok(None) => return missing_session().into_response(),
        Err(r) => return r.into_response(),
    };
    if let Some(refused) = limits::check_batch(&state.limits.limits, items.len()) {
        return refused.into_response();
    }
    if let Some(e) = batch::refusal(&state, &session, &items) {
        return reply::rpc_error(StatusCode::BAD_REQUEST, &e);
    }
    let replies = batch::run(&state, &session, items).await;
    if replies.is_empty() {
        let status = if state.has(Fault::Notification200) {
            StatusCode::OK
        } else {
            StatusCode::ACCEPTED
        };
        return reply::empty(status);
    }
    reply::json(StatusCode::OK, &Value::Array(replies))
}
