//! Resumable SSE over HTTP: opening a request's stream through the session's event store, and
//! `GET` with `Last-Event-ID`, which resumes the stream that id belongs to.
//!
//! A request stream's events are stored as the request produces them, read by at most one
//! connection at a time. With `ServerConfig::sse_poll` (2025-11-25 sessions) a connection is
//! closed once the interval passes without the response, after a `retry` field; the client
//! resumes by GET and gets the rest, the response included, even if it was produced while no
//! connection was open. A `Last-Event-ID` the store does not know (never issued, or its stream
//! was dropped by the store's bounds) is answered 400 with a JSON-RPC error: the spec leaves the
//! case open, and a clear refusal tells the client to stop resuming rather than wait on a
//! stream that will never carry anything. (404 would tell it the session is gone.)

use super::reply::Rejection;
use crate::event_store::{StreamKind, StreamLog};
use crate::fault::Fault;
use crate::session::Session;
use crate::sse::{listener_stream, pump, request_stream, Connection};
use crate::state::ServerState;
use axum::http::StatusCode;
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// An SSE body.
pub(crate) type Body = BoxStream<'static, Result<Bytes, Infallible>>;

/// The `Last-Event-ID` request header.
pub(crate) const LAST_EVENT_ID: &str = "last-event-id";

/// The polling interval for `session`'s request streams (2025-11-25 sessions only, the
/// revision that lets servers close a stream's connection before the response).
fn poll_interval(state: &ServerState, session: &Session) -> Option<Duration> {
    state
        .config
        .sse_poll
        .filter(|_| session.version().sse_priming())
}

/// Whether streams of `session` open with a priming event.
pub(crate) fn primes(state: &ServerState, session: &Session) -> bool {
    session.version().sse_priming() && !state.has(Fault::SseNoPriming)
}

/// A new stream log of `session`.
pub(crate) fn open_log(state: &ServerState, session: &Session, kind: StreamKind) -> Arc<StreamLog> {
    session.events().open(
        session.next_stream_no(),
        kind,
        state.has(Fault::SseEventIdReused),
    )
}

/// The SSE body for a request whose messages (notifications, requests, then its response) the
/// request task sends into the returned sender; the stream completes when every sender is
/// dropped.
pub(crate) fn request_body(
    state: &ServerState,
    session: &Session,
) -> (mpsc::UnboundedSender<Value>, Body) {
    let (tx, rx) = mpsc::unbounded_channel();
    let log = open_log(state, session, StreamKind::Request);
    if primes(state, session) {
        log.append(None);
    }
    tokio::spawn(pump(rx, log.clone()));
    let conn = Connection {
        poll: poll_interval(state, session),
        retry: !state.has(Fault::SseNoRetry),
        ..Connection::default()
    };
    let body = request_stream(log, None, conn, state.shutdown_signal());
    (tx, body.boxed())
}

/// `GET` with `Last-Event-ID`: replays the events after that id from its stream (and only that
/// stream), then continues the stream: a request stream until its response, the GET stream as
/// the session's new GET stream. `Err`: the refusal to send.
pub(crate) fn resume(
    state: &ServerState,
    session: &Session,
    last_event_id: &str,
) -> Result<Body, Rejection> {
    let Some((log, seq)) = session.events().find(last_event_id) else {
        return Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            format!("Bad Request: unknown or expired Last-Event-ID `{last_event_id}`"),
        ));
    };
    match log.kind() {
        StreamKind::Request => {
            let foreign = if state.has(Fault::SseResumeOtherStream) {
                session
                    .events()
                    .others(&log)
                    .iter()
                    .flat_map(|l| l.messages())
                    .collect()
            } else {
                Vec::new()
            };
            let conn = Connection {
                poll: poll_interval(state, session),
                retry: !state.has(Fault::SseNoRetry),
                skip_responses: state.has(Fault::SseResumeLost),
                foreign,
            };
            Ok(request_stream(log, Some(seq), conn, state.shutdown_signal()).boxed())
        }
        StreamKind::Listener => {
            let Some(rx) = session.open_listener() else {
                return Err(Rejection::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "no stream for this session",
                ));
            };
            let (replay, _) = log.after(Some(seq));
            Ok(listener_stream(
                rx,
                log,
                replay,
                false,
                Some(state.config.keep_alive),
                state.shutdown_signal(),
            )
            .boxed())
        }
    }
}
