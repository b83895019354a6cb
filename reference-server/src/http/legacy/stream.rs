//! `GET /sse`: opens a legacy session and streams it: the `endpoint` event first, then every
//! message as a `message` event, with keep-alive comments. The session ends with the stream.

use super::{Legacy, MESSAGES_PATH};
use crate::fault::Fault;
use crate::http::headers::accepts;
use crate::http::reply;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use futures::Stream;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The handler.
pub(super) async fn handle(State(legacy): State<Arc<Legacy>>, headers: HeaderMap) -> Response {
    // No Accept means anything; one that names neither the stream type nor a wildcard cannot
    // be served.
    if headers.contains_key(header::ACCEPT)
        && !accepts(&headers, "text/event-stream")
        && !accepts(&headers, "*/*")
        && !accepts(&headers, "text/*")
    {
        return reply::bad(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable: Accept must list text/event-stream",
        );
    }
    let Some((id, rx)) = legacy.open() else {
        return reply::bad(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable: too many legacy SSE sessions",
        );
    };
    let endpoint = (!legacy.has(Fault::LegacyNoEndpointEvent))
        .then(|| format!("{MESSAGES_PATH}?sessionId={id}"));
    let keep_alive = legacy.server.config.keep_alive;
    let shutdown = legacy.server.shutdown_signal();
    let closer = Closer { legacy, id };
    reply::sse(session_stream(endpoint, rx, keep_alive, shutdown, closer))
}

/// Ends the session when the stream is dropped (the client went away or the server stops).
struct Closer {
    legacy: Arc<Legacy>,
    id: String,
}

impl Drop for Closer {
    fn drop(&mut self) {
        self.legacy.close(&self.id);
    }
}

/// An SSE event of type `event` with one data line. Framed by hand so the bytes are exact; the
/// data never holds a newline (a URI, or JSON as serde_json writes it).
fn event(event: &str, data: &str) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// The stream: the endpoint event (unless faulted away), then each message, until the session's
/// queue closes or the server shuts down.
fn session_stream(
    endpoint: Option<String>,
    mut rx: mpsc::Receiver<Value>,
    keep_alive: Duration,
    mut shutdown: watch::Receiver<bool>,
    closer: Closer,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    async_stream::stream! {
        let _closer = closer;
        if let Some(uri) = endpoint {
            yield Ok(event("endpoint", &uri));
        }
        let mut ticker =
            tokio::time::interval_at(tokio::time::Instant::now() + keep_alive, keep_alive);
        loop {
            // Decided first, yielded after: no borrow of the shutdown signal lives across a yield.
            let next = tokio::select! {
                msg = rx.recv() => msg.map(|m| event("message", &m.to_string())),
                _ = ticker.tick() => Some(Bytes::from_static(b": keep-alive\n\n")),
                _ = shutdown.wait_for(|s| *s) => None,
            };
            match next {
                Some(bytes) => yield Ok(bytes),
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_framed_exactly() {
        assert_eq!(
            &event("endpoint", "/messages?sessionId=ab")[..],
            b"event: endpoint\ndata: /messages?sessionId=ab\n\n"
        );
        assert_eq!(
            &event("message", r#"{"a":1}"#)[..],
            b"event: message\ndata: {\"a\":1}\n\n"
        );
    }
}
