//! `POST /messages?sessionId=<id>`: one client message per POST, answered `202 Accepted`; the
//! response to a request goes out later as a `message` event on the session's stream.
//!
//! Unknown or missing session ids get 404 / 400, a body that is not JSON 400 with a -32700
//! error, a batch (2024-11-05 has none; later revisions per their rules) is refused or run as on
//! `/mcp`. Under `legacy-response-in-post` a request is answered in the POST body instead.

use super::Legacy;
use crate::batch;
use crate::context::Outlet;
use crate::dispatch::{self, NotificationOutcome, Reply};
use crate::fault::Fault;
use crate::http::headers::is_json_body;
use crate::http::reply;
use crate::jsonrpc::{classify, error_response, null_success, Incoming, RpcError};
use crate::session::Session;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;

/// The handler.
pub(super) async fn handle(
    State(legacy): State<Arc<Legacy>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(id) = session_id(query.as_deref()) else {
        return reply::bad(StatusCode::BAD_REQUEST, "Bad Request: missing sessionId");
    };
    let Some(session) = legacy.session(&id) else {
        return reply::bad(StatusCode::NOT_FOUND, "Not Found: no such session");
    };
    if !is_json_body(&headers) {
        return reply::bad(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type: Content-Type must be application/json",
        );
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) if legacy.has(Fault::ParseErrorOk) => {
            session.push(null_success());
            return accepted();
        }
        Err(e) => return reply::rpc_error(StatusCode::BAD_REQUEST, &RpcError::parse_error(e)),
    };
    match value {
        Value::Array(items) => handle_batch(legacy, session, items).await,
        msg => handle_single(legacy, session, msg).await,
    }
}

/// `sessionId` from the query string.
fn session_id(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "sessionId")
        .map(|(_, v)| v.into_owned())
}

/// 202 with the body the 2024-11-05 reference implementations send.
fn accepted() -> Response {
    let mut r = reply::empty(StatusCode::ACCEPTED);
    *r.body_mut() = axum::body::Body::from("Accepted");
    r
}

async fn handle_single(legacy: Arc<Legacy>, session: Arc<Session>, msg: Value) -> Response {
    match classify(&msg) {
        Incoming::Invalid { id, reason } => {
            let error = error_response(id.clone(), &RpcError::invalid_request(reason));
            if !id.is_null() {
                session.push(error.clone());
            }
            reply::json(StatusCode::BAD_REQUEST, &error)
        }
        Incoming::Response => {
            // A client's answer to a request the server sent (unknown ids are ignored).
            session.client().resolve(&msg);
            accepted()
        }
        Incoming::Notification { method, params } => {
            match dispatch::notification(&legacy.server, &session, &method, params.as_ref()) {
                NotificationOutcome::Rejected(e) => reply::rpc_error(StatusCode::BAD_REQUEST, &e),
                NotificationOutcome::Accepted if legacy.has(Fault::ReplyToNotifications) => {
                    session.push(null_success());
                    accepted()
                }
                NotificationOutcome::Accepted => accepted(),
            }
        }
        Incoming::Request { id, method, params } => {
            if legacy.has(Fault::LegacyResponseInPost) {
                let state = legacy.server.clone();
                return match dispatch::request(
                    &state,
                    &session,
                    id,
                    &method,
                    params,
                    Outlet::Session,
                )
                .await
                {
                    Reply::Message(m) => reply::json(StatusCode::OK, &m),
                    Reply::Cached { id, result } => {
                        reply::json_bytes(StatusCode::OK, result.response_bytes(&id))
                    }
                    Reply::Silent => accepted(),
                };
            }
            let Ok(permit) = legacy.in_flight.clone().try_acquire_owned() else {
                return reply::bad(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service Unavailable: too many requests in progress",
                );
            };
            // Answered on the stream, so the POST need not wait for the handler.
            tokio::spawn(async move {
                let _permit = permit;
                let state = legacy.server.clone();
                let reply =
                    dispatch::request(&state, &session, id, &method, params, Outlet::Session).await;
                if let Some(m) = reply.into_message() {
                    session.push(m);
                }
            });
            accepted()
        }
    }
}

/// A JSON array: refused unless the session's revision batches, else run and answered on the
/// stream as one array event.
async fn handle_batch(legacy: Arc<Legacy>, session: Arc<Session>, items: Vec<Value>) -> Response {
    if let Some(e) = batch::refusal(&legacy.server, &session, &items) {
        return reply::rpc_error(StatusCode::BAD_REQUEST, &e);
    }
    let replies = batch::run(&legacy.server, &session, items).await;
    if !replies.is_empty() {
        session.push(Value::Array(replies));
    }
    accepted()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_comes_from_the_query() {
        assert_eq!(session_id(Some("sessionId=ab12")).as_deref(), Some("ab12"));
        assert_eq!(session_id(Some("x=1&sessionId=c")).as_deref(), Some("c"));
        assert_eq!(session_id(Some("x=1")), None);
        assert_eq!(session_id(None), None);
    }
}
