//! A modern request over Streamable HTTP (the branch `http/post.rs` takes for it): header and
//! `_meta` checks with their HTTP statuses (400 for -32602/-32020/-32021/-32022, 404 for
//! -32601), then one JSON body, or an SSE stream scoped to the request. No session is read or
//! minted: a legacy `Mcp-Session-Id` on a modern request is ignored.

use super::errors::{HEADER_MISMATCH, MISSING_CAPABILITY, UNSUPPORTED_VERSION};
use super::headers::PROTOCOL_HEADER;
use super::route::{self, Prepared, Route};
use super::stream::{response_stream, CancelOnDrop};
use super::{headers, listen, meta, param_headers};
use crate::context::Outlet;
use crate::fault::Fault;
use crate::http::reply;
use crate::jsonrpc::{classify, codes, error_response, Incoming, RpcError};
use crate::session::new_session_id;
use crate::state::ServerState;
use crate::version::Version;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The legacy session header (only ever written under `v26-session-minted`).
const SESSION_HEADER: &str = "mcp-session-id";

/// Whether a POST body is handled as modern: its `_meta` names a version; or it is a request
/// (not `initialize`) without a session whose `MCP-Protocol-Version` names no legacy revision,
/// i.e. a modern client that left out the required `_meta` (rejected as malformed, -32602).
pub(crate) fn wants_modern(headers: &HeaderMap, msg: &Value) -> bool {
    if super::is_modern(msg) {
        return true;
    }
    let request = msg.get("id").is_some()
        && msg
            .get("method")
            .and_then(Value::as_str)
            .is_some_and(|m| m != "initialize");
    let version = headers.get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok());
    request
        && headers.get(SESSION_HEADER).is_none()
        && version.is_some_and(|v| Version::parse(v).is_none())
}

/// The HTTP status of a modern error response.
fn status_of(code: i64) -> StatusCode {
    match code {
        codes::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        HEADER_MISMATCH | MISSING_CAPABILITY | UNSUPPORTED_VERSION => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// The status of a response message: its error's, or 200.
fn status_of_message(msg: &Value) -> StatusCode {
    msg.pointer("/error/code")
        .and_then(Value::as_i64)
        .map_or(StatusCode::OK, status_of)
}

/// Adds what every modern response gets (nothing, unless `v26-session-minted` asks for a
/// session id).
fn finish(state: &ServerState, mut response: Response) -> Response {
    if state.has(Fault::V26SessionMinted) {
        if let Ok(v) = HeaderValue::from_str(&new_session_id(false)) {
            response.headers_mut().insert(SESSION_HEADER, v);
        }
    }
    response
}

/// The checks before a request runs. Their failures are 404 for -32601 and 400 for the rest
/// (malformed `_meta` is -32602 with 400).
fn validate(
    state: &ServerState,
    headers: &HeaderMap,
    id: Value,
    method: String,
    params: Option<Value>,
) -> Result<Prepared, (StatusCode, RpcError)> {
    let bad = |e: RpcError| {
        let status = if e.code == codes::METHOD_NOT_FOUND {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        (status, e)
    };
    let version = meta::requested_version(params.as_ref()).map_err(bad)?;
    headers::check(state, headers, version, &method, params.as_ref()).map_err(bad)?;
    param_headers::check(state, headers, &method, params.as_ref()).map_err(bad)?;
    route::prepare(state, id, method, params).map_err(bad)
}

/// Handles one modern POST body.
pub(crate) async fn handle(state: Arc<ServerState>, headers: &HeaderMap, msg: Value) -> Response {
    let (id, method, params) = match classify(&msg) {
        Incoming::Invalid { id, reason } => {
            let body = error_response(id, &RpcError::invalid_request(reason));
            return finish(&state, reply::json(StatusCode::BAD_REQUEST, &body));
        }
        // The era defines no client notifications over HTTP; accepted and ignored.
        Incoming::Response | Incoming::Notification { .. } => {
            return finish(&state, reply::empty(StatusCode::ACCEPTED))
        }
        Incoming::Request { id, method, params } => (id, method, params),
    };
    let prepared = match validate(&state, headers, id.clone(), method, params) {
        Ok(p) => p,
        Err((status, e)) => {
            return finish(&state, reply::json(status, &error_response(id, &e)));
        }
    };
    let response = if prepared.route == Route::Listen {
        match listen::Filter::parse(&state, prepared.params.as_ref()) {
            Ok(filter) => reply::sse(listen::sse_stream(state.clone(), prepared, filter)),
            Err(e) => reply::json(StatusCode::BAD_REQUEST, &error_response(id, &e)),
        }
    } else if prepared.streamed(&state) {
        streamed(state.clone(), prepared)
    } else {
        let session = route::session_for(&prepared.meta);
        let reply = route::execute(&state, prepared, &session, Outlet::Session).await;
        match reply.into_message() {
            Some(m) => reply::json(status_of_message(&m), &m),
            // Only a cancelled request has no response; nothing is left to send.
            None => reply::empty(StatusCode::ACCEPTED),
        }
    };
    finish(&state, response)
}

/// Answers with an SSE stream carrying the allowed notifications, then the response.
fn streamed(state: Arc<ServerState>, prepared: Prepared) -> Response {
    let session = route::session_for(&prepared.meta);
    let (tx, rx) = mpsc::unbounded_channel();
    let policy = prepared.policy(&state);
    let guard = CancelOnDrop::new(session.clone(), prepared.id.clone());
    let stream = response_stream(rx, policy, guard, state.shutdown_signal());
    tokio::spawn(async move {
        let reply = route::execute(&state, prepared, &session, Outlet::Stream(tx.clone())).await;
        if let Some(m) = reply.into_message() {
            let _ = tx.send(m);
        }
    });
    reply::sse(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn modern_detection() {
        let plain = json!({"jsonrpc":"2.0","id":1,"method":"tools/list"});
        assert!(!wants_modern(&HeaderMap::new(), &plain));
        assert!(wants_modern(
            &with(&[("mcp-protocol-version", "2026-07-28")]),
            &plain
        ));
        assert!(!wants_modern(
            &with(&[("mcp-protocol-version", "2025-11-25")]),
            &plain
        ));
        assert!(!wants_modern(
            &with(&[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-session-id", "x")
            ]),
            &plain
        ));
        let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize"});
        assert!(!wants_modern(
            &with(&[("mcp-protocol-version", "2026-07-28")]),
            &init
        ));
    }

    #[test]
    fn statuses_follow_the_codes() {
        assert_eq!(status_of(-32601), StatusCode::NOT_FOUND);
        assert_eq!(status_of(-32022), StatusCode::BAD_REQUEST);
        assert_eq!(status_of(-32602), StatusCode::OK);
    }
}
