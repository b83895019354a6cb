//! The SSE response stream of a modern request: each allowed message as one event, without
//! event ids (the era has no resumption), ending after the response. When the client closes
//! the stream first, the request is cancelled: closing is the era's cancellation over HTTP.
//!
//! Framed by hand, like `crate::sse`, so the bytes are exact: `data: <json>` and a blank line.

use super::policy::Policy;
use crate::session::Session;
use bytes::Bytes;
use futures::Stream;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// An event carrying one JSON-RPC message, without an id.
pub(crate) fn message_event(msg: &Value) -> Bytes {
    Bytes::from(format!("data: {msg}\n\n"))
}

/// A comment line that keeps an idle stream open.
pub(crate) fn keep_alive() -> Bytes {
    Bytes::from_static(b": keep-alive\n\n")
}

/// Whether `msg` is a response (the last message of a request's stream).
pub(crate) fn is_response(msg: &Value) -> bool {
    msg.get("method").is_none() && (msg.get("result").is_some() || msg.get("error").is_some())
}

/// Cancels a request of `session` when dropped; harmless once the request has finished.
pub(crate) struct CancelOnDrop {
    session: Arc<Session>,
    id: Value,
}

impl CancelOnDrop {
    /// A guard for request `id` of `session`.
    pub fn new(session: Arc<Session>, id: Value) -> Self {
        Self { session, id }
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.session.cancel_request(&self.id);
    }
}

/// Relays what `policy` allows from `rx` until the response (or until `rx` closes or the server
/// shuts down). `guard` lives as long as the stream.
pub(crate) fn response_stream(
    mut rx: mpsc::UnboundedReceiver<Value>,
    policy: Policy,
    guard: CancelOnDrop,
    mut shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    async_stream::stream! {
        let _guard = guard;
        loop {
            let msg = tokio::select! {
                msg = rx.recv() => msg,
                _ = shutdown.wait_for(|s| *s) => None,
            };
            let Some(msg) = msg else { break };
            if !policy.allows(&msg) {
                continue;
            }
            yield Ok(message_event(&msg));
            if is_response(&msg) {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use crate::state::ServerState;
    use futures::StreamExt;
    use serde_json::json;

    #[tokio::test]
    async fn relays_allowed_messages_until_the_response_and_cancels_on_drop() {
        let state = ServerState::new(ServerConfig::default());
        let session = Arc::new(Session::new_http("m".into()));
        let cancelled = session.begin_request(&json!(1));
        let (tx, rx) = mpsc::unbounded_channel();
        let (_stop, shutdown) = watch::channel(false);
        tx.send(
            json!({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"error"}}),
        )
        .unwrap();
        tx.send(json!({"jsonrpc":"2.0","id":1,"result":{}}))
            .unwrap();
        tx.send(json!({"jsonrpc":"2.0","id":2,"result":{}}))
            .unwrap();
        let policy = Policy::new(&state, None, None);
        let guard = CancelOnDrop::new(session.clone(), json!(1));
        let chunks: Vec<Bytes> = response_stream(rx, policy, guard, shutdown)
            .map(|c| c.unwrap())
            .collect()
            .await;
        assert_eq!(
            chunks,
            vec![Bytes::from(
                "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"
            )]
        );
        assert!(*cancelled.borrow());
    }
}
