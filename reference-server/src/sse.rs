//! The SSE writer: event framing, per-session unique event ids, and the two kinds of stream
//! the server sends (a request's response stream and the session's GET stream).
//!
//! Framed by hand rather than with axum's `Sse` so the bytes are exact and predictable: the
//! priming event must be an id with an empty `data` field, and every event carries an id.

use bytes::Bytes;
use futures::Stream;
use serde_json::Value;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Event ids of one stream: `<stream>-<seq>`, unique within the session because the stream
/// number is, and naming the stream they belong to.
pub(crate) struct EventIds {
    stream: u64,
    seq: u64,
}

impl EventIds {
    /// Ids for stream number `stream` of a session.
    pub fn new(stream: u64) -> Self {
        Self { stream, seq: 0 }
    }

    /// The next id.
    pub fn next_id(&mut self) -> String {
        let id = format!("{}-{}", self.stream, self.seq);
        self.seq += 1;
        id
    }
}

/// An event carrying one JSON-RPC message.
pub(crate) fn message_event(id: &str, msg: &Value) -> Bytes {
    Bytes::from(format!("id: {id}\ndata: {msg}\n\n"))
}

/// The priming event: an id and an empty `data` field.
pub(crate) fn priming_event(id: &str) -> Bytes {
    Bytes::from(format!("id: {id}\ndata:\n\n"))
}

/// A comment line that keeps an idle connection open.
pub(crate) fn keep_alive() -> Bytes {
    Bytes::from_static(b": keep-alive\n\n")
}

/// One step of a stream.
enum Step {
    Message(Value),
    KeepAlive,
    End,
}

/// Streams every message from `rx` as an event until `rx` closes or the server shuts down;
/// with `keep_alive`, sends a comment whenever that much time passed without one.
pub(crate) fn event_stream(
    mut rx: mpsc::UnboundedReceiver<Value>,
    mut ids: EventIds,
    priming: bool,
    keep_alive_every: Option<Duration>,
    mut shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    async_stream::stream! {
        if priming {
            yield Ok(priming_event(&ids.next_id()));
        }
        let period = keep_alive_every.unwrap_or(Duration::from_secs(3600));
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            let step = tokio::select! {
                msg = rx.recv() => msg.map_or(Step::End, Step::Message),
                _ = ticker.tick(), if keep_alive_every.is_some() => Step::KeepAlive,
                _ = shutdown.wait_for(|s| *s) => Step::End,
            };
            match step {
                Step::Message(m) => yield Ok(message_event(&ids.next_id(), &m)),
                Step::KeepAlive => yield Ok(keep_alive()),
                Step::End => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use serde_json::json;

    #[test]
    fn frames_events_exactly() {
        assert_eq!(
            &message_event("1-2", &json!({"a":1}))[..],
            b"id: 1-2\ndata: {\"a\":1}\n\n"
        );
        assert_eq!(&priming_event("3-0")[..], b"id: 3-0\ndata:\n\n");
        let mut ids = EventIds::new(4);
        assert_eq!(
            (ids.next_id(), ids.next_id()),
            ("4-0".to_string(), "4-1".to_string())
        );
    }

    #[tokio::test]
    async fn stream_primes_then_relays_then_ends() {
        let (tx, rx) = mpsc::unbounded_channel();
        let (_stop, shutdown) = watch::channel(false);
        tx.send(json!(1)).unwrap();
        drop(tx);
        let chunks: Vec<Bytes> = event_stream(rx, EventIds::new(0), true, None, shutdown)
            .map(|c| c.unwrap())
            .collect()
            .await;
        assert_eq!(
            chunks,
            vec![priming_event("0-0"), message_event("0-1", &json!(1))]
        );
    }
}
