//! The SSE writer: event framing, per-session unique event ids, and the two kinds of stream
//! the server sends (a request's response stream and the session's GET stream), read from the
//! session's event store so they can be resumed (see `event_store`).
//!
//! Framed by hand rather than with axum's `Sse` so the bytes are exact and predictable: the
//! priming event must be an id with an empty `data` field, and every event carries an id.
//! A request stream's connection may be closed by the server before the response (2025-11-25
//! polling): it then sends a `retry` field first and the client resumes with `Last-Event-ID`.

use crate::event_store::{StoredEvent, StreamLog};
use bytes::Bytes;
use futures::Stream;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
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

/// An event that only sets the client's reconnection delay.
pub(crate) fn retry_event(after: Duration) -> Bytes {
    Bytes::from(format!("retry: {}\n\n", after.as_millis()))
}

/// A stored event, framed.
fn stored_event(ev: &StoredEvent) -> Bytes {
    match &ev.message {
        Some(m) => message_event(&ev.id, m),
        None => priming_event(&ev.id),
    }
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

/// Why a request stream's connection woke up.
enum Wake {
    /// The log changed (an event, completion, or a newer connection).
    Changed,
    /// The polling interval passed.
    Poll,
    /// The server shuts down.
    End,
}

/// How one connection to a request stream behaves.
#[derive(Clone, Debug, Default)]
pub(crate) struct Connection {
    /// Polling: close the connection this long after it opened while the stream is not
    /// complete (only once an event id reached the client).
    pub poll: Option<Duration>,
    /// Send a `retry` field (the poll interval) before such a close (off under `sse-no-retry`).
    pub retry: bool,
    /// Leave responses out (fault `sse-resume-lost`; set on resumed connections only).
    pub skip_responses: bool,
    /// Events sent first (fault `sse-resume-other-stream`: another stream's messages).
    pub foreign: Vec<StoredEvent>,
}

/// One connection to a request stream: the stored events after `after` (all with `None`),
/// then each new one as it is appended, until the stream completes, a newer connection takes
/// the stream over, the poll interval passes or the server shuts down.
pub(crate) fn request_stream(
    log: Arc<StreamLog>,
    after: Option<u64>,
    conn: Connection,
    mut shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    async_stream::stream! {
        let generation = log.attach();
        let mut changes = log.subscribe();
        let mut cursor = after;
        // A resuming client already holds an id; a fresh one gets one with the first event.
        let mut id_sent = after.is_some();
        for ev in &conn.foreign {
            yield Ok(stored_event(ev));
        }
        let close_at = conn.poll.map(|d| (tokio::time::Instant::now() + d, d));
        loop {
            changes.borrow_and_update();
            if !log.is_current(generation) {
                break;
            }
            let (events, finished) = log.after(cursor);
            for ev in events {
                cursor = Some(ev.seq);
                if conn.skip_responses && ev.is_response() {
                    continue;
                }
                id_sent = true;
                yield Ok(stored_event(&ev));
            }
            if finished {
                break;
            }
            let poll_at = close_at.filter(|_| id_sent);
            let wake = tokio::select! {
                changed = changes.changed() => if changed.is_err() { Wake::End } else { Wake::Changed },
                _ = async { if let Some((at, _)) = poll_at { tokio::time::sleep_until(at).await } },
                    if poll_at.is_some() => Wake::Poll,
                _ = shutdown.wait_for(|s| *s) => Wake::End,
            };
            match (wake, poll_at) {
                (Wake::Changed, _) => {}
                (Wake::Poll, Some((_, every))) => {
                    if conn.retry {
                        yield Ok(retry_event(every));
                    }
                    break;
                }
                _ => break,
            }
        }
    }
}

/// One connection to the session's GET stream: `replay` first (a resumption), a priming event
/// when asked, then every message from `rx`, each appended to `log` so it can be replayed,
/// with keep-alive comments; ends when `rx` closes (the stream was replaced or the session
/// ended) or the server shuts down.
pub(crate) fn listener_stream(
    mut rx: mpsc::UnboundedReceiver<Value>,
    log: Arc<StreamLog>,
    replay: Vec<StoredEvent>,
    priming: bool,
    keep_alive_every: Option<Duration>,
    mut shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    async_stream::stream! {
        for ev in &replay {
            yield Ok(stored_event(ev));
        }
        if priming {
            yield Ok(stored_event(&log.append(None)));
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
                Step::Message(m) => yield Ok(stored_event(&log.append(Some(m)))),
                Step::KeepAlive => yield Ok(keep_alive()),
                Step::End => break,
            }
        }
        log.finish();
    }
}

/// Moves every message from `rx` into `log` until `rx` closes (the request finished), then
/// marks the stream complete. Runs whether or not a connection reads the log.
pub(crate) async fn pump(mut rx: mpsc::UnboundedReceiver<Value>, log: Arc<StreamLog>) {
    while let Some(m) = rx.recv().await {
        log.append(Some(m));
    }
    log.finish();
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
